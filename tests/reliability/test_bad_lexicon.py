"""The bad-lexicon matrix: every broken lexicon fails with one line ``file:line: reason``; hostile
patterns (pathological wildcards, 10^5 entries) compile and match in bounded, linear time.

Failing tests marked ``xfail(strict=True)`` pin bugs in modules owned by others (listed in
docs/reliability.md); they turn into errors as soon as the bug is fixed, so the marker gets removed.
"""
from __future__ import annotations

import gc
import random
import string
import time

import pytest

from analysis.lexicons.model import LexiconError, load_lexicon, parse_lexicon
from analysis.measure.matching import Matcher

H = '[meta]\nname = "t"\nversion = "1.0.0"\n'


def lex(entries_toml: str, head: str = H):
    return parse_lexicon(head + '[categories."a.b"]\nentries = ' + entries_toml + "\n", "x.toml")


# (case, TOML text, exact message)
REFUSED = [
    ("syntax error", H + '[categories."a.b"]\nentries = ["may"]\nfoo = \n',
     "x.toml:6: TOML syntax error: Invalid value (at line 6, column 7)"),
    ("unknown top-level key", 'extra = 1\n' + H + '[categories."a.b"]\nentries = ["may"]\n',
     "x.toml:1: unknown top-level key 'extra' (expected meta, slots, categories)"),
    ("unknown key in meta", H + 'author = "x"\n[categories."a.b"]\nentries = ["may"]\n',
     ("x.toml:4: unknown key 'author' in [meta] (known: authors, changelog, description, language, licence, "
     "license, name, sources, url, version)")),
    ("unknown key in a category", H + '[categories."a.b"]\nentries = ["may"]\nweight = 2\n',
     "x.toml:6: unknown key 'weight' in category 'a.b'"),
    ("unknown key in an entry", H + '[categories."a.b"]\nentries = [{pattern = "may", weight = 2}]\n',
     ("x.toml:5: unknown key 'weight' in entry 'may' (known: case_sensitive, label, note, only_followed_by, "
     "only_preceded_by, pattern, source, test, unless_followed_by, unless_preceded_by)")),
    ("empty category", H + '[categories."a.b"]\nentries = []\n', "x.toml:4: category 'a.b' is empty"),
    ("category without entries", H + '[categories."a.b"]\ndescription = "x"\n', "x.toml:4: category 'a.b' is empty"),
    ("missing meta", '[categories."a.b"]\nentries = ["may"]\n', "x.toml:1: missing [meta] table with name and version"),
    ("version not semantic", '[meta]\nname = "t"\nversion = "1.0"\n[categories."a.b"]\nentries = ["may"]\n',
     "x.toml:3: version '1.0' is not semantic (MAJOR.MINOR.PATCH)"),
    ("bad category name", H + '[categories."A b"]\nentries = ["may"]\n',
     "x.toml:4: category name 'A b' must be lower-case dotted words (e.g. hedging.modal)"),
    ("entries not a list", H + '[categories."a.b"]\nentries = "may"\n', "x.toml:4: 'entries' of 'a.b' must be a list"),
    ("entry not a string", H + '[categories."a.b"]\nentries = [1]\n',
     "x.toml:4: entries of 'a.b' must be strings or tables with a 'pattern'"),
    ("pattern of quotes only", H + '[categories."a.b"]\nentries = ["\\""]\n',
     "x.toml:5: pattern '\"' has no token that can match"),
    ("only wildcards", H + '[categories."a.b"]\nentries = ["**********"]\n',
     "x.toml:5: '**********' in '**********' is only wildcards; use * for one token"),
    ("unbounded repeat", H + '[categories."a.b"]\nentries = ["may *{0,99} go"]\n',
     "x.toml:5: repeat {0,99} in 'may *{0,99} go' must satisfy 0 <= m <= n <= 8"),
    ("no anchor", H + '[categories."a.b"]\nentries = ["<NUM> *"]\n',
     "x.toml:5: pattern '<NUM> *' needs at least one required word to anchor it"),
    ("unknown slot", H + '[categories."a.b"]\nentries = ["@nope said"]\n', "x.toml:5: unknown slot @nope in '@nope said'"),
    ("multi-token alternative", H + '[categories."a.b"]\nentries = ["(a|b c)"]\n',
     "x.toml:5: alternative 'b c' in '(a|b c)' is 2 tokens (b + c); alternatives must be single tokens"),
    ("bad context", H + '[categories."a.b"]\nentries = [{pattern = "may", unless_followed_by = ["(("]}]\n',
     "x.toml:5: unbalanced '(' in pattern '(('"),
]


