"""Lexicon file formats: our TOML (read and write) and the interchange formats researchers already use.

Supported, chosen by file extension:

=========  ==================================================================================
``.toml``  our format (lossless; :func:`lexicon_to_toml` round-trips through ``parse_lexicon``)
``.dic``   LIWC 2007/2015 dictionaries: a ``%`` block of ``id<TAB>name`` lines, then ``word<TAB>ids``
``.dicx``  LIWC-22 dictionaries: CSV, first column the term, one column per category marked ``X``
``.yml``   quanteda YAML dictionaries (nested keys, lists of glob patterns); also ``.yaml``
``.csv``   a plain table ``term,category,options`` that opens in a spreadsheet (options as JSON)
=========  ==================================================================================

Reading never crashes on the quirks real dictionaries have (byte-order marks, Windows line endings,
duplicate lines, unknown category numbers, LIWC 2007's conditional categories such as
``like (02 134)125/464``, YAML turning ``no``/``off``/``on`` into booleans): each one becomes an
:class:`Issue` with the file and line, and the entry is kept, repaired or skipped as the message says.
Writing a feature that the target format cannot express (gaps, token classes, contexts, case
sensitivity, single-word wildcards in LIWC, ...) is a warning for that entry, never a silent loss:
alternations, slots and optional words are expanded where the format allows it, otherwise the entry
is skipped and counted. ``docs/patterns.md`` lists what each format can express.
"""
from __future__ import annotations

import csv
import io
import json
import re
import warnings
from dataclasses import dataclass
from itertools import product
from pathlib import Path

from .lexicon import (
    CONTEXT_KEYS,
    ENTRY_KEYS,
    Category,
    Entry,
    Lexicon,
    LexiconError,
    lexicon_to_toml,
    parse_lexicon,
    toml_string,
)

__all__ = [
    "FORMATS",
    "Issue",
    "LexiconFormatWarning",
    "category_name",
    "format_of",
    "lexicon_to_csv",
    "lexicon_to_dic",
    "lexicon_to_dicx",
    "lexicon_to_toml",
    "lexicon_to_yaml",
    "parse_csv_lexicon",
    "parse_liwc_dic",
    "parse_liwc_dicx",
    "parse_quanteda_yaml",
    "read_lexicon",
    "toml_string",
    "write_lexicon",
]

FORMATS = {".toml": "toml", ".dic": "dic", ".dicx": "dicx", ".yml": "yaml", ".yaml": "yaml", ".csv": "csv"}
MAX_VARIANTS = 10_000  # an entry that would expand to more strings than this is skipped on export
_CSV_FIELDS = ("term", "category", "options")


@dataclass(frozen=True)
class Issue:
    """One problem found while reading, writing or checking a lexicon.

    ``level`` is ``error`` (the lexicon does not do what its author wrote), ``warning`` (probably a
    mistake, or a loss in a conversion) or ``info`` (how something was read; nothing is lost).
    ``str(issue)`` is ``file:line: level: message``.
    """

    path: str
    line: int
    level: str
    message: str
    code: str = ""
    category: str = ""
    pattern: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.level}: {self.message}"


class LexiconFormatWarning(UserWarning):
    """A lexicon file was read with quirks; ``python -m analysis lexicon validate FILE`` lists them."""


# -- building a lexicon from imported (term, category) pairs ----------------------------------------
_NAME_BAD = re.compile(r"[^a-z0-9_.]+")


def category_name(label: str) -> str:
    """A valid category name (lower-case dotted words) for a label from another format.

    >>> category_name("Social Processes"), category_name("2ndPerson"), category_name("emo_pos")
    ('social_processes', 'c2ndperson', 'emo_pos')
    """
    name = _NAME_BAD.sub("_", str(label).strip().lower())
    segs = []
    for seg in name.split("."):
        seg = seg.strip("_")
        if not seg:
            continue
        if not seg[0].isalpha() or not seg[0].isascii():
            seg = "c" + seg
        segs.append(seg)
    return ".".join(segs) or "category"


