"""The corpus hash: a fixed definition (value, unit separator, ..., record separator per row), however it
is computed."""
import hashlib
import math

import pandas as pd
import pytest

from analysis.provenance import corpus_sha256


def _reference(corpus):
    h = hashlib.sha256()
    cols = [c for c in ("doc_id", "outlet", "date", "text") if c in corpus.columns]
    for row in corpus[cols].itertuples(index=False, name=None):
        for value in row:
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            h.update(("" if missing else str(value)).encode("utf-8", "surrogatepass"))
            h.update(b"\x1f")
        h.update(b"\x1e")
    return h.hexdigest()


def test_corpus_hash_matches_its_definition():
    frames = [
        pd.DataFrame({"doc_id": ["a", "b"], "outlet": ["x", None], "date": pd.to_datetime(["2024-01-02", None]),
                      "text": ["One “quoted” text.", "Two"]}),
        pd.DataFrame({"doc_id": [1, 2], "text": pd.Series(["x\ud800", None], dtype=object)}),
        pd.DataFrame({"other": [1, 2]}),
        pd.DataFrame({"doc_id": pd.Series([], dtype=str), "text": pd.Series([], dtype=str)}),
    ]
    for frame in frames:
        assert corpus_sha256(frame) == _reference(frame)


def test_corpus_hash_sees_every_field_and_the_order():
    base = pd.DataFrame({"doc_id": ["a", "b"], "outlet": ["x", "y"], "text": ["t1", "t2"]})
    h = corpus_sha256(base)
    assert corpus_sha256(base.iloc[::-1]) != h
    assert corpus_sha256(base.assign(outlet=["x", "z"])) != h
    assert corpus_sha256(base.assign(text=["t1", "t2 "])) != h
    # fields are separated: moving a character across a field boundary changes the hash
    assert corpus_sha256(base.assign(doc_id=["ax", "b"], outlet=["", "y"])) != h


def test_precomputed_values_give_the_same_hash():
    base = pd.DataFrame({"doc_id": ["a", "b"], "text": ["t1", "t2"]})
    assert corpus_sha256(base, {"text": ["t1", "t2"]}) == corpus_sha256(base)



@pytest.mark.parametrize("n", [0, 1, 4095, 4096, 4097, 9000])
def test_corpus_hash_in_blocks_equals_the_definition(n):
    """hash_rows joins blocks of 4,096 rows before hashing: the digest of the definition across block
    edges, with missing values, braces (not format fields) and a lone surrogate, one column or four."""
    values = ["a {0} b", "", None, float("nan"), "caf\u00e9 \ud800 x", "\u201cq\u201d", "{}", "1.5"]
    corpus = pd.DataFrame({
        "doc_id": [f"d{i}" for i in range(n)],
        "outlet": pd.Series([values[i % len(values)] for i in range(n)], dtype=object),
        "date": pd.to_datetime(["2024-01-02" if i % 3 else None for i in range(n)]),
        "text": pd.Series([values[(i * 5) % len(values)] for i in range(n)], dtype=object),
    })
    assert corpus_sha256(corpus) == _reference(corpus)
    assert corpus_sha256(corpus[["text"]]) == _reference(corpus[["text"]])


def test_hash_rows_many_feeds_each_hash_what_hash_rows_would():
    """One encoding of the values for several hashes (a streamed run's chunk and corpus hashes)
    gives each the digest hash_rows gives it, on messy values and across hash blocks."""
    import hashlib

    import numpy as np
    import pandas as pd

    from analysis import provenance

    rng = np.random.default_rng(3)
    pool = ["", "x", "naïve “quoted”", "\ud800 lone", "日本", None, float("nan"), "a\x1fb\x1ec", "’s"]
    n = provenance._HASH_BLOCK * 16 + 37  # two blocks of hash_rows_many
    df = pd.DataFrame({c: pd.Series([pool[i] for i in rng.integers(0, len(pool), n)], dtype=object)
                       for c in ("doc_id", "title", "text")})
    df["outlet"] = pd.array([pool[i] for i in rng.choice([0, 1, 2, 4, 5, 8], n)], dtype="string")
    df["date"] = pd.to_datetime(["2024-01-02", None] * (n // 2) + ["2024-01-02"] * (n % 2))
    cases = [("doc_id", "outlet", "date", "title", "text"), ("doc_id", "outlet", "date", "text"), ("missing",)]
    many = [hashlib.sha256() for _ in cases]
    provenance.hash_rows_many(df, list(zip(many, cases)))
    for h, cols in zip(many, cases):
        one = hashlib.sha256()
        provenance.hash_rows(one, df, cols)
        assert h.hexdigest() == one.hexdigest(), cols
