"""Spreadsheet-safe CSV cells (issue 16 item 5) and file names made from group labels (item 4)."""
from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.cli import main
from analysis.csvsafe import escape_cell, escape_frame, unescape_cell, unescape_frame
from analysis.safenames import MAX_STEM, safe_names

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tlead", "\rcr", "'=quoted", "'tis"]


def _rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@given(st.text(max_size=12))
def test_escaping_is_reversible_and_leaves_no_formula(cell):
    esc = escape_cell(cell)
    assert unescape_cell(esc) == cell
    assert not esc or esc[0] not in "=+-@\t\r"


def test_escape_frame_touches_only_text_cells_that_need_it():
    df = pd.DataFrame({"t": HOSTILE + ["plain", None], "n": [-1.5] * 10})
    esc = escape_frame(df)
    assert esc["t"].tolist()[:9] == ["'" + c for c in HOSTILE[:7]] + ["'tis", "plain"]
    assert pd.isna(esc["t"].iloc[9])
    assert esc["n"].tolist() == [-1.5] * 10  # numbers are numbers, never escaped
    assert df["t"].tolist()[0] == HOSTILE[0]  # the input frame is not changed
    assert unescape_frame(esc.copy())["t"].tolist()[:9] == df["t"].tolist()[:9]


@pytest.fixture
def hostile_corpus(tmp_path):
    path = tmp_path / "c.csv"
    n = len(HOSTILE)
    pd.DataFrame({"doc_id": HOSTILE, "outlet": [HOSTILE[i % 4] for i in range(n)],
                  "text": ["Officials said it may possibly rain, sources suggest."] * n}).to_csv(path, index=False)
    return path


def test_score_escapes_by_default_and_not_with_no_csv_escape(tmp_path, hostile_corpus):
    assert main(["score", str(hostile_corpus), "--out", str(tmp_path / "esc"), "--quiet"]) == 0
    assert main(["score", str(hostile_corpus), "--out", str(tmp_path / "raw"), "--quiet", "--no-csv-escape"]) == 0
    for name in ("documents.csv", "matches.csv", "summary.csv"):
        for row in _rows(tmp_path / "esc" / name):
            for col in ("doc_id", "outlet"):
                if col in row:
                    assert row[col][:1] not in ("=", "+", "-", "@", "\t", "\r"), (name, row[col])
    esc_docs = [r["doc_id"] for r in _rows(tmp_path / "esc" / "documents.csv")]
    raw_docs = [r["doc_id"] for r in _rows(tmp_path / "raw" / "documents.csv")]
    from analysis.text.corpus import load_corpus

    loaded = load_corpus(hostile_corpus)[0]["doc_id"].tolist()  # the loader strips surrounding whitespace
    assert raw_docs == loaded
    assert [unescape_cell(d) for d in esc_docs] == loaded
    assert esc_docs != raw_docs
    assert json.loads((tmp_path / "esc" / "provenance.json").read_text())["csv_escape"] == "apostrophe"
    assert json.loads((tmp_path / "raw" / "provenance.json").read_text())["csv_escape"] is False


def test_streamed_score_escapes_the_same_bytes(tmp_path, hostile_corpus):
    assert main(["score", str(hostile_corpus), "--out", str(tmp_path / "mem"), "--quiet"]) == 0
    assert main(["score", str(hostile_corpus), "--out", str(tmp_path / "st"), "--quiet", "--chunk-size", "3"]) == 0
    for name in ("documents.csv", "matches.csv", "summary.csv"):
        assert (tmp_path / "mem" / name).read_bytes() == (tmp_path / "st" / name).read_bytes(), name


def test_compare_reads_escaped_cells_back_and_escapes_once(tmp_path, hostile_corpus):
    scored = tmp_path / "scored"
    assert main(["score", str(hostile_corpus), "--out", str(scored), "--quiet"]) == 0
    out = tmp_path / "cmp"
    assert main(["compare", str(scored), "--out", str(out), "--n-resamples", "20", "--quiet"]) == 0
    prov = json.loads((out / "provenance.json").read_text())
    assert sorted(prov["compare"]["groups"]) == sorted(HOSTILE[:4])  # the real labels, not "'=..."
    outlets = {r["outlet"] for r in _rows(out / "rates.csv")}
    assert outlets == {escape_cell(g) for g in HOSTILE[:4]}  # escaped exactly once


def test_coding_sheet_round_trip(tmp_path, hostile_corpus):
    from analysis.validate.coding import read_coded

    sheet = tmp_path / "sheet.csv"
    assert main(["code", "sample", str(hostile_corpus), "--out", str(sheet), "--nonmatch", "2",
                 "--lexicon", "hedging"]) == 0
    rows = _rows(sheet)
    assert rows and all(r["outlet"][:1] not in "=+-@" for r in rows)
    for r in rows:  # a coder fills the sheet
        r["code"] = "1"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (tmp_path / "coded.csv").write_text(buf.getvalue(), encoding="utf-8")
    coded = read_coded(tmp_path / "coded.csv")
    assert set(coded["outlet"]) <= set(HOSTILE[:4]) and set(coded["outlet"]) & set(HOSTILE[:4])


# -- safe names ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("labels", [
    ["A/B", "A B", "A:B", "A_B"], ["x", "X"], ["CON", "con.txt", "Nul", "LPT1"], ["..", ".", "", "/"],
    ["é", "e", "東京", "北京", "😀", "🙂"], ["a" * 10_000, "a" * 10_001], ["A_B-998d3ed8", "A/B"],
])
def test_safe_names_are_unique_portable_and_bounded(labels):
    names = safe_names(labels)
    assert len(names) == len(set(labels))
    folded = [n.casefold() for n in names.values()]
    assert len(set(folded)) == len(folded), names
    for label, name in names.items():
        assert 0 < len(name) <= MAX_STEM, (label, name)
        assert all(c.isascii() and (c.isalnum() or c in "_-.") for c in name), name
        assert not name.startswith(".") and name.split(".")[0].upper() not in {"CON", "NUL", "LPT1", "AUX", "PRN"}
    assert safe_names(labels) == names  # deterministic


def test_compare_writes_one_file_per_group_and_records_the_mapping(tmp_path):
    groups = ["A/B", "A B", "A:B", "A_B", "L" * 10_000]
    path = tmp_path / "c.csv"
    n = 25
    pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "outlet": [groups[i % 5] for i in range(n)],
                  "text": [f"Officials said it may possibly rain in town {i % 7}, sources suggest." for i in range(n)]}
                 ).to_csv(path, index=False)
    scored = tmp_path / "scored"
    assert main(["score", str(path), "--out", str(scored), "--quiet"]) == 0
    out = tmp_path / "cmp"
    assert main(["compare", str(scored), "--corpus", str(path), "--out", str(out), "--n-resamples", "20",
                 "--quiet"]) == 0
    files = sorted(p.name for p in out.glob("keyness_words_*.csv"))
    prov = json.loads((out / "provenance.json").read_text())["compare"]
    mapping = prov["file_names"]
    assert len(files) == 5, files
    assert set(mapping) == {"A/B", "A B", "A:B", "L" * 10_000}  # A_B is its own name
    assert {f"keyness_words_{mapping.get(g, g)}.csv" for g in groups} == set(files)
    assert all(len(f) < 120 for f in files)
