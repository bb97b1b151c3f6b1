"""Matching: find every lexicon match in a text, with offsets, under one documented overlap rule.

Overlap rule (pinned in ``tests/measure/test_matching.py``):

* within a category, matches are leftmost-longest and never overlap: scanning left to right, the match
  that starts first wins, and among those starting at the same token the longest wins;
* when two entries of one category match exactly the same tokens, the more specific entry is reported
  (fewer wildcards and gaps, then more tokens, then the earlier entry in the file), so an exact entry is
  never shadowed by a wildcard;
* categories count independently: one token can be a match in several categories;
* no match crosses a sentence boundary; quotation marks and brackets inside a match are transparent.

:class:`Matcher` runs the compiled core when it can (``Matcher.engine``). The Python path
(:meth:`Matcher.match_python`) is the definition, written plainly: a sentence is a list of
:class:`SentenceToken`; :func:`entry_span` says which tokens an entry matches with its anchor on a given
token; :func:`resolve_overlaps` applies the overlap rule; ``match_python`` walks paragraphs and
sentences and gives each match its voice (:mod:`analysis.measure.voice`).

>>> m = Matcher("hedging", engine="python")
>>> [(x.category, x.matched, x.voice) for x in m.match_python("Officials said it may rain.").matches]
[('hedging.modal', 'may', 'attributed')]

Mirrored in C by analysis/_core_src/automaton.h and scan.h (docs/core.md): a change to these rules
needs the same change there; tests/measure/test_core_parity.py fails until both agree.
"""
from __future__ import annotations

import os
import warnings
from bisect import bisect_left
from dataclasses import dataclass
from importlib import import_module
from typing import NamedTuple

from ..lexicons.model import CONTEXT_KEYS, DETECTORS, Lexicon, load_lexicons, tie_key
from ..lexicons.patterns import MAX_GLOB_TOKEN, glob_to_regex, parse_pattern, punctuation_only
from ..text.tokenize import (
    PreparedText,
    is_number_token,
    paragraph_spans,
    sentence_spans_in,
    token_kind,
)
from . import core
from .voice import REPORTING_CUES, quote_regions

__all__ = ["DocumentMatches", "Match", "Matcher", "SentenceToken", "contexts_hold", "element_accepts", "ends_from", "entry_span",
           "resolve_overlaps", "sentence_tokens", "starts_before", "surface"]



@dataclass(frozen=True, slots=True)
class Match:
    """One match: ``text[start:end] == matched``; ``token_*`` index word tokens in the document."""

    category: str
    entry: str
    lexicon: str
    lexicon_version: str
    sentence: int
    start: int
    end: int
    token_start: int
    token_end: int
    matched: str
    voice: str


@dataclass(slots=True)
class DocumentMatches:
    """Matches of one document plus the counts every rate needs.

    ``entry_ids`` (filled by :meth:`Matcher.match_python`, else None) gives each match's entry: an
    index into ``Matcher.entries``, or ``len(Matcher.entries) + k`` for the ``k``-th detector. Two
    entries may share a pattern text (``considered`` with two different contexts), so the text alone
    does not say which entry matched.
    """

    matches: list
    n_tokens: int
    n_sentences: int
    sentences_with_match: dict  # category -> number of sentences holding at least one match
    tokens_by_voice: dict  # voice -> word tokens
    entry_ids: list | None = None


def rollup_categories(categories) -> dict:
    """Top-level roll-ups of dotted categories that are not categories themselves:
    ``{"hedging": ["hedging.modal", ...]}``.

    >>> rollup_categories(["hedging.modal", "hedging.possibility", "booster"])
    {'hedging': ['hedging.modal', 'hedging.possibility']}
    """
    tops: dict = {}
    for c in categories:
        if "." in c:
            tops.setdefault(c.split(".")[0], []).append(c)
    return {k: v for k, v in tops.items() if k not in categories}


