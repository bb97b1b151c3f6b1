"""Scare quotes: short quoted terms count; quotations, utterances and quotes after 'said:' do not."""
import pytest

from analysis.measure.matching import Matcher
from analysis.measure.scare_quotes import scare_quotes

CASES = [
        ("what they described as “Iranian-backed” militias", ["“Iranian-backed”"]),
        ('He called it a "witch hunt" and left.', ['"witch hunt"']),
        ("the so-called “peace plan” failed", ["“peace plan”"]),
        ("a “heightened level of preparation.”", []),  # four words and a full stop: a partial quotation
        ("“No,” he said.", []),  # an utterance: punctuation inside the marks
        ("He said, “Never again” and left.", []),  # after a reporting verb and a comma
        ("Trump told CNN: “Fake news”", []),  # after a colon
        ("“We will not listen to you anymore.”", []),
        ("“”", []),  # empty
        ("a “troubling sign\n\nof” trouble", []),  # marks in different paragraphs never pair
        ("the “Hamilton” show", ["“Hamilton”"]),  # known false positive: titles of works
]


@pytest.mark.parametrize("text, expected", CASES)
def test_scare_quotes(text, expected):
    assert [q for _, _, q in scare_quotes(text)] == expected


def test_offsets_slice_the_text():
    text = "Officials cited “indications” and “troubling indicators” of attacks."
    found = scare_quotes(text)
    assert [text[a:b] for a, b, _ in found] == [q for _, _, q in found] == ["“indications”", "“troubling indicators”"]


def test_max_words_and_bad_input():
    assert scare_quotes("a “very heightened level” of", max_words=2) == []
    with pytest.raises(TypeError):
        scare_quotes(None)
    with pytest.raises(ValueError, match="max_words"):
        scare_quotes("x", max_words=0)


def test_seed_article(shared_dir):
    text = (shared_dir / "seed" / "seed-article.txt").read_text(encoding="utf-8")
    assert [q for _, _, q in scare_quotes(text)] == ["“Iranian-backed”", "“indications”"]


@pytest.mark.parametrize("text, expected", [*CASES, ("He left. “Fake\n\nnews” was all.", [])])
def test_scare_quotes_as_matches(engine, text, expected):
    """The matcher reports each scare quote as a ``distancing.scare_quote`` match with the entry
    ``<scare quote>``, on both engines (the engine fixture)."""
    found = [m for m in Matcher("distancing").match(text).matches if m.category == "distancing.scare_quote"]
    assert [m.matched for m in found] == expected
    assert {m.entry for m in found} <= {"<scare quote>"}
    assert all(text[m.start:m.end] == m.matched for m in found)


def test_a_scare_quote_counts_in_the_roll_up_once(engine):
    from analysis.measure.batch import scan

    text = "They call it a “so-called” plan."  # the lexical entry so-called inside a scare quote
    m = Matcher("distancing")
    batch = scan(m, [text], ["a"], ["x"])
    counts = dict(zip(batch.columns, batch.counts[0].tolist()))
    assert counts["distancing.lexical"] == 1 and counts["distancing.scare_quote"] == 1
    assert counts["distancing"] == 1  # overlapping matches of two sub-categories count once
