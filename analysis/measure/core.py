"""The bridge to the compiled scanning core (``analysis._core``, built from ``analysis/_core.c``).

The core runs the whole per-document loop in C: paragraphs, sentences, tokens, the element automaton of
every lexicon entry, the overlap rule and voice. Every decision that depends on one token's text only
(how a raw token expands into normalised tokens, its kind, which entries it can anchor, which globs it
matches) is made once per distinct token by the Python functions of :mod:`analysis.text.tokenize` and
:mod:`analysis.measure.matching`, and cached by the core. The pure-Python path of
:class:`~analysis.measure.matching.Matcher` stays the definition: ``tests/measure/test_core_parity.py``
checks that both paths return identical matches, counts and voices.

The core is used when it was compiled at install time and the lexicons have no case-sensitive entry
(those compare token surfaces, which only the Python path keeps); ``Matcher.engine`` says which path
runs. Setting the environment variable ``MFA_ENGINE=python`` forces the Python path.
"""
from __future__ import annotations

import os
import re
import threading
import warnings
from functools import cached_property

from ..lexicons.patterns import MAX_GLOB_TOKEN, glob_to_regex
from ..text.tokenize import (
    ABBREVIATIONS,
    EXPANSION,
    NUMBER_WORDS,
    QUOTE_CHARS,
    SENTENCE_STARTERS,
    is_number_token,
    token_kind,
)
from .scare_quotes import MAX_SCARE_WORDS, after_reporting, scare_quotes
from .voice import REPORTING_CUES

try:  # compiled at install time; absent when no C compiler was available
    from .. import _core

    MISSING_REASON = None
except ImportError as exc:  # pragma: no cover - depends on the installation
    _core = None
    MISSING_REASON = (
        f"the compiled core analysis._core is not available ({exc}); scoring runs on the pure-Python path, "
        "which gives the same results many times slower. Reinstall with a C compiler (see docs/core.md)"
    )
    if os.environ.get("MFA_ENGINE", "").lower() != "python":  # asked for the Python path: nothing to say
        warnings.warn(MISSING_REASON, RuntimeWarning, stacklevel=2)

__all__ = ["AVAILABLE", "MISSING_REASON", "CoreScanner", "GlobIndex", "StringTable", "compiled_cue_model", "csv_rows",
           "is_arrow_text", "row_counts", "sentence_scanner",
           "strings_from_buffers", "unsupported_reason"]

AVAILABLE = _core is not None
VOICES = ("narration", "quote", "attributed")


def compiled_cue_model(vocabulary, weights, bias, sets, source_sets=None):
    """The compiled form of an attribution cue model (``_core.CueModel``: words and weights in C hash
    tables) for ``Scanner.attributions``; ``TypeError`` when a weight is not a float. The sets are the
    word sets of the rules of :mod:`analysis.measure.attribution`, in the order of
    ``analysis/_core_src/attribution.h``; ``source_sets`` (the type names, then the word sets and marker
    phrases of ``source_type``) let the core type the sources written in ASCII itself (None: every
    source is typed by the ``source_type`` function passed to ``Scanner.attributions``)."""
    if source_sets is None:
        return _core.CueModel(vocabulary, weights, bias, sets)
    return _core.CueModel(vocabulary, weights, bias, sets, source_sets)


def row_counts(draws, out=None):
    """The multiplicities of bootstrap resamples: for int64 ``draws`` of shape ``(b, n)`` (each row a
    resample of indices in ``[0, n)``), a float64 ``(b, n)`` array whose row ``r`` counts how often each
    index appears in row ``r`` (``np.bincount`` of each row, as exact doubles), written into ``out``
    when given (a C-contiguous float64 array of that shape, reused from batch to batch: no fresh memory
    per batch). The compiled core counts in one pass without the offset draws and the integer counts
    that ``np.bincount`` needs; without the core, ``np.bincount``.

    >>> import numpy as np
    >>> row_counts(np.array([[0, 0, 2], [1, 2, 2]])).tolist()
    [[2.0, 0.0, 1.0], [0.0, 1.0, 2.0]]
    """
    import numpy as np

    draws = np.ascontiguousarray(draws, dtype=np.int64)
    b, n = draws.shape
    if out is None:
        out = np.empty((b, n))
    if out.shape != (b, n) or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise ValueError(f"row_counts: out must be a C-contiguous float64 array of shape {(b, n)}")
    if _core is None or n == 0:
        counts = np.bincount((draws + n * np.arange(b)[:, None]).ravel(), minlength=b * n)
        out[...] = counts.reshape(b, n)
        return out
    _core.row_counts(draws, n, out)
    return out


