"""Conformance tests for the built-in lexicons: every ambiguous entry counts where it should and not where it
should not (sentences written by us, exact counts), the seed article's phrases, and every entry can match."""
from __future__ import annotations

import os
import re

import pytest

from analysis.lexicons.model import builtin_lexicon_names, load_lexicon
from analysis.lexicons.patterns import parse_pattern
from analysis.measure.matching import Matcher
from analysis.text.tokenize import tokenize

LEXICONS = builtin_lexicon_names()
_MATCHERS: dict[str, Matcher] = {}  # one matcher of all built-in lexicons per engine

# every entry's rule is checked on both engines (the compiled core and the Python reference path)
pytestmark = pytest.mark.usefixtures("engine")


def _matcher() -> Matcher:
    key = os.environ.get("MFA_ENGINE", "")
    if key not in _MATCHERS:
        _MATCHERS[key] = Matcher()
    return _MATCHERS[key]


def hits(text: str, category: str) -> list[str]:
    """Matched surfaces of one category in ``text`` (all built-in lexicons loaded together)."""
    return [m.matched for m in _matcher().match(text).matches if m.category == category]


def test_builtins_are_complete_and_versioned():
    assert LEXICONS == ["booster", "distancing", "evidence_absent", "hedging", "sourcing"]
    expected = {
        "hedging": {"hedging.modal", "hedging.epistemic_verb", "hedging.evidential", "hedging.possibility",
                    "hedging.approximator", "hedging.conditional"},
        "sourcing": {"sourcing.anonymous", "sourcing.vague", "sourcing.named", "sourcing.outlet"},
        "evidence_absent": {"evidence_absent"},
        "booster": {"booster"},
        "distancing": {"distancing.lexical", "distancing.scare_quote"},
    }
    for name in LEXICONS:
        lex = load_lexicon(name)
        assert set(lex.categories) == expected[name]
        assert lex.version == {"distancing": "2.0.0", "hedging": "1.1.0"}.get(name, "1.0.0")
        for key in ("name", "version", "description", "licence", "sources"):
            assert lex.meta.get(key), (name, key)
        assert lex.meta["licence"] == "CC-BY-4.0"
        for cat in lex.categories.values():
            assert cat.description and cat.extra.get("definition"), cat.name


def test_cited_sources_are_declared_in_meta():
    """An entry with ``source = "words-hedges"`` needs that list named in [meta] sources."""
    for name in LEXICONS:
        lex = load_lexicon(name)
        meta_sources = " ".join(lex.meta["sources"])
        for e in lex.entries:
            if e.source:
                assert e.source in ("words-hedges", "words-weasels", "pattern-modality"), (name, e.pattern)
                assert e.source in meta_sources, (name, e.pattern, e.source)


def test_ambiguous_entries_point_at_a_test():
    """Every entry with a context condition is ambiguous: a TOML comment above it names a test in this file."""
    import importlib.resources as res
    from pathlib import Path

    here = Path(__file__).read_text(encoding="utf-8")
    for name in LEXICONS:
        raw = (res.files("analysis.lexicons") / "builtin" / f"{name}.toml").read_text(encoding="utf-8")
        for test in re.findall(r"(test_[a-z_]+)\)", raw):
            assert f"def {test}(" in here, f"{name}.toml points at {test}, which does not exist"


# --- every entry can match ------------------------------------------------------------------------------


def _example(element) -> list[str]:
    """Words that satisfy one pattern element (its minimum number of times)."""
    if element.kind == "lit":
        word = next(iter(element.values))
    elif element.kind == "alt":
        word = min(element.values) if element.values else element.globs[0].replace("*", "x").replace("?", "z")
    elif element.kind == "any":
        word = "word"
    else:
        word = {"num": "12", "cap": "Harbor", "word": "word"}[next(iter(element.values))]
    return [word] * element.lo


def _sentence(pattern, slots, case_sensitive=False) -> str:
    p = parse_pattern(pattern, slots, case_sensitive, anchored=False)
    return " ".join(w for el in p.elements for w in _example(el))


