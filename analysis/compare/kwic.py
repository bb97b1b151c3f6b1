"""Concordance (keyword in context): the lines behind every number.

A rate or a keyness score is only as good as the matches under it; reading a reproducible sample of
concordance lines is how a researcher checks that "may" is a hedge and not a month. :func:`kwic` turns
rows of the Matches table back into text: left context, the match, right context, either the whole
sentence or N word tokens on each side, sortable by the words to the left or right of the match and
sampled reproducibly with a seed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.compare.columns import category_matches, require_columns

__all__ = ["kwic"]

KWIC_COLUMNS = ["doc_id", "outlet", "category", "entry", "left", "match", "right", "start", "end"]


def _default_tokenize() -> Callable:
    from analysis.text.tokenize import tokenize  # lazy: the text stage is imported on use only

    return tokenize


def _clean(text: str) -> str:
    """Collapse runs of whitespace (newlines included) to one space and strip the ends."""
    return " ".join(text.split())


def kwic(
    matches: pd.DataFrame,
    corpus: pd.DataFrame,
    window: str | int = "sentence",
    sort_by: str | None = None,
    sample: int | None = None,
    seed: int = 0,
    category: str | None = None,
    entry: str | None = None,
    tokenize: Callable | None = None,
) -> pd.DataFrame:
    """Concordance lines for matches: left context, match, right context.

    Parameters
    ----------
    matches : DataFrame
        Matches table (``doc_id, category, entry, start, end``; ``matched``, ``outlet`` and ``voice``
        are used when present). Filter it first to read the lines behind one outlet or document.
    corpus : DataFrame
        Corpus table (``doc_id, outlet, text``). Offsets index ``text``.
    window : "sentence" or int, default "sentence"
        ``"sentence"``: the rest of the sentence(s) the match lies in, at most
        :data:`MAX_SENTENCE_CONTEXT` characters a side (a text without sentence ends, such as a
        transcript or a list, is one "sentence": the context is cut there, after "…"); an integer N: N
        word tokens on each side (crossing sentence boundaries), punctuation between them included as
        written.
    sort_by : {"left", "right", None}, default None
        ``"left"``: by the words to the left of the match, nearest first (classic KWIC sort);
        ``"right"``: by the words to the right; None: by doc_id and offset.
    sample : int, optional
        Return a random sample of this many lines (all lines if there are fewer). Matches are put in a
        canonical order (doc_id, start, end, category, entry) before sampling, so the same matches and
        seed give the same sample whatever their row order.
    seed : int, default 0
        Seed for ``sample``.
    category : str, optional
        Keep only this category (a roll-up such as ``hedging`` keeps its subcategories).
    entry : str, optional
        Keep only this lexicon entry.
    tokenize : callable, optional
        ``text -> Document`` with ``.sentences``, each having ``start``, ``end`` and ``tokens`` (with
        ``start``, ``end``, ``kind``; word tokens have ``kind == "word"``). Default
        ``analysis.text.tokenize.tokenize``.

    Returns
    -------
    DataFrame
        ``doc_id, outlet, category, entry, left, match, right, start, end`` (plus ``voice`` when the
        matches have it). Contexts have their whitespace collapsed to single spaces.

    Raises
    ------
    ValueError
        Bad ``window``/``sort_by``/``sample``, a doc_id missing from the corpus, or offsets that do not
        reproduce the ``matched`` text (matches scored on another version of the corpus).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace as NS
    >>> def tok(text):  # a one-sentence tokenizer for the example
    ...     words, pos = [], 0
    ...     for w in text.split():
    ...         s = text.index(w, pos); pos = s + len(w)
    ...         words.append(NS(start=s, end=pos, kind="word"))
    ...     return NS(sentences=[NS(start=0, end=len(text), tokens=words)])
    >>> corpus = pd.DataFrame({"doc_id": ["d"], "outlet": ["X"],
    ...                        "text": ["officials say it may rain soon"]})
    >>> m = pd.DataFrame({"doc_id": ["d"], "category": ["hedging"], "entry": ["may"],
    ...                   "start": [17], "end": [20]})
    >>> kwic(m, corpus, window=1, tokenize=tok)[["left", "match", "right"]].values.tolist()
    [['it', 'may', 'rain']]
    """
    require_columns(matches, ["doc_id", "category", "entry", "start", "end"], "matches")
    require_columns(corpus, ["doc_id", "text"], "corpus")
    _check_options(window, sort_by, sample)
    m = _selected_matches(matches, category, entry, sample, seed)
    texts = _texts_of(corpus, m)
    rows = _lines(m, texts, window, _Layouts(texts, tokenize or _default_tokenize()))
    columns = KWIC_COLUMNS + (["voice"] if "voice" in m.columns else [])
    return _sorted_lines(pd.DataFrame(rows, columns=columns), sort_by)


def _texts_of(corpus: pd.DataFrame, m: pd.DataFrame) -> pd.DataFrame:
    """The corpus indexed by ``doc_id`` (first row of each id); refused when a match's document is missing."""
    texts = corpus.drop_duplicates("doc_id").set_index("doc_id")
    missing = sorted(set(m["doc_id"]) - set(texts.index))
    if missing:
        raise ValueError(
            f"doc_id {missing[0]!r} (and {len(missing) - 1} more) not found in the corpus"
        )
    return texts


