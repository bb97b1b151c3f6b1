"""Checks on the bundled sample corpus in ``data/sample``: schema, dates, wire groups and checksums.

The corpus is invented (see ``data/sample/README.md``); these tests pin the properties that notebooks,
figures and the near-duplicate detector rely on. They use only pandas and the standard library, so they
run before (and independently of) the ``analysis`` package.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import itertools
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "sample"
ARTICLES = SAMPLE / "articles.csv"
EVENTS = SAMPLE / "events.csv"
COLUMNS = ["doc_id", "outlet", "date", "title", "text", "wire", "wire_story"]
FIRST, LAST = pd.Timestamp("2026-01-05"), pd.Timestamp("2026-03-27")


@pytest.fixture(scope="module")
def articles() -> pd.DataFrame:
    # dtype=str + keep_default_na=False: empty wire fields stay "" (not NaN) and nothing is coerced.
    return pd.read_csv(ARTICLES, dtype=str, keep_default_na=False, encoding="utf-8")


def test_schema_and_size(articles):
    assert list(articles.columns) == COLUMNS
    assert len(articles) >= 60
    assert articles["doc_id"].is_unique
    assert articles["outlet"].nunique() == 5
    assert articles["outlet"].value_counts().min() >= 10


def test_file_is_plain_rfc4180_utf8():
    raw = ARTICLES.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    raw.decode("utf-8")
    # The stdlib reader (RFC 4180 quoting) sees the same number of records and fields as pandas.
    with ARTICLES.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == COLUMNS
    assert all(len(r) == len(COLUMNS) for r in rows)


def test_dates_in_range(articles):
    dates = pd.to_datetime(articles["date"], format="%Y-%m-%d")
    assert dates.between(FIRST, LAST).all()
    # ISO strings exactly, so readers without a date parser still sort correctly
    assert (dates.dt.strftime("%Y-%m-%d") == articles["date"]).all()


def test_texts_non_empty_with_paragraphs(articles):
    text = articles["text"]
    assert (text.str.strip() != "").all()
    assert (articles["title"].str.strip() != "").all()
    words = text.str.split().str.len()
    assert words.between(120, 300).all(), articles.loc[~words.between(120, 300), "doc_id"].tolist()
    # paragraphs are separated by one blank line, never by a lone newline or three newlines
    assert text.str.contains("\n\n", regex=False).all()
    assert not text.str.contains(r"(?<!\n)\n(?!\n)", regex=True).any()
    assert not text.str.contains("\n\n\n", regex=False).any()


def test_wire_columns_agree(articles):
    is_wire = articles["wire"] != ""
    assert ((articles["wire_story"] != "") == is_wire).all(), (
        "wire and wire_story are filled together"
    )
    assert is_wire.sum() >= 8
    assert articles.loc[is_wire, "wire_story"].nunique() >= 4


def test_wire_groups_are_near_identical_across_outlets(articles):
    wire = articles[articles["wire_story"] != ""]
    for story, group in wire.groupby("wire_story"):
        assert 2 <= len(group) <= 4, story
        assert group["outlet"].is_unique, f"{story}: one copy per outlet"
        for a, b in itertools.combinations(group["text"], 2):
            ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
            assert ratio > 0.8, f"{story}: copies differ too much ({ratio:.2f})"


def _shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def test_only_wire_copies_are_near_duplicates(articles):
    # Guards the detector's precision: an original story shares no long word runs with any other row
    # (the highest 5-word-shingle Jaccard among such pairs is about 0.05; wire copies score 0.5 to 1).
    shingles = {d: _shingles(t) for d, t in zip(articles["doc_id"], articles["text"])}
    story = dict(zip(articles["doc_id"], articles["wire_story"]))
    for a, b in itertools.combinations(shingles, 2):
        if story[a] and story[a] == story[b]:
            continue
        jaccard = len(shingles[a] & shingles[b]) / len(shingles[a] | shingles[b])
        assert jaccard < 0.2, f"{a} and {b} overlap like copies ({jaccard:.2f})"


def test_events_parse():
    events = pd.read_csv(EVENTS, dtype=str, keep_default_na=False)
    assert list(events.columns) == ["date", "label"]
    assert len(events) >= 2
    dates = pd.to_datetime(events["date"], format="%Y-%m-%d")
    assert dates.between(FIRST, LAST).all()
    assert (events["label"].str.strip() != "").all()
    assert {"2026-02-10", "2026-03-02"} <= set(events["date"])


def _sums() -> dict[str, str]:
    out = {}
    for line in (DATA / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        assert len(digest) == 64 and name, f"not sha256sum format: {line!r}"
        out[name] = digest
    return out


def test_sha256sums_cover_and_match_sample_files():
    sums = _sums()
    on_disk = {p.relative_to(DATA).as_posix() for p in SAMPLE.rglob("*") if p.is_file()}
    listed = {name for name in sums if name.startswith("sample/")}
    assert listed == on_disk, (
        f"unlisted: {sorted(on_disk - listed)}, missing: {sorted(listed - on_disk)}"
    )
    for name, digest in sums.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, f"{name} changed"


def test_datasheets_exist_and_state_licence():
    assert "CC0-1.0" in (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert "sample/" in (DATA / "README.md").read_text(encoding="utf-8")