class _Builder:
    """Collects categories and entries from an importer, then compiles them into a Lexicon."""

    def __init__(self, path: str, fmt: str, issues: list):
        self.path = path
        self.fmt = fmt
        self.issues = issues
        self.cats: dict[str, dict] = {}  # name -> {"label", "description", "entries": [(pattern, kw, line)], "line"}
        self.by_label: dict[str, str] = {}  # label -> name
        self.by_fold: dict[str, str] = {}  # case-folded label -> first label
        self.slots: dict[str, list] = {}

    def issue(self, line, level, message, code="format", category="", pattern=""):
        self.issues.append(Issue(self.path, line, level, message, code, category, pattern))

    def category(self, label: str, line: int = 0, description: str = "") -> str:
        """Name for ``label`` (created if new); labels that differ only by case are kept apart and reported."""
        label = str(label)
        if label in self.by_label:
            return self.by_label[label]
        base = category_name(label)
        name = self._fresh(base)
        other = self.by_fold.get(label.casefold())
        if other is not None:
            self.issue(line, "warning", f"categories {other!r} (line {self.cats[self.by_label[other]]['line']}) and "
                       f"{label!r} differ only by case; they are kept apart, the second named {name!r}",
                       "category-case", category=label)
        elif name != base:
            self.issue(line, "warning", f"category {label!r} would be named {base!r} like an earlier one; "
                       f"it is named {name!r}", "category-name", category=label)
        self.cats[name] = {"label": label, "description": description, "entries": [], "line": line, "seen": set()}
        self.by_label[label] = name
        self.by_fold.setdefault(label.casefold(), label)
        return name

    def _fresh(self, name: str) -> str:
        if name not in self.cats:
            return name
        k = 2
        while f"{name}_{k}" in self.cats:
            k += 1
        return f"{name}_{k}"

    def add(self, name: str, pattern: str, line: int, **kw):
        """Add an entry; the same pattern twice in one category (as a format allows) is added once."""
        c = self.cats[name]
        key = (pattern, json.dumps(kw, sort_keys=True))
        if key in c["seen"]:
            return
        c["seen"].add(key)
        c["entries"].append((pattern, kw, line))

    def build(self, meta: dict):
        from .patterns import PatternError, parse_pattern

        categories = {}
        for name, c in self.cats.items():
            entries = []
            for pattern, kw, line in c["entries"]:
                try:
                    parse_pattern(pattern, self.slots, bool(kw.get("case_sensitive", False)))
                    for k in CONTEXT_KEYS:
                        for ctx in kw.get(k, ()):
                            parse_pattern(ctx, self.slots, bool(kw.get("case_sensitive", False)), anchored=False)
                except PatternError as exc:
                    self.issue(line, "warning", f"entry {pattern!r} in {c['label']!r} skipped: {exc}",
                               "pattern", name, pattern)
                    continue
                entries.append(Entry(pattern=pattern, category=name, line=line, **kw))
            if not entries:
                self.issue(c["line"], "warning", f"category {c['label']!r} has no usable entries; it is dropped",
                           "empty-category", name)
                continue
            extra = {"label": c["label"]} if c["label"] != name else {}
            categories[name] = Category(name, c["description"], tuple(entries), extra)
        if not categories:
            raise LexiconError(f"{self.path}:1: no usable entries in this {self.fmt} file")
        meta = {k: v for k, v in meta.items() if v}
        return Lexicon(meta["name"], meta["version"], meta, dict(self.slots), categories, self.path)


def _default_meta(path: str, fmt: str, name=None, version=None) -> dict:
    stem = Path(path).stem if path and not path.startswith("<") else "imported"
    return {
        "name": name or (category_name(stem).replace(".", "_") or "imported"),
        "version": version or "0.1.0",
        "description": f"Imported from {Path(path).name} ({fmt}).",
        "sources": [Path(path).name],
    }


def _decode(data: bytes, path: str, issues: list) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        issues.append(Issue(path, 1, "info", "byte-order mark (BOM) at the start of the file ignored", "bom"))
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        issues.append(Issue(path, line, "warning", f"not UTF-8 (byte {data[exc.start]:#x}); read as Windows-1252, "
                            "check accented entries", "encoding"))
        text = data.decode("cp1252", errors="replace")
    if "\r\n" in text:
        issues.append(Issue(path, 1, "info", "Windows line endings (CRLF) read as plain line ends", "crlf"))
    elif "\r" in text:
        issues.append(Issue(path, 1, "info", "old Mac line endings (CR) read as plain line ends", "crlf"))
    return text


# -- LIWC .dic --------------------------------------------------------------------------------------
_COND_RE = re.compile(r"\(([^()]*)\)\s*([^\s()]+)|(\S+)")


def _liwc_header(lines: list[str], path: str, b: _Builder) -> tuple[dict[str, str], int]:
    """Read the category list between the two ``%`` lines of a ``.dic``.

    Returns ``{LIWC number: category name}`` and the index of the first line after the closing ``%``.
    """
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip() != "%":
        raise LexiconError(f"{path}:{i + 1}: not a LIWC .dic file: the first line must be '%' "
                           "(the start of the category list)")
    ids: dict[str, str] = {}  # LIWC id -> category name
    labels: dict[str, str] = {}
    i += 1
    while i < len(lines) and lines[i].strip() != "%":
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        parts = line.split("\t") if "\t" in line else line.split(None, 1)
        parts = [p.strip() for p in parts if p.strip()]
        if len(parts) < 2:
            b.issue(i, "warning", f"category line {line!r} has no name; ignored", "liwc-header")
            continue
        cid, label = parts[0], parts[1]
        desc = " ".join(parts[2:]).strip("() ")
        if " " in label and "\t" not in line:
            label, _, rest = label.partition(" ")
            desc = rest.strip("() ")
        if cid in ids:
            b.issue(i, "warning", f"category number {cid} is defined twice ({labels[cid]!r} and {label!r}); "
                    "the first is kept", "liwc-header")
            continue
        if label in labels.values():
            b.issue(i, "warning", f"category name {label!r} is used by two numbers; their words are merged",
                    "liwc-header", category=label)
        ids[cid] = b.category(label, i, desc)
        labels[cid] = label
    if i >= len(lines):
        raise LexiconError(f"{path}:{len(lines)}: not a LIWC .dic file: no '%' line closes the category list")
    if not ids:
        raise LexiconError(f"{path}:{i + 1}: the category list between the two '%' lines is empty")
    return ids, i + 1


def _liwc_split_line(raw: str, ids: dict, b: _Builder, lineno: int) -> tuple[str, str]:
    """The term of one entry line and the rest (its category numbers); without a tab, split before the numbers."""
    if "\t" in raw:
        term, _, rest = raw.strip().partition("\t")
        return term.strip(), rest
    toks = raw.split()
    k = len(toks)
    while k > 1 and (toks[k - 1] in ids or re.fullmatch(r"[\d()/ ]+", toks[k - 1])):
        k -= 1
    term, rest = " ".join(toks[:k]), " ".join(toks[k:])
    if rest:
        b.issue(lineno, "info", f"no tab after {term!r}: the line was split at the first category number",
                "liwc-spaces", pattern=term)
    return term, rest