@pytest.mark.parametrize("case,raw,message", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_with_file_and_line(case, raw, message):
    with pytest.raises(LexiconError) as info:
        parse_lexicon(raw, "x.toml")
    assert str(info.value) == message


def test_syntax_error_at_end_of_file_names_a_line():
    with pytest.raises(LexiconError) as info:
        parse_lexicon(H + '[categories."a.b"]\nentries = ["may",\n', "x.toml")
    assert str(info.value).split(":")[1].isdigit(), str(info.value)


def test_empty_nested_category_names_its_line():
    with pytest.raises(LexiconError) as info:
        parse_lexicon(H + "[categories.a]\nb = {}\n", "x.toml")
    assert str(info.value) == "x.toml:5: category 'a.b' is empty"


def test_lexicon_file_errors(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_bytes("[meta]\nname = 'caf\u00e9'\n".encode("cp1252"))
    with pytest.raises(LexiconError) as info:
        load_lexicon(p)
    assert str(info.value) == f"{p}:1: not UTF-8 text (invalid continuation byte)"
    with pytest.raises(LexiconError) as info:
        load_lexicon(tmp_path / "missing.toml")
    assert str(info.value) == f"{tmp_path / 'missing.toml'}: no such lexicon file"
    with pytest.raises(LexiconError, match="unknown lexicon 'hedgin': built-in lexicons are"):
        load_lexicon("hedgin")


def test_duplicate_entry_counts_once():
    m = Matcher(lex('["may", "might", "may", "MAY"]'))
    assert [x.matched for x in m.match("It may rain.").matches] == ["may"]


def test_duplicate_entry_is_reported_with_its_line():
    # accepted when parsed (a duplicate counts once: test_duplicate_entry_counts_once), reported by validate
    from analysis.lexicons.validate import validate_lexicon

    lexicon = parse_lexicon(H + '[categories."a.b"]\nentries = [\n"may",\n"might",\n"may"]\n', "x.toml")
    issues = [i for i in validate_lexicon(lexicon) if "duplicate" in i.message]
    assert [(i.line, i.level) for i in issues] == [(8, "warning")], issues


@pytest.mark.parametrize("pattern", ["wom?n's", "(wom?n's|man)"])
def test_entry_that_cannot_match_is_refused(pattern):
    with pytest.raises(LexiconError, match="can never match"):
        lex(f'["{pattern}"]')


def test_glob_over_a_negation_is_refused():
    with pytest.raises(LexiconError, match="can never match \"couldn't\".*'could not'"):
        lex('["couldn*t"]')
    with pytest.raises(LexiconError, match="can never match"):
        lex('["don?t"]')
    # globs that merely end in n...t are fine
    lex('["frequen*t", "pos*s"]')


def test_case_sensitive_must_be_a_boolean():
    with pytest.raises(LexiconError, match="case_sensitive"):
        lex('[{pattern = "May", case_sensitive = "false"}]')


# -- hostile patterns: bounded, linear time -----------------------------------------------------------
def test_pathological_star_run_is_bounded():
    m = Matcher(lex('["**********a"]'))
    tokens = ["b" * 5000 + "a", "x" * 100_000, "a" * 64, "ba"]
    text = " ".join(tokens * 50) + "."
    t0 = time.process_time()
    res = m.match(text)
    assert time.process_time() - t0 < 2.0
    # tokens longer than MAX_GLOB_TOKEN (64) are never tried against a wildcard: documented behaviour
    assert {x.matched for x in res.matches} == {"a" * 64, "ba"}


def test_alternating_stars_are_bounded():
    m = Matcher(lex('["*a*a*a*a*a*b"]'))
    t0 = time.process_time()
    m.match("a" * 64 + ".")
    assert time.process_time() - t0 < 0.2


def _words(n, seed):
    """n distinct entries: 60% one random word, 40% two."""
    rnd = random.Random(seed)
    letters = string.ascii_lowercase
    out = set()
    while len(out) < n:
        w = "".join(rnd.choices(letters, k=rnd.randint(5, 10)))
        out.add(w if rnd.random() < 0.6 else w + " " + "".join(rnd.choices(letters, k=5)))
    return sorted(out)


def _big_toml(entries):
    return (H + '[categories."big.words"]\nentries = [\n' + "".join(f'  "{e}",\n' for e in entries) + "]\n"
            + '[categories."big.globs"]\nentries = ["zz*q", "qq?x*"]\n')


def test_lexicon_parsing_is_linear():
    small, large = _big_toml(_words(2500, 1)), _big_toml(_words(10_000, 2))
    timings = []
    for raw in (small, large):
        # the garbage collector's passes grow with the heap the rest of the suite leaves behind and would
        # be timed with the parser (3x-17x in a full run); collect first and keep it off while timing
        gc.collect()
        gc.disable()
        try:
            t0 = time.process_time()
            parse_lexicon(raw, "big.toml")
            timings.append(time.process_time() - t0)
        finally:
            gc.enable()
    assert timings[1] < 8 * timings[0] + 0.5, timings  # 4x the entries: linear is about 4x, quadratic 16x


@pytest.mark.slow
def test_lexicon_of_100000_entries():
    entries = _words(100_000, 3)
    t0 = time.process_time()
    lexicon = parse_lexicon(_big_toml(entries), "big.toml")
    matcher = Matcher(lexicon)
    compiled = time.process_time() - t0
    rnd = random.Random(4)
    picked = rnd.sample(entries, 5000)
    text = ". ".join(p.capitalize() for p in picked) + "."
    t0 = time.process_time()
    res = matcher.match(text)
    matched = time.process_time() - t0
    assert len(lexicon.entries) == 100_002
    assert sorted(x.matched.lower() for x in res.matches if x.category == "big.words") == sorted(picked)
    assert matched < 5, matched
    assert compiled < 90, compiled  # generous for slow CI machines; measured times in docs/reliability.md