def _lines(m: pd.DataFrame, texts: pd.DataFrame, window, layout) -> list[dict]:
    """One concordance line per match, its offsets checked against the text (and ``matched``)."""
    rows = []
    has_matched = "matched" in m.columns
    for rec in m.itertuples(index=False):
        doc_id, start, end = rec.doc_id, int(rec.start), int(rec.end)
        text = texts.at[doc_id, "text"]
        if not 0 <= start < end <= len(text):
            raise ValueError(
                f"offsets {start}:{end} are outside document {doc_id!r} ({len(text)} characters)"
            )
        surface = text[start:end]
        if has_matched and surface != rec.matched:
            raise ValueError(
                f"document {doc_id!r}: text[{start}:{end}] is {surface!r}, not the matched {rec.matched!r} "
                "(were the matches scored on another version of the corpus?)"
            )
        left, right = _contexts(text, start, end, window, layout(doc_id))
        row = {
            "doc_id": doc_id,
            "outlet": getattr(rec, "outlet", None)
            if "outlet" in m.columns
            else (texts.at[doc_id, "outlet"] if "outlet" in texts.columns else None),
            "category": rec.category,
            "entry": rec.entry,
            "left": _clean(left),
            "match": _clean(surface),
            "right": _clean(right),
            "start": start,
            "end": end,
        }
        if "voice" in m.columns:
            row["voice"] = rec.voice
        rows.append(row)
    return rows


def _check_options(window, sort_by, sample) -> None:
    """Refuse a bad ``window``, ``sort_by`` or ``sample`` of :func:`kwic`."""
    if not (
        window == "sentence"
        or (isinstance(window, (int, np.integer)) and not isinstance(window, bool) and window >= 0)
    ):
        raise ValueError(f"window must be 'sentence' or a non-negative integer, got {window!r}")
    if sort_by not in ("left", "right", None):
        raise ValueError(f"sort_by must be 'left', 'right' or None, got {sort_by!r}")
    if sample is not None and (not isinstance(sample, (int, np.integer)) or sample < 1):
        raise ValueError(f"sample must be a positive integer, got {sample!r}")


def _selected_matches(matches: pd.DataFrame, category, entry, sample, seed) -> pd.DataFrame:
    """The matches of ``category`` and ``entry`` in canonical order, or a seeded sample of them."""
    m = matches
    if category is not None:
        m = category_matches(m, category)
        if m.empty:
            raise ValueError(f"no matches of category {category!r}")
    if entry is not None:
        m = m[m["entry"].astype(str) == entry]
        if m.empty:
            raise ValueError(
                f"no matches of entry {entry!r}" + (f" in {category!r}" if category else "")
            )
    m = m.sort_values(["doc_id", "start", "end", "category", "entry"], kind="mergesort")
    if sample is not None and sample < len(m):
        m = m.sample(n=int(sample), random_state=np.random.RandomState(seed))
        m = m.sort_values(["doc_id", "start", "end", "category", "entry"], kind="mergesort")
    return m


class _Spans(list):
    """Sentence spans ``(start, end)`` in text order, with their starts and ends for bisection."""

    def __init__(self, spans):
        super().__init__(spans)
        self.starts = [a for a, _ in self]
        self.ends = [b for _, b in self]


class _Layouts:
    """Sentence spans and word-token offsets of each document, tokenized once on first use."""

    def __init__(self, texts: pd.DataFrame, tok: Callable):
        self.texts, self.tok, self.cache = texts, tok, {}

    def __call__(self, doc_id):
        """``(sentence spans, word starts, word ends, word spans)`` of document ``doc_id``."""
        if doc_id not in self.cache:
            doc = self.tok(self.texts.at[doc_id, "text"])
            sents = _Spans((s.start, s.end) for s in doc.sentences)
            words = [(t.start, t.end) for s in doc.sentences for t in s.tokens if t.kind == "word"]
            self.cache[doc_id] = (sents, [w[0] for w in words], [w[1] for w in words], words)
        return self.cache[doc_id]


#: the most characters of a sentence context on each side of a match (``window="sentence"``)
MAX_SENTENCE_CONTEXT = 300


def _contexts(text: str, start: int, end: int, window, layout) -> tuple[str, str]:
    """Left and right context of ``text[start:end]``: the rest of its sentence(s), or ``window`` words a side."""
    sents, wstarts, wends, words = layout
    if window == "sentence":
        # the sentence holding the start and the one holding the end (sentences are sorted, disjoint)
        k = bisect_right(sents.starts, start) - 1
        left_from = sents[k][0] if k >= 0 and start < sents[k][1] else start
        k = bisect_left(sents.ends, end)
        right_to = sents[k][1] if k < len(sents) and sents[k][0] < end else end
        left, right = text[min(left_from, start) : start], text[end : max(right_to, end)]
        if len(left) > MAX_SENTENCE_CONTEXT:
            left = "…" + left[-MAX_SENTENCE_CONTEXT:]
        if len(right) > MAX_SENTENCE_CONTEXT:
            right = right[:MAX_SENTENCE_CONTEXT] + "…"
        return left, right
    n_left = bisect_right(wends, start)  # words ending at or before the match start
    first_right = bisect_left(wstarts, end)  # first word starting at or after the match end
    left_from = words[max(n_left - window, 0)][0] if window and n_left else start
    right_to = (
        words[min(first_right + window, len(words)) - 1][1]
        if (window and first_right < len(words))
        else end
    )
    return text[left_from:start], text[end:right_to]


def _sorted_lines(out: pd.DataFrame, sort_by) -> pd.DataFrame:
    """Concordance lines sorted by the words left of the match (nearest first), right of it, or as they are."""
    if sort_by == "left" and len(out):
        key = out["left"].map(lambda s: tuple(reversed(s.lower().split())))
        out = out.iloc[sorted(range(len(out)), key=lambda i: key.iloc[i])]
    elif sort_by == "right" and len(out):
        key = out["right"].map(lambda s: tuple(s.lower().split()))
        out = out.iloc[sorted(range(len(out)), key=lambda i: key.iloc[i])]
    return out.reset_index(drop=True)
