"""The lexicon itself: a named, versioned set of categories and entries, read from and written to TOML.

This module holds the classes (:class:`Lexicon`, :class:`Category`, :class:`Entry`), the TOML file
format both ways (:func:`parse_lexicon`, :func:`lexicon_to_toml`) and nothing that depends on the other
formats: :mod:`analysis.lexicons.formats` (LIWC, quanteda, CSV) builds on it, and
:mod:`analysis.lexicons.model` (``load_lexicon``: a built-in name or a file in any format) sits on top
of both and re-exports the names here, so ``from analysis.lexicons.model import Lexicon`` keeps working.

A lexicon file has a ``[meta]`` table (name, version, description, licence, sources), an optional
``[slots]`` table (named token alternatives for templates) and one table per category under
``[categories."dotted.name"]`` with a ``description`` and a list of ``entries``. An entry is either a
pattern string or an inline table::

    { pattern = "may", unless_followed_by = ["<NUM>"], note = "'May 5' is a date" }

Context keys (each a list of patterns, matched inside the same sentence):
``unless_followed_by``, ``unless_preceded_by`` cancel a match; ``only_followed_by``, ``only_preceded_by``
keep a match only when one of the contexts is there. ``case_sensitive = true`` compares surfaces.

Every problem is reported as ``file:line: message``. TOML is parsed with the standard library's
``tomllib`` (no code execution, and unlike YAML "no"/"off" stay strings).
"""
from __future__ import annotations

import hashlib
import json
import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from functools import cached_property

from .patterns import Element, Pattern, PatternError, parse_pattern

__all__ = [
    "Category",
    "Entry",
    "Lexicon",
    "LexiconError",
    "lexicon_to_toml",
    "parse_lexicon",
    "toml_string",
]

META_KEYS = {"name", "version", "description", "licence", "license", "sources", "language", "authors", "url", "changelog"}
CATEGORY_KEYS = {"description", "entries", "definition", "include", "exclude", "notes", "label", "detector"}
# Categories that the pattern language cannot express are filled by a built-in detector named in the file
# (``detector = "scare_quotes"``); the detector's code version is the package version in every provenance.
DETECTORS = {"scare_quotes": "analysis.measure.scare_quotes:scare_quotes"}
ENTRY_KEYS = {
    "pattern", "case_sensitive", "unless_followed_by", "unless_preceded_by", "only_followed_by",
    "only_preceded_by", "note", "source", "test", "label",
}
CONTEXT_KEYS = ("unless_followed_by", "unless_preceded_by", "only_followed_by", "only_preceded_by")
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")
_CATEGORY_RE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$")


class LexiconError(ValueError):
    """A lexicon file that cannot be used; the message starts with ``file:line:``."""


@dataclass(frozen=True)
class Entry:
    """One lexicon entry: a pattern in a category, with optional context conditions."""

    pattern: str
    category: str
    case_sensitive: bool = False
    unless_followed_by: tuple[str, ...] = ()
    unless_preceded_by: tuple[str, ...] = ()
    only_followed_by: tuple[str, ...] = ()
    only_preceded_by: tuple[str, ...] = ()
    note: str = ""
    source: str = ""
    line: int = 0
    label: str = ""  # how figures and tables name the entry (default: its shortest matching form)

    def as_dict(self) -> dict:
        d = {"pattern": self.pattern}
        if self.case_sensitive:
            d["case_sensitive"] = True
        for key in CONTEXT_KEYS:
            if getattr(self, key):
                d[key] = list(getattr(self, key))
        if self.note:
            d["note"] = self.note
        if self.source:
            d["source"] = self.source
        if self.label:
            d["label"] = self.label
        return d

    @property
    def has_context(self) -> bool:
        return any(getattr(self, k) for k in CONTEXT_KEYS)


