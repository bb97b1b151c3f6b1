"""Cue induction: propose lexicon entries from sentences whose uncertainty cues were annotated.

Annotated corpora (CoNLL-2010, Szeged, your own coded sentences) mark the words that make a sentence
uncertain. :func:`induce_cues` counts, for every word or short phrase that annotators marked at least
``min_cue_count`` times, how often it occurs in the training text at all and how often those
occurrences are marked: the **cue precision** (share of the phrase's occurrences that are gold cues)
says how safe the phrase would be as a lexicon entry, the **cue count** how much it would find.
:func:`cues_to_lexicon` turns the table into a :class:`~analysis.lexicons.model.Lexicon` and
:func:`cues_to_toml` into a lexicon file, each entry annotated with its evidence, for a researcher to
review before anything is scored with it. Tokens are the library's own (``analysis.text.tokenize``),
so every proposed entry can match the text it came from.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import pandas as pd

from analysis.text.tokenize import tokenize

__all__ = ["CUE_COLUMNS", "cues_to_lexicon", "cues_to_toml", "induce_cues", "sentence_token_spans"]

#: Columns of the table returned by :func:`induce_cues`.
CUE_COLUMNS = ["cue", "n_tokens", "cue_count", "occurrences", "cue_precision", "sentences_positive",
               "sentences", "sentence_precision"]

_SAFE_TOKEN = re.compile(r"^[a-z0-9][a-z0-9'.-]*$")


def sentence_token_spans(text: str) -> list[tuple[int, int, str]]:
    """Word and number tokens of one sentence as ``(start, end, norm)``, as the matcher sees them.

    >>> sentence_token_spans("It isn't clear.")
    [(0, 2, 'it'), (3, 5, 'is'), (5, 8, 'not'), (9, 14, 'clear')]
    """
    return [(t.start, t.end, t.norm) for t in tokenize(text).tokens if t.kind in ("word", "num")]


def _cue_token_runs(tokens, cues) -> list[tuple[int, int]]:
    """Token index ranges ``[i, j)`` covered by each cue span (tokens overlapping the span)."""
    runs = []
    for cue in cues:
        s, e = int(cue[0]), int(cue[1])
        idx = [k for k, (a, b, _) in enumerate(tokens) if a < e and b > s]
        if idx:
            # discontinuous cues ("either ... or") are split into their contiguous pieces
            start = prev = idx[0]
            for k in idx[1:]:
                if k != prev + 1:
                    runs.append((start, prev + 1))
                    start = k
                prev = k
            runs.append((start, prev + 1))
    return runs


def induce_cues(
    gold: pd.DataFrame,
    *,
    max_tokens: int = 3,
    min_cue_count: int = 2,
    min_precision: float = 0.0,
) -> pd.DataFrame:
    """Candidate lexicon entries from annotated sentences.

    Parameters
    ----------
    gold : DataFrame
        One row per sentence with ``text``, ``label`` and ``cues`` (``(start, end, ...)`` character
        spans into ``text``), as returned by the loaders in :mod:`analysis.validate.corpora`.
    max_tokens : int, default 3
        Longest cue (in word tokens) to propose; longer annotated cues are skipped.
    min_cue_count : int, default 2
        Keep phrases annotated as a cue at least this often.
    min_precision : float, default 0.0
        Keep phrases whose cue precision is at least this.

    Returns
    -------
    DataFrame
        One row per phrase (:data:`CUE_COLUMNS`), sorted by cue precision then cue count, both
        descending: ``cue`` (space-joined normalised tokens), ``n_tokens``, ``cue_count`` (times
        annotated as a cue), ``occurrences`` (times the token sequence occurs in all ``text``),
        ``cue_precision`` = ``cue_count / occurrences``, ``sentences_positive`` / ``sentences``
        (sentences holding the phrase that are positive / all of them) and their ratio
        ``sentence_precision``.

    Examples
    --------
    >>> gold = pd.DataFrame({
    ...     "text": ["It may rain.", "It may rain.", "In May it rains.", "It rains."],
    ...     "label": [True, True, False, False],
    ...     "cues": [[(3, 6, "may")], [(3, 6, "may")], [], []]})
    >>> induce_cues(gold)[["cue", "cue_count", "occurrences", "cue_precision"]].values.tolist()
    [['may', 2, 3, 0.6666666666666666]]
    """
    for col in ("text", "cues"):
        if col not in gold.columns:
            raise ValueError(f"gold needs a {col!r} column (columns are: {', '.join(gold.columns)})")
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    labels = gold["label"].astype(bool).tolist() if "label" in gold.columns else None
    tokenised = [sentence_token_spans(t) for t in gold["text"]]
    cue_counts = _annotated_runs(tokenised, gold["cues"], max_tokens)
    candidates = {c for c, n in cue_counts.items() if n >= min_cue_count}
    if not candidates:
        return pd.DataFrame(columns=CUE_COLUMNS)
    occurrences, sentences, positive = _occurrences(tokenised, candidates, labels)
    rows = []
    for gram in candidates:
        occ = max(occurrences[gram], cue_counts[gram])
        rows.append(
            {
                "cue": " ".join(gram),
                "n_tokens": len(gram),
                "cue_count": cue_counts[gram],
                "occurrences": occ,
                "cue_precision": cue_counts[gram] / occ,
                "sentences_positive": positive[gram] if labels is not None else pd.NA,
                "sentences": sentences[gram],
                "sentence_precision": (positive[gram] / sentences[gram])
                if labels is not None and sentences[gram]
                else float("nan"),
            }
        )
    out = pd.DataFrame(rows, columns=CUE_COLUMNS)
    out = out[out["cue_precision"] >= min_precision]
    return out.sort_values(
        ["cue_precision", "cue_count", "cue"], ascending=[False, False, True], kind="mergesort"
    ).reset_index(drop=True)


def _annotated_runs(tokenised, cues_column, max_tokens: int) -> Counter:
    """How often each token sequence of at most ``max_tokens`` tokens is annotated as a cue."""
    cue_counts: Counter = Counter()
    for tokens, cues in zip(tokenised, cues_column):
        for i, j in _cue_token_runs(tokens, cues or []):
            if j - i <= max_tokens:
                cue_counts[tuple(t[2] for t in tokens[i:j])] += 1
    return cue_counts


def _occurrences(tokenised, candidates: set, labels) -> tuple[Counter, Counter, Counter]:
    """Occurrences of each candidate in all sentences, sentences holding it, and the positive ones among them."""
    lengths = sorted({len(c) for c in candidates})
    occurrences: Counter = Counter()
    sentences: Counter = Counter()
    positive: Counter = Counter()
    for k, tokens in enumerate(tokenised):
        norms = [t[2] for t in tokens]
        seen = set()
        for n in lengths:
            for i in range(len(norms) - n + 1):
                gram = tuple(norms[i : i + n])
                if gram in candidates:
                    occurrences[gram] += 1
                    seen.add(gram)
        for gram in seen:
            sentences[gram] += 1
            if labels is not None and labels[k]:
                positive[gram] += 1
    return occurrences, sentences, positive


def _usable_pattern(cue: str) -> bool:
    """A cue becomes an entry only when each token is a plain word (no pattern syntax)."""
    return all(_SAFE_TOKEN.match(tok) for tok in cue.split())


def cues_to_lexicon(
    cues: pd.DataFrame,
    *,
    name: str = "induced",
    version: str = "0.1.0",
    category: str = "hedging.induced",
    min_precision: float = 0.5,
    min_cue_count: int = 3,
    source: str = "",
    description: str = "",
):
    """Build a reviewable lexicon from the table of :func:`induce_cues`.

    Entries with cue precision ``>= min_precision`` and cue count ``>= min_cue_count`` become entries
    of ``category``, each with a ``note`` giving its evidence (``"cue precision 0.93 (120 of 129
    occurrences)"``). Phrases holding characters of the pattern language (``*``, ``?``, ``(``, ``@``,
    ``<``) are left out. The lexicon's ``[meta]`` says it was induced and must be reviewed.

    Returns
    -------
    analysis.lexicons.model.Lexicon

    Examples
    --------
    >>> cues = pd.DataFrame({"cue": ["may", "suggest that"], "n_tokens": [1, 2],
    ...     "cue_count": [50, 4], "occurrences": [60, 4], "cue_precision": [50 / 60, 1.0],
    ...     "sentences_positive": [50, 4], "sentences": [58, 4], "sentence_precision": [50 / 58, 1.0]})
    >>> lex = cues_to_lexicon(cues, source="CoNLL-2010 training files")
    >>> [(e.pattern, e.note) for e in lex.entries]
    [('suggest that', 'cue precision 1.00 (4 of 4 occurrences)'), ('may', 'cue precision 0.83 (50 of 60 occurrences)')]
    """
    from analysis.lexicons.model import Category, Entry, Lexicon, parse_lexicon

    missing = [c for c in ("cue", "cue_count", "occurrences", "cue_precision") if c not in cues.columns]
    if missing:
        raise ValueError(f"cues table lacks column(s) {missing}: pass the output of induce_cues()")
    keep = cues[(cues["cue_precision"] >= min_precision) & (cues["cue_count"] >= min_cue_count)]
    keep = keep.sort_values(["cue_precision", "cue_count", "cue"], ascending=[False, False, True],
                            kind="mergesort")
    entries = []
    for row in keep.itertuples(index=False):
        if not _usable_pattern(row.cue):
            continue
        note = f"cue precision {row.cue_precision:.2f} ({row.cue_count} of {row.occurrences} occurrences)"
        entries.append(Entry(pattern=row.cue, category=category, note=note, source=source))
    if not entries:
        raise ValueError(
            f"no cue reaches cue precision {min_precision} with at least {min_cue_count} annotations: "
            "lower min_precision or min_cue_count"
        )
    meta = {
        "name": name,
        "version": version,
        "description": description
        or "Cues induced from annotated sentences: REVIEW EVERY ENTRY before use.",
        "licence": "CC-BY-4.0",
        "sources": [source or "induced with analysis.validate.induction.induce_cues"],
    }
    lex = Lexicon(name, version, meta, {}, {category: Category(category, meta["description"], tuple(entries))})
    # round trip through the parser: fails early on anything the lexicon format would refuse
    from analysis.lexicons.formats import lexicon_to_toml

    return parse_lexicon(lexicon_to_toml(lex), f"<induced:{name}>")


def cues_to_toml(cues: pd.DataFrame, **kwargs) -> str:
    """Lexicon TOML text for :func:`cues_to_lexicon` (same arguments), ready to save and review."""
    from analysis.lexicons.formats import lexicon_to_toml

    lex = cues_to_lexicon(cues, **kwargs)
    header = (
        "# Induced by analysis.validate.induction from annotated sentences.\n"
        "# Each entry's note gives its cue precision in the training data. Review before use:\n"
        "# delete entries that are not framing devices in news text and add contexts where needed.\n"
    )
    return header + lexicon_to_toml(lex)


def cue_lookup(cues: pd.DataFrame) -> dict[tuple[str, ...], float]:
    """``{token tuple: cue precision}`` for fast lookup in feature extraction."""
    return {tuple(c.split()): float(p) for c, p in zip(cues["cue"], cues["cue_precision"])}


def _iter_grams(norms: list[str], lengths: Iterable[int]):
    for n in lengths:
        for i in range(len(norms) - n + 1):
            yield tuple(norms[i : i + n])
