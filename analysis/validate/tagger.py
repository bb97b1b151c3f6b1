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

The features are plain strings of the sentence's own tokens; a saved model holds either the
strings seen at least ``min_df`` times in training or, with ``hash_bits``, only their hashed weights.
"""
from __future__ import annotations

__all__ = ["TRIGGERS", "candidate_features", "candidate_key", "crude_stem", "tagger_candidates"]

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


def tagger_candidates(norms: list[str], cue_words, window: int = 3) -> list[tuple[int, list[str]]]:
    """``(token index, feature strings)`` of every candidate cue of one sentence.

    ``cue_words`` is a set of known cue words; their crude stems and five-letter prefixes are
    derived here (pass the same set at training and prediction time).

    >>> [j for j, _f in tagger_candidates(["we", "suggested", "it", "may", "bind"], {"suggest", "may"})]
    [1, 3]
    """
    stems = {crude_stem(w) for w in cue_words}
    prefixes = {w[:PREFIX] for w in cue_words if len(w) >= PREFIX}
    out = []
    for j, w in enumerate(norms):
        key = candidate_key(w, cue_words, stems, prefixes)
        if key is not None:
            out.append((j, candidate_features(norms, j, key, window)))
    return out