def _entry_cases():
    for name in LEXICONS:
        lex = load_lexicon(name)
        for e in lex.entries:
            yield pytest.param(name, e, id=f"{e.category}:{e.pattern}")


@pytest.mark.parametrize("name, entry", list(_entry_cases()))
def test_every_entry_can_match(name, entry):
    lex = load_lexicon(name)
    body = _sentence(entry.pattern, lex.slots, entry.case_sensitive)
    before = _sentence(entry.only_preceded_by[0], lex.slots) if entry.only_preceded_by else "and then"
    after = _sentence(entry.only_followed_by[0], lex.slots) if entry.only_followed_by else "today"
    text = f"{before} {body} {after}."
    got = [m for m in Matcher(lex, [entry.category]).match(text).matches if m.entry == entry.pattern]
    assert got, f"entry {entry.pattern!r} does not match the generated sentence {text!r}"


def test_every_literal_survives_the_tokenizer():
    """Tokenizing each literal the way documents are tokenized gives back the pattern's token."""
    for name in LEXICONS:
        lex = load_lexicon(name)
        for e in lex.entries:
            for el in parse_pattern(e.pattern, lex.slots, e.case_sensitive).elements:
                for value in el.values if el.kind in ("lit", "alt") else ():
                    norms = [t.norm for s in tokenize(value).sentences for t in s.tokens]
                    assert norms == [value], f"{name}: {e.pattern!r}: {value!r} tokenizes as {norms}"


# --- the seed article: short phrases, as it says them ---------------------------------------------------

SEED_CASES = [
    ("Anonymous US Officials Warn of Potential Iranian Attacks in Iraq", "hedging.possibility", ["Potential"]),
    ("Anonymous US Officials Warn of Potential Iranian Attacks in Iraq", "sourcing.anonymous", ["Anonymous US Officials Warn"]),
    ("Continuing to stoke fears of possible Iranian attacks, anonymous US officials told CNN on Thursday.",
     "sourcing.anonymous", ["anonymous US officials told CNN"]),
    ("anonymous US officials told CNN on Thursday", "sourcing.outlet", ["told CNN"]),
    ("Continuing to stoke fears of possible Iranian attacks.", "hedging.possibility", ["possible"]),
    ("officials said that what they described as “Iranian-backed” militias moved.", "distancing.lexical", ["what they described as"]),
    ("One official told CNN that there are “indications” of militia preparations.", "hedging.evidential", ["indications"]),
    ("One official told CNN that there are “indications” of militia preparations.", "sourcing.anonymous", ["One official told CNN"]),
    ("But the official offered no further detail.", "evidence_absent", ["offered no further detail"]),
    ("CNN said there were no “specific indications that any decision to attack has been made.”",
     "evidence_absent", ["no “specific indications that any decision"]),
    # negated evidence is not an evidential hedge (the hedging.evidential entries cancel after "no")
    ("CNN said there were no “specific indications that any decision to attack has been made.”", "hedging.evidential", []),
    ("The official told Politico that the Pentagon is watching “troubling indicators of potential attack preparations”.",
     "hedging.evidential", ["indicators"]),
    ("The official told Politico that the Pentagon is watching.", "sourcing.anonymous", ["The official told Politico"]),
    ("The official told Politico that the Pentagon is watching.", "sourcing.outlet", ["told Politico"]),
    ("citing an anonymous official who made a similar warning", "sourcing.anonymous", ["an anonymous official"]),
    ("Fakhrizadeh was killed in an apparent Israeli plot.", "hedging.possibility", ["apparent"]),
    ("But Iran seems keen to avoid a military conflict with the US.", "hedging.epistemic_verb", ["seems"]),
    ("Israel seemed to take the news as a signal.", "hedging.epistemic_verb", ["seemed"]),
    ("any violence will almost certainly be blamed on Iran.", "booster", ["almost certainly"]),
    ("any violence will almost certainly be blamed on Iran.", "hedging.approximator", []),
    ("our motives are 100 percent nationalist", "hedging.approximator", []),
    ("It was the second time in only three weeks.", "hedging.approximator", []),
]


