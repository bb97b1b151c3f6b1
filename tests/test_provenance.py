"""The corpus hash: a fixed definition (value, unit separator, ..., record separator per row), however it
is computed."""
import hashlib
import math

import pandas as pd

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
