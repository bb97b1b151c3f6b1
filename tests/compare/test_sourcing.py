"""Sourcing measures: shares of attributions by source type, hedged content, the pipeline step."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.compare.sourcing import content_hedging, source_shares


def _tables():
    docs = pd.DataFrame({"doc_id": ["a1", "a2", "a3", "b1"], "outlet": ["A", "A", "A", "B"]})
    att = pd.DataFrame({
        "doc_id": ["a1", "a1", "a2", "a2", "a3", "b1"],
        "source_type": ["anonymous", "named_person", "anonymous", "pronoun", "vague", "named_person"],
        "resolved_type": ["anonymous", "named_person", "anonymous", "anonymous", "vague", "named_person"],
        "content": ["attacks may come", "we will win", "it is possible", "no further detail", "many fear it", "yes"],
        "content_hedging": [1, 0, 1, 0, 0, 0],
        "hedged_content": [True, False, True, False, False, False],
    })
    return docs, att


def test_shares_pool_attributions_and_resolve_pronouns():
    docs, att = _tables()
    s = source_shares(att, docs, n_resamples=200).set_index(["group", "source_type"])
    # A: 5 attributions; the pronoun of a2 resolves to an anonymous source -> 3 of 5 anonymous
    assert s.loc[("A", "anonymous"), "count"] == 3 and np.isclose(s.loc[("A", "anonymous"), "share"], 0.6)
    assert s.loc[("A", "pronoun"), "count"] == 0
    assert s.loc[("A", "anonymous"), "low"] <= 0.6 <= s.loc[("A", "anonymous"), "high"]
    # per-document mean: a1 1/2, a2 2/2, a3 0/1 -> 0.5
    assert np.isclose(s.loc[("A", "anonymous"), "mean_doc_share"], 0.5)
    # B has one document: kept, point estimate, no interval, a note
    b = s.loc[("B", "named_person")]
    assert b["share"] == 1.0 and np.isnan(b["low"]) and "no interval" in b["note"]
    unresolved = source_shares(att, docs, resolve_pronouns=False, n_resamples=50).set_index(["group", "source_type"])
    assert unresolved.loc[("A", "pronoun"), "count"] == 1


def test_hedged_content_by_type_and_the_seed_pattern():
    docs, att = _tables()
    h = content_hedging(att, docs, n_resamples=200).set_index(["group", "source_type"])
    assert h.loc[("A", "anonymous"), "count"] == 2 and np.isclose(h.loc[("A", "anonymous"), "share"], 2 / 3)
    assert h.loc[("A", "named_person"), "share"] == 0
    # anonymous and hedged, as a share of all five of A's attributions
    assert np.isclose(h.loc[("A", "anonymous_hedged"), "share"], 2 / 5)
    words = h.loc[("A", "anonymous"), "content_words"]
    assert words == 3 + 3 + 3 and np.isclose(h.loc[("A", "anonymous"), "hedges_per_1k_words"], 2 / 9 * 1000)


def test_clusters_resampled_whole():
    docs, att = _tables()
    docs = docs.assign(lean="all", outlet=["A", "A", "C", "B"])
    s = source_shares(att, docs, by="lean", cluster="outlet", n_resamples=200)
    assert set(s["group"]) == {"all"} and s["note"].eq("").all()


def test_compare_writes_the_sourcing_tables(tmp_path):
    from analysis.compare import run_all
    from analysis.measure.scoring import score

    corpus = pd.DataFrame({"doc_id": list("abcd"), "outlet": list("XXYY"), "text": [
        "One official told reporters that an attack may be possible.", "Gen. Mark Smith said the plan worked.",
        "The report said costs could rise.", "Critics said it might fail."]})
    res = run_all(score(corpus), corpus, n_resamples=50, steps=["rates", "sourcing"])
    shares = res.tables["sourcing_shares.csv"]
    assert {"outlet", "source_type", "share"} <= set(shares.columns)
    x = shares[(shares.outlet == "X") & (shares.source_type == "anonymous")].iloc[0]
    assert x["n_attributions"] == 2 and x["count"] == 1
    res = run_all(score(corpus), n_resamples=50, steps=["rates", "sourcing"])  # no folder, no corpus
    assert "sourcing_shares.csv" in res.skipped


AWKWARD_CONTENT = ["attacks may come", "", None, "Café naïve — “it’s” 3.5% x_y", "可能 and İstanbul", "NA", "a\nb",
                   "«no» further__detail", "\u00a0\u2009", "___", "ǅungla 12"]


def test_word_counts_equal_the_python_regex():
    """word_counts counts ASCII texts with pyarrow (RE2) and the others with Python's re: the numbers of
    the definition, texts.fillna("").astype(str).str.count(r"\\w+"), whatever the characters."""
    from analysis.compare.sourcing import word_counts

    texts = pd.Series(AWKWARD_CONTENT * 3, dtype=object)
    want = texts.fillna("").astype(str).map(lambda t: len(re.findall(r"\w+", t))).to_numpy(float)
    np.testing.assert_array_equal(word_counts(texts), want)
    np.testing.assert_array_equal(word_counts(texts.astype("str")), want)
    assert word_counts(pd.Series([], dtype=object)).shape == (0,)
    # every code point but the surrogates (which no str column holds), alone, doubled and between words
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    texts = pd.Series([*every[::3], *(f"x{c}{c} {c}_y" for c in every[1::3]), *(c + "\u00e9" for c in every[2::3])])
    want = np.array([len(re.findall(r"\w+", t)) for t in texts], dtype=float)
    np.testing.assert_array_equal(word_counts(texts), want)


@pytest.mark.parametrize("limit", [1, 2, 7, 64])
def test_word_counts_in_blocks_of_bounded_characters(monkeypatch, limit):
    """word_counts joins at most _WORD_CHARS characters at a time (its arrays take some 14 bytes a
    character: a block of 65,536 long content spans took 700 MB) and counts a longer text a slice at a
    time: the same numbers as the regex whatever the limit, words across a slice's edge counted once."""
    from analysis.compare import sourcing

    monkeypatch.setattr(sourcing, "_WORD_CHARS", limit)
    rng = np.random.default_rng(limit)
    alphabet = list("ab_ 9.,\u00e9\u2009\u53ef") + ["\U0001d400"]
    texts = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 90)))) for _ in range(300)]
    texts = pd.Series([*texts, *AWKWARD_CONTENT, "word " * 50, "x" * 200], dtype=object)
    want = texts.fillna("").astype(str).map(lambda t: len(re.findall(r"\w+", t))).to_numpy(float)
    np.testing.assert_array_equal(sourcing.word_counts(texts), want)
    np.testing.assert_array_equal(sourcing.word_counts(texts.astype("string[pyarrow]")), want)


