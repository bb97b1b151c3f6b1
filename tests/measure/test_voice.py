"""Voice labels: quotation, attribution, narration."""
from analysis.measure.voice import quote_regions


def test_treebank_style_quotes_are_quotations():
    t = "He said ``we may see more attacks soon'' and left."
    assert [t[a:b] for a, b in quote_regions(t)] == ["``we may see more attacks soon''"]
    t2 = "Officials said ''we may see more attacks soon'' on Friday."
    assert [t2[a:b] for a, b in quote_regions(t2)] == ["''we may see more attacks soon''"]


def test_short_quotes_are_scare_quotes_not_quotations():
    t = "“Iranian-backed” militias and a “heightened level” of readiness."
    assert quote_regions(t) == []