def _liwc_categories(term: str, rest: str, ids: dict, b: _Builder, lineno: int) -> list[str]:
    """The known category numbers of one entry; unknown numbers and LIWC 2007 conditions become issues."""
    cats: list[str] = []
    conds = []
    for m in _COND_RE.finditer(rest):
        if m.group(3) is None:
            conds.append(f"({m.group(1)}){m.group(2)}")
        elif m.group(3) in ids:
            cats.append(m.group(3))
        else:
            b.issue(lineno, "warning", f"unknown category number {m.group(3)!r} for {term!r} (not in the "
                    "header); ignored", "liwc-unknown-category", pattern=term)
    for cond in conds:
        b.issue(lineno, "warning",
                f"conditional category {cond!r} for {term!r} (LIWC 2007: the category depends on the "
                "neighbouring word) cannot be expressed and was dropped; the entry keeps its plain categories "
                f"({', '.join(cats) if cats else 'none'})", "liwc-conditional", pattern=term)
    return cats


def parse_liwc_dic(text: str, path: str = "<dic>", issues: list | None = None, *, name=None, version=None):
    """Read a LIWC 2007/2015 ``.dic`` dictionary.

    Parameters
    ----------
    text : str
        The file content (a leading BOM and Windows line ends are accepted).
    path : str
        Shown in issues.
    issues : list, optional
        Receives an :class:`Issue` for every quirk; reading never stops on one.
    name, version : str, optional
        ``[meta]`` name and version (default: from the file name, ``0.1.0``).

    Returns
    -------
    Lexicon
        Category names are the LIWC names made lower-case (the original is kept as ``label``);
        a trailing ``*`` is our one-token glob, so ``abandon*`` keeps its LIWC meaning.

    Examples
    --------
    >>> lex = parse_liwc_dic("%\\n1\\tposemo\\n2\\ttentat\\n%\\nhappy\\t1\\nmaybe\\t2\\nperhap*\\t2\\n")
    >>> {c: [e.pattern for e in cat.entries] for c, cat in lex.categories.items()}
    {'posemo': ['happy'], 'tentat': ['maybe', 'perhap*']}
    """
    issues = [] if issues is None else issues
    if text.startswith("\ufeff"):
        issues.append(Issue(path, 1, "info", "byte-order mark (BOM) at the start of the file ignored", "bom"))
        text = text[1:]
    b = _Builder(path, "LIWC .dic", issues)
    lines = text.splitlines()
    ids, first = _liwc_header(lines, path, b)
    seen: dict[str, tuple[int, set]] = {}  # term -> (first line, categories)
    for lineno in range(first + 1, len(lines) + 1):
        raw = lines[lineno - 1]
        if not raw.strip():
            continue
        term, rest = _liwc_split_line(raw, ids, b, lineno)
        if not term:
            b.issue(lineno, "warning", "line without a term; ignored", "liwc-entry")
            continue
        cats = _liwc_categories(term, rest, ids, b, lineno)
        if not cats:
            b.issue(lineno, "warning", f"{term!r} has no usable category; skipped", "liwc-entry", pattern=term)
            continue
        if term.startswith("*") and term.strip("*"):
            b.issue(lineno, "warning", f"{term!r}: LIWC only knows a trailing '*'; read here as a glob matching "
                    f"any word ending in {term.lstrip('*')!r}", "liwc-star", pattern=term)
        if "?" in term:
            b.issue(lineno, "warning", f"{term!r}: '?' is a one-character wildcard in our patterns, a plain "
                    "character in LIWC", "liwc-question", pattern=term)
        key = term.lower()
        if key in seen:
            first_line, prev = seen[key]
            new = [c for c in cats if c not in prev]
            b.issue(lineno, "warning", f"duplicate line for {term!r} (first on line {first_line}); "
                    + (f"its categories {', '.join(new)} are merged" if new else "same categories, ignored"),
                    "liwc-duplicate", pattern=term)
            cats = new
            prev.update(new)
        else:
            seen[key] = (lineno, set(cats))
        for cid in dict.fromkeys(cats):
            b.add(ids[cid], term, lineno)
    return b.build(_default_meta(path, "LIWC .dic", name, version))


# -- LIWC-22 .dicx ----------------------------------------------------------------------------------
def parse_liwc_dicx(text: str, path: str = "<dicx>", issues: list | None = None, *, name=None, version=None):
    """Read a LIWC-22 ``.dicx`` dictionary: CSV, term in the first column, categories marked ``X``.

    >>> lex = parse_liwc_dicx("DicTerm,tentat,certain\\nmaybe,X,\\nsure*,,X\\n")
    >>> [(e.category, e.pattern) for e in lex.entries]
    [('tentat', 'maybe'), ('certain', 'sure*')]
    """
    issues = [] if issues is None else issues
    if text.startswith("\ufeff"):
        issues.append(Issue(path, 1, "info", "byte-order mark (BOM) at the start of the file ignored", "bom"))
        text = text[1:]
    b = _Builder(path, "LIWC-22 .dicx", issues)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or len(rows[0]) < 2:
        raise LexiconError(f"{path}:1: not a .dicx file: the first row must be the term column and category names")
    header = rows[0]
    names = [b.category(h.strip(), 1) if h.strip() else None for h in header[1:]]
    for j, n in enumerate(names):
        if n is None:
            b.issue(1, "warning", f"column {j + 2} has no category name; ignored", "dicx-header")
    seen: dict[str, int] = {}
    for lineno, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        term = row[0].strip()
        if not term:
            b.issue(lineno, "warning", "row without a term; ignored", "dicx-entry")
            continue
        if term.lower() in seen:
            b.issue(lineno, "warning", f"duplicate row for {term!r} (first on line {seen[term.lower()]}); merged",
                    "dicx-duplicate", pattern=term)
        seen.setdefault(term.lower(), lineno)
        if len(row) > len(header):
            b.issue(lineno, "warning", f"{len(row) - len(header)} cell(s) beyond the last category column ignored",
                    "dicx-entry", pattern=term)
        marked = 0
        for j, cell in enumerate(row[1:len(header)]):
            cell = cell.strip()
            if not cell or names[j] is None:
                continue
            if cell.upper() != "X":
                b.issue(lineno, "info", f"cell {cell!r} for {term!r} read as a mark (LIWC-22 writes 'X')",
                        "dicx-mark", pattern=term)
            b.add(names[j], term, lineno)
            marked += 1
        if not marked:
            b.issue(lineno, "warning", f"{term!r} is not marked in any category; skipped", "dicx-entry", pattern=term)
    return b.build(_default_meta(path, "LIWC-22 .dicx", name, version))


# -- quanteda YAML ----------------------------------------------------------------------------------
_YAML_BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")


def _yaml_plain_items(text: str):
    """``(line, raw text, quoted)`` of every mapping key and scalar value, in document order.

    A small scanner for the block YAML that dictionaries use (``key:``, ``- item``, ``[a, b]``); it
    exists only to recover the text of values that ``yaml.safe_load`` turned into booleans or numbers
    and to give entries line numbers. It returns None when the file uses constructs it does not know.
    """
    out = []
    flow, flow_line = None, 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        s = _strip_yaml_comment(line)
        if flow is not None:
            flow += " " + s
            if flow.count("[") <= flow.count("]"):
                out.extend(_flow_items(flow, flow_line))
                flow = None
            continue
        st = s.strip()
        if not st or st in ("---", "...") or st.startswith("%"):
            continue
        while st.startswith("- "):
            st = st[2:].strip()
        if st == "-":
            out.append((lineno, "", False))
            continue
        m = re.match(r"""^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s'"\[{][^:]*?|)\s*:(?:\s+(.*)|)$""", st)
        if m and not st.startswith(("[", "{")) and (m.group(1) or st.startswith(":")):
            key = m.group(1)
            out.append((lineno, _unquote(key), key[:1] in "\"'"))
            st = (m.group(2) or "").strip()
            if not st:
                continue
        if st.startswith("["):
            if st.count("[") > st.count("]"):
                flow, flow_line = st, lineno
                continue
            out.extend(_flow_items(st, lineno))
        elif st.startswith(("{", "|", ">", "&", "*", "!")):
            return None
        else:
            out.append((lineno, _unquote(st), st[:1] in "\"'"))
    return out


def _strip_yaml_comment(line: str) -> str:
    q = None
    for k, ch in enumerate(line):
        if q:
            if ch == q:
                q = None
        elif ch in "\"'" and (k == 0 or line[k - 1] in " \t[,-:"):
            q = ch
        elif ch == "#" and (k == 0 or line[k - 1] in " \t"):
            return line[:k].rstrip()
    return line.rstrip()


def _flow_items(s: str, lineno: int):
    inner = s.strip()[1:]
    inner = inner[: inner.rfind("]")] if "]" in inner else inner
    items, cur, q = [], [], None
    for ch in inner:
        if q:
            cur.append(ch)
            if ch == q:
                q = None
        elif ch in "\"'":
            q = ch
            cur.append(ch)
        elif ch == ",":
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        items.append("".join(cur).strip())
    return [(lineno, _unquote(t), t[:1] in "\"'") for t in items]


def _unquote(tok: str) -> str:
    if len(tok) >= 2 and tok[0] == tok[-1] == "'":
        return tok[1:-1].replace("''", "'")
    if len(tok) >= 2 and tok[0] == tok[-1] == '"':
        try:
            return json.loads(tok)
        except ValueError:
            return tok[1:-1]
    return tok


MAX_YAML_DEPTH = 64  # nesting levels of a dictionary file (quanteda's are a few deep)


def _bounded_yaml(text: str, path):
    """``yaml.safe_load`` that refuses aliases (``*name``: a few hundred bytes of them can expand to
    gigabytes) and nesting deeper than :data:`MAX_YAML_DEPTH`, each with a one-line error naming the line."""
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                line = self.peek_event().start_mark.line + 1
                raise LexiconError(f"{path}:{line}: YAML alias (*name) refused: a dictionary file lists its patterns "
                                   "(aliases can expand a small file to gigabytes)")
            self.depth += 1
            if self.depth > MAX_YAML_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise LexiconError(f"{path}:{line}: YAML nested more than {MAX_YAML_DEPTH} levels deep: not a "
                                   "dictionary file")
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    loader = Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _document_order(data) -> list:
    """Keys and scalar leaves of a loaded YAML document in document order (the order the scanner sees)."""
    walk: list = []

    def visit(node):
        if isinstance(node, dict):
            for k, v in node.items():
                walk.append(k)
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)
        else:
            walk.append(node)

    visit(data)
    return walk


