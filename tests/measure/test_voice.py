"""Voice labels: quotation, attribution, narration."""
import pytest

from analysis.measure.matching import Matcher
from analysis.measure.voice import quote_regions


def test_treebank_style_quotes_are_quotations():
    t = "He said ``we may see more attacks soon'' and left."
    assert [t[a:b] for a, b in quote_regions(t)] == ["``we may see more attacks soon''"]
    t2 = "Officials said ''we may see more attacks soon'' on Friday."
    assert [t2[a:b] for a, b in quote_regions(t2)] == ["''we may see more attacks soon''"]


def test_short_quotes_are_scare_quotes_not_quotations():
    t = "“Iranian-backed” militias and a “heightened level” of readiness."
    assert quote_regions(t) == []


# The voice of a match and the tokens counted in each voice, on both engines (the engine fixture): the
# Python reference path states the rules, the compiled core must give the same.
@pytest.mark.parametrize(
    "text, voices",
    [
        ("It may rain.", ["narration"]),
        ("Officials said it may rain.", ["attributed"]),
        ("He said “we may see more attacks soon” and it may rain.", ["quote", "attributed"]),
        ("It may be “indications” only.", ["narration"]),  # a two-word quote is no quotation
        ("He said ``we may see more attacks soon'' today.", ["quote"]),
        ("“We may see more attacks\n\nIt may rain.", ["quote", "narration"]),  # an open quote ends with its paragraph
        ("‘We may see more attacks soon,’ it read.", ["narration"]),  # single quotes are never quotations
    ],
)
def test_voice_of_matches(engine, text, voices):
    got = [(m.matched.lower(), m.voice) for m in Matcher("hedging").match(text).matches if m.category == "hedging.modal"]
    assert got == [("may", v) for v in voices]


def test_tokens_by_voice_split_each_sentence(engine):
    text = "He said “we may see more attacks soon” today. It rained. Officials told CNN it rained."
    dm = Matcher("hedging").match(text)
    # 'we may see more attacks soon' (6) quoted; 'He said' + 'today' (3) attributed; the rest narration
    # (2) or attributed (5: a reporting cue in the sentence)
    assert dm.tokens_by_voice == {"quote": 6, "attributed": 3 + 5, "narration": 2}
    assert sum(dm.tokens_by_voice.values()) == dm.n_tokens