def sentence_scanner():
    """A ``_core.Scanner`` without lexicon entries, for ``split`` and ``Scanner.attributions``: both use
    only what the Scanner is made with (the abbreviations and sentence starters of
    :mod:`analysis.text.tokenize`), so no lexicon is loaded or compiled for them (a ``CoreScanner`` of
    the hedging lexicon, which this replaced, cost some 0.06 s per process)."""
    return _core.Scanner(EXPANSION.__getitem__, _no_classify, ABBREVIATIONS, SENTENCE_STARTERS)


def _no_classify(norm: str):
    raise RuntimeError("a sentence scanner classifies no tokens")


def csv_rows(n_rows: int, columns, escape: bool, into: bytearray | None = None):
    """The CSV rows (no header) of a table of text, integer and bool columns, made in one pass by the
    compiled core (``_core.csv_rows``; the column kinds are described in ``analysis/_core_src/attribution.h``):
    bytes, or with ``into`` the number of its first bytes that hold the rows (``into`` grown when it is
    too small; no buffer view of it may be held). Used by :func:`analysis.measure.attribution.write_attributions`."""
    if into is None:
        return _core.csv_rows(n_rows, columns, escape)
    return _core.csv_rows(n_rows, columns, escape, into)


def is_arrow_text(array) -> bool:
    """Whether ``array`` is a pandas string array stored as an Arrow ``large_string`` array (how pandas
    keeps a column of str when pyarrow is there), whose buffers can be built directly."""
    pa_array = getattr(array, "_pa_array", None)
    return pa_array is not None and type(array).__name__ == "ArrowStringArray" and str(pa_array.type) == "large_string"


def strings_from_buffers(like, n: int, offsets, data):
    """A pandas string array of the type and dtype of ``like`` (see :func:`is_arrow_text`) over the
    buffers of an Arrow ``large_string`` array: ``n`` strings, int64 ``offsets``, UTF-8 ``data``."""
    import pyarrow as pa

    return type(like)(pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data)),
                      dtype=like.dtype)


class StringTable:
    """A typed pandas array of a few strings (one per lexicon entry, or the three voices) whose
    :meth:`take` builds the Arrow buffers of the result in C (``_core.take_strings``) when pandas keeps
    text in Arrow: the same array as ``array.take(codes)``, several times faster for a long match table.
    Anything else is the pandas array's.

    >>> import pandas as pd
    >>> t = StringTable(pd.Series(["narration", "quote", "attributed"]).array)
    >>> list(t.take([2, 0, 2]))
    ['attributed', 'narration', 'attributed']
    """

    def __init__(self, array):
        self.array = array
        self._buffers = None
        if _core is not None and is_arrow_text(array) and not array.isna().any():
            import numpy as np

            try:
                encoded = [v.encode("utf-8") for v in array.tolist()]
            except UnicodeEncodeError:  # a lone surrogate: pandas' take
                return
            offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
            offsets[1:] = np.cumsum([len(e) for e in encoded])
            self._buffers = (b"".join(encoded) + bytes(16), offsets)  # 16 spare bytes: copies 16 at a time

    def take(self, codes):
        if self._buffers is None:
            return self.array.take(codes)
        import numpy as np

        codes = np.ascontiguousarray(codes, dtype=np.int32)
        data, offsets = _core.take_strings(*self._buffers, codes)
        return strings_from_buffers(self.array, len(codes), offsets, data)

    def __len__(self):
        return len(self.array)

    def __getattr__(self, name):
        return getattr(self.array, name)