@pytest.mark.parametrize("text, category, expected", SEED_CASES)
def test_seed_phrases(text, category, expected):
    assert hits(text, category) == expected


# --- ambiguous entries: one sentence where it counts, one where it does not -----------------------------


def _check(cases):
    for text, category, n in cases:
        got = hits(text, category)
        assert len(got) == n, (text, category, got)


def test_may_month():
    _check([
        ("Iran may attack US forces.", "hedging.modal", 1),
        ("The talks ended on May 5.", "hedging.modal", 0),
        ("The talks ended in May.", "hedging.modal", 0),
        ("The talks ended on 21 May 2020.", "hedging.modal", 0),
        ("Theresa May said the talks had ended.", "hedging.modal", 0),
        ("Iran May Attack US Forces", "hedging.modal", 1),  # headline case still counts
    ])


def test_may_or_may_not():
    assert hits("The militia may or may not be ready.", "hedging.modal") == ["may or may not"]


def test_could():
    _check([
        ("The strikes could escalate tensions.", "hedging.modal", 1),
        ("The official could not be reached for comment.", "hedging.modal", 0),
        ("The official couldn't be reached for comment.", "hedging.modal", 0),
        ("The two sides could not agree.", "hedging.modal", 0),
        ("They moved the launchers so that they could fire faster.", "hedging.modal", 0),
        ("An attack could not be ruled out.", "hedging.modal", 1),
        ("An attack cannot be ruled out.", "hedging.modal", 1),
    ])


def test_appear():
    _check([
        ("The militias appear to be preparing.", "hedging.epistemic_verb", 1),
        ("It appeared that talks had stalled.", "hedging.epistemic_verb", 1),
        ("The minister appeared on state television.", "hedging.epistemic_verb", 0),
        ("The book appeared in 1669.", "hedging.epistemic_verb", 0),
    ])


def test_indicate():
    _check([
        ("The intercepts indicate that an attack is planned.", "hedging.epistemic_verb", 1),
        ("Drivers must indicate before turning.", "hedging.epistemic_verb", 0),
    ])


def test_think():
    _check([
        ("Officials think Iran is behind the attack.", "hedging.epistemic_verb", 1),
        ("A Washington think tank published the report.", "hedging.epistemic_verb", 0),
    ])


def test_thought():
    _check([
        ("The militia is thought to have moved north.", "hedging.epistemic_verb", 1),
        ("It belongs to a school of thought on deterrence.", "hedging.epistemic_verb", 0),
        ("The plan was well thought out.", "hedging.epistemic_verb", 0),
    ])


def test_considered():
    _check([
        ("He is considered one of the most powerful commanders.", "hedging.epistemic_verb", 1),
        ("The group is widely considered a proxy of Tehran.", "hedging.epistemic_verb", 1),
        ("The Senate considered the bill on Tuesday.", "hedging.epistemic_verb", 0),
    ])


def test_seen_as():
    _check([
        ("The move was seen as a snub to Washington.", "hedging.epistemic_verb", 1),
        ("The commander was seen at the embassy.", "hedging.epistemic_verb", 0),
    ])


def test_assume():
    _check([
        ("Planners assume that the militias will retaliate.", "hedging.epistemic_verb", 1),
        ("She assumed office in January.", "hedging.epistemic_verb", 0),
    ])


def test_suspect():
    _check([
        ("Suspected militants fired rockets at the base.", "hedging.epistemic_verb", 1),
        ("Investigators suspect that the drone came from Iraq.", "hedging.epistemic_verb", 1),
        ("The suspect was arrested on Friday.", "hedging.epistemic_verb", 0),
        ("Police questioned two suspects.", "hedging.epistemic_verb", 0),
    ])


def test_negated_evidence_is_not_a_hedge():
    _check([
        ("There are indications of militia preparations.", "hedging.evidential", 1),
        ("There are no indications of militia preparations.", "hedging.evidential", 0),
        ("There are no indications of militia preparations.", "evidence_absent", 1),
        ("There are no specific indications of an attack.", "hedging.evidential", 0),
        ("There are no specific indications of an attack.", "evidence_absent", 1),
    ])