def test_attributions_read_by_pyarrow_give_the_tables_pandas_gives(tmp_path):
    """read_attributions reads the columns the step uses with pyarrow's CSV reader: the same values as
    pandas' reader (text kept as written: "", "NA", quoted newlines), and the same sourcing tables."""
    from analysis.compare import sourcing

    docs, _att = _tables()
    n = len(AWKWARD_CONTENT)
    big = pd.DataFrame({
        "doc_id": [f"{d}" for d in (["a1", "a2", "a3", "b1", "NA"] * 3)[:n]],
        "outlet": ["A"] * n, "attribution": range(n),
        "source_type": (["anonymous", "named_person", "pronoun", "vague", ""] * 3)[:n],
        "resolved_type": (["anonymous", "", "anonymous", "NA", ""] * 3)[:n],
        "content": [("" if c is None else c) for c in AWKWARD_CONTENT],
        "content_hedging": [i % 3 for i in range(n)],
        "hedged_content": [i % 2 == 0 for i in range(n)],
    })
    big.to_csv(tmp_path / "attributions.csv", index=False)
    fast = sourcing.read_attributions(tmp_path, columns=sourcing._USED_COLUMNS)
    slow = pd.read_csv(tmp_path / "attributions.csv", dtype=sourcing._TEXT_COLUMNS, keep_default_na=False,
                       usecols=lambda c: c in sourcing._USED_COLUMNS)
    assert list(fast.columns) == list(slow.columns)
    for col in fast.columns:
        assert fast[col].astype(str).tolist() == slow[col].astype(str).tolist(), col
    assert fast["content"].iloc[6] == "a\nb" and fast["doc_id"].iloc[4] == "NA"
    docs = pd.concat([docs, pd.DataFrame({"doc_id": ["NA"], "outlet": ["B"]})], ignore_index=True)
    for f in (content_hedging, source_shares):
        pd.testing.assert_frame_equal(f(fast, docs, n_resamples=50), f(slow, docs, n_resamples=50))
    # a count column that is not whole numbers: read by pandas, as before
    big.assign(content_hedging=["x"] + [0] * (n - 1)).to_csv(tmp_path / "attributions.csv", index=False)
    assert sourcing.read_attributions(tmp_path, columns=sourcing._USED_COLUMNS)["content_hedging"].iloc[0] == "x"