class _Compiled:
    """One lexicon entry, compiled: its pattern split at the anchor, its contexts and its tie rank."""

    __slots__ = ("after", "before", "category", "contexts", "entry", "idx", "lexicon", "pattern", "rank", "version")

    def __init__(self, idx, category, entry, lexicon, version, pattern, contexts):
        self.idx = idx
        self.category = category
        self.entry = entry
        self.lexicon = lexicon
        self.version = version
        self.pattern = pattern
        self.contexts = contexts
        # ties between entries matching the same tokens: the most specific, then by pattern text and options
        # (never by file order, so the order of entries in a lexicon file has no effect: its hash ignores it)
        self.rank = (pattern.specificity, *tie_key(entry), idx)
        self.before = pattern.elements[: pattern.anchor]
        self.after = pattern.elements[pattern.anchor + 1 :]


# -- the definition of a match ------------------------------------------------------------------------
#
# The functions below are the reference path: plain Python that states the semantics the compiled core
# (analysis/_core_src/automaton.h, scan.h) reproduces. A sentence is a list of SentenceToken (quotation
# marks and brackets already dropped, so they are transparent); a pattern is a tuple of elements, each
# accepting between ``lo`` and ``hi`` consecutive tokens.


class SentenceToken(NamedTuple):
    """One token of a sentence as the matcher sees it.

    Attributes
    ----------
    start, end : int
        Character offsets in the document (``text[start:end]`` is the token as written).
    norm : str
        The normalised form (lower case, straight apostrophe, ``n't`` read as ``not``) that patterns
        compare with (case-sensitive entries compare :func:`surface` instead).
    is_word : bool
        A word or number token (what rates count); False for punctuation.
    """

    start: int
    end: int
    norm: str
    is_word: bool


def sentence_tokens(prep: PreparedText, a: int, b: int) -> list[SentenceToken]:
    """The tokens of the sentence ``text[a:b]`` (``prep`` is the prepared text), quotation marks and
    brackets dropped.

    >>> [t.norm for t in sentence_tokens(PreparedText("Iran’s “allies” couldn’t."), 0, 25)]
    ['iran', "'s", 'allies', 'could', 'not', '.']
    """
    return [SentenceToken(start, end, norm, token_kind(norm) in ("word", "num"))
            for (start, end), norm in zip(prep.spans(a, b), prep.norms(a, b))]


def surface(token: SentenceToken, text: str) -> str:
    """The token as written, with a straight apostrophe (``n't`` is ``not``): what case-sensitive
    entries compare with."""
    return "not" if token.norm == "not" else text[token.start : token.end].replace("’", "'")


def element_accepts(el, token: SentenceToken, text: str, case_sensitive: bool) -> bool:
    """Does the pattern element ``el`` accept this one token?

    ``*`` accepts a word or number (never punctuation); ``<NUM>`` a numeral or number word; ``<WORD>``
    a word; ``<CAP>`` a token whose first character is upper-case in the text. A literal, an
    alternation or a glob compares the token's norm (its surface when the entry is case-sensitive);
    a glob is never tried on a token longer than ``MAX_GLOB_TOKEN`` characters.
    """
    if el.kind == "any":
        return token.norm[0].isalnum() or (token.norm[0] == "'" and len(token.norm) > 1)
    if el.kind == "class":
        (cls,) = el.values
        if cls == "num":
            return is_number_token(token.norm)
        if cls == "word":
            return token_kind(token.norm) == "word"
        return text[token.start].isupper()  # "cap"
    value = surface(token, text) if case_sensitive else token.norm
    if value in el.values:
        return True
    return len(value) <= MAX_GLOB_TOKEN and any(_glob(g).fullmatch(value) for g in el.globs)


def _glob(pattern: str):
    """The compiled form of a one-token glob (each distinct glob is compiled once)."""
    compiled = _GLOBS.get(pattern)
    if compiled is None:
        compiled = _GLOBS[pattern] = glob_to_regex(pattern)
    return compiled


