"""Scare quotes: short quoted terms count; quotations, utterances and quotes after 'said:' do not."""
import pytest

from analysis.measure.scare_quotes import scare_quotes


@pytest.mark.parametrize(
    "text, expected",
    [
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
    ],
)
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
