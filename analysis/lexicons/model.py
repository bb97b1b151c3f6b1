"""The lexicon model as users import it: load a built-in lexicon by name, or a lexicon file in any format.

:func:`load_lexicon` takes a built-in name (``"hedging"``) or a path (TOML, LIWC ``.dic``/``.dicx``,
quanteda YAML, CSV); :func:`load_lexicons` loads several and refuses two that define one category.
The classes and the TOML format live in :mod:`analysis.lexicons.lexicon`, the other formats in
:mod:`analysis.lexicons.formats`; this module sits on top of both (so neither imports the other's
caller) and re-exports the classes, so ``from analysis.lexicons.model import Lexicon, parse_lexicon``
is the one import a user needs.

Examples
--------
>>> lex = load_lexicon("hedging")
>>> lex.name, "hedging.modal" in lex.categories
('hedging', True)
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from .formats import read_lexicon
from .lexicon import (
    CATEGORY_KEYS,
    CONTEXT_KEYS,
    DETECTORS,
    ENTRY_KEYS,
    META_KEYS,
    Category,
    Entry,
    Lexicon,
    LexiconError,
    category_position,
    compile_pattern,
    lexicon_to_toml,
    parse_lexicon,
    tie_key,
)

__all__ = [
    "CATEGORY_KEYS",
    "CONTEXT_KEYS",
    "DETECTORS",
    "ENTRY_KEYS",
    "META_KEYS",
    "Category",
    "Entry",
    "Lexicon",
    "LexiconError",
    "builtin_lexicon_names",
    "category_position",
    "compile_pattern",
    "lexicon_to_toml",
    "load_lexicon",
    "load_lexicons",
    "parse_lexicon",
    "tie_key",
]


def builtin_lexicon_names() -> list[str]:
    """Names of the lexicons shipped with the package."""
    folder = resources.files("analysis.lexicons") / "builtin"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_lexicon(name_or_path) -> Lexicon:
    """Load a built-in lexicon by name, or a lexicon file (TOML, LIWC .dic, .dicx, quanteda YAML, CSV) by path.

    >>> load_lexicon("hedging").meta["licence"]
    'CC-BY-4.0'
    """
    if isinstance(name_or_path, Lexicon):
        return name_or_path
    text = str(name_or_path)
    path = Path(text)
    # a bare built-in name is the built-in lexicon even when the working folder holds a folder or a
    # file without a suffix of that name (``./hedging/``); write ``./hedging`` to mean the file
    bare_builtin = isinstance(name_or_path, str) and "/" not in text and not path.suffix \
        and text in builtin_lexicon_names()
    if not bare_builtin and (path.suffix or path.exists() or "/" in text):
        if not path.is_file():
            raise LexiconError(f"{path}: no such lexicon file")
        if path.suffix.lower() != ".toml":
            return read_lexicon(path)
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LexiconError(f"{path}:1: not UTF-8 text ({exc.reason})") from None
        return parse_lexicon(raw, str(path))
    names = builtin_lexicon_names()
    if text not in names:
        raise LexiconError(f"unknown lexicon {text!r}: built-in lexicons are {', '.join(names)}; or give a file path")
    res = resources.files("analysis.lexicons") / "builtin" / f"{text}.toml"
    return parse_lexicon(res.read_text(encoding="utf-8"), f"builtin:{text}")


def load_lexicons(names=None) -> list[Lexicon]:
    """Load several lexicons; ``None`` or an empty list means all built-in lexicons."""
    if not names:
        names = builtin_lexicon_names()
    lexicons = [load_lexicon(n) for n in names]
    seen = {}
    for lex in lexicons:
        for cat in lex.categories:
            if cat in seen:
                raise LexiconError(f"category {cat!r} is defined by both {seen[cat]} and {lex.name}")
            seen[cat] = lex.name
    return lexicons
