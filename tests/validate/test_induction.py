"""Cue induction: known cue precisions on hand-made sentences, and the reviewable lexicon file."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.lexicons.model import parse_lexicon
from analysis.validate.induction import cues_to_lexicon, cues_to_toml, induce_cues


def gold():
    return pd.DataFrame({
        "text": [
            "These results indicate that it may work.",   # cues: "indicate that", "may"
            "It may bind.",                               # cue: "may"
            "In May it was tested.",                      # "may" the month: not a cue
            "Results indicate that it works.",            # not annotated (a statement of fact here)
            "Either it binds or it does not.",            # discontinuous cue "either ... or"
            "Either way, or not.",                        # not annotated
        ],
        "label": [True, True, False, False, True, False],
        "cues": [
            [(14, 27, "indicate that", "speculation"), (31, 34, "may", "speculation")],
            [(3, 6, "may", "speculation")],
            [],
            [],
            [(0, 6, "Either", "speculation"), (16, 18, "or", "speculation")],
            [],
        ],
    })


def test_known_cue_precisions():
    table = induce_cues(gold(), min_cue_count=1).set_index("cue")
    # "may": annotated twice, occurs three times (once as the month) -> 2/3
    assert table.loc["may", "cue_count"] == 2 and table.loc["may", "occurrences"] == 3
    assert table.loc["may", "cue_precision"] == pytest.approx(2 / 3)
    # sentence precision: 2 of the 3 sentences holding "may" are positive
    assert table.loc["may", "sentence_precision"] == pytest.approx(2 / 3)
    # a multi-word cue is counted as a token sequence: 1 of 2 occurrences
    assert table.loc["indicate that", "n_tokens"] == 2
    assert table.loc["indicate that", "cue_precision"] == pytest.approx(0.5)
    # a discontinuous cue is split into its pieces
    assert table.loc["either", "cue_precision"] == pytest.approx(0.5)
    assert table.loc["or", "cue_precision"] == pytest.approx(0.5)
    # sorted by precision, then count
    assert table.index[0] == "may"


def test_thresholds():
    assert list(induce_cues(gold(), min_cue_count=2)["cue"]) == ["may"]
    assert list(induce_cues(gold(), min_cue_count=1, min_precision=0.6)["cue"]) == ["may"]
    assert induce_cues(gold(), min_cue_count=5).empty
    with pytest.raises(ValueError, match="'cues'"):
        induce_cues(pd.DataFrame({"text": ["x"]}))


def test_lexicon_export_round_trips_and_carries_evidence():
    table = induce_cues(gold(), min_cue_count=1)
    lex = cues_to_lexicon(table, min_precision=0.5, min_cue_count=1, source="tiny fixture")
    patterns = [e.pattern for e in lex.entries]
    assert patterns[0] == "may" and "indicate that" in patterns
    assert lex.entries[0].note == "cue precision 0.67 (2 of 3 occurrences)"
    text = cues_to_toml(table, min_precision=0.5, min_cue_count=1, name="induced_tiny")
    assert text.startswith("# Induced")
    again = parse_lexicon(text, "induced.toml")
    assert again.sha256 == cues_to_lexicon(table, min_precision=0.5, min_cue_count=1, name="induced_tiny").sha256
    assert "REVIEW" in again.meta["description"]


def test_pattern_syntax_is_never_exported():
    table = pd.DataFrame({"cue": ["may*", "(or)", "might"], "cue_count": [5, 5, 5], "occurrences": [5, 5, 5],
                          "cue_precision": [1.0, 1.0, 1.0]})
    assert [e.pattern for e in cues_to_lexicon(table).entries] == ["might"]
    with pytest.raises(ValueError, match="no cue reaches"):
        cues_to_lexicon(table, min_precision=1.1)
