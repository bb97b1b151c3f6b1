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
