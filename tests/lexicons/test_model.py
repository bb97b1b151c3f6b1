"""Lexicon files: parsing, errors with file:line, hashing, versions."""
import pytest

from analysis.lexicons.model import LexiconError, builtin_lexicon_names, load_lexicon, parse_lexicon

TINY = """\
[meta]
name = "tiny"
version = "0.1.0"
description = "six lines"

[categories."hedging.modal"]
entries = ["may", "might", { pattern = "could", unless_followed_by = ["not be reached"] }]
"""


def test_parse_tiny():
    lex = parse_lexicon(TINY, "tiny.toml")
    assert lex.name == "tiny" and lex.version == "0.1.0"
    assert [e.pattern for e in lex.entries] == ["may", "might", "could"]
    assert lex.entries[2].unless_followed_by == ("not be reached",)


def test_hash_ignores_comments_but_not_entries():
    a = parse_lexicon(TINY)
    b = parse_lexicon("# a comment\n" + TINY)
    c = parse_lexicon(TINY.replace('"might"', '"might", "perhaps"'))
    assert a.sha256 == b.sha256 != c.sha256


@pytest.mark.parametrize(
    "bad, where",
    [
        (TINY.replace('version = "0.1.0"', 'version = 0.1.0'), "tiny.toml:3:"),  # TOML syntax error
        (TINY.replace('description = "six lines"', 'colour = "red"'), "tiny.toml:4:"),  # unknown key
        (TINY.replace('["may", "might", { pattern = "could", unless_followed_by = ["not be reached"] }]', "[]"), "tiny.toml:6:"),
        (TINY.replace('"might"', '"(might"'), "tiny.toml:7:"),  # bad pattern
        (TINY.replace('version = "0.1.0"', 'version = "one"'), "tiny.toml:3:"),
        (TINY.replace('pattern = "could"', 'pattern = "could", colour = 1'), "tiny.toml:7:"),
    ],
)
def test_errors_name_file_and_line(bad, where):
    with pytest.raises(LexiconError) as exc:
        parse_lexicon(bad, "tiny.toml")
    assert str(exc.value).startswith(where), str(exc.value)


def test_builtins_load_and_cite_sources():
    names = builtin_lexicon_names()
    assert {"hedging", "evidence_absent", "sourcing", "booster", "distancing"} <= set(names)
    for name in names:
        lex = load_lexicon(name)
        assert lex.meta.get("sources") and lex.meta.get("licence")
        assert len(lex.sha256) == 64


def test_unknown_name_lists_builtins():
    with pytest.raises(LexiconError, match="built-in lexicons are"):
        load_lexicon("nope")


def test_add_entries_bumps_version_and_hash():
    lex = load_lexicon("hedging")
    new = lex.add_entries("hedging.possibility", ["conceivably"], version="0.2.0")
    assert new.version == "0.2.0" and new.sha256 != lex.sha256
    assert "conceivably" not in [e.pattern for e in lex.entries]
