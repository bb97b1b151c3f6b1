"""Candidate cues and their features for the token-level cue tagger (``learn`` setting ``tagger``).

A sentence is uncertain when it holds at least one uncertainty cue, so a classifier of *tokens*
(is this word, here, a cue?) decides sentences too: a sentence is uncertain when its most probable
candidate cue is probably a cue. This module says which tokens are candidates and what a linear
model sees of each; :mod:`analysis.validate.learn` trains the model and stores its weights.

* A token is a **candidate** when it is a known cue word (a word of a cue induced from the training
  sentences), shares its crude stem with one (:func:`crude_stem`: "suggests" and "suggested" with
  "suggest"), or shares its first five letters with one ("speculative" with "speculate").
* Its **features** (:func:`candidate_features`) are binary strings: its identity and stem, the words,
  stems, three-letter suffixes and coarse shapes of its neighbours one and two tokens away, the
  bigrams and the trigram around it, the words within ``window`` tokens, its own three- to
  five-letter prefixes and suffixes, its position, and which of a few trigger words ("whether",
  "either", "not", "or" ...) occur in the sentence. A linear model learns from these when "or"
  joins alternatives after "whether" and when it lists things, when "can" is possibility and when
  ability ("can be used").

* With a **lexicon** (``learn`` setting ``tagger_lexicon``), the tokens a lexicon entry matches are
  candidates too (identity ``x=`` + the entry's category, e.g. ``x=epistemic_verb`` for "favor" when
  the training sentences never mark it), and every candidate learns from whether, and by which
  category and entry, the lexicon matches it (:func:`lexicon_features`): the list's knowledge of rare
  cues and multiword entries ("cannot be excluded") joins what the annotation shows.

The features are plain strings of the sentence's own tokens; a saved model holds either the
strings seen at least ``min_df`` times in training or, with ``hash_bits``, only their hashed weights.
"""
from __future__ import annotations

__all__ = ["TRIGGERS", "candidate_features", "candidate_key", "crude_stem", "lexicon_features", "lexicon_hits",
           "tagger_candidates"]

_SUFFIXES = ("ations", "ation", "ingly", "ively", "ably", "ibly", "ness", "ment", "ings", "ing", "ive",
             "ial", "ely", "ity", "ies", "ied", "ed", "es", "ly", "al", "s", "e", "y")
#: Words whose presence anywhere in the sentence is a feature of every candidate.
TRIGGERS = ("whether", "either", "if", "not", "no", "unknown", "or", "may", "might", "suggest", "possible")
#: Letters a word shares with a known cue word to be a candidate ("speculative" from "speculate").
PREFIX = 5


def crude_stem(word: str) -> str:
    """Strip one common English suffix when at least four letters remain.

    >>> crude_stem("suggested"), crude_stem("possibly"), crude_stem("may")
    ('suggest', 'poss', 'may')
    """
    for suf in _SUFFIXES:
        if len(word) - len(suf) >= 4 and word.endswith(suf):
            return word[: -len(suf)]
    return word


def _shape(word: str) -> str:
    if any(ch.isdigit() for ch in word):
        return "<num>"
    return word if len(word) <= 3 else "<w>"


def candidate_key(word: str, cue_words, stems, prefixes) -> str | None:
    """The candidate identity of ``word`` (``c=`` cue word, ``s=`` stem, ``p=`` prefix) or None.

    >>> candidate_key("suggests", {"suggest"}, {"suggest"}, {"sugge"})
    's=suggest'
    >>> candidate_key("protein", {"suggest"}, {"suggest"}, {"sugge"}) is None
    True
    """
    if word in cue_words:
        return "c=" + word
    if len(word) >= 4 and crude_stem(word) in stems:
        return "s=" + crude_stem(word)
    if len(word) >= PREFIX and word[:PREFIX] in prefixes:
        return "p=" + word[:PREFIX]
    return None


