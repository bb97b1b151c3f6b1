"""The matcher: pattern semantics and the overlap rule, on small tables of sentences."""
import pytest

from analysis.lexicons.model import parse_lexicon
from analysis.measure.matching import Matcher

# every semantics test runs on both engines (the compiled core and the Python reference path)
pytestmark = pytest.mark.usefixtures("engine")

HEAD = '[meta]\nname = "t"\nversion = "1.0.0"\n[slots]\nnoun = ["official", "officials", "source"]\n'


def lex(**cats):
    body = "".join(f'[categories."{c}"]\nentries = {entries}\n' for c, entries in cats.items())
    return parse_lexicon(HEAD + body.replace("'", '"'))


def found(lexicon, text, category=None):
    return [m.matched for m in Matcher(lexicon).match(text).matches if category in (None, m.category)]


@pytest.mark.parametrize(
    "entries, text, expected",
    [
        (["potential"], "Potential attacks, potentially.", ["Potential"]),  # case-insensitive, whole tokens
        (["indicat*"], "indications and indicators", ["indications", "indicators"]),
        (["no specific indications"], "no “specific indications” here", ["no “specific indications"]),  # quotes transparent
        (["no * decision"], "no final decision; no decision", ["no final decision"]),  # * is exactly one token
        (["no *{0,4} decision"], "no decision, and no final formal decision", ["no decision", "no final formal decision"]),
        (["no *{0,2} decision"], "no decision. Decision", ["no decision"]),
        (["on the whole"], "head on. The whole", []),  # never across a sentence boundary
        (["@noun said"], "one source said", ["source said"]),
        (["not yet clear"], "It isn’t yet clear.", ["n’t yet clear"]),  # n't normalises to not
        (["could not"], "They couldn't.", ["couldn't"]),
        (["no decision"], "no, decision", []),  # punctuation blocks adjacency
        (["(senior|western) official"], "a Western official", ["Western official"]),
        (["<CAP>{1,2} said"], "the minister said; Jane Doe said", ["Jane Doe said"]),
        (["told <CAP>{1,3}"], "one official told The Harbor Ledger that", ["told The Harbor Ledger"]),
    ],
)
def test_pattern_semantics(entries, text, expected):
    assert found(lex(c=entries), text) == expected


def test_case_sensitive_entry():
    lexicon = parse_lexicon(HEAD + '[categories.c]\nentries = [{ pattern = "US", case_sensitive = true }]\n')
    # case-sensitive, so "us" in "told us" is not a match, only the country is
    assert found(lexicon, "US forces told us") == ["US"]


def test_contexts_cancel_or_require():
    lexicon = parse_lexicon(
        HEAD
        + '[categories.c]\nentries = [{ pattern = "may", unless_followed_by = ["<NUM>"], unless_preceded_by = ["in"] },'
        + ' { pattern = "about", only_followed_by = ["<NUM>"] }]\n'
    )
    assert found(lexicon, "It may rain on May 5 or in May, about 200 or about the rain.") == ["may", "about"]


def test_leftmost_longest_within_category():
    # "almost certainly" and "certainly" are both boosters: the longer, leftmost match counts once
    assert found(lex(b=["certainly", "almost certainly"]), "It will almost certainly fail.") == ["almost certainly"]


def test_exact_entry_not_shadowed_by_wildcard():
    m = Matcher(lex(c=["indicat*", "indications"])).match("There are indications.").matches
    assert [(x.entry, x.matched) for x in m] == [("indications", "indications")]


def test_categories_count_independently():
    m = Matcher(lex(a=["potential"], b=["potential attacks"])).match("potential attacks").matches
    assert sorted((x.category, x.matched) for x in m) == [("a", "potential"), ("b", "potential attacks")]


def test_offsets_and_token_indices():
    text = "Headline here\n\nOfficials said it “may” happen."
    res = Matcher(lex(c=["may"])).match(text)
    (m,) = res.matches
    assert text[m.start:m.end] == "may" and m.sentence == 1
    assert m.token_start == 5 and m.token_end == 6  # headline 2 words + "Officials said it"
    assert res.n_tokens == 7 and res.n_sentences == 2


def test_voice_labels():
    text = "Officials said: “We may see more attacks soon.” Attacks may come. It may rain."
    res = Matcher(lex(c=["may"])).match(text)
    assert [m.voice for m in res.matches] == ["quote", "narration", "narration"]
    text2 = "Attacks may come, officials said. It may rain."
    assert [m.voice for m in Matcher(lex(c=["may"])).match(text2).matches] == ["attributed", "narration"]


def test_category_filter():
    m = Matcher(["hedging", "booster"], categories=["hedging.modal"])
    assert m.categories == ["hedging.modal"]
    with pytest.raises(ValueError, match="no category"):
        Matcher("hedging", categories=["nothing.*"])


def test_scare_quote_detector_category():
    lexicon = parse_lexicon(HEAD + '[categories."d.scare"]\ndetector = "scare_quotes"\n[categories."d.lex"]\nentries = ["so-called"]\n')
    text = "Headline\n\nThe so-called “defensive” posture, he said: “We will not listen.”"
    res = Matcher(lexicon).match(text)
    got = [(m.category, m.entry, m.matched, m.sentence, m.token_start, m.token_end) for m in res.matches]
    # the full quotation after "said:" is an utterance, not a scare quote
    assert got == [("d.lex", "so-called", "so-called", 1, 2, 3), ("d.scare", "<scare>", "“defensive”", 1, 3, 4)]
    assert res.sentences_with_match == {"d.lex": 1, "d.scare": 1}


def test_unknown_detector_is_refused():
    from analysis.lexicons.model import LexiconError

    with pytest.raises(LexiconError, match="unknown detector 'nope'"):
        parse_lexicon(HEAD + '[categories.d]\ndetector = "nope"\n')


def test_the_engine_fixture_picks_the_engine(engine):
    assert Matcher("hedging").engine == engine