class GlobIndex:
    """Which of many one-token globs match a token, without trying every glob on every token.

    Globs are indexed by their literal lead (the text before the first ``*`` or ``?``); a token only
    tries the globs whose lead is one of its prefixes, plus the globs without a lead.

    >>> gi = GlobIndex(["indicat*", "possib*", "*ly"])
    >>> gi.matching("indications"), gi.matching("possibly"), gi.matching("may")
    ([0], [1, 2], [])
    """

    def __init__(self, globs=()):
        self.globs: list[str] = []
        self.ids: dict[str, int] = {}
        self._by_lead: dict[str, list[int]] = {}
        self._no_lead: list[int] = []
        self._compiled = []
        self._lead_lengths: list[int] = []
        # the globs without a lead, by their tail (the literal characters after the last * or ?): a token
        # not ending with one of these tails matches none of them ("*ing" needs "...ing")
        self.tails: dict[str, list[int]] = {}
        self.tail_lengths: list[int] = []
        self.untailed = False  # a glob with neither lead nor tail ("*", "a*?"): any token could match
        for g in globs:
            self.add(g)

    def add(self, glob: str) -> int:
        gid = self.ids.get(glob)
        if gid is not None:
            return gid
        gid = len(self.globs)
        self.globs.append(glob)
        self.ids[glob] = gid
        self._compiled.append(glob_to_regex(glob))
        cut = min((i for i in (glob.find("*"), glob.find("?")) if i >= 0), default=len(glob))
        lead = glob[:cut]
        if lead:
            self._by_lead.setdefault(lead, []).append(gid)
            self._lead_lengths = sorted({len(k) for k in self._by_lead})
        else:
            self._no_lead.append(gid)
            tail = re.search(r"[^*?]*\Z", glob).group()
            if tail:
                self.tails.setdefault(tail, []).append(gid)
                self.tail_lengths = sorted({len(k) for k in self.tails})
            else:
                self.untailed = True
        return gid

    @property
    def leads(self) -> dict[str, list[int]]:
        """The globs with a lead (the literal characters before the first * or ?), by their lead."""
        return self._by_lead

    @property
    def lead_lengths(self) -> list[int]:
        """The lengths of :attr:`leads`, sorted."""
        return self._lead_lengths

    def matching(self, token: str) -> list[int]:
        if len(token) > MAX_GLOB_TOKEN or not self.globs:
            return []
        cands = self._no_lead
        by_lead = self._by_lead
        for k in self._lead_lengths:
            if k > len(token):
                break
            hit = by_lead.get(token[:k])
            if hit:
                cands = cands + hit
        if not cands:
            return []
        compiled = self._compiled
        return sorted({g for g in cands if compiled[g].fullmatch(token)})


def unsupported_reason(matcher) -> str | None:
    """Why ``matcher`` cannot run on the core (None when it can)."""
    if not AVAILABLE:
        return MISSING_REASON
    for ce in matcher.entries:
        if ce.pattern.case_sensitive:
            return f"entry {ce.entry.pattern!r} is case-sensitive (only the Python path compares surfaces)"
    return None