def test_indicators():
    _check([
        ("Analysts see troubling indicators of attack preparations.", "hedging.evidential", 1),
        ("Economic indicators improved in March.", "hedging.evidential", 0),
    ])


def test_sign():
    _check([
        ("There were signs of militia preparations.", "hedging.evidential", 1),
        ("It is a sign that talks have stalled.", "hedging.evidential", 1),
        ("The president will sign the bill on Friday.", "hedging.evidential", 0),
        ("Road signs were removed.", "hedging.evidential", 0),
        ("There were no signs of an attack.", "hedging.evidential", 0),
    ])


def test_potential():
    _check([
        ("Officials warn of potential attacks.", "hedging.possibility", 1),
        ("The potential attacks were discussed.", "hedging.possibility", 1),
    ])


def test_possible():
    _check([
        ("Officials warn of possible attacks.", "hedging.possibility", 1),
        ("It is possible that the militias moved.", "hedging.possibility", 1),
        ("Troops will leave as soon as possible.", "hedging.possibility", 0),
        ("It is possible to reach the base by road.", "hedging.possibility", 0),
        ("It was the best possible outcome.", "hedging.possibility", 0),
    ])


def test_apparent():
    _check([
        ("He was killed in an apparent Israeli plot.", "hedging.possibility", 1),
        ("It became apparent that the talks had failed.", "hedging.possibility", 0),
        ("The prince is heir apparent.", "hedging.possibility", 0),
    ])


def test_about():
    _check([
        ("About 200 troops remain in the city.", "hedging.approximator", 1),
        ("Roughly $5 million was spent.", "hedging.approximator", 1),
        ("Some two dozen rockets were fired.", "hedging.approximator", 1),
        ("At least 12 people were killed.", "hedging.approximator", 1),
        ("Up to 3,000 troops could deploy.", "hedging.approximator", 1),
        ("He spoke about the meeting.", "hedging.approximator", 0),
        ("Militias around the world are watching.", "hedging.approximator", 0),
        ("Some officials disagreed.", "hedging.approximator", 0),
        ("The price went up 5 percent.", "hedging.approximator", 0),
        ("It was more than a warning.", "hedging.approximator", 0),
    ])


def test_almost_certainly():
    """Decision: 'almost certainly' is a booster only (one match), never also a hedge."""
    text = "Violence will almost certainly be blamed on Iran."
    assert hits(text, "booster") == ["almost certainly"]
    for cat in ("hedging.approximator", "hedging.possibility", "hedging.modal"):
        assert hits(text, cat) == []
    assert hits("Almost 40 rockets were fired.", "hedging.approximator") == ["Almost"]
    assert hits("Almost 40 rockets were fired.", "booster") == []


def test_certain():
    _check([
        ("Officials are certain that Iran ordered the strike.", "booster", 1),
        ("A certain official disagreed.", "booster", 0),
        ("In certain areas the militias are strong.", "booster", 0),
        ("It is not certain that Iran ordered the strike.", "booster", 0),
        ("It is not certain that Iran ordered the strike.", "evidence_absent", 1),
    ])


def test_prove_demonstrate():
    _check([
        ("The documents prove that the plan existed.", "booster", 1),
        ("The talks proved difficult.", "booster", 0),
        ("Protesters demonstrated outside the embassy.", "booster", 0),
        ("Demonstrating that not all militias are a monolith, one leader refused.", "booster", 1),
    ])


def test_no_significant():
    _check([
        ("There was no significant damage.", "evidence_absent", 0),
        ("There was no signal from the drone.", "evidence_absent", 0),
        ("There was no evidence of an attack.", "evidence_absent", 1),
        ("No decision has been made.", "evidence_absent", 1),
        ("There is no doubt that Iran is involved.", "evidence_absent", 0),
        ("There is no doubt that Iran is involved.", "booster", 1),
    ])


