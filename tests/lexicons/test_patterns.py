"""Pattern language: parsing, bounds and the errors authors see."""
import pytest

from analysis.lexicons.patterns import PatternError, glob_to_regex, parse_pattern


def test_elements_and_anchor():
    p = parse_pattern("<CAP>{1,3} (said|told)")
    assert [e.kind for e in p.elements] == ["class", "alt"]
    assert p.anchor == 1 and p.elements[0].hi == 3


def test_contraction_in_pattern_is_two_tokens():
    p = parse_pattern("couldn't")
    assert [sorted(e.values) for e in p.elements] == [["could"], ["not"]]


def test_quotes_in_pattern_are_ignored():
    assert len(parse_pattern("no “specific indications").elements) == 3


@pytest.mark.parametrize(
    "source, message",
    [
        ("", "empty"),
        ("*", "anchor"),
        ("**", "only wildcards"),
        ("<CAP> <NUM>", "anchor"),
        ("may *{0,9} go", "<= 8"),
        ("(said|according to)", "single tokens"),
        ("<FOO> said", "unknown token class"),
        ("@nope said", "unknown slot"),
        ("(senior)? official", "may not start"),
        ("(unclosed official", "unbalanced"),
    ],
)
def test_bad_patterns_say_why(source, message):
    with pytest.raises(PatternError, match=message):
        parse_pattern(source)


def test_pathological_glob_is_collapsed_and_fast():
    rx = glob_to_regex("**********a")
    assert rx.pattern.count("*") == 1
    assert not rx.fullmatch("b" * 5000)


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("text, matched", [
    ("It is very likely.", []),  # one 'very' is not (very){2,3}
    ("It is very very likely.", ["very very likely"]),
    ("It is very very very very likely.", ["very very very likely"]),  # at most three, then 'likely'
])
def test_a_repeated_element_is_matched_in_full_not_as_an_anchor(text, matched):
    from analysis.lexicons.model import parse_lexicon
    from analysis.measure.matching import Matcher

    lex = parse_lexicon('[meta]\nname = "r"\nversion = "1.0.0"\n[categories.r]\ndescription = "r"\n'
                        'entries = ["(very){2,3} likely"]\n')
    assert [m.matched for m in Matcher(lex).match(text).matches] == matched


def test_a_lone_repeated_element_cannot_anchor():
    with pytest.raises(PatternError, match=r"cannot anchor: repeat it"):
        parse_pattern("(very|so){2}")
