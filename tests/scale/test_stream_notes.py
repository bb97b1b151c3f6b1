"""The load report's notes (dates read day first, ambiguous dates, encodings, missing columns, metadata
files) are saved in ``provenance.json`` under ``load_report.notes`` by ``score``, streamed or not, and
a streamed run saves the notes ``load_corpus`` writes for the same file, in the same order."""
from __future__ import annotations

import contextlib
import filecmp
import io
import json

import pandas as pd
import pytest

from analysis.cli import main
from analysis.text.corpus import load_corpus

from .conftest import LEXICON


def _score(corpus, out, *extra):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["score", str(corpus), "--out", str(out), "--lexicon", LEXICON, "--no-progress", *map(str, extra)])
    assert code == 0, err.getvalue()
    return json.loads((out / "provenance.json").read_text(encoding="utf-8")), err.getvalue()


def _csv_bytes(n, bad_row=None, bad=b"caf\xe9"):
    """``n`` rows without an outlet column, ambiguous numeric dates; row ``bad_row`` holds bytes that are not UTF-8."""
    lines = [b"doc_id,date,text"]
    for i in range(n):
        text = b"It may rain " + (bad if i == bad_row else b"today") + b"."
        lines.append(b"d%03d,%02d/%02d/2024,%s" % (i, i % 12 + 1, (i + 3) % 12 + 1, text))
    return b"\n".join(lines) + b"\n"


N = 3000  # about 110 kB: the text reader decodes ahead in blocks of 8 kB, so row 2990 is met in a late chunk


@pytest.mark.parametrize("bad_row, bad", [(None, b""), (2, b"caf\xe9"), (N - 10, b"caf\xe9"), (N - 10, b"\x81\x8d")])
def test_csv_notes_saved_alike_streamed_or_not(tmp_path, bad_row, bad):
    path = tmp_path / "c.csv"
    path.write_bytes(_csv_bytes(N, bad_row, bad))
    expected = load_corpus(path)[1].notes
    mem, err = _score(path, tmp_path / "mem")
    streamed, _ = _score(path, tmp_path / "st", "--chunk-size", 500)
    assert mem["load_report"]["notes"] == expected
    assert streamed["load_report"]["notes"] == expected
    assert filecmp.cmp(tmp_path / "mem" / "provenance.json", tmp_path / "st" / "provenance.json", shallow=False)
    # what the notes say, and stderr still shows them
    assert "no outlet column: outlet set to 'unknown'" in expected
    assert any(n.startswith(f"date column 'date': ambiguous dates: {N} dates such as '01/04/2024'") for n in expected)
    assert all(f"  note: {n}" in err for n in expected)
    if bad_row is not None:
        hint = "the file decodes as cp1252" if bad == b"caf\xe9" else "pass --encoding to choose the right one"
        assert expected[0].startswith("file is not valid UTF-8") and hint in expected[0]


def test_jsonl_and_txt_folder_notes_saved(tmp_path):
    jl = tmp_path / "c.jsonl"
    jl.write_bytes(b'{"doc_id": "a", "date": "05/03/2024", "text": "It may rain."}\n'
                   b'{"doc_id": "b", "date": "13/03/2024", "text": "It \xff may."}\n')
    folder = tmp_path / "txt"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.txt").write_text("It may rain.", encoding="utf-8")
    pd.DataFrame({"doc_id": ["a", "b"], "date": ["05/03/2024", "06/03/2024"]}).to_csv(folder / "metadata.csv",
                                                                                      index=False)
    for path, chunk in ((jl, 1), (folder, 1)):
        expected = load_corpus(path)[1].notes
        mem, _ = _score(path, tmp_path / f"mem-{path.name}")
        streamed, _ = _score(path, tmp_path / f"st-{path.name}", "--chunk-size", chunk, "--format", "parquet")
        assert mem["load_report"]["notes"] == streamed["load_report"]["notes"] == expected
    assert any("dates read day first, because the date '13/03/2024' (row 2)" in n for n in load_corpus(jl)[1].notes)
    assert "metadata joined from metadata.csv" in load_corpus(folder)[1].notes


def test_clean_corpus_saves_an_empty_list_and_the_counts(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("doc_id,outlet,date,text\na,X,2024-03-05,It may rain.\nb,X,2024-03-06,\n", encoding="utf-8")
    for extra in ((), ("--chunk-size", 1)):
        prov, _ = _score(path, tmp_path / f"o{len(extra)}", *extra)
        assert prov["load_report"] == {"rows_read": 2, "rows_loaded": 1, "rows_skipped": 1, "issues": 1,
                                        "issue_kinds": {"text_empty": 1}, "coerced_to_text": {}, "notes": []}
        # the issues themselves stay in load_report.csv, one row each, with the same columns as before
        issues = pd.read_csv(tmp_path / f"o{len(extra)}" / "load_report.csv")
        assert list(issues.columns) == ["file", "row", "problem", "action"]
        assert issues[["row", "problem", "action"]].values.tolist() == [[3, "empty text", "skipped"]]