def test_evidence_absent_phrases():
    _check([
        ("It is not yet clear who fired the rockets.", "evidence_absent", 1),
        ("It isn't clear who fired the rockets.", "evidence_absent", 1),
        ("The claim could not be independently verified.", "evidence_absent", 1),
        ("He made the claim without providing evidence.", "evidence_absent", 1),
        ("The Pentagon declined to comment.", "evidence_absent", 1),
        ("The Pentagon has yet to decide.", "evidence_absent", 1),
        ("The report is unconfirmed.", "evidence_absent", 1),
        ("The picture is clear.", "evidence_absent", 0),
    ])


def test_inverted_anonymous():
    _check([
        ("“We are ready,” said one senior official.", "sourcing.anonymous", 1),
        ("Iran is preparing, according to two U.S. officials.", "sourcing.anonymous", 1),
        ("Iran is preparing, a senior Pentagon official said.", "sourcing.anonymous", 1),
        ("John Smith, a senior official, said Iran is preparing.", "sourcing.anonymous", 0),
        ("Investigators found the source of the fire.", "sourcing.anonymous", 0),
    ])


def test_familiar_with():
    _check([
        ("The plan was approved, according to people familiar with the matter.", "sourcing.anonymous", 1),
        ("A person briefed on the talks said no deal was near.", "sourcing.anonymous", 1),
        ("He spoke on condition of anonymity.", "sourcing.anonymous", 1),
        ("The official, who was not authorized to speak publicly, confirmed the move.", "sourcing.anonymous", 1),
        ("People familiar with the song will hum along.", "sourcing.anonymous", 1),  # known false positive: pinned
        ("The public knows the song.", "sourcing.anonymous", 0),
    ])


def test_vague():
    _check([
        ("Some say the strikes were a warning.", "sourcing.vague", 1),
        ("Critics argue that the sanctions failed.", "sourcing.vague", 1),
        ("Experts warn of escalation.", "sourcing.vague", 1),
        ("It is believed that the militia moved.", "sourcing.vague", 1),
        ("The commander is said to be in Baghdad.", "sourcing.vague", 1),
        ("He said to reporters that Iran was ready.", "sourcing.vague", 0),
        ("Experts met in Geneva.", "sourcing.vague", 0),
    ])


def test_said_to():
    test_vague()
    assert hits("The commander is said to be in Baghdad.", "hedging.evidential") == []


def test_named():
    _check([
        ("Pentagon spokesman John Kirby said the bombers returned.", "sourcing.named", 1),
        ("Trump told reporters that Iran would pay.", "sourcing.named", 1),
        ("Officials said the bombers returned.", "sourcing.named", 1),  # known false positive: capitalised at sentence start
        ("the United States said nothing", "sourcing.named", 1),
        ("It is a United States base.", "sourcing.named", 0),  # "States" is not the verb "states"
    ])


def test_named_inversion():
    _check([
        ("“We will respond,” said Smith.", "sourcing.named", 1),
        ("The Pentagon said Thursday that the bombers returned.", "sourcing.named", 1),  # "Pentagon said" only
        ("Officials said Thursday that the bombers returned.", "sourcing.named", 1),  # "Officials said", not "said Thursday"
    ])
    assert hits("officials said Thursday that the bombers returned.", "sourcing.named") == []


def test_named_pronoun():
    _check([
        ("He said the bombers returned.", "sourcing.named", 1),
        ("Iran is ready, they said.", "sourcing.named", 0),
        ("They said the bombers returned.", "sourcing.named", 1),  # known false positive: capitalised pronoun
    ])


def test_outlet():
    _check([
        ("The official told CNN on Thursday.", "sourcing.outlet", 1),
        ("A source told The Harbor Ledger that talks stalled.", "sourcing.outlet", 1),
        ("The Washington Post reported the move.", "sourcing.outlet", 1),
        ("He said in an interview with Fox News that Iran would pay.", "sourcing.outlet", 1),
        ("The president told reporters that Iran would pay.", "sourcing.outlet", 0),
        ("He told Mr. Smith about the plan.", "sourcing.outlet", 0),
    ])
    assert hits("A source told The Harbor Ledger that talks stalled.", "sourcing.outlet") == ["told The Harbor Ledger"]


