"""Matching: find every lexicon match in a text, with offsets, under one documented overlap rule.

Overlap rule (pinned in ``tests/measure/test_matching.py``):

* within a category, matches are leftmost-longest and never overlap: scanning left to right, the match
  that starts first wins, and among those starting at the same token the longest wins;
* when two entries of one category match exactly the same tokens, the more specific entry is reported
  (fewer wildcards and gaps, then more tokens, then the earlier entry in the file), so an exact entry is
  never shadowed by a wildcard;
* categories count independently: one token can be a match in several categories;
* no match crosses a sentence boundary; quotation marks and brackets inside a match are transparent.

The :class:`Matcher` works on the fast path: for each sentence the normalised tokens are found with one
regular-expression pass, tokens that can start a match are found with one dictionary lookup each, and
token offsets are computed only for sentences that hold a match.

Mirrored in C by analysis/_core_src/automaton.h and scan.h (docs/core.md): a change to these rules
needs the same change there; tests/measure/test_core_parity.py fails until both agree.
"""
from __future__ import annotations

import os
import warnings
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from importlib import import_module
from itertools import compress

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

__all__ = ["DocumentMatches", "Match", "Matcher"]



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
    """Matches of one document plus the counts every rate needs."""

    matches: list
    n_tokens: int
    n_sentences: int
    sentences_with_match: dict  # category -> number of sentences holding at least one match
    tokens_by_voice: dict  # voice -> word tokens


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
    __slots__ = (
        "after",
        "before",
        "category",
        "checks",
        "contexts",
        "entry",
        "fixed",
        "idx",
        "lexicon",
        "pattern",
        "rank",
        "version",
    )

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
        els = pattern.elements
        k = pattern.anchor
        self.after = els[k + 1:]
        self.before = els[:k]
        # Quick checks: required literal elements at a fixed distance from the anchor (only across
        # elements that consume exactly one token), tested before the general matcher runs.
        checks = []
        if not pattern.case_sensitive:
            for direction, seq in ((1, els[k + 1:]), (-1, list(reversed(els[:k])))):
                d = 0
                for el in seq:
                    if el.lo != 1 or el.hi != 1:
                        break
                    d += direction
                    if el.kind in ("lit", "alt") and not el.globs:
                        checks.append((d, el.values))
        self.checks = tuple(checks)
        # fully fixed, literal-only pattern: the quick checks decide alone
        self.fixed = (
            not pattern.case_sensitive
            and all(e.lo == 1 and e.hi == 1 and e.kind in ("lit", "alt") and not e.globs for e in els)
        )


class _VocabCache(dict):
    """norm -> tuple of compiled entries whose anchor accepts that token (computed once per norm)."""

    def __init__(self, lit_index, glob_anchors, limit=1_000_000):
        super().__init__()
        self.lit_index = lit_index
        self.glob_anchors = glob_anchors
        self.limit = limit

    def __missing__(self, norm):
        hits = list(self.lit_index.get(norm, ()))
        if self.glob_anchors and len(norm) <= MAX_GLOB_TOKEN:
            for rx, entry in self.glob_anchors:
                if rx.fullmatch(norm) and entry not in hits:
                    hits.append(entry)
        value = tuple(hits)
        if len(self) > self.limit:
            self.clear()
        self[norm] = value
        return value


class _Sentence:
    """Token stream of one sentence (quotes removed), with surfaces and spans computed on demand."""

    __slots__ = ("_spans", "_surfaces", "end", "norms", "prep", "start")

    def __init__(self, prep, start, end, norms):
        self.prep = prep
        self.start = start
        self.end = end
        self.norms = norms
        self._surfaces = None
        self._spans = None

    @property
    def spans(self):
        if self._spans is None:
            self._spans = self.prep.spans(self.start, self.end)
        return self._spans

    @property
    def surfaces(self):
        if self._surfaces is None:
            text = self.prep.text
            self._surfaces = [
                "not" if n == "not" else text[a:b].replace("’", "'")
                for (a, b), n in zip(self.spans, self.norms)
            ]
        return self._surfaces


def _elem_ok(el, j, sent, cs):
    norm = sent.norms[j]
    kind = el.kind
    if kind == "any":
        return norm[0].isalnum() or (norm[0] == "'" and len(norm) > 1)
    if kind == "class":
        cls = next(iter(el.values))
        if cls == "num":
            return is_number_token(norm)
        if cls == "word":
            return token_kind(norm) == "word"
        return sent.prep.text[sent.spans[j][0]].isupper()
    tok = sent.surfaces[j] if cs else norm
    if tok in el.values:
        return True
    if el.globs and len(tok) <= MAX_GLOB_TOKEN:
        for g in el.globs:
            if _GLOB_CACHE.get(g) is None:
                _GLOB_CACHE[g] = glob_to_regex(g)
            if _GLOB_CACHE[g].fullmatch(tok):
                return True
    return False


