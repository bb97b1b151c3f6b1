"""LexiconVectorizer: known counts, scikit-learn conventions, use in a Pipeline."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from analysis.lexicons.model import parse_lexicon
from analysis.validate.features import LexiconVectorizer

TINY = parse_lexicon(
    """
[meta]
name = "tiny"
version = "0.1.0"
[categories."hedge.modal"]
entries = ["may", "might"]
[categories."hedge.adverb"]
entries = ["perhaps", "possibly"]
[categories.boost]
entries = ["certainly"]
"""
)
TEXTS = ["It may rain, or it might not.", "Perhaps it may.", "It certainly rains.", "Nothing here."]


def test_category_counts_and_rollups():
    vec = LexiconVectorizer(TINY)
    X = vec.fit_transform(TEXTS).toarray()
    # "boost" has no dot, so it is its own top level; "hedge" is the roll-up of hedge.*
    assert list(vec.get_feature_names_out()) == ["hedge.modal", "hedge.adverb", "boost", "hedge"]
    assert X.tolist() == [[2, 0, 0, 2], [1, 1, 0, 2], [0, 0, 1, 0], [0, 0, 0, 0]]


def test_entry_columns_binary_and_per_1k():
    vec = LexiconVectorizer(TINY, categories=["hedge.*"], entries=True, rollups=False)
    X = vec.fit_transform(TEXTS).toarray()
    names = list(vec.get_feature_names_out())
    assert names == ["hedge.modal", "hedge.adverb", "entry=hedge.modal:may", "entry=hedge.modal:might",
                     "entry=hedge.adverb:perhaps", "entry=hedge.adverb:possibly"]
    assert X[0].tolist() == [2, 0, 1, 1, 0, 0]
    binary = LexiconVectorizer(TINY, categories=["hedge.modal"], rollups=False, binary=True)
    assert binary.fit_transform(TEXTS).toarray().ravel().tolist() == [1, 1, 0, 0]
    rate = LexiconVectorizer(TINY, categories=["hedge.modal"], rollups=False, per_1k=True)
    # "Perhaps it may." has 3 word tokens and one modal: 1 / 3 * 1000
    assert rate.fit_transform(TEXTS).toarray()[1, 0] == pytest.approx(1000 / 3)


def test_dataframe_input_and_refusals():
    vec = LexiconVectorizer(TINY).fit()
    df = pd.DataFrame({"text": TEXTS})
    assert (vec.transform(df) != vec.transform(TEXTS)).nnz == 0
    with pytest.raises(ValueError, match="string object received"):
        vec.transform("It may rain.")
    with pytest.raises(ValueError, match="document 1"):
        vec.transform(["fine", 3])
    with pytest.raises(NotFittedError):
        LexiconVectorizer(TINY).transform(TEXTS)
    with pytest.raises(NotFittedError):
        LexiconVectorizer(TINY).get_feature_names_out()


def test_sklearn_conventions_and_pipeline():
    vec = LexiconVectorizer(TINY, binary=True)
    # __init__ only stores parameters; clone gives an unfitted copy with the same parameters
    assert vec.get_params()["binary"] is True
    assert not hasattr(vec, "matcher_")
    copy = clone(vec)
    assert copy.get_params()["lexicons"] is not None and not hasattr(copy, "feature_names_")
    pipe = make_pipeline(LexiconVectorizer(TINY, binary=True), LogisticRegression())
    texts = ["It may rain.", "It rains.", "Perhaps so.", "So it is.", "They might.", "They do."]
    pipe.fit(texts, [1, 0, 1, 0, 1, 0])
    assert pipe.predict(["Possibly tomorrow.", "Tomorrow."]).tolist() == [1, 0]


def test_builtin_default_matches_score():
    from analysis.measure.scoring import score

    texts = ["Officials said attacks may be possible.", "It rained."]
    vec = LexiconVectorizer("hedging", rollups=False)
    X = vec.fit_transform(texts).toarray()
    res = score(texts, "hedging")
    for j, cat in enumerate(vec.get_feature_names_out()):
        assert np.array_equal(X[:, j], res.documents[f"{cat}:count"].to_numpy())
