"""lexicon validate: duplicates, shadowed entries (checked against the real matcher), tokenizer, globs, diff."""
import time

import pytest

from analysis.lexicons.lexicon import _plain_pattern
from analysis.lexicons.model import builtin_lexicon_names, load_lexicon, parse_lexicon
from analysis.lexicons.patterns import parse_pattern
from analysis.lexicons.validate import count_levels, diff_lexicons, validate_lexicon
from analysis.measure.matching import Matcher

HEAD = '[meta]\nname = "t"\nversion = "1.0.0"\n'
SLOTS = '[slots]\nnoun = ["official", "officials", "source"]\n'


def lex_of(*entries):
    body = "[categories.c]\nentries = [\n" + "".join(f"  {e},\n" for e in entries) + "]\n"
    return parse_lexicon(HEAD + (SLOTS if any("@" in e for e in entries) else "") + body, "t.toml")


def found(lex, codes=("duplicate", "shadowed")):
    return [(i.pattern, i.code) for i in validate_lexicon(lex) if i.code in codes and i.level == "warning"]


# (entries in file order, the issues expected, a text on which every entry that is not flagged gets reported)
SHADOW_TABLE = [
    # an exact entry beats a glob on the same words: not shadowed, in either order
    (['"indicat*"', '"indications"'], [], "indications and indicators"),
    (['"indications"', '"indicat*"'], [], "indications and indicators"),
    # two equally specific globs: the pattern that sorts first wins every tie, in either file order
    # (file order never decides: reordering a lexicon changes neither its matches nor its hash)
    (['"indicat*"', '"indicati*"'], [("indicati*", "shadowed")], "indications"),
    (['"indicati*"', '"indicat*"'], [("indicati*", "shadowed")], "indications"),
    # a longer phrase containing a shorter entry is never shadowed (and neither is the shorter one)
    (['"no evidence"', '"no evidence of"'], [], "no evidence of harm; no evidence"),
    (['"no evidence of"', '"no evidence"'], [], "no evidence of harm; no evidence"),
    # a gap is less specific than one word: both are reported where they are the most specific
    (['"no * decision"', '"no *{0,4} decision"'], [], "no final decision; no decision"),
    # alternations and slots are as specific as a literal, so pattern order decides ("(" and "@" sort first)
    (['"(said|told) officials"', '"said officials"'], [("said officials", "shadowed")], "told officials"),
    (['"said officials"', '"(said|told) officials"'], [("said officials", "shadowed")], "told officials"),
    (['"@noun said"', '"source said"'], [("source said", "shadowed")], "official said"),
    # "US" sorts before "us", so the case-sensitive entry names the ties and is never shadowed
    (['"us"', '{ pattern = "US", case_sensitive = true }'], [], "US told us"),
    (['{ pattern = "US", case_sensitive = true }', '"us"'], [], "US told us"),
    # duplicates: same text, or the same once tokenized
    (['"may"', '"may"'], [("may", "duplicate")], "may"),
    (['"couldn\'t"', '"could not"'], [("couldn't", "duplicate")], "couldn't"),
    (['"may"', '{ pattern = "may", unless_followed_by = ["<NUM>"] }'], [("may", "duplicate")], "may"),
]


@pytest.mark.parametrize("entries, expected, text", SHADOW_TABLE)
def test_shadowed_and_duplicate_entries(entries, expected, text):
    lex = lex_of(*entries)
    assert found(lex) == expected
    # the claim checked against the matcher: flagged entries are never reported, the others are on `text`
    flagged = {p for p, _ in expected}
    reported = {m.entry for m in Matcher(lex).match(text).matches}
    if len({e.pattern for e in lex.entries}) == len(lex.entries):  # matches name entries by their pattern
        assert not (reported & flagged)
        assert reported == {e.pattern for e in lex.entries} - flagged


def test_shadowed_entry_is_never_reported_on_many_texts():
    lex = lex_of('"indicat*"', '"indicati*"', '"(said|told) officials"', '"said officials"')
    texts = ["indication indicative indicating", "Officials said officials told officials.", "indicat indicati"]
    assert all(m.entry not in ("indicati*", "said officials") for t in texts for m in Matcher(lex).match(t).matches)


def test_same_pattern_with_other_contexts_is_an_or_not_a_mistake():
    lex = lex_of('{ pattern = "considered", only_preceded_by = ["is"] }',
                 '{ pattern = "considered", only_followed_by = ["to"] }')
    issues = [i for i in validate_lexicon(lex) if i.code == "duplicate"]
    assert [i.level for i in issues] == ["info"]