_GLOB_CACHE: dict = {}


def _forward(elements, pos, sent, cs, n):
    """Set of end positions reachable by matching ``elements`` starting at token ``pos``."""
    states = {pos}
    for el in elements:
        nxt = set()
        for p in states:
            q = p
            if el.lo == 0:
                nxt.add(q)
            for c in range(1, el.hi + 1):
                if q >= n or not _elem_ok(el, q, sent, cs):
                    break
                q += 1
                if c >= el.lo:
                    nxt.add(q)
        states = nxt
        if not states:
            break
    return states


def _backward(elements, pos, sent, cs):
    """Set of start positions such that ``elements`` match tokens ``[start, pos)``."""
    states = {pos}
    for el in reversed(elements):
        nxt = set()
        for p in states:
            q = p
            if el.lo == 0:
                nxt.add(q)
            for c in range(1, el.hi + 1):
                if q <= 0 or not _elem_ok(el, q - 1, sent, cs):
                    break
                q -= 1
                if c >= el.lo:
                    nxt.add(q)
        states = nxt
        if not states:
            break
    return states


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
        lit_index: dict[str, list] = {}
        glob_anchors = []
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
                        lit_index.setdefault(v.lower() if pat.case_sensitive else v, []).append(ce)
                    for g in anchor.globs:
                        glob_anchors.append((glob_to_regex(g.lower()), ce))
        if self.category_filter and not self.categories:
            raise ValueError(f"no category matches {self.category_filter}")
        self._cache = _VocabCache(lit_index, glob_anchors)

    @property
    def provenance(self) -> list[dict]:
        return [lex.provenance() for lex in self.lexicons]

    # -- matching -------------------------------------------------------------------------------
    def _candidates(self, sent, hit_lists):
        norms = sent.norms
        n = len(norms)
        out = []
        for i in compress(range(n), hit_lists):
            for ce in hit_lists[i]:
                ok = True
                for d, values in ce.checks:
                    j = i + d
                    if j < 0 or j >= n or norms[j] not in values:
                        ok = False
                        break
                if not ok:
                    continue
                if ce.fixed:
                    s, e = i - len(ce.before), i + 1 + len(ce.after)
                else:
                    cs = ce.pattern.case_sensitive
                    if cs and not _elem_ok(ce.pattern.elements[ce.pattern.anchor], i, sent, True):
                        continue
                    ends = _forward(ce.after, i + 1, sent, cs, n) if ce.after else (i + 1,)
                    if not ends:
                        continue
                    starts = _backward(ce.before, i, sent, cs) if ce.before else (i,)
                    if not starts:
                        continue
                    s, e = min(starts), max(ends)
                if ce.contexts and not self._context_ok(ce, s, e, sent, n):
                    continue
                out.append((ce.category, s, e, ce))
        return out

    @staticmethod
    def _detected_in(sent, detected):
        """Detector spans inside one sentence, as (category, first token, end token, entry, lexicon,
        version, start, end); a span that holds no word token is dropped."""
        spans = sent.spans
        starts = [x for x, _ in spans]
        out = []
        for start, end, cname, lexname, version in detected:
            if end > sent.end:
                continue  # a span running past the sentence end is not a scare quote of this sentence
            s = bisect_left(starts, start)
            e = bisect_left(starts, end)
            if e > s:
                out.append((cname, s, e, f"<{cname.rsplit('.', 1)[-1].replace('_', ' ')}>", lexname, version, start, end))
        return out

    @staticmethod
    def _context_ok(ce, s, e, sent, n):
        cs = ce.pattern.case_sensitive
        ctx = ce.contexts
        for pat in ctx.get("unless_followed_by", ()):
            if _forward(pat.elements, e, sent, cs, n):
                return False
        for pat in ctx.get("unless_preceded_by", ()):
            if _backward(pat.elements, s, sent, cs):
                return False
        if "only_followed_by" in ctx and not any(_forward(p.elements, e, sent, cs, n) for p in ctx["only_followed_by"]):
            return False
        only_before = ctx.get("only_preceded_by")
        return not only_before or any(_backward(p.elements, s, sent, cs) for p in only_before)

    @staticmethod
    def _resolve(cands):
        """Leftmost-longest, non-overlapping within each category; most specific entry on ties."""
        cands.sort(key=lambda c: (c[0], c[1], -c[2], c[3].rank))
        out = []
        last_cat, last_end = None, -1
        for cat, s, e, ce in cands:
            if cat != last_cat:
                last_cat, last_end = cat, -1
            if s >= last_end:
                out.append((cat, s, e, ce))
                last_end = e
        out.sort(key=lambda c: (c[1], c[2], c[0]))
        return out

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
        dm = self._match_python(text)
        rows = [
            (m.sentence, m.category, m.entry, m.matched, m.start, m.end, m.token_start, m.token_end, m.voice,
             m.lexicon, m.lexicon_version)
            for m in dm.matches
        ]
        return dm.n_tokens, dm.n_sentences, dm.tokens_by_voice, dm.sentences_with_match, rows

    def _match_python(self, text: str) -> DocumentMatches:
        """The reference path: the definition the compiled core is checked against."""
        matches = []
        n_tokens = 0
        n_sent = 0
        sent_hits: dict[str, int] = {}
        voice_tokens = {"narration": 0, "quote": 0, "attributed": 0}
        has_dq = any(ch in text for ch in "\"“”„") or "''" in text or "``" in text
        cache_get = self._cache.__getitem__
        prep = PreparedText(text)
        is_word = _IS_WORD.__getitem__
        detected = sorted(
            (start, end, cname, lexname, version)
            for cname, func, lexname, version in self.detectors
            for start, end, *_ in func(text)
        )
        det_starts = [d[0] for d in detected]
        for pa, pb in paragraph_spans(text):
            para_regions = quote_regions(text, pa, pb) if has_dq else ()
            region_starts = [r[0] for r in para_regions]
            region_ends = [r[1] for r in para_regions]
            for a, b in sentence_spans_in(text, pa, pb):
                n_sent += 1
                norms = prep.norms(a, b)
                sent = _Sentence(prep, a, b, norms)
                n_words = sum(map(is_word, norms))
                attributed = not REPORTING_CUES.isdisjoint(norms)
                regions = ()
                if para_regions:
                    # regions are sorted and disjoint: those overlapping [a, b) form one slice
                    regions = para_regions[bisect_right(region_ends, a):bisect_left(region_starts, b)]
                q_words = 0
                for x, y in regions:
                    q_words += sum(map(is_word, prep.norms(max(x, a), min(y, b))))
                voice_tokens["quote"] += q_words
                voice_tokens["attributed" if attributed else "narration"] += n_words - q_words
                hit_lists = list(map(cache_get, norms))
                cands = self._candidates(sent, hit_lists) if any(hit_lists) else None
                found = []
                if detected:
                    lo, hi = bisect_left(det_starts, a), bisect_left(det_starts, b)
                    if hi > lo:
                        found = self._detected_in(sent, detected[lo:hi])
                if cands or found:
                    spans = sent.spans
                    word_before = _word_offsets(norms)
                    seen_cats = set()
                    resolved = [(cat, s, e, ce.entry.pattern, ce.lexicon, ce.version, spans[s][0], spans[e - 1][1])
                                for cat, s, e, ce in self._resolve(cands)] if cands else []
                    for cat, s, e, entry, lexname, version, start, end in sorted(resolved + found, key=lambda r: (r[6], r[7], r[0])):
                        if regions and _inside(start, para_regions, region_starts):
                            voice = "quote"
                        else:
                            voice = "attributed" if attributed else "narration"
                        matches.append(
                            Match(cat, entry, lexname, version, n_sent - 1, start, end,
                                  n_tokens + word_before[s], n_tokens + word_before[e], text[start:end], voice)
                        )
                        seen_cats.add(cat)
                    for cat in seen_cats:
                        sent_hits[cat] = sent_hits.get(cat, 0) + 1
                n_tokens += n_words
        return DocumentMatches(matches, n_tokens, n_sent, sent_hits, voice_tokens)


class _IsWord(dict):
    """norm -> 1 for word and number tokens, 0 for punctuation (cached)."""

    def __missing__(self, norm):
        value = 1 if token_kind(norm) in ("word", "num") else 0
        if len(self) < 2_000_000:
            self[norm] = value
        return value


_IS_WORD = _IsWord()


def _inside(pos, regions, starts):
    """Is ``pos`` inside one of the sorted, disjoint ``regions`` (``starts`` are their starts)?"""
    i = bisect_right(starts, pos) - 1
    return i >= 0 and pos < regions[i][1]


def _word_offsets(norms):
    from itertools import accumulate

    return [0, *accumulate(map(_IS_WORD.__getitem__, norms))]
