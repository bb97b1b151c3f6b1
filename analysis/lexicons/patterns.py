"""The pattern language: one lexicon entry -> a sequence of token elements the matcher can run.

A pattern is a whitespace-separated sequence of elements; every element matches tokens of one sentence
(quotation marks and brackets in the text are skipped, so they are transparent):

=====================  ==========================================================================
``word``               a literal token, compared with the token's normalised form (case-insensitive
                       unless the entry is ``case_sensitive``). The literal is tokenized like text, so
                       ``couldn't`` is two elements ``could`` ``not`` and ``U.S.`` stays one.
``indicat*`` ``wom?n``  a glob inside one token: ``*`` any run of characters, ``?`` one character.
``*``                  exactly one word token (any word or number; never punctuation).
``*{0,4}``             a bounded gap: between 0 and 4 word tokens (the upper bound is at most 8).
``(a|one|two)``        one token out of alternatives (each a literal or a glob).
``@name``              a slot: the alternatives listed under ``[slots]`` in the lexicon file.
``<NUM>`` ``<CAP>``    a number (numeral or number word), a capitalised word (surface starts upper-case).
``X?``  ``X{m,n}``      after ``)``, ``>``, ``*`` or a slot: optional, or repeated m to n times (n <= 8).
=====================  ==========================================================================

A pattern needs at least one required literal, glob, alternation or slot element (its *anchor*), so
that matching can start from an index lookup. Every quantifier is bounded, so matching is linear in
the length of the text whatever the pattern.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..text.tokenize import COMMON_WORDS, norm_tokens, token_kind, token_spans

__all__ = ["MAX_REPEAT", "TOKEN_CLASSES", "Element", "Pattern", "PatternError", "glob_to_regex", "parse_pattern",
           "punctuation_only", "split_elements", "split_quantifier"]

MAX_REPEAT = 8
MAX_ELEMENTS = 24
MAX_GLOB_TOKEN = 64  # wildcards are never tried on tokens longer than this
# auxiliaries written with n't ("couldn't", "won't" -> will): a glob over the apostrophe cannot match them
_NEGATABLE = frozenset({
    "do", "does", "did", "is", "are", "was", "were", "has", "have", "had", "could", "would", "should", "must",
    "might", "need", "dare", "can", "will", "shall", "ai",
})

_QUANT_RE = re.compile(r"^(.*?)(?:\{(\d+)(?:,(\d+))?\}|(\?))$", re.DOTALL)
#: the token classes of the pattern language and the class each names
TOKEN_CLASSES = {"<NUM>": "num", "<CAP>": "cap", "<WORD>": "word"}


class PatternError(ValueError):
    """A pattern that cannot be compiled; the message says why."""


@dataclass(frozen=True)
class Element:
    """One position of a pattern.

    ``kind`` is ``lit`` (``values`` holds literal norms), ``alt`` (literal ``values`` and/or ``globs``),
    ``any`` (any word token) or ``class`` (``values`` holds the class name). ``lo``/``hi`` bound how
    many tokens it consumes.
    """

    kind: str
    values: frozenset = frozenset()
    globs: tuple = ()
    lo: int = 1
    hi: int = 1

    @property
    def is_anchor(self) -> bool:
        """Can matching start from this element? A literal, glob, alternation or slot that takes exactly
        one token: both engines match the anchor on one token and the other elements around it, so a
        repeated element (``(very){2,3}``) cannot be the anchor (it would match one ``very``)."""
        return self.lo == 1 and self.hi == 1 and self.kind in ("lit", "alt")

    @property
    def wildcard_count(self) -> int:
        return len(self.globs) + (self.kind in ("any", "class")) + (self.hi - self.lo)


@dataclass(frozen=True)
class Pattern:
    """A compiled pattern: the source text, its elements and the index of its anchor element."""

    source: str
    elements: tuple[Element, ...]
    anchor: int
    case_sensitive: bool = False
    specificity: tuple = field(default=(0, 0))


def _anchor_cost(el: Element) -> float:
    """How often an element is expected to fire: matching starts from the rarest required element."""
    cost = sum(25.0 if v in COMMON_WORDS else 1.0 for v in el.values)
    return cost + 10.0 * len(el.globs)


class Glob:
    """A one-token glob matched in linear time (no regular-expression backtracking).

    Runs of ``*`` collapse to one; the glob is split at ``*`` into fixed-length segments (``?`` is one
    character), the first anchored at the start, the last at the end, and the middle ones found
    left to right. So no glob, however many stars it has, can make matching blow up.
    """

    __slots__ = ("_lens", "_parts", "pattern")

    def __init__(self, glob: str):
        self.pattern = re.sub(r"\*+", "*", glob)
        pieces = self.pattern.split("*")
        self._parts = [re.compile("".join("." if c == "?" else re.escape(c) for c in p), re.DOTALL) for p in pieces]
        self._lens = [len(p) for p in pieces]

    def fullmatch(self, s: str) -> bool:
        parts, lens = self._parts, self._lens
        if len(parts) == 1:
            return parts[0].fullmatch(s) is not None
        pos, end = lens[0], len(s) - lens[-1]
        if end < pos or parts[0].match(s) is None or parts[-1].fullmatch(s, end) is None:
            return False
        for rx, n in zip(parts[1:-1], lens[1:-1]):
            m = rx.search(s, pos, end)
            if m is None:
                return False
            pos = m.end()
        return True

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r})"


def glob_to_regex(glob: str) -> Glob:
    """Compile a one-token glob (kept under this name for callers; it returns a :class:`Glob`).

    >>> glob_to_regex("indicat*").fullmatch("indications")
    True
    >>> glob_to_regex("**********a").pattern
    '*a'
    >>> glob_to_regex("*a*a*a*a*a*b").fullmatch("a" * 64)
    False
    """
    return Glob(glob)


def _literal_tokens(text: str, case_sensitive: bool) -> list[str]:
    """Tokenize a literal exactly as documents are tokenized (quotes dropped)."""
    if not case_sensitive:
        return norm_tokens(text)
    return [text[a:b].replace("’", "'") if norm != "not" else "not" for a, b, norm in token_spans(text)]


def split_elements(source: str) -> list[str]:
    """A pattern's elements as written: split on whitespace, but keep ``( ... )`` groups with spaces
    around ``|`` together.

    >>> split_elements("no (a | the)? specific *{0,2} plan")
    ['no', '(a | the)?', 'specific', '*{0,2}', 'plan']
    """
    out, depth, cur = [], 0, []
    for ch in source:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch.isspace() and depth == 0:
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if depth:
        raise PatternError(f"unbalanced '(' in pattern {source!r}")
    if cur:
        out.append("".join(cur))
    return out


def split_quantifier(raw: str) -> tuple[str, int, int, bool]:
    """One element's text -> (body, lo, hi, quantified): ``(a|b)?`` -> ``("(a|b)", 0, 1, True)``.

    A trailing ``?`` is a glob character unless it follows ``)``, ``>``, ``*`` or a slot name.

    >>> split_quantifier("*{0,4}"), split_quantifier("wom?n"), split_quantifier("@noun?")
    (('*', 0, 4, True), ('wom?n', 1, 1, False), ('@noun', 0, 1, True))
    """
    m = _QUANT_RE.match(raw)
    if m and (m.group(2) is not None or m.group(4)):
        cand = m.group(1)
        if m.group(4) and not (cand.endswith((")", ">")) or cand == "*" or cand.startswith("@")):
            return raw, 1, 1, False
        if cand:
            if m.group(4):
                return cand, 0, 1, True
            lo = int(m.group(2))
            return cand, lo, int(m.group(3)) if m.group(3) is not None else lo, True
    return raw, 1, 1, False


def _check_glob_is_one_token(glob: str, source: str) -> None:
    """Globs see one token at a time: refuse a glob whose fixed parts the tokenizer splits ("wom?n's")."""
    toks = norm_tokens(re.sub(r"[*?]+", "x", glob))
    if len(toks) != 1:
        raise PatternError(
            f"glob {glob!r} in {source!r} can never match: the tokenizer splits it into "
            f"{' + '.join(toks)} and a glob matches inside one token"
        )
    # "couldn*t" is meant for "couldn't", which the tokenizer reads as two tokens (could + n't = not)
    negated = re.sub(r"n[*?]+t$", "n't", glob)
    if negated != glob:
        toks = norm_tokens(negated)
        if len(toks) == 2 and toks[0] in _NEGATABLE:
            raise PatternError(
                f"glob {glob!r} in {source!r} can never match {negated!r}: the tokenizer reads it as "
                f"{' + '.join(toks)}; write {' '.join(toks)!r}, which matches both {negated!r} and "
                f"{' '.join(toks)!r}"
            )


def _alternatives(items, case_sensitive, source):
    values, globs = set(), []
    for item in items:
        item = item.strip()
        if not item:
            raise PatternError(f"empty alternative in {source!r}")
        if "*" in item or "?" in item:
            if re.sub(r"[*?]", "", item) == "":
                raise PatternError(f"alternative {item!r} in {source!r} is only wildcards")
            _check_glob_is_one_token(item, source)
            globs.append(item if case_sensitive else item.lower())
        else:
            toks = _literal_tokens(item, case_sensitive)
            if len(toks) != 1:
                raise PatternError(
                    f"alternative {item!r} in {source!r} is {len(toks)} tokens ({' + '.join(toks)}); "
                    "alternatives must be single tokens"
                )
            values.add(toks[0])
    return frozenset(values), tuple(globs)


def parse_pattern(
    source: str, slots: dict | None = None, case_sensitive: bool = False, anchored: bool = True
) -> Pattern:
    """Compile one pattern string.

    Parameters
    ----------
    source : str
        The pattern, e.g. ``"no (specific|clear)? indicat* *{0,6} decision"``.
    slots : dict, optional
        Slot name -> list of alternatives, used by ``@name`` elements.
    case_sensitive : bool
        Compare literals with the surface form instead of the lower-cased norm.
    anchored : bool
        Require an anchor element (entries do; context patterns such as ``<NUM>`` do not).

    Returns
    -------
    Pattern

    Examples
    --------
    >>> p = parse_pattern("no (specific|clear)? indicat* *{0,6} decision")
    >>> [e.kind for e in p.elements], p.anchor
    (['lit', 'alt', 'alt', 'any', 'lit'], 4)
    """
    if not isinstance(source, str) or not source.strip():
        raise PatternError("empty pattern")
    slots = slots or {}
    elements: list[Element] = []
    for raw in split_elements(source.strip()):
        body, lo, hi, quantified = split_quantifier(raw)
        if quantified and not (body.endswith((")", ">")) or body == "*" or body.startswith("@")):
            raise PatternError(
                f"quantifier on {body!r} in {source!r}: only (..), <CLASS>, * and @slot take quantifiers"
            )
        if hi > MAX_REPEAT or lo > hi:
            raise PatternError(f"repeat {{{lo},{hi}}} in {source!r} must satisfy 0 <= m <= n <= {MAX_REPEAT}")
        if body == "*":
            elements.append(Element("any", lo=lo, hi=hi))
        elif body in TOKEN_CLASSES:
            elements.append(Element("class", frozenset([TOKEN_CLASSES[body]]), lo=lo, hi=hi))
        elif body.startswith("<") and body.endswith(">"):
            raise PatternError(f"unknown token class {body} in {source!r} (known: {', '.join(TOKEN_CLASSES)})")
        elif body.startswith("@"):
            name = body[1:]
            if name not in slots:
                raise PatternError(f"unknown slot @{name} in {source!r}")
            vals, globs = _alternatives(slots[name], case_sensitive, source)
            elements.append(Element("alt", vals, globs, lo, hi))
        elif body.startswith("(") and body.endswith(")"):
            vals, globs = _alternatives(body[1:-1].split("|"), case_sensitive, source)
            elements.append(Element("alt", vals, globs, lo, hi))
        elif "*" in body or "?" in body:
            if re.sub(r"[*?]", "", body) == "":
                raise PatternError(f"{body!r} in {source!r} is only wildcards; use * for one token")
            _check_glob_is_one_token(body, source)
            glob = body if case_sensitive else body.lower()
            elements.append(Element("alt", frozenset(), (glob,)))
        else:
            for tok in _literal_tokens(body, case_sensitive):
                elements.append(Element("lit", frozenset([tok])))
    if not elements:
        raise PatternError(f"pattern {source!r} has no token that can match")
    if len(elements) > MAX_ELEMENTS:
        raise PatternError(f"pattern {source!r} has {len(elements)} elements (at most {MAX_ELEMENTS})")
    anchors = [i for i, e in enumerate(elements) if e.is_anchor]
    if not anchors and anchored:
        raise PatternError(f"pattern {source!r} needs at least one required word to anchor it"
                           + (" (a repeated element such as (a|b){2} cannot anchor: repeat it as (a|b) (a|b))"
                              if any(e.kind in ("lit", "alt") and e.lo >= 1 for e in elements) else ""))
    if not anchors:
        return Pattern(source, tuple(elements), -1, case_sensitive, (99, 0))
    if elements[0].lo == 0 or elements[-1].lo == 0:
        raise PatternError(f"pattern {source!r} may not start or end with an optional element")
    anchor = min(anchors, key=lambda i: (_anchor_cost(elements[i]), i))
    n_wild = sum(e.wildcard_count for e in elements)
    n_tokens = sum(e.lo for e in elements)
    return Pattern(source, tuple(elements), anchor, case_sensitive, (n_wild, -n_tokens))


def punctuation_only(pattern: Pattern) -> bool:
    """True when every element of ``pattern`` is literal punctuation (an emoticon such as ``:)`` once tokenized).

    Such an entry would match every ``:`` in the text (brackets and quotation marks are transparent), so
    the converters skip it and the matcher refuses it, each with a warning.

    >>> [punctuation_only(parse_pattern(p)) for p in (":)", "may", "\U0001F525")]
    [True, False, False]
    """
    if not pattern.elements or not all(
            el.kind == "lit" and el.values and all(token_kind(v) in ("punct", "quote") for v in el.values)
            for el in pattern.elements):
        return False
    # symbols (emoji, currency, maths signs) are whole tokens that match only themselves: kept
    return any(unicodedata.category(ch).startswith("P")
               for el in pattern.elements for v in el.values for ch in v)