_GLOBS: dict = {}


def ends_from(elements, tokens, pos: int, text: str, case_sensitive: bool) -> set:
    """Every ``end`` such that ``elements`` match ``tokens[pos:end]``, one after the other.

    Each element takes between ``el.lo`` and ``el.hi`` tokens, so the set of positions reached is
    followed element by element (every quantifier is bounded, so this is linear in the tokens).
    """
    reached = {pos}
    for el in elements:
        nxt = set()
        for p in reached:
            if el.lo == 0:
                nxt.add(p)
            q = p
            for taken in range(1, el.hi + 1):
                if q >= len(tokens) or not element_accepts(el, tokens[q], text, case_sensitive):
                    break
                q += 1
                if taken >= el.lo:
                    nxt.add(q)
        reached = nxt
        if not reached:
            break
    return reached


def starts_before(elements, tokens, pos: int, text: str, case_sensitive: bool) -> set:
    """Every ``start`` such that ``elements`` match ``tokens[start:pos]`` (read right to left)."""
    reached = {pos}
    for el in reversed(elements):
        nxt = set()
        for p in reached:
            if el.lo == 0:
                nxt.add(p)
            q = p
            for taken in range(1, el.hi + 1):
                if q <= 0 or not element_accepts(el, tokens[q - 1], text, case_sensitive):
                    break
                q -= 1
                if taken >= el.lo:
                    nxt.add(q)
        reached = nxt
        if not reached:
            break
    return reached


def entry_span(ce: _Compiled, tokens, i: int, text: str):
    """The tokens ``(start, end)`` entry ``ce`` matches with its anchor element on token ``i``, or None.

    The anchor takes token ``i``; the elements before it must end at ``i`` and those after it start at
    ``i + 1``. Of all the ways to match, the span is the widest: the earliest start and the latest end.
    The entry's contexts must then hold around that span (:func:`contexts_hold`).
    """
    pat = ce.pattern
    cs = pat.case_sensitive
    if not element_accepts(pat.elements[pat.anchor], tokens[i], text, cs):
        return None
    ends = ends_from(ce.after, tokens, i + 1, text, cs)
    starts = starts_before(ce.before, tokens, i, text, cs) if ends else set()
    if not starts:
        return None
    s, e = min(starts), max(ends)
    if ce.contexts and not contexts_hold(ce, tokens, s, e, text):
        return None
    return s, e


def contexts_hold(ce: _Compiled, tokens, s: int, e: int, text: str) -> bool:
    """The entry's context conditions around the matched tokens ``[s, e)`` of one sentence.

    ``unless_followed_by`` / ``unless_preceded_by``: none of the patterns may match right after /
    right before the span; ``only_followed_by`` / ``only_preceded_by``: one of them must.
    """
    cs = ce.pattern.case_sensitive

    def follows(pat):
        return bool(ends_from(pat.elements, tokens, e, text, cs))

    def precedes(pat):
        return bool(starts_before(pat.elements, tokens, s, text, cs))

    ctx = ce.contexts
    if any(map(follows, ctx.get("unless_followed_by", ()))) or any(map(precedes, ctx.get("unless_preceded_by", ()))):
        return False
    if "only_followed_by" in ctx and not any(map(follows, ctx["only_followed_by"])):
        return False
    return "only_preceded_by" not in ctx or any(map(precedes, ctx["only_preceded_by"]))


def resolve_overlaps(candidates: list) -> list:
    """Keep, in each category, the leftmost-longest matches that do not overlap.

    ``candidates`` are ``(category, start, end, entry)`` with token offsets. Within a category, scanning
    left to right, the match starting first wins, and of those starting at the same token the longest;
    entries matching exactly the same tokens are ranked by :attr:`_Compiled.rank` (the most specific
    first). Categories never compete. Returns the kept matches in text order.
    """
    kept = []
    last_category, last_end = None, -1
    for cat, s, e, ce in sorted(candidates, key=lambda c: (c[0], c[1], -c[2], c[3].rank)):
        if cat != last_category:
            last_category, last_end = cat, -1
        if s >= last_end:
            kept.append((cat, s, e, ce))
            last_end = e
    return sorted(kept, key=lambda c: (c[1], c[2], c[0]))