def tie_key(entry: Entry) -> tuple[str, str]:
    """How an entry ranks among equally specific entries matching the same tokens: pattern text, then options.

    File order never decides (so reordering a lexicon changes neither its matches nor its hash).

    >>> tie_key(Entry("may", "hedging", unless_followed_by=("<NUM>",)))
    ('may', '{"unless_followed_by": ["<NUM>"]}')
    """
    d = {k: sorted(v) if isinstance(v, list) else v for k, v in entry.as_dict().items()
         if k not in ("pattern", "note", "source", "label")}
    return entry.pattern, json.dumps(d, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class Category:
    name: str
    description: str
    entries: tuple[Entry, ...]
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Lexicon:
    """A parsed lexicon. ``sha256`` is the hash of its canonical content (comments do not change it).

    Examples
    --------
    >>> from analysis.lexicons.model import load_lexicon
    >>> lex = load_lexicon("hedging")
    >>> lex.name, "hedging.modal" in lex.categories
    ('hedging', True)
    """

    name: str
    version: str
    meta: dict
    slots: dict
    categories: dict
    path: str = ""

    @property
    def entries(self) -> list[Entry]:
        return [e for c in self.categories.values() for e in c.entries]

    def canonical(self) -> dict:
        """The content that :attr:`sha256` hashes, in an order that carries no meaning removed.

        Categories, slot values, the entries of a category and the patterns of each context list are
        sorted: none of their orders changes a match (ties between equally specific entries are broken by
        pattern text, not by file order: ``docs/patterns.md``, the overlap rule), so a lexicon written in
        another order (a round trip through LIWC ``.dic``, a sorted export) keeps its hash.
        """
        def entry(e: Entry) -> dict:
            d = e.as_dict()
            for key in CONTEXT_KEYS:
                if key in d:
                    d[key] = sorted(d[key])
            return d

        def key(d: dict) -> str:
            return json.dumps(d, sort_keys=True, ensure_ascii=False)

        return {
            "meta": self.meta,
            "slots": {k: sorted(v) for k, v in sorted(self.slots.items())},
            "categories": {
                name: {"description": c.description, **c.extra,
                       "entries": sorted((entry(e) for e in c.entries), key=key)}
                for name, c in sorted(self.categories.items())
            },
        }

    @cached_property
    def sha256(self) -> str:  # a lexicon is immutable: hashed once (a 10^4-entry lexicon takes 20 ms)
        blob = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def provenance(self) -> dict:
        return {"name": self.name, "version": self.version, "sha256": self.sha256, "path": self.path}

    @cached_property
    def _slots_key(self) -> str:
        return json.dumps(self.slots, sort_keys=True, ensure_ascii=False) if self.slots else ""

    def compile_entry(self, entry: Entry) -> Pattern:
        """The compiled pattern of ``entry`` (memoised: compiling 10^5 entries twice costs seconds)."""
        return compile_pattern(entry.pattern, self.slots, entry.case_sensitive, slots_key=self._slots_key)

    def add_entries(self, category: str, patterns, version: str | None = None, **entry_kw) -> Lexicon:
        """Return a copy with entries added to ``category`` (created if new) and, optionally, a new version.

        >>> from analysis.lexicons.model import load_lexicon
        >>> lex = load_lexicon("hedging").add_entries("hedging.possibility", ["conceivabl*"], version="9.9.9")
        >>> lex.version, lex.categories["hedging.possibility"].entries[-1].pattern
        ('9.9.9', 'conceivabl*')
        """
        cats = dict(self.categories)
        old = cats.get(category) or Category(category, "", ())
        new_entries = tuple(Entry(p, category, **entry_kw) for p in patterns)
        cats[category] = replace(old, entries=old.entries + new_entries)
        meta = dict(self.meta)
        if version is not None:
            meta["version"] = version
        lex = replace(self, categories=cats, meta=meta, version=meta["version"], path="")
        for e in new_entries:
            lex.compile_entry(e)  # fail early on a bad pattern
        return lex

    def to_toml(self) -> str:
        """Serialise to the TOML lexicon format (round-trips through :func:`parse_lexicon`)."""
        return lexicon_to_toml(self)


def _line_of(raw: str, needle: str, after: int = 0) -> int:
    pos = raw.find(needle, after)
    return raw.count("\n", 0, pos) + 1 if pos >= 0 else 0


class _Lines:
    """Line numbers of character offsets in one text (bisect on line starts: linear overall)."""

    def __init__(self, raw: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", raw)]

    def __call__(self, pos: int) -> int:
        return bisect_right(self.starts, pos) if pos >= 0 else 0


def category_position(raw: str, cname: str) -> int:
    """Offset in the TOML text ``raw`` of the ``[categories."name"]`` header of category ``cname`` (or
    of the first mention of the name): where error messages and lexicon checks point."""
    parts = r"\.".join(re.escape(p) for p in cname.split("."))
    rx = rf'^[ \t]*\[[ \t]*categories[ \t]*\.[ \t]*(?:"{re.escape(cname)}"|\'{re.escape(cname)}\'|{parts})[ \t]*\]'
    m = re.search(rx, raw, re.MULTILINE)
    if m:
        return m.start()
    if "." in cname:  # a sub-table written inside its parent's table: "[categories.a]" then "b = {...}"
        parent, leaf = cname.rsplit(".", 1)
        start = category_position(raw, parent)
        if start >= 0:
            k = re.compile(rf'^[ \t]*(?:"{re.escape(leaf)}"|\'{re.escape(leaf)}\'|{re.escape(leaf)})[ \t]*=', re.MULTILINE).search(raw, start)
            if k:
                return k.start()
    return raw.find(cname)


def _entry_pos(raw: str, pattern: str, cursor: int) -> int:
    """Offset of an entry's pattern string at or after ``cursor`` (quoted forms first)."""
    plain = '"' not in pattern and "\\" not in pattern and pattern.isprintable()
    for needle in (f'"{pattern}"' if plain else json.dumps(pattern, ensure_ascii=False), f"'{pattern}'", pattern):
        pos = raw.find(needle, cursor)
        while pos >= 0 and _in_comment(raw, pos):
            pos = raw.find(needle, pos + 1)
        if pos >= 0:
            return pos
    return -1


def _in_comment(raw: str, pos: int) -> bool:
    """Is ``pos`` after a ``#`` that starts a comment on its line (outside a string)?"""
    line = raw[raw.rfind("\n", 0, pos) + 1 : pos]
    if "#" not in line:
        return False
    quote = None
    for ch in line:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return True
    return False


_PATTERN_CACHE: dict = {}


def compile_pattern(source: str, slots: dict, case_sensitive: bool = False, anchored: bool = True,
                    slots_key: str | None = None) -> Pattern:
    """:func:`~analysis.lexicons.patterns.parse_pattern` with a memo keyed on the pattern and the slots."""
    if slots_key is None:
        slots_key = json.dumps(slots, sort_keys=True, ensure_ascii=False) if slots else ""
    key = (source, case_sensitive, anchored, slots_key)
    pat = _PATTERN_CACHE.get(key)
    if pat is None:
        pat = _plain_pattern(source) if not case_sensitive else None
        if pat is None:
            pat = parse_pattern(source, slots, case_sensitive, anchored)
        if len(_PATTERN_CACHE) >= 400_000:
            _PATTERN_CACHE.clear()
        _PATTERN_CACHE[key] = pat
    return pat


_PLAIN_RE = re.compile(r"[A-Za-z]+(\*?)")


def _plain_pattern(source: str) -> Pattern | None:
    """The compiled form of a one-word entry (``word`` or ``prefix*``) without the general parser.

    Most entries of large imported dictionaries are such words; this is what :func:`parse_pattern`
    returns for them (pinned in ``tests/lexicons/test_validate.py::test_plain_pattern_fast_path``).
    """
    m = _PLAIN_RE.fullmatch(source)
    if m is None:
        return None
    if m.group(1):
        el = Element("alt", frozenset(), (source.lower(),))
        return Pattern(source, (el,), 0, False, (1, -1))
    return Pattern(source, (Element("lit", frozenset([source.lower()])),), 0, False, (0, -1))


def _bool(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise LexiconError(f"{where} must be true or false (unquoted), got {value!r}")
    return value


def _str_list(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{where}: expected a string or a list of strings")
    return tuple(value)


def _collect_categories(table: dict, prefix: str = "") -> dict:
    """Categories may be written ``[categories."a.b"]`` or nested ``[categories.a.b]``."""
    out = {}
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and "entries" not in value and all(isinstance(v, dict) for v in value.values()) and value:
            out.update(_collect_categories(value, name))
        else:
            out[name] = value
    return out


def parse_lexicon(raw: str, path: str = "<string>", *, allow_empty: bool = False) -> Lexicon:
    """Parse lexicon TOML text; every error names ``path`` and the line.

    Parameters
    ----------
    raw : str
        The file content.
    path : str
        Shown in error messages.
    allow_empty : bool
        Keep categories without entries instead of refusing them (``lexicon validate`` uses this to
        report every empty category, not only the first).

    Examples
    --------
    >>> lex = parse_lexicon('''
    ... [meta]
    ... name = "tiny"
    ... version = "0.1.0"
    ... [categories."hedging.modal"]
    ... entries = ["may", "might"]
    ... ''')
    >>> [e.pattern for e in lex.entries]
    ['may', 'might']
    """
    data = _read_toml(raw, path)
    meta = _checked_meta(data, raw, path)
    slots = _checked_slots(data, raw, path)
    raw_cats = data.get("categories")
    if not isinstance(raw_cats, dict) or not raw_cats:
        raise LexiconError(f"{path}:1: no categories (expected [categories.\"name\"] tables)")
    ctx = _ParseContext(raw, path, _Lines(raw), slots,
                        json.dumps(slots, sort_keys=True, ensure_ascii=False) if slots else "")
    categories = {cname: _parse_category(ctx, cname, ctable, allow_empty)
                  for cname, ctable in _collect_categories(raw_cats).items()}
    return Lexicon(meta["name"], meta["version"], meta, slots, categories, path)


def _read_toml(raw: str, path: str) -> dict:
    """The TOML document ``raw`` as a dict, with its three top-level keys checked."""
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        # errors at the end of the document carry no line: report the last line
        line = m.group(1) if m else str(raw.count("\n") + (0 if raw.endswith("\n") else 1))
        raise LexiconError(f"{path}:{line}: TOML syntax error: {exc}") from None
    except RecursionError:  # arrays or inline tables nested thousands deep
        lines = raw.split("\n")
        deepest = max(range(len(lines)), key=lambda i: lines[i].count("[") + lines[i].count("{"))
        raise LexiconError(f"{path}:{deepest + 1}: TOML nested too deeply to read: not a lexicon file") from None
    unknown = set(data) - {"meta", "slots", "categories"}
    if unknown:
        key = min(unknown)
        raise LexiconError(f"{path}:{_line_of(raw, key)}: unknown top-level key {key!r} (expected meta, slots, categories)")
    return data


def _checked_meta(data: dict, raw: str, path: str) -> dict:
    """The ``[meta]`` table: known keys only, a name and a semantic version."""
    meta = data.get("meta")
    if not isinstance(meta, dict):
        raise LexiconError(f"{path}:1: missing [meta] table with name and version")
    for key in meta:
        if key not in META_KEYS:
            raise LexiconError(f"{path}:{_line_of(raw, key)}: unknown key {key!r} in [meta] (known: {', '.join(sorted(META_KEYS))})")
    for req in ("name", "version"):
        if not isinstance(meta.get(req), str) or not meta[req].strip():
            raise LexiconError(f"{path}:{_line_of(raw, '[meta]')}: [meta] needs a non-empty string {req!r}")
    if not _VERSION_RE.match(meta["version"]):
        raise LexiconError(f"{path}:{_line_of(raw, meta['version'])}: version {meta['version']!r} is not semantic (MAJOR.MINOR.PATCH)")
    return meta


def _checked_slots(data: dict, raw: str, path: str) -> dict:
    """The ``[slots]`` table as ``{name: [alternatives]}``; an empty slot is refused."""
    slots = {}
    for name, values in (data.get("slots") or {}).items():
        slots[name] = list(_str_list(values, f"{path}:{_line_of(raw, name)}: slot {name!r}"))
        if not slots[name]:
            raise LexiconError(f"{path}:{_line_of(raw, name)}: slot {name!r} is empty")
    return slots


@dataclass(frozen=True)
class _ParseContext:
    """What parsing one category needs from the whole file: its text, name, line finder and slots."""

    raw: str
    path: str
    line_of: _Lines
    slots: dict
    slots_key: str


def _parse_category(ctx: _ParseContext, cname: str, ctable, allow_empty: bool) -> Category:
    """One ``[categories."name"]`` table as a :class:`Category`, every entry compiled once to check it."""
    raw, path = ctx.raw, ctx.path
    cat_pos = category_position(raw, cname)
    cline = ctx.line_of(cat_pos)
    where = f"{path}:{cline}"
    if not _CATEGORY_RE.match(cname):
        raise LexiconError(f"{where}: category name {cname!r} must be lower-case dotted words (e.g. hedging.modal)")
    if not isinstance(ctable, dict):
        raise LexiconError(f"{where}: category {cname!r} must be a table")
    for key in ctable:
        if key not in CATEGORY_KEYS:
            raise LexiconError(f"{path}:{_line_of(raw, key, max(cat_pos, 0))}: unknown key {key!r} in category {cname!r}")
    entries_raw = ctable.get("entries", [])
    if not isinstance(entries_raw, list):
        raise LexiconError(f"{where}: 'entries' of {cname!r} must be a list")
    detector = ctable.get("detector")
    if detector is not None and detector not in DETECTORS:
        raise LexiconError(f"{where}: unknown detector {detector!r} in category {cname!r} (known: {', '.join(DETECTORS)})")
    if detector is not None and entries_raw:
        raise LexiconError(f"{where}: category {cname!r} has a detector and entries: use two categories")
    if not entries_raw and not allow_empty and detector is None:
        raise LexiconError(f"{where}: category {cname!r} is empty")
    entries = []
    cursor = max(cat_pos, 0)
    for item in entries_raw:
        if isinstance(item, str):
            item = {"pattern": item}
        if not isinstance(item, dict) or not isinstance(item.get("pattern"), str):
            raise LexiconError(f"{where}: entries of {cname!r} must be strings or tables with a 'pattern'")
        pos = _entry_pos(raw, item["pattern"], cursor)
        if pos >= 0:
            cursor = pos + 1  # a repeated pattern gets the line of its own occurrence
        entries.append(_parse_entry(ctx, cname, item, ctx.line_of(pos) or cline))
    extra = {k: v for k, v in ctable.items() if k not in ("description", "entries")}
    return Category(cname, str(ctable.get("description", "")), tuple(entries), extra)


def _parse_entry(ctx: _ParseContext, cname: str, item: dict, eline: int) -> Entry:
    """One entry table (``pattern`` and options, on line ``eline``) as an :class:`Entry`, its patterns checked."""
    path = ctx.path
    for key in item:
        if key not in ENTRY_KEYS:
            raise LexiconError(f"{path}:{eline}: unknown key {key!r} in entry {item['pattern']!r} (known: {', '.join(sorted(ENTRY_KEYS))})")
    kw = {k: _str_list(item[k], f"{path}:{eline}: {k}") for k in CONTEXT_KEYS if k in item}
    entry = Entry(
        pattern=item["pattern"],
        category=cname,
        case_sensitive=_bool(item.get("case_sensitive", False), f"{path}:{eline}: case_sensitive"),
        note=str(item.get("note", "")),
        source=str(item.get("source", "")),
        label=str(item.get("label", "")),
        line=eline,
        **kw,
    )
    try:
        compile_pattern(entry.pattern, ctx.slots, entry.case_sensitive, slots_key=ctx.slots_key)
        for k in CONTEXT_KEYS:
            for context in getattr(entry, k):
                compile_pattern(context, ctx.slots, entry.case_sensitive, anchored=False, slots_key=ctx.slots_key)
    except PatternError as exc:
        raise LexiconError(f"{path}:{eline}: {exc}") from None
    return entry


# -- writing TOML ----------------------------------------------------------------------------------
def toml_string(value: str) -> str:
    """A TOML basic string (JSON string escaping is valid TOML for basic strings)."""
    return json.dumps(value, ensure_ascii=False)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(key: str) -> str:
    return key if key and key.replace("_", "").replace("-", "").isalnum() and key.isascii() else toml_string(key)


def lexicon_to_toml(lex) -> str:
    """Serialise a :class:`Lexicon` to TOML text (the inverse of :func:`parse_lexicon`).

    >>> from analysis.lexicons.model import load_lexicon
    >>> lex = load_lexicon("booster")
    >>> parse_lexicon(lexicon_to_toml(lex)).sha256 == lex.sha256
    True
    """
    lines = ["[meta]"]
    for k, v in lex.meta.items():
        lines.append(f"{_key(k)} = {_toml_value(v)}")
    if lex.slots:
        lines += ["", "[slots]"]
        for k, v in lex.slots.items():
            lines.append(f"{_key(k)} = {_toml_value(list(v))}")
    for name, cat in lex.categories.items():
        lines += ["", f"[categories.{toml_string(name)}]"]
        if cat.description:
            lines.append(f"description = {toml_string(cat.description)}")
        for k, v in cat.extra.items():
            lines.append(f"{_key(k)} = {_toml_value(v)}")
        lines.append("entries = [")
        for e in cat.entries:
            d = e.as_dict()
            lines.append(f"  {_toml_value(d['pattern'] if len(d) == 1 else d)},")
        lines.append("]")
    return "\n".join(lines) + "\n"
