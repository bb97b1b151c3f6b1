"""Metadata flows: every extra corpus column is kept in ``metadata.csv`` beside ``documents.csv``, so
``compare --by COLUMN`` works from the scored outputs alone, in memory and streamed."""
from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest
from realshaped import write_corpus

from analysis.compare.pipeline import read_scored_metadata


def _cli(argv):
    from analysis.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("c") / "c.jsonl", n_outlets=12, seed=11, broken_share=0.1)


@pytest.mark.parametrize("extra", [(), ("--chunk-size", "9")])
def test_every_extra_column_is_written_beside_documents(corpus, tmp_path, extra):
    out = tmp_path / "o"
    code, _, err = _cli(["score", corpus["path"], "--out", out, "--quiet", "--lexicon", "hedging", *extra])
    assert code == 0, err
    meta = read_scored_metadata(out)
    assert list(meta.columns) == ["doc_id", "lean", "country", "topic", "url", "word_count"]
    docs = pd.read_csv(out / "documents.csv", dtype={"doc_id": str})
    assert meta["doc_id"].tolist() == docs["doc_id"].tolist()  # one row per scored document, same order
    lean = dict(zip(meta["doc_id"], meta["lean"]))
    outlet = dict(zip(docs["doc_id"], docs["outlet"]))
    assert all(lean[d] == corpus["outlet_lean"][outlet[d]] for d in lean)
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["metadata"] == {"table": "metadata.csv", "columns": ["lean", "country", "topic", "url", "word_count"]}


def test_streamed_and_in_memory_metadata_are_identical(corpus, tmp_path):
    for name, extra in (("a", ()), ("b", ("--chunk-size", "5"))):
        code, _, err = _cli(["score", corpus["path"], "--out", tmp_path / name, "--quiet", "--lexicon", "hedging",
                             *extra])
        assert code == 0, err
    assert (tmp_path / "a" / "metadata.csv").read_bytes() == (tmp_path / "b" / "metadata.csv").read_bytes()


def test_compare_by_an_extra_column_without_the_corpus(corpus, tmp_path):
    scored = tmp_path / "s"
    code, _, err = _cli(["score", corpus["path"], "--out", scored, "--quiet", "--lexicon", "hedging"])
    assert code == 0, err
    code, _, err = _cli(["compare", scored, "--by", "lean", "--out", tmp_path / "c", "--quiet",
                         "--n-resamples", "50", "--dedupe", "none"])
    assert code == 0, err
    rates = pd.read_csv(tmp_path / "c" / "rates.csv")
    assert set(rates["lean"]) == {"left", "centre", "right"}
    n_docs = rates.drop_duplicates("lean").set_index("lean")["documents"]
    planted = pd.Series(corpus["outlet_docs"]).groupby(pd.Series(corpus["outlet_lean"])).sum()
    assert n_docs.sort_index().tolist() == planted.sort_index().tolist()


def test_compare_names_metadata_columns_when_by_is_unknown(corpus, tmp_path):
    scored = tmp_path / "s"
    assert _cli(["score", corpus["path"], "--out", scored, "--quiet", "--lexicon", "hedging"])[0] == 0
    code, _, err = _cli(["compare", scored, "--by", "nope", "--out", tmp_path / "c", "--quiet"])
    assert code != 0 and "unknown --by column 'nope'" in err and "lean" in err


def test_no_metadata_table_without_extra_columns(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("doc_id,outlet,text\na,X,It may rain.\n", encoding="utf-8")
    assert _cli(["score", path, "--out", tmp_path / "o", "--quiet"])[0] == 0
    assert not (tmp_path / "o" / "metadata.csv").exists()
    assert "metadata" not in json.loads((tmp_path / "o" / "provenance.json").read_text(encoding="utf-8"))


def test_streamed_metadata_of_messy_extra_columns_is_the_in_memory_table(tmp_path):
    """Chunks whose extra columns differ (a key only some rows have, a number column with gaps in one
    chunk only, numbers and strings mixed, a large markup column with quotes, newlines and cells a
    spreadsheet would run) give the in-memory run's metadata.csv byte for byte, while each chunk's
    columns are kept on disk rather than in memory."""
    rows = []
    for k in range(23):
        row = {"id": f"m{k:03d}", "publisher": f"Outlet {k % 4}", "body": f"Officials said it may rain {k}.",
               "html": f'<p class="x">Officials said it may rain {k}.</p>\n<p>&amp; "quoted" =SUM(A1)</p>' * (1 + k % 3),
               "rank": k if k < 10 or k % 2 else None}
        if k % 5 == 0:
            row["tag"] = "=cmd()" if k == 5 else f"tag{k}"
        if k >= 12:
            row["mixed"] = k if k % 2 else f"v{k}"
        rows.append(row)
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    for name, extra in (("a", ()), ("b", ("--chunk-size", "4")), ("c", ("--chunk-size", "1"))):
        code, _, err = _cli(["score", path, "--out", tmp_path / name, "--quiet", "--lexicon", "hedging", *extra])
        assert code == 0, err
    whole = (tmp_path / "a" / "metadata.csv").read_bytes()
    assert b"'=cmd()" in whole and b"html" in whole.splitlines()[0]
    for name in ("b", "c"):
        assert (tmp_path / name / "metadata.csv").read_bytes() == whole, name
        prov = json.loads((tmp_path / name / "provenance.json").read_text(encoding="utf-8"))
        assert prov["metadata"]["columns"] == json.loads(
            (tmp_path / "a" / "provenance.json").read_text(encoding="utf-8"))["metadata"]["columns"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "jsonl-exact", "parquet"])
def test_load_corpus_keeps_only_the_extra_columns_asked_for(tmp_path, fmt):
    """``load_corpus(columns=...)`` gives the full read's table without the other extra columns, with
    the same report; the columns that can be text, id, outlet, date or title are read whatever it says
    (a synonym left out would change which column is the text)."""
    from analysis.text.corpus import load_corpus

    rows = [{"id": f"k{k}", "publisher": f"O{k % 3}", "published": f"2026-01-{k + 1:02d}", "headline": f"H {k}",
             "body": f"Officials said it may rain {k}.", "content": "a second text-like column",
             "lean": ["left", "right"][k % 2], "html": f"<p>{k}</p>" * 50, "rank": k} for k in range(12)]
    if fmt == "jsonl-exact":
        rows[3]["nested"] = {"a": 1}  # pyarrow's reader leaves nested values to the exact reader
    path = tmp_path / f"c.{fmt.split('-')[0]}"
    if fmt == "csv":
        pd.DataFrame(rows).to_csv(path, index=False)
    elif fmt == "parquet":
        pd.DataFrame(rows).to_parquet(path)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    full, full_report = load_corpus(path)
    part, part_report = load_corpus(path, columns=["lean"])
    assert "html" in full.columns and "html" not in part.columns and "rank" not in part.columns
    assert "content" in part.columns  # a text synonym: always read
    pd.testing.assert_frame_equal(part, full[list(part.columns)])
    assert part_report.to_frame().equals(full_report.to_frame()) and part_report.notes == full_report.notes
    assert load_corpus(path, columns=["lean"], text_col="content")[0]["text"].eq("a second text-like column").all()
