"""File order has no meaning: reordering a lexicon changes neither its matches nor its hash, and
``diff`` never says "no entry changed" beside a changed hash."""
from __future__ import annotations

import random
from dataclasses import replace

import pytest

from analysis.lexicons.model import load_lexicon
from analysis.lexicons.validate import diff_lexicons
from analysis.measure.matching import Matcher

TEXT = ("Officials said the attack may be imminent, although there were no specific indications that any "
        "decision had been made. It could possibly be a bluff, critics said; some experts suggest otherwise. "
        "The U.S. almost certainly knows more, according to people familiar with the matter.")


def _reordered(lex, seed):
    rng = random.Random(seed)
    cats = {}
    for name, cat in lex.categories.items():
        entries = list(cat.entries)
        rng.shuffle(entries)
        entries = [replace(e, **{k: tuple(reversed(getattr(e, k))) for k in
                                 ("unless_followed_by", "unless_preceded_by") if getattr(e, k)}) for e in entries]
        cats[name] = replace(cat, entries=tuple(entries))
    slots = {k: list(reversed(v)) for k, v in lex.slots.items()}
    items = list(cats.items())
    rng.shuffle(items)
    return replace(lex, categories=dict(items), slots=slots, path="")


@pytest.mark.parametrize("name", ["hedging", "sourcing", "evidence_absent", "booster", "distancing"])
def test_reordered_lexicon_same_hash_same_matches(name):
    lex = load_lexicon(name)
    for seed in range(3):
        other = _reordered(lex, seed)
        assert other.sha256 == lex.sha256
        a = [(m.category, m.entry, m.start, m.end) for m in Matcher(lex).match(TEXT).matches]
        b = [(m.category, m.entry, m.start, m.end) for m in Matcher(other).match(TEXT).matches]
        assert a == b
        assert diff_lexicons(lex, other).empty


def test_diff_lists_every_content_change_the_hash_sees():
    lex = load_lexicon("hedging")
    meta = dict(lex.meta, description="another description", sources=["x"])
    changed = replace(lex, meta=meta, path="")
    assert changed.sha256 != lex.sha256
    d = diff_lexicons(lex, changed)
    assert set(d.loc[d["category"] == "[meta]", "pattern"]) == {"description", "sources"}
    # entry changes and reorders together: the rows are the entry change only
    cat = next(iter(lex.categories))
    bumped = _reordered(lex.add_entries(cat, ["conceivabl*"]), 1)
    d = diff_lexicons(lex, bumped)
    assert d[["pattern", "change"]].values.tolist() == [["conceivabl*", "added"]]


def test_diff_cli_never_contradicts_itself(tmp_path, capsys):
    from analysis.cli import main

    lex = load_lexicon("booster")
    path = tmp_path / "booster.toml"
    path.write_text(_reordered(lex, 4).to_toml(), encoding="utf-8")
    assert main(["lexicon", "diff", "booster", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(same content)" in out and "bump it" not in out and "no entry changed" in out
