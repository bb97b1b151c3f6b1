"""Lexicon counts as a scikit-learn feature matrix.

:class:`LexiconVectorizer` turns raw texts (whole articles or single sentences) into one column per
lexicon category (and, optionally, one per entry) holding the number of matches the library's
:class:`~analysis.measure.matching.Matcher` finds, so the framing measures can sit in a
``Pipeline`` or ``FeatureUnion`` next to n-gram features and feed any scikit-learn model. Matching
follows the library's rules exactly (leftmost-longest within a category, contexts, no match across a
sentence end), so a feature is the same number ``score`` would report.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

__all__ = ["LexiconVectorizer"]


def _check_texts(X) -> list[str]:
    if isinstance(X, (str, bytes)):
        raise ValueError("Iterable over raw text documents expected, string object received.")  # noqa: TRY004
    if hasattr(X, "columns"):  # a DataFrame: use its text column
        if "text" not in X.columns:
            raise ValueError(
                f"a DataFrame needs a 'text' column (columns are: {', '.join(map(str, X.columns))})"
            )
        X = X["text"]
    texts = list(X)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise ValueError(f"document {i} is a {type(t).__name__}, not a str")  # noqa: TRY004
    return texts


class LexiconVectorizer(TransformerMixin, BaseEstimator):
    """Count lexicon matches per category (and optionally per entry) in each text.

    Parameters
    ----------
    lexicons : str, path, Lexicon or list of them, default None
        Built-in lexicon names (``"hedging"``), lexicon files or parsed lexicons; ``None`` means
        every built-in lexicon.
    categories : list of str, default None
        Keep only these categories (names or globs such as ``"hedging.*"``).
    entries : bool, default False
        Add one column per lexicon entry (``"entry=<category>:<pattern>"``) after the category
        columns.
    rollups : bool, default True
        Add a column for each top-level category (``"hedging"`` = sum of ``"hedging.*"``) that is
        not itself a category of the lexicon.
    binary : bool, default False
        1 when a category (entry) matches at least once instead of the count.
    per_1k : bool, default False
        Divide counts by the number of word tokens and multiply by 1,000 (the library's rate).
        Ignored when ``binary`` is true.

    Attributes
    ----------
    feature_names_ : list of str
        Column names, in order.
    lexicon_provenance_ : list of dict
        Name, version and content hash of each lexicon used.

    Examples
    --------
    >>> vec = LexiconVectorizer("hedging", categories=["hedging.modal", "hedging.possibility"])
    >>> X = vec.fit_transform(["It may rain.", "Rain is possible and may come.", "It rains."])
    >>> list(vec.get_feature_names_out())
    ['hedging.modal', 'hedging.possibility', 'hedging']
    >>> X.toarray().astype(int).tolist()
    [[1, 0, 1], [1, 1, 2], [0, 0, 0]]

    In a pipeline:

    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> pipe = make_pipeline(LexiconVectorizer("hedging", binary=True), LogisticRegression())
    >>> _ = pipe.fit(["It may rain.", "It rains.", "Perhaps so.", "So."], [1, 0, 1, 0])
    >>> pipe.predict(["Officials say it might."]).tolist()
    [1]
    """

    def __init__(
        self,
        lexicons=None,
        categories=None,
        *,
        entries: bool = False,
        rollups: bool = True,
        binary: bool = False,
        per_1k: bool = False,
    ):
        self.lexicons = lexicons
        self.categories = categories
        self.entries = entries
        self.rollups = rollups
        self.binary = binary
        self.per_1k = per_1k

    def fit(self, X=None, y=None):
        """Compile the lexicons and fix the feature names (``X`` is not needed and is ignored)."""
        from analysis.measure.matching import Matcher

        lexicons = self.lexicons
        if isinstance(lexicons, Iterable) and not isinstance(lexicons, (str, bytes)) and not hasattr(
            lexicons, "__fspath__"
        ) and not hasattr(lexicons, "categories"):
            lexicons = list(lexicons) or None
        categories = [self.categories] if isinstance(self.categories, str) else self.categories
        self.matcher_ = Matcher(lexicons, categories=categories)
        cats = list(self.matcher_.categories)
        names = list(cats)
        self._category_index = {c: i for i, c in enumerate(cats)}
        self._rollup_of: dict[str, int] = {}
        if self.rollups:
            for c in cats:
                top = c.split(".")[0]
                if "." in c and top not in self._category_index:
                    if top not in names:
                        names.append(top)
                    self._rollup_of[c] = names.index(top)
        self._entry_index: dict[tuple[str, str], int] = {}
        if self.entries:
            for ce in self.matcher_.entries:
                key = (ce.category, ce.entry.pattern)
                if key not in self._entry_index:
                    self._entry_index[key] = len(names)
                    names.append(f"entry={ce.category}:{ce.entry.pattern}")
        self.feature_names_ = names
        self.lexicon_provenance_ = [
            {k: v for k, v in p.items() if k != "path"} for p in self.matcher_.provenance
        ]
        return self

    def transform(self, X):
        """Return a sparse matrix (CSR, float64) of shape ``(n_texts, n_features)``.

        ``X`` is an iterable of str, or a DataFrame with a ``text`` column.
        """
        if not hasattr(self, "matcher_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("LexiconVectorizer is not fitted yet: call fit() first")
        texts = _check_texts(X)
        rows, cols, vals = [], [], []
        n_tokens = np.zeros(len(texts))
        for i, text in enumerate(texts):
            res = self.matcher_.match(text)
            n_tokens[i] = res.n_tokens
            counts: dict[int, float] = {}
            for m in res.matches:
                j = self._category_index[m.category]
                counts[j] = counts.get(j, 0) + 1
                if m.category in self._rollup_of:
                    k = self._rollup_of[m.category]
                    counts[k] = counts.get(k, 0) + 1
                if self._entry_index:
                    k = self._entry_index[(m.category, m.entry)]
                    counts[k] = counts.get(k, 0) + 1
            for j, v in counts.items():
                rows.append(i)
                cols.append(j)
                vals.append(v)
        out = sp.csr_matrix(
            (np.asarray(vals, dtype=np.float64), (rows, cols)),
            shape=(len(texts), len(self.feature_names_)),
        )
        out.sum_duplicates()
        if self.binary:
            out.data[:] = 1.0
        elif self.per_1k:
            scale = np.divide(1000.0, n_tokens, out=np.zeros_like(n_tokens), where=n_tokens > 0)
            out = sp.csr_matrix(sp.diags(scale) @ out)
        return out

    def get_feature_names_out(self, input_features=None):
        """Feature names as an array of str (categories, roll-ups, then ``entry=...`` columns)."""
        if not hasattr(self, "feature_names_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("LexiconVectorizer is not fitted yet: call fit() first")
        return np.asarray(self.feature_names_, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags
