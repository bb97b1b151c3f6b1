"""Checks for lexicon authors: what is wrong or surprising in a lexicon file, and what changed between versions.

:func:`validate_lexicon` reads a lexicon (TOML, or any format :mod:`analysis.lexicons.formats` reads)
and returns a list of :class:`~analysis.lexicons.formats.Issue` (``file:line: level: message``):

* **schema**: everything ``parse_lexicon`` refuses (error), empty categories (error), categories whose
  names or labels differ only by case;
* **duplicates** in a category: the same pattern text, or patterns that compile to the same elements
  (``couldn't`` and ``could not``) (warning);
* **shadowed** entries: every match of the entry is also a match of another entry of its category that
  wins under the overlap rule, so the entry can never be reported (warning). An exact entry beside a
  glob (``indications`` beside ``indicat*``) is *not* shadowed (the exact entry wins on its words), nor
  is a longer phrase that contains a shorter entry (the longer match wins). ``indicati*`` *after*
  ``indicat*`` is shadowed: both are equally specific and the earlier entry wins ties;
* **tokenizer**: entries that cannot match as written once tokenized like the text (error when they
  can never match, e.g. a phrase across a sentence end or a glob that no single token can satisfy;
  warning when they match something other than the author probably meant, e.g. ``etc.``, ``:)``,
  ``"so-called"`` with quotation marks, ``really?``; info for contractions such as ``can't`` ->
  ``can`` + ``not``);
* **broad globs** such as ``a*`` or ``*ing`` that match a large share of all words (warning).

Checks are linear in the number of entries (indexes, not pairwise comparison), so a 10^5-entry lexicon
validates in seconds. :func:`diff_lexicons` compares two versions entry by entry.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd

from ..text.tokenize import (
    QUOTE_CHARS,
    TOKEN_RE,
    is_number_token,
    norm_tokens,
    sentence_spans,
    token_kind,
)
from .formats import Issue, read_lexicon
from .model import (
    CONTEXT_KEYS,
    Lexicon,
    LexiconError,
    builtin_lexicon_names,
    load_lexicon,
    parse_lexicon,
    tie_key,
)
from .patterns import MAX_GLOB_TOKEN, PatternError, glob_to_regex, split_elements

__all__ = ["Issue", "count_levels", "diff_lexicons", "validate_lexicon"]

LEVELS = ("error", "warning", "info")

# About 200 very common English words, written out by us: used only to show which words a broad glob catches.
_SAMPLE_WORDS = ["the", "be", "to", "of", "and", "a", "in", "that", "have", "i", "it", "for", "not", "on", "with", "he", "as", "you", "do", "at", "this", "but", "his", "by", "from", "they", "we", "say", "her", "she", "or", "an", "will", "my", "one", "all", "would", "there", "their", "what", "so", "up", "out", "if", "about", "who", "get", "which", "go", "me", "when", "make", "can", "like", "time", "no", "just", "him", "know", "take", "people", "into", "year", "your", "good", "some", "could", "them", "see", "other", "than", "then", "now", "look", "only", "come", "its", "over", "think", "also", "back", "after", "use", "two", "how", "our", "work", "first", "well", "way", "even", "new", "want", "because", "any", "these", "give", "day", "most", "us", "is", "was", "are", "were", "been", "has", "had", "said", "says", "told", "being", "going", "doing", "made", "did", "does", "asked", "added", "another", "against", "around", "always", "among", "already", "almost", "although", "across", "again", "away", "before", "between", "both", "during", "each", "either", "enough", "ever", "every", "few", "found", "however", "including", "later", "least", "less", "made", "many", "may", "might", "more", "much", "must", "never", "next", "nothing", "often", "once", "others", "perhaps", "rather", "really", "several", "should", "since", "something", "still", "such", "though", "through", "today", "together", "under", "until", "upon", "very", "while", "whether", "without", "yet", "according", "announced", "appear", "believe", "called", "clear", "country", "decision", "during", "early", "evidence", "expected", "former", "further", "government", "group", "help", "important", "information", "issue", "known", "likely", "matter", "military", "minister", "national", "official", "officials", "part", "per", "possible", "president", "public", "recent", "report", "reported", "security", "seems", "senior", "sources", "statement", "support", "thing", "things", "told", "week", "whole", "world", "years"]
_APOSTROPHE_SPLIT = re.compile(r"n['’][*?]|n['’]t|['’][*?]", re.IGNORECASE)
_SIMPLE_WORD = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_SIMPLE_GLOB = re.compile(r"[A-Za-z0-9*?]+(?:-[A-Za-z0-9*?]+)*")
_SIMPLE_PHRASE = re.compile(r"[A-Za-z0-9]+(?:[- ][A-Za-z0-9]+)*")
_SIMPLE_GLOBS = re.compile(r"(?:[A-Za-z0-9]*[*?][A-Za-z0-9*?]*|[A-Za-z0-9]+)(?: (?:[A-Za-z0-9]*[*?][A-Za-z0-9*?]*|[A-Za-z0-9]+))*")
_FILLERS = ("", "x", "s", "t", "1", ".")


def count_levels(issues) -> dict:
    """``{"error": n, "warning": n, "info": n}`` for a list of issues."""
    out = dict.fromkeys(LEVELS, 0)
    for i in issues:
        out[i.level] = out.get(i.level, 0) + 1
    return out


# -- loading ----------------------------------------------------------------------------------------
def _load(source, issues: list):
    """(lexicon or None, raw TOML text or None, display path)."""
    if isinstance(source, Lexicon):
        return source, None, source.path or f"<{source.name}>"
    text = str(source)
    path = Path(text)
    if not path.suffix and not path.exists() and "/" not in text and text in builtin_lexicon_names():
        from importlib import resources

        raw = (resources.files("analysis.lexicons") / "builtin" / f"{text}.toml").read_text(encoding="utf-8")
        shown = f"builtin:{text}"
    else:
        if not path.is_file():
            raise LexiconError(f"{path}: no such lexicon file")
        if path.suffix.lower() != ".toml":
            try:
                return read_lexicon(path, issues), None, str(path)
            except LexiconError as exc:
                issues.append(_schema_issue(str(exc), str(path)))
                return None, None, str(path)
        try:
            raw = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            issues.append(Issue(str(path), 1, "error", f"not UTF-8 text ({exc.reason})", "schema"))
            return None, None, str(path)
        shown = str(path)
    try:
        return parse_lexicon(raw, shown, allow_empty=True), raw, shown
    except LexiconError as exc:
        issues.append(_schema_issue(str(exc), shown))
        return None, raw, shown


def _schema_issue(message: str, path: str) -> Issue:
    m = re.match(r"^(.*?):(\d+|\?):\s*(.*)$", message, re.DOTALL)
    if m and m.group(1) == path:
        line = int(m.group(2)) if m.group(2).isdigit() else 0
        return Issue(path, line, "error", m.group(3), "schema")
    return Issue(path, 0, "error", message.removeprefix(f"{path}: "), "schema")


# -- main entry point --------------------------------------------------------------------------------
def validate_lexicon(path_or_lexicon) -> list:
    """Check a lexicon and return its issues (errors first within each line order).

    Parameters
    ----------
    path_or_lexicon : str, Path or Lexicon
        A lexicon file (``.toml``, ``.dic``, ``.dicx``, ``.yml``, ``.csv``), a built-in name or a
        :class:`~analysis.lexicons.model.Lexicon`.

    Returns
    -------
    list of Issue
        Sorted by line; ``str(issue)`` is ``file:line: level: message``.

    Examples
    --------
    >>> from analysis.lexicons.model import parse_lexicon
    >>> lex = parse_lexicon('''[meta]
    ... name = "t"
    ... version = "1.0.0"
    ... [categories.hedge]
    ... entries = [
    ...   "indicat*", "indications",  # not shadowed: the exact entry wins on its word
    ...   "indicati*",                # shadowed: as specific as indicat*, which sorts first
    ...   "may", "may",               # a duplicate
    ...   "etc.",                     # the full stop is a token of its own
    ... ]''', "t.toml")
    >>> for issue in validate_lexicon(lex):
    ...     print(issue.line, issue.level, issue.code)
    7 warning shadowed
    8 warning duplicate
    9 warning tokenizer
    """
    issues: list = []
    lex, raw, shown = _load(path_or_lexicon, issues)
    if lex is None:
        return issues
    cat_lines = _category_lines(lex, raw)
    _check_categories(lex, shown, cat_lines, issues)
    compiled = {}
    for e in lex.entries:
        try:
            compiled[id(e)] = lex.compile_entry(e)
        except PatternError as exc:
            issues.append(Issue(shown, e.line, "error", str(exc), "pattern", e.category, e.pattern))
    used_slots = set()
    tok_cache: dict = {}
    for e in lex.entries:
        if id(e) not in compiled:
            continue
        if "@" in e.pattern:
            used_slots.update(re.findall(r"@(\w+)", e.pattern))
        for level, code, msg in _tokenizer_issues(e.pattern, compiled[id(e)], lex.slots, tok_cache):
            issues.append(Issue(shown, e.line, level, msg, code, e.category, e.pattern))
    for name in lex.slots:
        if name not in used_slots:
            issues.append(Issue(shown, _slot_line(raw, name), "info", f"slot @{name} is not used by any entry", "slot"))
    for cat in lex.categories.values():
        # in tie order (pattern text, then options: the overlap rule's last step), so "first" is the winner
        ordered = sorted((e for e in cat.entries if id(e) in compiled), key=tie_key)
        items = [(e, compiled[id(e)], k) for k, e in enumerate(ordered)]
        issues.extend(_duplicates_and_shadows(items, shown))
    order = {lv: k for k, lv in enumerate(LEVELS)}
    issues.sort(key=lambda i: (i.path != shown, i.line, order.get(i.level, 9)))
    return issues


def _category_lines(lex, raw) -> dict:
    from .model import category_position

    out = {}
    for name, cat in lex.categories.items():
        line = 0
        if raw is not None:
            pos = category_position(raw, name)
            line = raw.count("\n", 0, pos) + 1 if pos >= 0 else 0
        elif cat.entries:
            line = min(e.line for e in cat.entries)
        out[name] = line
    return out


def _slot_line(raw, name) -> int:
    if raw is None:
        return 0
    m = re.search(rf"^\s*{re.escape(name)}\s*=", raw, re.MULTILINE)
    return raw.count("\n", 0, m.start()) + 1 if m else 0


def _check_categories(lex, shown, cat_lines, issues):
    for name, cat in lex.categories.items():
        if not cat.entries and "detector" not in cat.extra:
            issues.append(Issue(shown, cat_lines[name], "error", f"category {name!r} has no entries", "empty-category", name))
    by_fold: dict[str, list] = defaultdict(list)
    for name, cat in lex.categories.items():
        by_fold[name.casefold()].append(name)
    for names in by_fold.values():
        for other in names[1:]:
            issues.append(Issue(shown, cat_lines[other], "error", f"categories {names[0]!r} and {other!r} differ only "
                                "by case; LIWC, spreadsheets and case-folding tools treat them as one", "category-case", other))
    if any(i.code == "category-case" for i in issues):
        return  # the importer already reported it
    labels: dict[str, str] = {}
    for name, cat in lex.categories.items():
        label = str(cat.extra.get("label") or name)
        key = label.casefold()
        if key in labels and labels[key] != label and name.casefold() not in (labels[key].casefold(),):
            issues.append(Issue(shown, cat_lines[name], "warning", f"category labels {labels[key]!r} and {label!r} "
                                "differ only by case; exporting to LIWC or quanteda merges them", "category-case", name))
        labels.setdefault(key, label)


# -- tokenizer ---------------------------------------------------------------------------------------
def _tokenizer_issues(source: str, pattern, slots, cache) -> list:
    """(level, code, message) for every way tokenization changes what ``source`` says."""
    if _SIMPLE_PHRASE.fullmatch(source):
        return []  # plain words: nothing for the tokenizer to change
    if _SIMPLE_GLOBS.fullmatch(source):
        return [x for part in source.split() if "*" in part or "?" in part for x in _glob_issues(part, cache)]
    out = []
    if any(ch in source for ch in ".!?…") and len(sentence_spans(source)) > 1:
        first = sentence_spans(source)[0]
        out.append(("error", "tokenizer", (f"{source!r} can never match: the text would be split into two "
                     f"sentences after {source[first[0]:first[1]]!r}, and no match crosses a sentence end")))
    try:
        parts = split_elements(source.strip())
    except PatternError:
        return out
    only_punct = all(e.kind == "lit" and all(token_kind(v.lower()) == "punct" for v in e.values) for e in pattern.elements)
    if only_punct:
        shown = " ".join(next(iter(e.values)) for e in pattern.elements)
        out.append(("warning", "tokenizer", (f"{source!r} becomes {shown!r} once tokenized (quotation marks and brackets "
                     f"are transparent): it matches every {shown!r} in the text, and punctuation is never a word")))
        return out
    for part in parts:
        if part.startswith(("@", "<", "*{")) or part == "*":
            continue
        if part.startswith("("):
            body = part[1 : part.rfind(")")] if ")" in part else part[1:]
            for alt in body.split("|"):
                alt = alt.strip()
                if "*" in alt or "?" in alt:
                    out.extend(_glob_issues(alt, cache))
            continue
        if "*" in part or "?" in part:
            out.extend(_glob_issues(part, cache))
            continue
        if _SIMPLE_WORD.fullmatch(part):
            continue
        out.extend(_literal_issues(part))
    return out


def _literal_issues(part: str) -> list:
    raw = TOKEN_RE.findall(part)
    norms = norm_tokens(part)
    quotes = [t for t in raw if t in QUOTE_CHARS]
    out = []
    if not norms:
        out.append(("warning", "tokenizer", (f"{part!r} is only quotation marks or brackets, which are transparent: "
                     "this part of the pattern matches nothing and is ignored")))
        return out
    if quotes:
        out.append(("warning", "tokenizer", (f"quotation marks and brackets in {part!r} are transparent: it matches "
                     f"{' '.join(norms)!r} with or without them (they cannot require quotes)")))
    if len(norms) > 1:
        shown = " + ".join(norms)
        if norms[-1] == "." and part.rstrip("\"'”’)]").endswith("."):
            out.append(("warning", "tokenizer", (f"{part!r} is tokenized as {shown}: the full stop is a token of its own "
                         f"that must follow in the text, so {part[:-1]!r} followed by a comma or at the end of a "
                         "quotation does not match; drop the full stop unless you mean it")))
        elif "not" in norms and re.search(r"n['’]t", part, re.IGNORECASE):
            extra = ""
            low = part.lower().replace("’", "'")
            if low.startswith("can't"):
                extra = ", but not \"cannot\" (one token)"
            out.append(("info", "tokenizer", (f"{part!r} is tokenized as {shown} (n't counts as not): it matches "
                         f"{part!r} and {' '.join(norms)!r}{extra}")))
        elif any(n.startswith("'") for n in norms):
            out.append(("info", "tokenizer", (f"{part!r} is tokenized as {shown} (clitics are split as in the Penn "
                         f"Treebank); it matches {part!r}")))
        elif not quotes:
            out.append(("info", "tokenizer", (f"{part!r} is tokenized as {shown}; it matches that token sequence "
                         "(spaces around the pieces do not matter)")))
    return out


def _glob_issues(glob: str, cache: dict) -> list:
    if glob in cache:
        return cache[glob]
    out = []
    lits = re.sub(r"[*?]", "", glob)
    if glob.endswith("?") and "*" not in glob and glob.count("?") == 1 and len(glob) > 1:
        out.append(("warning", "tokenizer", (f"in {glob!r} '?' is a one-character wildcard: it matches "
                     f"{glob[:-1] + 's'!r}, not {glob!r} with a question mark (a question mark is a token of its own "
                     "and ends the sentence)")))
    if not _SIMPLE_GLOB.fullmatch(glob):
        rx = glob_to_regex(glob.lower())
        n_wild = sum(ch in "*?" for ch in re.sub(r"\*+", "*", glob))
        if n_wild <= 3:
            ok, example = False, None
            for fill in _instances(re.sub(r"\*+", "*", glob)):
                toks = norm_tokens(fill)
                if len(toks) == 1 and len(toks[0]) <= MAX_GLOB_TOKEN and rx.fullmatch(toks[0]):
                    ok = True
                    break
                if example is None and toks:
                    example = (fill, toks)
            if not ok:
                how = f": e.g. {example[0]!r} is tokenized as {' + '.join(example[1])}" if example else ""
                out.append(("error", "tokenizer", f"glob {glob!r} can never match a token{how}"))
            elif _APOSTROPHE_SPLIT.search(glob):
                out.append(("warning", "tokenizer", (f"glob {glob!r}: contractions and clitics are split before "
                             "matching (\"don't\" -> do + n't, \"Iran's\" -> iran + 's), so it only matches words "
                             "with an inner apostrophe such as \"o'brien\"")))
    n_lit = len(lits)
    if n_lit <= 2 or (n_lit == 3 and glob[0] in "*?"):
        rx = glob_to_regex(glob.lower())
        hits = [w for w in _SAMPLE_WORDS if rx.fullmatch(w)]
        eg = f" (of 300 common words it matches {len(hits)}: {', '.join(hits[:6])}{', ...' if len(hits) > 6 else ''})" if hits else ""
        out.append(("warning", "broad-glob", (f"glob {glob!r} has only {n_lit} fixed character{'s' if n_lit != 1 else ''} "
                     f"and matches a large share of all words{eg}; make it longer or list the words")))
    cache[glob] = out
    return out


def _instances(glob: str):
    slots = [k for k, ch in enumerate(glob) if ch in "*?"]
    choices = [(_FILLERS if glob[k] == "*" else _FILLERS[1:]) for k in slots]

    def rec(i, acc):
        if i == len(slots):
            s, last = [], 0
            for k, fill in zip(slots, acc):
                s.append(glob[last:k])
                s.append(fill)
                last = k + 1
            s.append(glob[last:])
            yield "".join(s)
            return
        for c in choices[i]:
            yield from rec(i + 1, acc + [c])

    yield from rec(0, [])


# -- duplicates and shadowing -----------------------------------------------------------------------
def _contexts(e) -> dict:
    return {k: getattr(e, k) for k in CONTEXT_KEYS if getattr(e, k)}


def _options(e) -> dict:
    """An entry's options; context lists sorted (their order has no effect)."""
    d = e.as_dict()
    d.pop("pattern")
    return {k: sorted(v) if isinstance(v, list) else v for k, v in d.items()}


def _duplicates_and_shadows(items, shown) -> list:
    """items: (entry, pattern, position in category). See the module docstring for the rules."""
    out = []
    dup = set()
    by_text: dict = {}
    by_elems: dict = {}
    for e, p, k in items:
        tkey = (" ".join(e.pattern.split()), e.case_sensitive)
        ekey = (p.elements, p.case_sensitive)
        first = by_text.get(tkey) or by_elems.get(ekey)
        if first is not None:
            fe = first[0]
            what = (f"line {fe.line}" if by_text.get(tkey) is not None
                    else f"line {fe.line} ({fe.pattern!r}, the same once tokenized)")
            ctx_e, ctx_f = _contexts(e), _contexts(fe)
            level = "warning"
            if ctx_e == ctx_f:
                msg = f"duplicate entry {e.pattern!r}: same as {what}; it is never reported (line {fe.line} is), delete it"
            elif not ctx_f:
                msg = (f"entry {e.pattern!r} is never reported: {what} has the same pattern, no contexts and matches everywhere this "
                       "one does; its contexts have no effect")
            elif not ctx_e:
                msg = (f"entry {e.pattern!r} has no contexts and matches the same words as {what}: the contexts "
                       f"of line {fe.line} only decide which line is reported, never whether there is a match")
            else:
                level = "info"
                msg = (f"entry {e.pattern!r} matches the same words as {what} with other contexts: the words count "
                       f"when either entry's contexts hold (line {fe.line} is reported where both do)")
            out.append(Issue(shown, e.line, level, msg, "duplicate", e.category, e.pattern))
            if level == "warning":
                dup.add(id(e))
        by_text.setdefault(tkey, (e, p, k))
        by_elems.setdefault(ekey, (e, p, k))
    index = _ShadowIndex([(e, p, k) for e, p, k in items if not e.has_context])
    for e, p, k in items:
        if id(e) in dup:
            continue
        a = index.dominator(e, p, k)
        if a is not None:
            ae = a[0]
            out.append(Issue(shown, e.line, "warning", (
                f"entry {e.pattern!r} is never reported: every match of it is also a match of {ae.pattern!r} "
                f"(line {ae.line}), which is at least as long and as specific and wins ties (its pattern sorts first), "
                f"so the overlap rule reports line {ae.line} instead; delete it, or make it more specific to count "
                "those words under its own name"), "shadowed", e.category, e.pattern))
    return out


class _ShadowIndex:
    """Finds, for an entry B, an entry A of the same category that wins every match of B.

    A wins every match of B when (sound, not complete): A has no contexts; A and B have the same
    number of elements with the same repeat bounds; each element of A accepts every token the element
    of B accepts; either every element has length one (then A matches exactly B's span), or the
    anchors coincide and everything before them has length one (then A's match starts where B's does
    and ends no earlier); and A ranks before B (specificity, then tie order), so A also wins when
    the spans are equal.
    """

    def __init__(self, items):
        self.groups: dict = defaultdict(lambda: defaultdict(_PosIndex))
        for item in items:
            p = item[1]
            shape = tuple((el.lo, el.hi) for el in p.elements)
            for j, el in enumerate(p.elements):
                self.groups[(shape, p.case_sensitive)][j].add(el, item)

    def dominator(self, e, p, k):
        shape = tuple((el.lo, el.hi) for el in p.elements)
        groups = [self.groups.get((shape, False))]
        if p.case_sensitive:
            groups.append(self.groups.get((shape, True)))
        rank_b = (p.specificity, k)
        best = None
        for cs_a, g in zip((False, True), groups):
            if not g:
                continue
            probes = [j for j, el in enumerate(p.elements) if el.kind in ("lit", "alt")]
            cands = None
            for j in probes:
                c = g[j].candidates(p.elements[j], p.case_sensitive, cs_a) if j in g else []
                if cands is None or len(c) < len(cands):
                    cands = c
                if not cands:
                    break
            for item in cands or ():
                ae, ap, ak = item
                if ae is e or (ap.specificity, ak) >= rank_b:
                    continue
                if best is not None and (ap.specificity, ak) >= (best[1].specificity, best[2]):
                    continue
                if _dominates(ap, p):
                    best = item
        return best


class _PosIndex:
    """Elements at one position of one shape: literal values, prefix globs, suffix globs, the rest."""

    def __init__(self):
        self.values = defaultdict(list)
        self.prefix = defaultdict(list)
        self.suffix = defaultdict(list)
        self.other = []

    def add(self, el, item):
        if el.kind in ("any", "class"):
            self.other.append(item)
            return
        for v in el.values:
            self.values[v].append(item)
        for g in el.globs:
            g = re.sub(r"\*+", "*", g)
            if g.endswith("*") and "*" not in g[:-1] and "?" not in g:
                self.prefix[g[:-1]].append(item)
            elif g.startswith("*") and "*" not in g[1:] and "?" not in g:
                self.suffix[g[1:]].append(item)
            else:
                self.other.append(item)

    def candidates(self, el, cs_b, cs_a):
        """Items whose element here may cover ``el`` (checked fully later)."""
        if el.values:
            v = next(iter(el.values))
            if cs_b and not cs_a:
                v = v.lower()
        else:
            v = re.split(r"[*?]", el.globs[0])[0]  # the glob's fixed prefix
        out = list(self.values.get(v, ()) if el.values else ())
        if self.prefix:
            for n in range(len(v) + 1):
                out.extend(self.prefix.get(v[:n], ()))
        if self.suffix:
            tail = v if el.values else re.split(r"[*?]", el.globs[0])[-1]
            for n in range(len(tail) + 1):
                out.extend(self.suffix.get(tail[n:], ()))
        out.extend(self.other)
        return out


def _dominates(a, b) -> bool:
    if len(a.elements) != len(b.elements):
        return False
    if a.case_sensitive and not b.case_sensitive:
        return False
    fixed = all(el.lo == el.hi == 1 for el in b.elements)
    if not fixed and (a.anchor != b.anchor or any(el.lo != 1 or el.hi != 1 for el in b.elements[: b.anchor])):
        return False
    for ea, eb in zip(a.elements, b.elements):
        if (ea.lo, ea.hi) != (eb.lo, eb.hi) or not _covers(ea, eb, a.case_sensitive, b.case_sensitive):
            return False
    return True


_INCL_CACHE: dict = {}


def _glob_includes(h: str, g: str) -> bool:
    """True when every token matching glob ``g`` also matches glob ``h`` (a sound symbolic test)."""
    rx = _INCL_CACHE.get(h)
    if rx is None:
        parts = []
        for ch in re.sub(r"\*+", "*", h):
            parts.append(".*" if ch == "*" else "[^*]" if ch == "?" else re.escape(ch))
        rx = _INCL_CACHE[h] = re.compile("".join(parts), re.DOTALL)
    return rx.fullmatch(re.sub(r"\*+", "*", g)) is not None


def _any_ok(v: str) -> bool:
    return v[:1].isalnum() or (v[:1] == "'" and len(v) > 1)


def _covers(ea, eb, cs_a, cs_b) -> bool:
    """Does element ``ea`` accept every token that ``eb`` accepts?"""
    if ea.kind == "any":
        if eb.kind == "any":
            return True
        if eb.kind == "class":
            return next(iter(eb.values)) in ("num", "cap")  # numbers and capitalised words are words
        return all(_any_ok(v) for v in eb.values) and all(g[:1].isalnum() for g in eb.globs)
    if ea.kind == "class":
        cls = next(iter(ea.values))
        if eb.kind == "class":
            return next(iter(eb.values)) == cls
        if eb.kind == "any" or eb.globs:
            return False
        if cls == "num":
            return all(is_number_token(v.lower()) for v in eb.values)
        if cls == "word":
            return all(token_kind(v.lower()) == "word" for v in eb.values)
        return cs_b and all(v[:1].isupper() for v in eb.values)
    if eb.kind in ("any", "class"):
        return False
    if cs_a and not cs_b:
        return False
    for v in eb.values:
        key = v if cs_a else v.lower()
        if key in ea.values:
            continue
        if len(key) <= MAX_GLOB_TOKEN and any(glob_to_regex(g).fullmatch(key) for g in ea.globs):
            continue
        return False
    for g in eb.globs:
        key = g if cs_a else g.lower()
        if not any(_glob_includes(h, key) for h in ea.globs):
            return False
    return True


# -- diff -------------------------------------------------------------------------------------------
def diff_lexicons(old, new) -> pd.DataFrame:
    """Entries added, removed and changed between two versions of a lexicon.

    Parameters
    ----------
    old, new : Lexicon, built-in name or path (any format :func:`read_lexicon` reads)

    Returns
    -------
    DataFrame
        One row per change: ``category, pattern, change`` (``added``, ``removed``, ``changed``),
        ``fields`` (for ``changed``: the options that differ), ``old``, ``new`` (the options as JSON,
        or the slot's values), ``old_line``, ``new_line``. Slots appear with category ``[slots]`` and
        pattern ``@name``; metadata (licence, sources, description, ``compat`` ...) with category
        ``[meta]`` and the key as pattern; a changed category description or option as a row with an
        empty pattern. The order of entries is not a change (it has no effect on matching).
        ``df.attrs`` holds ``old_name, old_version, old_sha256, new_name, new_version, new_sha256``.

    Examples
    --------
    >>> old = load_lexicon("hedging")
    >>> new = old.add_entries("hedging.possibility", ["conceivabilit*"], version="0.2.0")
    >>> d = diff_lexicons(old, new)
    >>> d[["category", "pattern", "change"]].values.tolist(), d.attrs["new_version"]
    ([['hedging.possibility', 'conceivabilit*', 'added']], '0.2.0')
    """
    a, b = (x if isinstance(x, Lexicon) else load_lexicon(x) for x in (old, new))
    rows = []
    for name in sorted(set(a.slots) | set(b.slots)):
        va, vb = a.slots.get(name), b.slots.get(name)
        if (None if va is None else sorted(va)) != (None if vb is None else sorted(vb)):
            change = "added" if va is None else "removed" if vb is None else "changed"
            rows.append(_diff_row("[slots]", f"@{name}", change, "values" if change == "changed" else "",
                                  old="|".join(va or []), new="|".join(vb or [])))
    # metadata (name and version are in attrs): everything the hash covers is listed, so diff never
    # reports "no entry changed" beside a changed hash without saying what changed
    for key in sorted((set(a.meta) | set(b.meta)) - {"name", "version"}):
        ma, mb = a.meta.get(key), b.meta.get(key)
        if ma != mb:
            change = "added" if ma is None else "removed" if mb is None else "changed"
            rows.append(_diff_row("[meta]", key, change, key if change == "changed" else "",
                                  old="" if ma is None else _json_value(ma), new="" if mb is None else _json_value(mb)))
    cats = list(a.categories) + [c for c in b.categories if c not in a.categories]
    for cname in cats:
        ca, cb = a.categories.get(cname), b.categories.get(cname)
        if ca is not None and cb is not None:
            changed = [k for k in ("description", *sorted(set(ca.extra) | set(cb.extra)))
                       if (ca.description if k == "description" else ca.extra.get(k))
                       != (cb.description if k == "description" else cb.extra.get(k))]
            if changed:
                rows.append(_diff_row(cname, "", "changed", ",".join(changed),
                                      old=ca.description, new=cb.description))
        rows += _entry_changes(cname, ca.entries if ca else (), cb.entries if cb else ())
    cols = ["category", "pattern", "change", "fields", "old", "new", "old_line", "new_line"]
    df = pd.DataFrame(rows, columns=cols)
    df["old_line"] = df["old_line"].astype("int64")
    df["new_line"] = df["new_line"].astype("int64")
    df.attrs.update(old_name=a.name, old_version=a.version, old_sha256=a.sha256,
                    new_name=b.name, new_version=b.version, new_sha256=b.sha256)
    return df


def _entry_changes(cname: str, old_entries, new_entries) -> list:
    """The rows of :func:`diff_lexicons` for the entries of one category in two versions: entries with
    the same pattern pair up by their options first (order has no meaning), then in option order."""
    rows = []
    ea = defaultdict(list)
    for e in old_entries:
        ea[e.pattern].append(e)
    eb = defaultdict(list)
    for e in new_entries:
        eb[e.pattern].append(e)
    for pat in list(ea) + [p for p in eb if p not in ea]:
        xs, ys = ea.get(pat, []), eb.get(pat, [])
        # entries with the same pattern pair up by their options first (order has no meaning)
        ys_left = list(ys)
        xs_left = []
        for x in xs:
            same = next((y for y in ys_left if _options(y) == _options(x)), None)
            if same is None:
                xs_left.append(x)
            else:
                ys_left.remove(same)
        xs, ys = (sorted(v, key=lambda e: _json(_options(e))) for v in (xs_left, ys_left))
        for x, y in zip(xs, ys):
            ox, oy = _options(x), _options(y)
            if ox != oy:
                fields = sorted(k for k in set(ox) | set(oy) if ox.get(k) != oy.get(k))
                rows.append(_diff_row(cname, pat, "changed", ",".join(fields), old=_json(ox), new=_json(oy),
                                      old_line=x.line, new_line=y.line))
        for x in xs[len(ys):]:
            rows.append(_diff_row(cname, pat, "removed", old=_json(_options(x)), old_line=x.line))
        for y in ys[len(xs):]:
            rows.append(_diff_row(cname, pat, "added", new=_json(_options(y)), new_line=y.line))
    return rows


def _diff_row(category, pattern, change, fields="", *, old="", new="", old_line=0, new_line=0) -> dict:
    """One row of :func:`diff_lexicons` (line 0: the entry is absent on that side)."""
    return {"category": category, "pattern": pattern, "change": change, "fields": fields,
            "old": old, "new": new, "old_line": old_line, "new_line": new_line}


def _json_value(v) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)


def _json(d: dict) -> str:
    return json.dumps(d, ensure_ascii=False, sort_keys=True) if d else ""