@pytest.mark.parametrize(
    "entry, level, needle",
    [
        ('"can\'t"', "info", "but not \"cannot\""),
        ('"won\'t"', "info", "will + not"),
        ('"etc."', "warning", "full stop is a token of its own"),
        ('":)"', "warning", "becomes ':'"),
        ('"\\"so-called\\""', "warning", "cannot require quotes"),
        ('"really?"', "warning", "one-character wildcard"),
        ('"head on. The whole"', "error", "two sentences"),
        ('"\\"indicat*"', "error", "can never match"),
        ('"don\'*"', "warning", "contractions and clitics are split"),
        ('"a*"', "warning", "large share of all words"),
        ('"*ing"', "warning", "large share of all words"),
        ('"Iran\'s"', "info", "clitics are split"),
    ],
)
def test_tokenizer_and_glob_checks(entry, level, needle, tmp_path):
    p = tmp_path / "t.toml"
    p.write_text(HEAD + "[categories.c]\nentries = [" + entry + "]\n")
    # (an entry that can never match may also be refused by the pattern parser: an error either way)
    issues = [i for i in validate_lexicon(p) if i.code in ("tokenizer", "broad-glob", "schema")]
    assert any(i.level == level and needle in i.message for i in issues), [str(i) for i in issues]


@pytest.mark.parametrize("entry", ['"indicat*"', '"U.S."', '"so-called"', '"no evidence"', '"@noun said"',
                                   '"<CAP>{1,3} said"', '"O\'Brien"', '"wom?n"'])
def test_ordinary_entries_are_quiet(entry):
    assert validate_lexicon(lex_of(entry)) == []


def test_every_empty_category_is_an_error_with_its_line(tmp_path):
    p = tmp_path / "e.toml"
    p.write_text(HEAD + '[categories.a]\nentries = []\n[categories.b]\nentries = ["may"]\n[categories.c]\nentries = []\n')
    issues = validate_lexicon(p)
    assert [str(i) for i in issues] == [f"{p}:4: error: category 'a' has no entries",
                                        f"{p}:8: error: category 'c' has no entries"]


def test_schema_error_is_reported_not_raised(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(HEAD + '[categories.c]\nentries = ["(unclosed"]\n')
    (issue,) = validate_lexicon(p)
    assert str(issue).startswith(f"{p}:5: error: unbalanced '('")


def test_lines_of_repeated_patterns_are_their_own(tmp_path):
    p = tmp_path / "d.toml"
    p.write_text(HEAD + '[categories.c]\nentries = [\n  "may",\n  # "may" in a comment\n  "may",\n]\n')
    (issue,) = validate_lexicon(p)
    assert issue.line == 8 and str(issue).startswith(f"{p}:8: warning: duplicate entry 'may': same as line 6")


def test_categories_differing_only_by_case_in_an_import(tmp_path):
    p = tmp_path / "x.dic"
    p.write_text("%\n1\tSocial\n2\tsocial\n%\nfriend\t1\nfriends\t2\n")
    issues = validate_lexicon(p)
    assert [(i.line, i.code, i.level) for i in issues] == [(3, "category-case", "warning")]


def test_builtin_lexicons_have_no_errors():
    for name in builtin_lexicon_names():
        errors = [str(i) for i in validate_lexicon(name) if i.level == "error"]
        assert errors == [], errors


def test_plain_pattern_fast_path_is_what_the_parser_returns():
    for word in ["may", "Indicat*", "cannot", "ca", "IRAN", "x*", "CNN", "Potential"]:
        assert _plain_pattern(word) == parse_pattern(word)
    assert _plain_pattern("can't") is None and _plain_pattern("wom?n") is None


def test_hundred_thousand_entries_validate_in_seconds():
    import random

    rng = random.Random(0)
    words = set()
    while len(words) < 100_000:
        words.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 10))))
    words = sorted(words)
    lines = [HEAD]
    for c in range(10):
        chunk = words[c * 10_000:(c + 1) * 10_000]
        items = [f'"{w[:5]}*"' if k % 5 == 0 else f'"{w} {chunk[k - 1]}"' if k % 9 == 0 else f'"{w}"'
                 for k, w in enumerate(chunk)]
        lines.append(f"[categories.c{c}]\nentries = [\n" + ",\n".join(items) + "\n]\n")
    lex_text = "".join(lines)
    t0 = time.process_time()
    lex = parse_lexicon(lex_text, "big.toml", allow_empty=True)
    issues = validate_lexicon(lex)
    elapsed = time.process_time() - t0
    assert len(lex.entries) == 100_000
    assert count_levels(issues)["error"] == 0
    assert elapsed < 30, f"{elapsed:.1f}s of CPU"  # about 3 s on an unloaded laptop


# -- diff --------------------------------------------------------------------------------------------
def test_diff_lexicons():
    old = lex_of('"may"', '{ pattern = "could", unless_followed_by = ["not be reached"] }', '"might"', '"@noun"')
    new = parse_lexicon(HEAD.replace("1.0.0", "1.1.0") + SLOTS.replace('"source"]', '"source", "aide"]')
                        + '[categories.c]\nentries = ["may", { pattern = "could", unless_followed_by = ["not"] }, '
                        '"perhaps", "@noun"]\n')
    d = diff_lexicons(old, new)
    assert d[["category", "pattern", "change", "fields"]].values.tolist() == [
        ["[slots]", "@noun", "changed", "values"],
        ["c", "could", "changed", "unless_followed_by"],
        ["c", "might", "removed", ""],
        ["c", "perhaps", "added", ""],
    ]
    assert d.attrs["old_version"] == "1.0.0" and d.attrs["new_version"] == "1.1.0"
    assert d.attrs["old_sha256"] != d.attrs["new_sha256"]
    assert diff_lexicons("hedging", load_lexicon("hedging")).empty