def candidate_features(norms: list[str], j: int, key: str, window: int = 3) -> list[str]:
    """Feature strings of the candidate ``norms[j]`` whose identity is ``key``.

    Parameters
    ----------
    norms : list of str
        The sentence's normalised word tokens.
    j : int
        Index of the candidate.
    key : str
        Its identity (:func:`candidate_key`).
    window : int, default 3
        Words within this many tokens either side are features (without their side).

    Examples
    --------
    >>> candidate_features(["it", "may", "rain"], 1, "c=may")[:4]
    ['c=may', 'w=may', 'st=may', 'c=may|l=it']
    """
    n = len(norms)

    def at(i: int) -> str:
        return norms[i] if 0 <= i < n else ("<s>" if i < 0 else "</s>")

    w = norms[j]
    st = crude_stem(w)
    left, right, right2, left2 = at(j - 1), at(j + 1), at(j + 2), at(j - 2)
    feats = [key, f"w={w}", f"st={st}",
             f"{key}|l={left}", f"{key}|r={right}", f"{key}|r2={right} {right2}", f"{key}|l2={left2} {left}",
             f"{key}|lr={left} {right}", f"{key}|sh={_shape(left)} {_shape(right)}",
             f"{key}|{'first' if j == 0 else 'inner'}",
             f"st={st}|l={left}", f"st={st}|r={right}", f"st={st}|rst={crude_stem(right)}",
             f"st={st}|lst={crude_stem(left)}",
             f"bg={left}_{w}", f"bg={w}_{right}", f"tg={left}_{w}_{right}",
             f"{key}|rsuf={right[-3:]}", f"{key}|lsuf={left[-3:]}", f"{key}|r2suf={right2[-3:]}",
             f"{key}|w-2={left2}", f"{key}|w+2={right2}", f"{key}|st+1={crude_stem(right)}",
             f"{key}|st+2={crude_stem(right2)}", f"{key}|st-1={crude_stem(left)}"]
    feats += [f"{key}|w={norms[i]}" for i in range(max(0, j - window), min(n, j + window + 1)) if i != j]
    for k in (3, 4, 5):
        feats += [f"pre{k}={w[:k]}", f"suf{k}={w[-k:]}"]
    present = set(norms)
    feats += [f"{key}|has={t}" for t in TRIGGERS if t in present]
    return feats


def lexicon_hits(spans, matches) -> dict[int, tuple[str, str]]:
    """Which word tokens a lexicon match covers: ``{token index: (category, entry)}``.

    ``spans`` are the sentence's word tokens as ``(start, end, ...)`` character offsets
    (:func:`analysis.validate.induction.sentence_token_spans`), ``matches`` the matcher's matches in
    the same sentence (anything with ``start``, ``end``, ``category`` and ``entry``). The category is
    its last dotted part ("hedging.modal" gives "modal"); a token covered by two matches keeps the
    first.

    >>> from types import SimpleNamespace as M
    >>> spans = [(0, 2, "it"), (3, 9, "cannot"), (10, 12, "be"), (13, 21, "excluded")]
    >>> lexicon_hits(spans, [M(start=3, end=21, category="hedging.possibility", entry="cannot be excluded")])
    {1: ('possibility', 'cannot be excluded'), 2: ('possibility', 'cannot be excluded'), 3: ('possibility', 'cannot be excluded')}
    """
    out: dict[int, tuple[str, str]] = {}
    for m in matches:
        for j, span in enumerate(spans):
            if span[0] < m.end and span[1] > m.start and j not in out:
                out[j] = (str(m.category).rsplit(".", 1)[-1], str(m.entry))
    return out


def lexicon_features(key: str, hit: tuple[str, str] | None) -> list[str]:
    """Feature strings saying whether (and by which category and entry) the lexicon matches a candidate.

    >>> lexicon_features("c=may", ("modal", "may")), lexicon_features("c=or", None)
    (['lex=modal', 'lexe=may', 'c=may|lex=modal'], ['lex=none'])
    """
    if hit is None:
        return ["lex=none"]
    return [f"lex={hit[0]}", f"lexe={hit[1]}", f"{key}|lex={hit[0]}"]


def tagger_candidates(norms: list[str], cue_words, window: int = 3,
                      hits: dict[int, tuple[str, str]] | None = None) -> list[tuple[int, list[str]]]:
    """``(token index, feature strings)`` of every candidate cue of one sentence.

    ``cue_words`` is a set of known cue words; their crude stems and five-letter prefixes are
    derived here (pass the same set at training and prediction time). With ``hits``
    (:func:`lexicon_hits`; ``{}`` for a sentence without matches) the tokens a lexicon matches are
    candidates too (identity ``x=`` + category) and every candidate gets :func:`lexicon_features`.

    >>> [j for j, _f in tagger_candidates(["we", "suggested", "it", "may", "bind"], {"suggest", "may"})]
    [1, 3]
    >>> [(j, f[0]) for j, f in tagger_candidates(["we", "favor", "it"], {"may"}, hits={1: ("epistemic_verb", "favor")})]
    [(1, 'x=epistemic_verb')]
    """
    stems = {crude_stem(w) for w in cue_words}
    prefixes = {w[:PREFIX] for w in cue_words if len(w) >= PREFIX}
    out = []
    for j, w in enumerate(norms):
        key = candidate_key(w, cue_words, stems, prefixes)
        hit = None if hits is None else hits.get(j)
        if key is None and hit is not None:
            key = "x=" + hit[0]
        if key is not None:
            feats = candidate_features(norms, j, key, window)
            if hits is not None:
                feats += lexicon_features(key, hit)
            out.append((j, feats))
    return out