class CoreScanner:
    """A matcher's entries compiled into the core's tables."""

    def __init__(self, matcher):
        reason = unsupported_reason(matcher)
        if reason:
            raise ValueError(reason)
        self.globs = GlobIndex()
        lit_index: dict[str, set] = {}
        glob_anchor: dict[int, set] = {}
        for ce in matcher.entries:
            anchor = ce.pattern.elements[ce.pattern.anchor]
            for v in anchor.values:
                lit_index.setdefault(v, set()).add(ce.idx)
            for g in anchor.globs:
                glob_anchor.setdefault(self.globs.add(g.lower()), set()).add(ce.idx)
            for el in ce.pattern.elements:
                for g in el.globs:
                    self.globs.add(g)
            for pats in ce.contexts.values():
                for pat in pats:
                    for el in pat.elements:
                        for g in el.globs:
                            self.globs.add(g)
        self._lit_index = {norm: tuple(sorted(ids)) for norm, ids in lit_index.items()}
        self._glob_anchor = glob_anchor
        self.scanner = _core.Scanner(EXPANSION.__getitem__, self._classify, ABBREVIATIONS, SENTENCE_STARTERS)
        # new tokens are classified in C by the rules of _classify; those a glob could match still come here
        # a token goes to _classify only when it starts with a glob's lead or ends with a lead-less glob's
        # tail (or a glob has neither): "*ing" alone sent every new token to Python
        self.scanner.set_vocab(
            QUOTE_CHARS, NUMBER_WORDS, REPORTING_CUES, self._lit_index, self.globs.leads,
            self.globs.lead_lengths, self.globs.untailed, MAX_GLOB_TOKEN, self.globs.tails,
            self.globs.tail_lengths,
        )

        cat_names = sorted({ce.category for ce in matcher.entries} | {d[0] for d in matcher.detectors})
        cat_id = {c: i for i, c in enumerate(cat_names)}
        ranks = {ce.idx: r for r, ce in enumerate(sorted(matcher.entries, key=lambda ce: ce.rank))}
        tables = []
        # one thread at a time: the core's work buffers are shared, and a Python callback made while a
        # new token is classified lets other threads run (Dask workers run several tasks in threads)
        self._lock = threading.Lock()
        self.entry_info = []  # entry id -> (category, entry text, lexicon, version)
        self._typed = None
        for ce in matcher.entries:
            els = ce.pattern.elements
            k = ce.pattern.anchor
            contexts = tuple(
                [self._seq(p.elements) for p in ce.contexts.get(key, ())]
                for key in ("unless_followed_by", "unless_preceded_by", "only_followed_by", "only_preceded_by")
            )
            tables.append((cat_id[ce.category], ranks[ce.idx], 0, self._seq(els[:k]), self._seq(els[k + 1:]), contexts))
            self.entry_info.append((ce.category, ce.entry.pattern, ce.lexicon, ce.version))
        self.detector_entry = {}
        for cname, _func, lexname, version in matcher.detectors:
            self.detector_entry[cname] = len(tables)
            tables.append((cat_id[cname], 0, 1, (), (), ([], [], [], [])))
            label = f"<{cname.rsplit('.', 1)[-1].replace('_', ' ')}>"
            self.entry_info.append((cname, label, lexname, version))
        self.scanner.set_entries(tables, len(cat_names))
        self.cat_names = cat_names
        self.detectors = matcher.detectors
        if len(self.detectors) == 1 and self.detectors[0][1] is scare_quotes:
            # the core runs the scare-quote rules itself and asks after_reporting() for the rare
            # quotes that follow a comma or colon
            self.scanner.set_scare(self.detector_entry[self.detectors[0][0]], MAX_SCARE_WORDS, after_reporting)
            self.detectors = []

    def _classify(self, norm: str):
        kind = token_kind(norm)
        flags = 0
        if kind in ("word", "num"):
            flags |= _core.F_WORD
        if kind == "word":
            flags |= _core.F_WORDKIND
        first = norm[0]
        if first.isalnum() or (first == "'" and len(norm) > 1):
            flags |= _core.F_ANY
        if is_number_token(norm):
            flags |= _core.F_NUM
        if norm in REPORTING_CUES:
            flags |= _core.F_CUE
        globs = self.globs.matching(norm)
        anchors = set(self._lit_index.get(norm, ()))
        for g in globs:
            anchors.update(self._glob_anchor.get(g, ()))
        return flags, tuple(sorted(anchors)), tuple(globs)

    def native_classification(self, norm: str):
        """How the core classifies ``norm`` (natively, or through :meth:`_classify` when a glob could
        match it); tests compare it with :meth:`_classify`."""
        flags, anchors, globs = self.scanner.classify(norm)
        return flags, tuple(anchors), tuple(globs)

    def _seq(self, elements):
        out = []
        for el in elements:
            if el.kind == "any":
                kind = _core.K_ANY
            elif el.kind == "class":
                cls = next(iter(el.values))
                kind = {"num": _core.K_NUM, "word": _core.K_WORD, "cap": _core.K_CAP}[cls]
            else:
                kind = _core.K_LIT
            if kind == _core.K_LIT:
                vals = sorted({self.scanner.intern(v) for v in el.values})
                globs = sorted({self.globs.add(g) for g in el.globs})
            else:
                vals, globs = [], []
            out.append((kind, el.lo, el.hi, vals, globs))
        return out

    def _prepare(self, text: str):
        fast = self.scanner.prepare(text)
        if fast is not None:
            low, has_dq = fast
        else:
            low = text.lower()
            if len(low) != len(text):
                return None
            if "’" in low:
                low = low.replace("’", "'")
            has_dq = any(ch in text for ch in "\"“”„") or "''" in text or "``" in text
        detected = ()
        if self.detectors:
            found = sorted(
                (start, end, cname, lexname, version)
                for cname, func, lexname, version in self.detectors
                for start, end, *_ in func(text)
            )
            entry = self.detector_entry
            detected = [(s, e, entry[c]) for s, e, c, _, _ in found]
        return low, detected, has_dq

    def set_output(self, columns, member_of):
        """Count columns for :meth:`score_doc`: ``columns`` are category names (sub-categories first,
        then roll-ups); ``member_of`` maps a sub-category to its roll-up column name."""
        key = (tuple(columns), tuple(sorted(member_of.items())))
        if getattr(self, "_output_key", None) == key:
            return
        col = {c: i for i, c in enumerate(columns)}
        out_index = [col[c] for c in self.cat_names]
        top_of = [col[member_of[c]] if c in member_of else -1 for c in columns]
        self.scanner.set_output([tuple(x) for x in self.entry_info], VOICES, out_index, top_of)
        self.voices = VOICES
        self._output_key = key
        self.columns = list(columns)

    @cached_property
    def entry_id(self) -> dict:
        """(category, entry text, lexicon, version) -> entry id (to pack rows of the Python path)."""
        return {tuple(x): k for k, x in enumerate(self.entry_info)}

    def typed_entry_columns(self) -> dict:
        """Per entry id, the category, entry, lexicon and version columns as typed pandas arrays (and the
        voices per voice code), so that match tables are built by taking from them."""
        if self._typed is None:
            import pandas as pd

            names = ("category", "entry", "lexicon", "lexicon_version")
            self._typed = {name: StringTable(pd.Series([x[k] for x in self.entry_info]).array)
                           for k, name in enumerate(names)}
            self._typed["voice"] = StringTable(pd.Series(list(VOICES)).array)
        return self._typed

    def score_doc(self, text: str, head: tuple):
        """One document for :func:`~analysis.measure.batch.scan`: ``(n_tokens, n_sentences,
        narration, quote, attributed, counts, sentence counts, rows)``, counts per column of
        :meth:`set_output`, rows ``head + (sentence, category, ...)``; None when the text needs the
        Python path. With ``head=None`` the rows are replaced by packed int32 records (sentence, entry,
        start, end, token start, token end, voice) and the list of matched texts."""
        prep = self._prepare(text)
        if prep is None:
            return None
        low, detected, has_dq = prep
        with self._lock:
            return self.scanner.score_doc(text, low, detected, has_dq, head)

    def scan(self, text: str):
        """Scan one text; None when it needs the Python path (a character whose lower case has
        another length). Otherwise ``(n_tokens, n_sentences, voice_tokens, sentence_hits, rows)`` with
        rows ``(sentence, category, entry, matched, start, end, token_start, token_end, voice, lexicon,
        version)`` in text order."""
        prep = self._prepare(text)
        if prep is None:
            return None
        low, detected, has_dq = prep
        with self._lock:
            n_words, n_sent, narr, quote, attr, hits, raw = self.scanner.scan(text, low, detected, has_dq)
        info = self.entry_info
        rows = []
        append = rows.append
        for sent, entry, start, end, ts, te, voice in raw:
            cat, pattern, lexname, version = info[entry]
            append((sent, cat, pattern, text[start:end], start, end, ts, te, VOICES[voice], lexname, version))
        names = self.cat_names
        sent_hits = {names[i]: h for i, h in enumerate(hits) if h}
        return n_words, n_sent, {"narration": narr, "quote": quote, "attributed": attr}, sent_hits, rows
