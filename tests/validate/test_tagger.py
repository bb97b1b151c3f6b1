"""Candidates and features of the token-level cue tagger (analysis.validate.tagger)."""
from __future__ import annotations

import pytest

from analysis.validate.tagger import (
    candidate_features,
    candidate_key,
    crude_stem,
    tagger_candidates,
)


@pytest.mark.parametrize(("word", "stem"), [
    ("suggested", "suggest"), ("suggests", "suggest"), ("indicating", "indicat"),
    ("may", "may"),     # too short to strip anything
    ("ratios", "ratio"),  # "ratios" -> "ratio": four letters must remain
    ("likely", "like"),
])
def test_crude_stem(word, stem):
    assert crude_stem(word) == stem


def test_candidates_are_cue_words_their_stems_and_prefixes():
    cue_words = {"suggest", "hypothesis", "or"}
    norms = ["we", "suggested", "a", "hypothesized", "model", "or", "not", "sugar"]
    keys = {j: candidate_key(w, cue_words, {crude_stem(w) for w in cue_words}, {"sugge", "hypot"})
            for j, w in enumerate(norms)}
    # "hypothesized" -> stem "hypothesiz", not "hypothesi": only the five-letter prefix joins them
    assert {j: k for j, k in keys.items() if k} == {1: "s=suggest", 3: "p=hypot", 5: "c=or"}
    assert [j for j, _f in tagger_candidates(norms, cue_words)] == [1, 3, 5]


def test_features_see_the_context_that_separates_uses():
    """'or' after 'whether' and 'or' in a list differ in their features; sentence edges are marked."""
    alt = candidate_features(["whether", "a", "or", "b"], 2, "c=or")
    listing = candidate_features(["a", "or", "b", "cells"], 1, "c=or")
    assert "c=or|has=whether" in alt and "c=or|has=whether" not in listing
    assert "c=or|w=whether" in alt  # within the window of three
    assert "c=or|r2=b </s>" in alt and "c=or|l2=<s> a" in listing
    first = candidate_features(["may", "be"], 0, "c=may")
    assert "c=may|first" in first and "c=may|l=<s>" in first and "c=may|r2=be </s>" in first


def test_window_bounds_the_context_words():
    norms = [f"w{i}" for i in range(10)]
    norms[5] = "may"
    near = {f for f in candidate_features(norms, 5, "c=may", window=2) if f.startswith("c=may|w=")}
    assert near == {"c=may|w=w3", "c=may|w=w4", "c=may|w=w6", "c=may|w=w7"}


def test_lexicon_hits_cover_the_tokens_a_match_spans():
    from types import SimpleNamespace as M

    from analysis.validate.tagger import lexicon_hits

    spans = [(0, 7, "whether"), (8, 10, "or"), (11, 14, "not"), (15, 17, "it"), (18, 21, "may")]
    matches = [M(start=0, end=14, category="hedging.conditional", entry="whether or not"),
               M(start=8, end=10, category="hedging.other", entry="or"),   # overlaps the first: it keeps "or"
               M(start=18, end=21, category="modal", entry="may")]        # a category without a dot
    assert lexicon_hits(spans, matches) == {0: ("conditional", "whether or not"), 1: ("conditional", "whether or not"),
                                            2: ("conditional", "whether or not"), 4: ("modal", "may")}
    assert lexicon_hits(spans, []) == {}


def test_lexicon_matches_make_candidates_and_features():
    norms = ["we", "favor", "it", "or", "not"]
    hits = {1: ("epistemic_verb", "favor")}
    with_lex = dict(tagger_candidates(norms, {"or"}, hits=hits))
    # "favor" is no cue word: only the lexicon makes it a candidate, named by its category
    assert sorted(with_lex) == [1, 3]
    assert with_lex[1][0] == "x=epistemic_verb"
    assert {"lex=epistemic_verb", "lexe=favor", "x=epistemic_verb|lex=epistemic_verb"} <= set(with_lex[1])
    assert "lex=none" in with_lex[3]  # a cue word the lexicon does not match says so
    # without hits (the setting off) nothing changes: no lexicon features, no extra candidates
    plain = dict(tagger_candidates(norms, {"or"}))
    assert sorted(plain) == [3] and not any(f.startswith("lex") for f in plain[3])
    assert plain[3] == [f for f in with_lex[3] if f != "lex=none"]