class Matcher:
    """Compiled lexicons, ready to match texts.

    Parameters
    ----------
    lexicons : Lexicon, name, path or a list of them; None means all built-in lexicons.
    categories : iterable of str, optional
        Keep only these categories (exact names or ``fnmatch`` globs such as ``"hedging.*"``).
    engine : {"auto", "c", "python"}
        ``"auto"`` uses the compiled core when it can; ``"c"`` raises if it cannot.

    Attributes
    ----------
    engine : str
        ``"c"`` (the compiled core) or ``"python"`` (the reference path); both give identical results.
    engine_reason : str or None
        Why the Python path runs (the core is not built, a case-sensitive entry, ``MFA_ENGINE=python``,
        ``engine="python"``); None when the core runs.

    Examples
    --------
    >>> m = Matcher("hedging")
    >>> [(x.category, x.matched) for x in m.match("Officials say it may be potential.").matches]
    [('hedging.modal', 'may'), ('hedging.possibility', 'potential')]
    """

    def __init__(self, lexicons=None, categories=None, engine: str = "auto"):
        if lexicons is None or isinstance(lexicons, (str, Lexicon)) or hasattr(lexicons, "__fspath__"):
            lexicons = [lexicons] if lexicons is not None else None
        if engine not in ("auto", "c", "python"):
            raise ValueError(f"engine must be 'auto', 'c' or 'python', got {engine!r}")
        self.lexicons = load_lexicons(lexicons)
        # hashed once, with the compilation, so that no output pays for it
        self.lexicon_hashes = [lex.sha256 for lex in self.lexicons]
        self.category_filter = list(categories) if categories else None
        self._compile()
        self._core = None
        # why the Python path runs (None when the core does)
        self.engine_reason = None
        if engine == "python":
            self.engine_reason = "engine='python' was asked for"
        elif engine == "auto" and os.environ.get("MFA_ENGINE", "").lower() == "python":
            engine = "python"
            self.engine_reason = "the environment variable MFA_ENGINE=python asks for the Python path"
        if engine != "python":
            reason = core.unsupported_reason(self)
            self.engine_reason = reason
            if reason is None:
                self._core = core.CoreScanner(self)
                rollups = rollup_categories(self.categories)
                self._core.set_output(
                    list(self.categories) + list(rollups), {m: top for top, ms in rollups.items() for m in ms}
                )
                self._core.typed_entry_columns()
            elif engine == "c":
                raise ValueError(f"engine='c' is not possible: {reason}")
        self.engine = "c" if self._core is not None else "python"

    def _keep_category(self, name):
        if not self.category_filter:
            return True
        from fnmatch import fnmatchcase

        return any(fnmatchcase(name, pat) or name == pat for pat in self.category_filter)

    def _compile(self):
        self.refused = []  # (lexicon, category, pattern) of entries that cannot be counted (punctuation only)
        self.entries = []
        self.categories = []
        self.detectors = []  # (category, function, lexicon name, lexicon version)
        # which entries can have their anchor on a token: by the anchor's literals (lower-cased), and the
        # entries whose anchor holds a glob, tried on every token
        self._by_anchor: dict[str, list] = {}
        self._glob_anchored: list = []
        for lex in self.lexicons:
            for cname, cat in lex.categories.items():
                if not self._keep_category(cname):
                    continue
                self.categories.append(cname)
                if "detector" in cat.extra:
                    module, func = DETECTORS[cat.extra["detector"]].split(":")
                    self.detectors.append((cname, getattr(import_module(module), func), lex.name, lex.version))
                for entry in cat.entries:
                    pat = parse_pattern(entry.pattern, lex.slots, entry.case_sensitive)
                    if punctuation_only(pat):
                        self.refused.append((lex.name, cname, entry.pattern))
                        warnings.warn(f"{lex.path or lex.name}: entry {entry.pattern!r} in {cname!r} is not used: it is "
                                      "punctuation only and would count every such mark in the text (see docs/patterns.md)",
                                      UserWarning, stacklevel=3)
                        continue
                    contexts = {
                        key: [parse_pattern(c, lex.slots, entry.case_sensitive, anchored=False) for c in getattr(entry, key)]
                        for key in CONTEXT_KEYS
                        if getattr(entry, key)
                    }
                    ce = _Compiled(len(self.entries), cname, entry, lex.name, lex.version, pat, contexts)
                    self.entries.append(ce)
                    anchor = pat.elements[pat.anchor]
                    for v in anchor.values:
                        self._by_anchor.setdefault(v.lower(), []).append(ce)
                    for g in anchor.globs:
                        self._glob_anchored.append((g.lower(), ce))
        if self.category_filter and not self.categories:
            raise ValueError(f"no category matches {self.category_filter}")

    @property
    def provenance(self) -> list[dict]:
        return [lex.provenance() for lex in self.lexicons]

    # -- matching -------------------------------------------------------------------------------
    def anchored_at(self, token: SentenceToken) -> list:
        """The entries that may have their anchor on ``token`` (found by its norm; :func:`entry_span`
        then tests the anchor element itself)."""
        found = self._by_anchor.get(token.norm, [])
        if self._glob_anchored and len(token.norm) <= MAX_GLOB_TOKEN:
            found = found + [ce for g, ce in self._glob_anchored if ce not in found and _glob(g).fullmatch(token.norm)]
        return found

    def match_sentence(self, tokens: list, text: str) -> list:
        """Lexicon matches of one sentence: ``(category, first token, end token, entry)``, overlaps
        resolved (:func:`resolve_overlaps`), in text order."""
        candidates = []
        for i, token in enumerate(tokens):
            for ce in self.anchored_at(token):
                span = entry_span(ce, tokens, i, text)
                if span is not None:
                    candidates.append((ce.category, *span, ce))
        return resolve_overlaps(candidates)

    def match(self, text: str) -> DocumentMatches:
        """Match one text.

        Returns
        -------
        DocumentMatches
            ``matches`` (a list of :class:`Match`), ``n_tokens`` (word and number tokens),
            ``n_sentences``, ``sentences_with_match`` per category and ``tokens_by_voice``.
        """
        n_tokens, n_sent, voice, sent_hits, rows = self.match_rows(text)
        matches = [
            Match(cat, entry, lexname, version, sent, start, end, ts, te, matched, v)
            for sent, cat, entry, matched, start, end, ts, te, v, lexname, version in rows
        ]
        return DocumentMatches(matches, n_tokens, n_sent, sent_hits, voice)

    def match_rows(self, text: str):
        """Match one text, as plain tuples (the fast form :func:`~analysis.measure.scoring.score` uses).

        Returns ``(n_tokens, n_sentences, tokens_by_voice, sentences_with_match, rows)``; each row is
        ``(sentence, category, entry, matched, start, end, token_start, token_end, voice, lexicon,
        lexicon_version)``, in text order.
        """
        if not isinstance(text, str):
            raise TypeError(f"Matcher.match expects a str, got {type(text).__name__}")
        if self._core is not None:
            res = self._core.scan(text)
            if res is not None:
                return res
        dm = self.match_python(text)
        rows = [
            (m.sentence, m.category, m.entry, m.matched, m.start, m.end, m.token_start, m.token_end, m.voice,
             m.lexicon, m.lexicon_version)
            for m in dm.matches
        ]
        return dm.n_tokens, dm.n_sentences, dm.tokens_by_voice, dm.sentences_with_match, rows

    def match_python(self, text: str) -> DocumentMatches:
        """Match one text on the reference path, whatever the engine: the definition the compiled core
        is checked against.

        Paragraph by paragraph, sentence by sentence: the sentence's tokens (quotation marks dropped),
        its lexicon matches (:meth:`match_sentence`) and the detectors' spans inside it (scare quotes),
        in text order. Each match gets a voice (``quote`` when it starts inside a quotation region of its
        paragraph, else ``attributed`` when its sentence holds a reporting cue, else ``narration``), and
        every word token of the sentence counts in one voice the same way.
        """
        if not isinstance(text, str):
            raise TypeError(f"Matcher.match expects a str, got {type(text).__name__}")
        detected = sorted(
            (start, end, cname, lexname, version, len(self.entries) + k)
            for k, (cname, func, lexname, version) in enumerate(self.detectors)
            for start, end, *_ in func(text)
        )
        prep = PreparedText(text)
        matches = []
        entry_ids = []
        n_tokens = 0  # word tokens before the current sentence
        n_sent = 0
        sent_hits: dict[str, int] = {}
        voice_tokens = {"narration": 0, "quote": 0, "attributed": 0}
        for pa, pb in paragraph_spans(text):
            regions = quote_regions(text, pa, pb)
            for a, b in sentence_spans_in(text, pa, pb):
                tokens = sentence_tokens(prep, a, b)
                own_voice = "attributed" if any(t.norm in REPORTING_CUES for t in tokens) else "narration"
                n_words = sum(t.is_word for t in tokens)
                quoted = sum(
                    token_kind(norm) in ("word", "num")
                    for x, y in regions if x < b and y > a
                    for norm in prep.norms(max(x, a), min(y, b))
                )
                voice_tokens["quote"] += quoted
                voice_tokens[own_voice] += n_words - quoted
                # (category, first token, end token, entry pattern, lexicon, version, start, end, entry id)
                found = [
                    (cat, s, e, ce.entry.pattern, ce.lexicon, ce.version, tokens[s].start, tokens[e - 1].end, ce.idx)
                    for cat, s, e, ce in self.match_sentence(tokens, text)
                ]
                found += _detected_in(tokens, a, b, detected)
                words_before = [0]  # words_before[k]: word tokens of the sentence before token k
                if found:
                    for t in tokens:
                        words_before.append(words_before[-1] + t.is_word)
                for cat, s, e, entry, lexname, version, start, end, eid in sorted(found, key=lambda r: (r[6], r[7], r[0])):
                    voice = "quote" if any(x <= start < y for x, y in regions) else own_voice
                    matches.append(Match(cat, entry, lexname, version, n_sent, start, end,
                                         n_tokens + words_before[s], n_tokens + words_before[e], text[start:end], voice))
                    entry_ids.append(eid)
                for cat in {r[0] for r in found}:
                    sent_hits[cat] = sent_hits.get(cat, 0) + 1
                n_sent += 1
                n_tokens += n_words
        return DocumentMatches(matches, n_tokens, n_sent, sent_hits, voice_tokens, entry_ids)


def _detected_in(tokens, a: int, b: int, detected) -> list:
    """The detector spans ``(start, end, category, lexicon, version, entry id)`` of the sentence
    ``text[a:b]``, as matches ``(category, first token, end token, entry, lexicon, version, start, end,
    entry id)``; the entry is ``<scare quote>`` for ``distancing.scare_quote``. A span must start and end
    inside the sentence and hold a token."""
    starts = [t.start for t in tokens]
    out = []
    for start, end, cname, lexname, version, eid in detected:
        if not (a <= start < b) or end > b:
            continue
        s, e = bisect_left(starts, start), bisect_left(starts, end)  # the tokens starting in [start, end)
        if e > s:
            out.append((cname, s, e, f"<{cname.rsplit('.', 1)[-1].replace('_', ' ')}>", lexname, version, start, end, eid))
    return out