class _YamlEntries:
    """Adds the categories and entries of a loaded quanteda dictionary to a :class:`_Builder`.

    The scalars of ``yaml.safe_load`` are paired, in document order, with the items the scanner
    :func:`_yaml_plain_items` found in the text, which gives each entry its line and lets a value that
    YAML coerced (``no`` -> False) be restored to the word written. Every scalar is visited once, in
    order (``restore`` or ``skip``), so the pairing stays aligned.
    """

    def __init__(self, b: _Builder, text: str, data):
        self.b = b
        self.scanned = _yaml_plain_items(text)
        walk = _document_order(data)
        self.aligned = self.scanned is not None and len(self.scanned) == len(walk) and all(
            not isinstance(v, str) or v == t or quoted for v, (_l, t, quoted) in zip(walk, self.scanned)
        )
        if not self.aligned:
            b.issue(1, "info", "line numbers of entries are approximate (YAML constructs beyond plain lists)",
                    "yaml-lines")
        self.pos = iter(range(len(walk)))

    def restore(self, value, where: str):
        """(text, line) for a scalar; non-strings are restored from the file or reported."""
        b = self.b
        k = next(self.pos)
        line = self.scanned[k][0] if self.aligned else 0
        if isinstance(value, str):
            return value, line
        raw = self.scanned[k][1] if self.aligned else None
        kind = ("boolean " + str(value).lower() if isinstance(value, bool) else
                "empty value" if value is None else f"{type(value).__name__} {value!r}")
        if value is None:
            b.issue(line, "warning", f"empty item in {where}; skipped", "yaml-null")
            return None, line
        if raw is not None and raw.strip():
            b.issue(line, "warning", f"YAML read {raw!r} in {where} as the {kind}; restored as the word {raw!r} "
                    f"(quote it in the file: \"{raw}\")", "yaml-coerced", pattern=raw)
            return raw, line
        b.issue(line, "error", f"YAML read an item in {where} as the {kind} and its original text could not be "
                "found; skipped (quote the value in the file)", "yaml-coerced")
        return None, line

    def leaves(self, node, keys, key_line):
        """Add ``node`` under the key path ``keys``: a mapping recurses, a list (or scalar) is a category."""
        b = self.b
        if isinstance(node, dict):
            if not node:
                b.issue(key_line, "warning", f"key {'.'.join(keys)!r} is empty; dropped", "empty-category")
            for k, v in node.items():
                ktext, kline = self.restore(k, "a key")
                if ktext is None:
                    ktext = str(k)
                self.leaves(v, keys + [ktext], kline)
            return
        label = ".".join(keys)
        cname = b.category(label, key_line)
        items = node if isinstance(node, list) else [node]
        if node is None:
            items = []
        for item in items:
            if isinstance(item, (dict, list)):
                b.issue(key_line, "warning", f"nested list or mapping inside the list of {label!r}; skipped", "yaml-shape")
                self.skip(item)
                continue
            value, line = self.restore(item, repr(label))
            if value is None:
                continue
            if not value.strip():
                b.issue(line, "warning", f"empty pattern in {label!r}; skipped", "yaml-null")
                continue
            b.add(cname, value, line)

    def skip(self, node):
        """Step over the scalars of a skipped node, keeping the pairing with the scanner aligned."""
        if isinstance(node, dict):
            for v in node.values():
                next(self.pos)
                self.skip(v)
        elif isinstance(node, list):
            for v in node:
                self.skip(v)
        else:
            next(self.pos)


def parse_quanteda_yaml(text: str, path: str = "<yaml>", issues: list | None = None, *, name=None, version=None):
    """Read a quanteda YAML dictionary (nested keys; each leaf a list of glob patterns).

    The file is parsed with ``yaml.safe_load`` only. YAML 1.1 reads unquoted ``no``, ``off``, ``on``,
    ``yes``, ``true``, ``false`` as booleans and ``1.50`` as a number: such values are restored to the
    words that were written (found again in the file) and each is reported, with its line.

    >>> lex = parse_quanteda_yaml("negation:\\n  - no\\n  - not\\nhedge:\\n  modal: [may, might]\\n")
    >>> {c: [e.pattern for e in cat.entries] for c, cat in lex.categories.items()}
    {'negation': ['no', 'not'], 'hedge.modal': ['may', 'might']}
    """
    import yaml

    issues = [] if issues is None else issues
    if text.startswith("\ufeff"):
        issues.append(Issue(path, 1, "info", "byte-order mark (BOM) at the start of the file ignored", "bom"))
        text = text[1:]
    try:
        data = _bounded_yaml(text, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        msg = " ".join(str(getattr(exc, "problem", "") or exc).split())
        raise LexiconError(f"{path}:{line}: YAML syntax error: {msg}") from None
    if not isinstance(data, dict) or not data:
        raise LexiconError(f"{path}:1: not a quanteda dictionary: expected a mapping of keys to lists of patterns")
    b = _Builder(path, "quanteda YAML", issues)
    walker = _YamlEntries(b, text, data)
    for k, v in data.items():
        ktext, kline = walker.restore(k, "a key")
        walker.leaves(v, [ktext if ktext is not None else str(k)], kline)
    return b.build(_default_meta(path, "quanteda YAML", name, version))


# -- plain CSV --------------------------------------------------------------------------------------
def parse_csv_lexicon(text: str, path: str = "<csv>", issues: list | None = None, *, name=None, version=None):
    """Read a plain CSV lexicon: ``term,category[,options]``; ``options`` is a JSON object
    (e.g. ``{"unless_followed_by": ["<NUM>"]}``). Rows whose category starts with ``@`` define slots.

    >>> lex = parse_csv_lexicon('term,category,options\\nmay,hedging.modal,"{""case_sensitive"": false}"\\n')
    >>> [(e.category, e.pattern) for e in lex.entries]
    [('hedging.modal', 'may')]
    """
    issues = [] if issues is None else issues
    text = text.removeprefix("\ufeff")
    b = _Builder(path, "CSV", issues)
    rows = list(csv.reader(io.StringIO(text)))
    start = 1 if rows and [c.strip().lower() for c in rows[0][:2]] == ["term", "category"] else 0
    for lineno, row in enumerate(rows[start:], start=start + 1):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            b.issue(lineno, "warning", f"row {row!r} needs a term and a category; skipped", "csv-row")
            continue
        term, label = row[0].strip(), row[1].strip()
        opts_raw = row[2].strip() if len(row) > 2 else ""
        if len(row) > 3 and any(c.strip() for c in row[3:]):
            b.issue(lineno, "warning", "cells after the options column ignored", "csv-row", pattern=term)
        if label.startswith("@"):
            b.slots.setdefault(label[1:], []).append(term)
            continue
        kw = {}
        if opts_raw:
            try:
                opts = json.loads(opts_raw)
            except ValueError as exc:
                problem = str(exc)
            except RecursionError:
                problem = "nested too deeply"
                opts = None
            else:
                problem = None if isinstance(opts, dict) else "not an object"
            if problem is not None:
                b.issue(lineno, "warning", f"options of {term!r} are not a JSON object ({problem}); entry skipped",
                        "csv-options", pattern=term)
                continue
            bad = set(opts) - (set(ENTRY_KEYS) - {"pattern", "test"})
            if bad:
                b.issue(lineno, "warning", f"unknown option(s) {', '.join(sorted(bad))} for {term!r}; ignored",
                        "csv-options", pattern=term)
            for k in CONTEXT_KEYS:
                if k in opts:
                    v = opts[k]
                    kw[k] = (v,) if isinstance(v, str) else tuple(str(x) for x in v)
            if opts.get("case_sensitive"):
                kw["case_sensitive"] = True
            for k in ("note", "source"):
                if opts.get(k):
                    kw[k] = str(opts[k])
        b.add(b.category(label, lineno), term, lineno, **kw)
    return b.build(_default_meta(path, "CSV", name, version))


# -- export -----------------------------------------------------------------------------------------
class _Inexpressible(Exception):
    pass


def _parts(source: str, slots: dict):
    """The pattern's elements as ``(kind, options, lo, hi)`` at the source level (texts as written)."""
    from .patterns import TOKEN_CLASSES, split_elements, split_quantifier

    out = []
    for raw in split_elements(source.strip()):
        body, lo, hi, _ = split_quantifier(raw)
        if body == "*":
            out.append(("any", ["*"], lo, hi))
        elif body in TOKEN_CLASSES:
            out.append(("class", [body], lo, hi))
        elif body.startswith("@"):
            out.append(("alt", [v.strip() for v in slots[body[1:]]], lo, hi))
        elif body.startswith("(") and body.endswith(")"):
            out.append(("alt", [v.strip() for v in body[1:-1].split("|")], lo, hi))
        else:
            text = body.strip("\"“”„‟«»‹›[]{}‘‚‛")
            if not text:
                continue  # a quotation mark on its own: transparent
            out.append(("glob" if ("*" in text or "?" in text) else "lit", [text], lo, hi))
    return out


def _variants(entry, slots: dict, token_ok, fmt: str) -> list[str]:
    """Every string the entry stands for in a format whose tokens pass ``token_ok``; raises _Inexpressible."""
    parts = _parts(entry.pattern, slots)
    choices = []
    total = 1
    for kind, opts, lo, hi in parts:
        if kind == "class":
            raise _Inexpressible(f"{fmt} has no token class like {opts[0]}")
        for o in opts:
            why = token_ok(o)
            if why:
                raise _Inexpressible(why)
        n_seqs = sum(len(opts) ** k for k in range(lo, hi + 1))  # counted before any is built
        total *= n_seqs
        if total > MAX_VARIANTS:
            raise _Inexpressible(f"it would expand to more than {MAX_VARIANTS} {fmt} entries")
        seqs = [seq for k in range(lo, hi + 1) for seq in product(opts, repeat=k)]
        choices.append(seqs)
    out = []
    for combo in product(*choices):
        words = [w for seq in combo for w in seq]
        if words:
            out.append(" ".join(words))
    return list(dict.fromkeys(out))


def _liwc_token(tok: str) -> str:
    if tok == "*":
        raise _Inexpressible("LIWC cannot express a wildcard word or a gap ('*', '*{m,n}')")
    if "?" in tok:
        return f"LIWC cannot express the one-character wildcard in {tok!r}"
    if "*" in tok.rstrip("*"):
        return f"LIWC only has a trailing '*', not {tok!r}"
    return ""


def _quanteda_token(tok: str) -> str:
    return ""


def _export_entries(lex, fmt: str, token_ok, issues: list, approximate: bool, src: str):
    """(category, entry, [strings]) for every exportable entry; the others become warnings."""
    out = []
    for cname, cat in lex.categories.items():
        if "detector" in cat.extra:
            issues.append(Issue(src, 0, "warning", (
                f"category {cname!r} skipped: it is filled by the built-in detector {cat.extra['detector']!r}, "
                f"which {fmt} cannot express"), "export-skipped", cname, ""))
        for e in cat.entries:
            where = {"path": src, "line": e.line, "category": cname, "pattern": e.pattern}
            lost = []
            if e.has_context:
                keys = [k for k in ("unless_followed_by", "unless_preceded_by", "only_followed_by", "only_preceded_by")
                        if getattr(e, k)]
                lost.append(f"contexts ({', '.join(keys)})")
            if e.case_sensitive:
                lost.append("case sensitivity")
            if lost and not approximate:
                issues.append(Issue(level="warning", code="export-skipped", message=(
                    f"entry {e.pattern!r} in {cname!r} skipped: {fmt} cannot express {' and '.join(lost)} "
                    "(--approximate exports it without them)"), **where))
                continue
            try:
                strings = _variants(e, lex.slots, token_ok, fmt)
            except _Inexpressible as exc:
                issues.append(Issue(level="warning", code="export-skipped",
                                    message=f"entry {e.pattern!r} in {cname!r} skipped: {exc}", **where))
                continue
            if lost:
                issues.append(Issue(level="warning", code="export-approximate", message=(
                    f"entry {e.pattern!r} in {cname!r} exported without its {' and '.join(lost)}: it will match "
                    "more than it does here"), **where))
            if len(strings) > 1 or (strings and strings[0] != e.pattern.strip()):
                issues.append(Issue(level="info", code="export-expanded", message=(
                    f"entry {e.pattern!r} in {cname!r} written as {len(strings)} {fmt} "
                    f"entr{'y' if len(strings) == 1 else 'ies'}" + (f": {', '.join(strings[:4])}"
                                                                  + (", ..." if len(strings) > 4 else ""))), **where))
            out.append((cname, e, strings))
    return out


def _labels(lex) -> dict:
    """category name -> the label to write (the original name from an import, else the name)."""
    return {c: str(cat.extra.get("label") or c) for c, cat in lex.categories.items()}


def _src(lex) -> str:
    return lex.path or f"<{lex.name}>"


def lexicon_to_dic(lex, issues: list | None = None, *, approximate: bool = False) -> str:
    """Write a LIWC ``.dic``: categories numbered 1..n in file order; one line per word with its numbers.

    >>> from analysis.lexicons.model import parse_lexicon
    >>> lex = parse_lexicon('[meta]\\nname="t"\\nversion="1.0.0"\\n[categories.tentat]\\nentries=["may*", "(perhaps|maybe)"]')
    >>> lexicon_to_dic(lex).splitlines()
    ['%', '1\\ttentat', '%', 'may*\\t1', 'perhaps\\t1', 'maybe\\t1']
    """
    issues = [] if issues is None else issues
    rows = _export_entries(lex, "LIWC .dic", _liwc_token, issues, approximate, _src(lex))
    labels = _labels(lex)
    used = [c for c in lex.categories if any(r[0] == c for r in rows)]
    num = {c: i for i, c in enumerate(used, start=1)}
    words: dict[str, list] = {}
    for cname, _e, strings in rows:
        for s in strings:
            ids = words.setdefault(s, [])
            if num[cname] not in ids:
                ids.append(num[cname])
    for c in lex.categories:
        if c not in num:
            issues.append(Issue(_src(lex), 0, "warning", f"category {c!r} left out of the .dic: none of its "
                                "entries can be expressed", "export-empty-category", c))
    lines = ["%"] + [f"{num[c]}\t{labels[c].replace(chr(9), ' ')}" for c in used] + ["%"]
    lines += [f"{w}\t" + "\t".join(str(i) for i in ids) for w, ids in words.items()]
    return "\n".join(lines) + "\n"


def lexicon_to_dicx(lex, issues: list | None = None, *, approximate: bool = False) -> str:
    """Write a LIWC-22 ``.dicx`` (CSV: ``DicTerm`` and one column per category, ``X`` marks)."""
    issues = [] if issues is None else issues
    rows = _export_entries(lex, "LIWC-22 .dicx", _liwc_token, issues, approximate, _src(lex))
    labels = _labels(lex)
    used = [c for c in lex.categories if any(r[0] == c for r in rows)]
    words: dict[str, set] = {}
    for cname, _e, strings in rows:
        for s in strings:
            words.setdefault(s, set()).add(cname)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["DicTerm"] + [labels[c] for c in used])
    for term, cats in words.items():
        w.writerow([term] + ["X" if c in cats else "" for c in used])
    return buf.getvalue()


def lexicon_to_yaml(lex, issues: list | None = None, *, approximate: bool = False) -> str:
    """Write a quanteda YAML dictionary; every string is double-quoted so YAML never turns ``no`` into false.

    >>> from analysis.lexicons.model import parse_lexicon
    >>> lex = parse_lexicon('[meta]\\nname="t"\\nversion="1.0.0"\\n[categories."neg.words"]\\nentries=["no", "off"]')
    >>> print(lexicon_to_yaml(lex).split("\\n", 1)[1], end="")
    "neg":
      "words":
        - "no"
        - "off"
    """
    issues = [] if issues is None else issues
    rows = _export_entries(lex, "quanteda YAML", _quanteda_token, issues, approximate, _src(lex))
    labels = _labels(lex)
    tree: dict = {}
    flat: dict[str, list] = {}
    names = [c for c in lex.categories if any(r[0] == c for r in rows)]
    for c in names:
        keys = labels[c].split(".")
        node, ok = tree, True
        for k in keys[:-1]:
            nxt = node.setdefault(k, {})
            if not isinstance(nxt, dict):
                ok = False
                break
            node = nxt
        if ok and keys[-1] not in node:
            node[keys[-1]] = [s for cn, _e, strings in rows if cn == c for s in strings]
        else:
            flat[labels[c]] = [s for cn, _e, strings in rows if cn == c for s in strings]
            issues.append(Issue(_src(lex), 0, "info", f"category {c!r} written as the flat key {labels[c]!r} "
                                "(a parent key is itself a category)", "export-flat-key", c))
    for key, vals in flat.items():
        tree[key] = vals
    q = lambda s: json.dumps(s, ensure_ascii=False)

    out = [(f"# {lex.name} {lex.version} (sha256 {lex.sha256[:12]}), quanteda dictionary written by "
            "media-framing-analysis")]

    def emit(node, depth):
        for k, v in node.items():
            if isinstance(v, dict):
                out.append("  " * depth + f"{q(k)}:")
                emit(v, depth + 1)
            else:
                out.append("  " * depth + f"{q(k)}:")
                out.extend("  " * (depth + 1) + f"- {q(s)}" for s in dict.fromkeys(v))

    emit(tree, 0)
    return "\n".join(out) + "\n"


def lexicon_to_csv(lex, issues: list | None = None, *, approximate: bool = False) -> str:
    """Write the plain CSV (``term,category,options``); slots become rows with category ``@slot``.

    Everything in an entry survives (the pattern language is ours); ``[meta]`` and category
    descriptions are not stored, which is reported once.
    """
    issues = [] if issues is None else issues
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(list(_CSV_FIELDS))
    for slot, values in lex.slots.items():
        for v in values:
            w.writerow([v, f"@{slot}", ""])
    for cname, cat in lex.categories.items():
        if "detector" in cat.extra:
            issues.append(Issue(_src(lex), 0, "warning", (
                f"category {cname!r} skipped: it is filled by the built-in detector {cat.extra['detector']!r}, "
                "which CSV cannot express"), "export-skipped", cname, ""))
        for e in cat.entries:
            d = e.as_dict()
            d.pop("pattern")
            w.writerow([e.pattern, cname, json.dumps(d, ensure_ascii=False) if d else ""])
    issues.append(Issue(_src(lex), 0, "info", "CSV keeps entries and slots only: [meta] (name, version, licence, "
                        "sources) and category descriptions are not written", "export-meta"))
    return buf.getvalue()


_WRITERS = {"toml": None, "dic": lexicon_to_dic, "dicx": lexicon_to_dicx, "yaml": lexicon_to_yaml,
            "csv": lexicon_to_csv}
_READERS = {"dic": parse_liwc_dic, "dicx": parse_liwc_dicx, "yaml": parse_quanteda_yaml, "csv": parse_csv_lexicon}


def format_of(path) -> str:
    """The format name for a file name (by extension), or a ValueError listing the supported ones."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise LexiconError(f"{path}: unsupported lexicon format {ext or '(no extension)'!r} "
                           f"(supported: {', '.join(FORMATS)})")
    return FORMATS[ext]


def read_lexicon(path, issues: list | None = None, *, name=None, version=None):
    """Read a lexicon file in any supported format (chosen by extension).

    Parameters
    ----------
    path : str or Path
    issues : list, optional
        Receives every quirk found while reading. Without it, problems are summarised in one
        :class:`LexiconFormatWarning` (``lexicon validate FILE`` lists them all).
    name, version : str, optional
        ``[meta]`` name and version for formats that have none (LIWC, quanteda, CSV).

    Returns
    -------
    Lexicon
    """
    path = Path(path)
    fmt = format_of(path)
    if not path.is_file():
        raise LexiconError(f"{path}: no such lexicon file")
    own = [] if issues is None else issues
    start = len(own)
    data = path.read_bytes()
    if fmt == "toml":
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LexiconError(f"{path}:1: not UTF-8 text ({exc.reason})") from None
        lex = parse_lexicon(raw, str(path))
    else:
        text = _decode(data, str(path), own)
        lex = _READERS[fmt](text, str(path), own, name=name, version=version)
        lex = _without_punctuation_entries(lex, str(path), own)
    if issues is None:
        serious = [i for i in own[start:] if i.level != "info"]
        if serious:
            warnings.warn(f"{path}: {len(serious)} problem(s) while reading, first: {serious[0]}; "
                          f"run `python -m analysis lexicon validate {path}` for all", LexiconFormatWarning,
                          stacklevel=2)
    return lex


def _without_punctuation_entries(lex, path: str, issues: list):
    """Skip entries that are punctuation once tokenized (``:)``, ``:-)``), each with a warning: our tokenizer
    splits them, so they would count every ``:``. ``--compat liwc`` reads emoticons from the ``.dic`` itself."""
    from dataclasses import replace

    from .patterns import PatternError, parse_pattern, punctuation_only

    cats, dropped = {}, 0
    for cname, cat in lex.categories.items():
        keep = []
        for e in cat.entries:
            try:
                bad = punctuation_only(parse_pattern(e.pattern, lex.slots, e.case_sensitive))
            except PatternError:
                bad = False
            if bad:
                dropped += 1
                issues.append(Issue(path, e.line, "warning", (
                    f"entry {e.pattern!r} in {cname!r} skipped: it is punctuation only, which the tokenizer splits "
                    "into separate marks, so it would count every one of them (score with --compat liwc to count "
                    "emoticons as tokens)"), "punctuation", cname, e.pattern))
            else:
                keep.append(e)
        cats[cname] = replace(cat, entries=tuple(keep))
    if not dropped:
        return lex
    empty = [c for c, cat in cats.items() if not cat.entries]
    for c in empty:
        issues.append(Issue(path, 0, "warning", f"category {c!r} is empty once its punctuation entries are skipped; "
                            "dropped", "punctuation", c))
        del cats[c]
    return replace(lex, categories=cats)


def write_lexicon(lex, path, *, approximate: bool = False) -> list:
    """Write ``lex`` to ``path`` in the format of its extension (atomically); returns the export issues.

    An entry the format cannot express is skipped with a warning (``approximate=True`` instead writes
    entries with contexts or case sensitivity without them, with a warning each).
    """
    from ..outputs import atomic_write_bytes

    fmt = format_of(path)
    issues: list = []
    if fmt == "toml":
        text = lexicon_to_toml(lex)
    else:
        text = _WRITERS[fmt](lex, issues, approximate=approximate)
    encoding = "utf-8-sig" if fmt in ("csv", "dicx") else "utf-8"  # a BOM so spreadsheets read UTF-8
    atomic_write_bytes(path, text.encode(encoding))
    return issues
