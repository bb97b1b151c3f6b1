"""Tokenizer: offsets, news abbreviations, quotes, contractions, headlines."""
import pytest

from analysis.text.tokenize import sentence_spans, tokenize, word_tokens


def _sents(text):
    return [text[a:b] for a, b in sentence_spans(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("U.S. officials said Gen. Smith left. He declined.", ["U.S. officials said Gen. Smith left.", "He declined."]),
        ("Sen. Jane Roe and Rep. John Doe met on Jan. 5. Nothing followed.",
         ["Sen. Jane Roe and Rep. John Doe met on Jan. 5.", "Nothing followed."]),
        ("J. R. Smith spoke. Then he left.", ["J. R. Smith spoke.", "Then he left."]),
        ("It moved to the U.S. The talks ended.", ["It moved to the U.S.", "The talks ended."]),
        ("The U.S. Army said so.", ["The U.S. Army said so."]),
        ("“We will not listen,” he said. “Never.”", ["“We will not listen,” he said.", "“Never.”"]),
        ("Is it over? Nobody knows!", ["Is it over?", "Nobody knows!"]),
        ("A Headline Without A Stop\n\nThe body starts here.", ["A Headline Without A Stop", "The body starts here."]),
        ("Line one\r\n\r\nLine two", ["Line one", "Line two"]),
        # one Windows line end is a line break, not a blank line: the sentence goes on
        ("A headline\r\nwraps here\r\n\r\nBody.", ["A headline\r\nwraps here", "Body."]),
        ("Old Mac\r\rBody.", ["Old Mac", "Body."]),
        ("he said. and then", ["he said. and then"]),  # no capital after the stop: no boundary
    ],
)
def test_sentence_boundaries(text, expected):
    assert _sents(text) == expected


@pytest.mark.parametrize(
    "text, norms",
    [
        ("couldn’t", ["could", "not"]),
        ("can't won't", ["can", "not", "will", "not"]),
        ("Iran’s allies", ["iran", "'s", "allies"]),
        ("O'Brien", ["o'brien"]),
        ("Iranian-backed B-52 bombers", ["iranian-backed", "b-52", "bombers"]),
        ("the U.S. and 1,000 troops, 3.5%", ["the", "u.s.", "and", "1,000", "troops", "3.5%"]),
        ("“indications” — (maybe)", ["indications", "maybe"]),
    ],
)
def test_word_tokens(text, norms):
    assert word_tokens(text) == norms


def test_offsets_slice_the_original_text():
    text = "Headline\n\nOne official told CNN there are “indications” — of “potential” attacks."
    doc = tokenize(text)
    for sent in doc.sentences:
        for tok in sent.tokens:
            surface = text[tok.start:tok.end]
            assert surface.lower().replace("’", "'") in (tok.norm, "n't", "ca", "wo")
    assert doc.sentences[0].paragraph == 0 and doc.sentences[1].paragraph == 1
    kinds = [t.kind for t in doc.sentences[1].tokens]
    assert kinds.count("quote") == 4 and "punct" in kinds


def test_refuses_non_string():
    with pytest.raises(TypeError):
        tokenize(b"bytes")


@pytest.mark.parametrize("opening, closing", [
    ("\u201c", "\u201d"), ('"', '"'), ("\u2018", "\u2019"), ("\u00ab ", " \u00bb"), ("\u201e", "\u201c"),
    ("\u201a", "\u2018"), ("\u00bb", "\u00ab"), ("\u2039", "\u203a"), ("\u201d", "\u201d"), ("``", "''"),
    ("(", ")"), ("[", "]"),
])
def test_a_quoted_sentence_of_any_quoting_style_is_split_off(opening, closing):
    """English, German, French, Danish, Swedish and LaTeX quotation marks, and brackets, both after a
    sentence's stop and before the next one's first word."""
    from analysis.measure.attribution import split_sentences

    t = f"Officials warned of attacks. {opening}The port will not hold.{closing} One official said so."
    want = ["Officials warned of attacks.", f"{opening}The port will not hold.{closing}", "One official said so."]
    assert [t[a:b] for a, b in sentence_spans(t)] == want
    assert [t[a:b] for a, b, _ in split_sentences(t)] == want  # the compiled core, when built


@pytest.mark.parametrize("word, split", [("Émile", True), ("Łukasz", True), ("Ørsted", True), ("Çelik", True),
                                         ("ǅoković", True), ("Ωmega", True), ("2026", True), ("émile", False),
                                         ("über", False), ("_x", False), ("٣", False)])
def test_a_sentence_may_start_with_a_capital_of_any_script(word, split):
    from analysis.measure.attribution import split_sentences

    t = f"The minister resigned. {word} said nothing."
    n = 2 if split else 1
    assert len(sentence_spans(t)) == n
    assert len(split_sentences(t)) == n