def test_what_they_described_as():
    _check([
        ("what they described as militias", "distancing.lexical", 1),
        ("what the Pentagon called a warning", "distancing.lexical", 1),
        ("Nobody knows what they want.", "distancing.lexical", 0),
    ])


def test_described_as():
    _check([
        ("The group was described as a militia.", "distancing.lexical", 1),
        ("He described the scene in detail.", "distancing.lexical", 0),
    ])


def test_supposed():
    _check([
        ("The supposed plot was never proven.", "distancing.lexical", 1),
        ("The bombers were supposed to return on Friday.", "distancing.lexical", 0),
        ("The so-called peace plan failed.", "distancing.lexical", 1),
        ("The alleged attacker was arrested.", "distancing.lexical", 1),
    ])


# --- hedging 1.1.0: constraints the news set asked for (sentences written by us) --------------------------


def test_likely_voters():
    _check([
        ("Clinton is likely to win the state.", "hedging.possibility", 1),
        ("The poll surveyed 900 likely voters.", "hedging.possibility", 0),
        ("Among likely Republican voters, Trump leads.", "hedging.possibility", 0),
        ("Among likely GOP primary voters, Trump leads.", "hedging.possibility", 0),
        ("A recount is the probable outcome.", "hedging.possibility", 1),
        ("The police had probable cause to stop him.", "hedging.possibility", 0),
    ])


def test_suggest():
    _check([
        ("The numbers suggest that turnout fell.", "hedging.epistemic_verb", 1),
        ("The memo suggested a cover-up.", "hedging.epistemic_verb", 1),
        ("She suggested taking the train.", "hedging.epistemic_verb", 0),
        ("He suggests cutting taxes first.", "hedging.epistemic_verb", 0),
    ])


def test_believe_in():
    _check([
        ("Aides believe the senator will run.", "hedging.epistemic_verb", 1),
        ("He believes in open debate.", "hedging.epistemic_verb", 0),
        ("Voters believed in her judgment.", "hedging.epistemic_verb", 0),
    ])


def test_speculate():
    _check([
        ("Analysts speculated that he would quit.", "hedging.epistemic_verb", 1),
        ("The manager declined to speculate about the result.", "hedging.epistemic_verb", 0),
        ("She refused to publicly speculate on it.", "hedging.epistemic_verb", 0),
        ("There is speculation that the talks failed.", "hedging.epistemic_verb", 1),
        ("He wants a tax on Wall Street speculation.", "hedging.epistemic_verb", 0),
    ])


def test_news_constraints():
    _check([
        ("The aid could no longer reach the town.", "hedging.modal", 0),
        ("The aid could reach the town by Friday.", "hedging.modal", 1),
        ("Supporters think back to 2008.", "hedging.epistemic_verb", 0),
        ("Supporters think he will win.", "hedging.epistemic_verb", 1),
        ("It was more work than he expected.", "hedging.epistemic_verb", 0),
        ("The vote is expected on Monday.", "hedging.epistemic_verb", 1),
        ("I guess he will run again.", "hedging.epistemic_verb", 1),
        ("Your guess is as good as mine.", "hedging.epistemic_verb", 0),
        ("It is not clear whether he will run.", "hedging.possibility", 1),
        ("The rules were not clear enough.", "hedging.possibility", 0),
        ("There is a chance of a recount.", "hedging.possibility", 1),
        ("There is no chance of a recount.", "hedging.possibility", 0),
        ("Chances are the bill will pass.", "hedging.possibility", 1),
        ("The plan rests on a hypothetical threat.", "hedging.possibility", 1),
        ("The campaign showed little sign of slowing.", "hedging.evidential", 0),
        ("The campaign showed signs of slowing.", "hedging.evidential", 1),
        ("The assumption that turnout will rise is risky.", "hedging.epistemic_verb", 1),
        ("There is a widespread belief that the vote was rigged.", "hedging.epistemic_verb", 1),
        ("Experts predicted a close race.", "hedging.epistemic_verb", 1),
        ("Some doubt that the deal will hold.", "hedging.epistemic_verb", 1),
    ])
