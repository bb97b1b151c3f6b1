"""The scoring contract: what scanning a run of documents gives, before any table is built.

Both engines, the compiled core and the Python reference path, produce one :class:`Batch`: per-document
numbers as arrays and every match as a packed record (sentence, entry id, offsets, voice code) plus its
matched text. Entry ids index the matcher's :class:`EntryTable` (category, entry, lexicon, version), which
is the same for both engines. Two public functions serve every way of scoring:

- :func:`scan` (``matcher, texts, ids, outlets -> Batch``) scores a chunk of documents; adjacent chunks
  join with :meth:`Batch.concat`, in one process or many (``--jobs``, streaming, Dask);
- :func:`analysis.measure.scoring.assemble` (``batch, matcher, corpus -> ScoreResult``) builds the match,
  document and summary tables and the provenance once, from the whole.

So a corpus scored in pieces gives exactly the tables of one pass, whichever engine scanned each piece.

Examples
--------
>>> from analysis.measure.matching import Matcher
>>> batch = scan(Matcher("hedging", engine="python"), ["It may rain.", "No."], ["a", "b"], ["x", "x"])
>>> len(batch), batch.n_matches.tolist(), batch.n_rows
(2, [1, 0], 1)
>>> "hedging.modal" in batch.columns, batch.columns[-1]  # the categories, then the roll-up
(True, 'hedging')
"""
from __future__ import annotations

import gc
from array import array
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from .core import VOICES, StringTable, is_arrow_text, strings_from_buffers
from .matching import Matcher, rollup_categories

__all__ = ["RECORD_FIELDS", "STATS", "Batch", "EntryTable", "count_columns", "entry_table", "scan"]

STATS = ("n_tokens", "n_sentences", "n_tokens_narration", "n_tokens_quote", "n_tokens_attributed")
# int32 fields of a packed match record, in order
RECORD_FIELDS = ("sentence", "entry", "start", "end", "token_start", "token_end", "voice")
_RECORD = len(RECORD_FIELDS)


@dataclass(slots=True)
class Batch:
    """A scanned run of documents, in document order.

    Attributes
    ----------
    columns : tuple of str
        The count columns: the matcher's categories, then their roll-ups (``hedging`` for
        ``hedging.*``); see :func:`count_columns`.
    stats : numpy.ndarray
        (n, 5) int64: :data:`STATS` per document.
    counts, sents : numpy.ndarray
        (n, k) int64: matches, and sentences with at least one match, per count column.
    n_matches : numpy.ndarray
        (n,) int64: match records of each document.
    records : numpy.ndarray
        (m, 7) int32: one row per match, fields :data:`RECORD_FIELDS`; ``entry`` indexes the
        matcher's :class:`EntryTable`, ``voice`` indexes ``VOICES``.
    matched : list of str or pandas string array
        (m,): the matched text of each record.
    """

    columns: tuple
    stats: np.ndarray
    counts: np.ndarray
    sents: np.ndarray
    n_matches: np.ndarray
    records: np.ndarray
    matched: object

    def __len__(self) -> int:
        return len(self.stats)

    @property
    def n_rows(self) -> int:
        """Number of match records."""
        return len(self.records)

    def compact(self) -> Batch:
        """The matched texts as one string array (cheaper to pickle and to concatenate than a list)."""
        if isinstance(self.matched, list) and self.matched:
            self.matched = string_array(self.matched)
        return self

    @staticmethod
    def concat(parts: list) -> Batch:
        """Adjacent runs, in order, as one."""
        if not parts:
            raise ValueError("nothing to concatenate")
        if len(parts) == 1:
            return parts[0]
        if any(p.columns != parts[0].columns for p in parts):
            raise ValueError("batches of different count columns cannot be joined")
        with_matches = [p for p in parts if p.n_rows]

        def stack(name):
            return np.concatenate([getattr(p, name) for p in parts])

        records = np.concatenate([p.records for p in with_matches]) if with_matches else parts[0].records
        chunks = [p.matched for p in with_matches]
        if all(isinstance(c, list) for c in chunks):
            matched = list(chain.from_iterable(chunks))
        else:
            chunks = [string_array(c) if isinstance(c, list) else c for c in chunks]
            matched = type(chunks[0])._concat_same_type(chunks)
        return Batch(parts[0].columns, stack("stats"), stack("counts"), stack("sents"), stack("n_matches"),
                     records, matched)


class EntryTable:
    """What a record's entry id stands for: ``info[id] = (category, entry, lexicon, version)``.

    The lexicon entries in the matcher's order, then one pseudo-entry per detector (``<scare quotes>``);
    the compiled core numbers its entries the same way (``tests/measure/test_batch.py`` checks it).
    """

    def __init__(self, matcher: Matcher):
        info = [(ce.category, ce.entry.pattern, ce.lexicon, ce.version) for ce in matcher.entries]
        for cname, _func, lexname, version in matcher.detectors:
            info.append((cname, f"<{cname.rsplit('.', 1)[-1].replace('_', ' ')}>", lexname, version))
        self.info = info
        self.ids = {x: k for k, x in enumerate(info)}
        self._typed = None

    def typed(self) -> dict:
        """Per entry id, the ``category``, ``entry``, ``lexicon`` and ``lexicon_version`` columns (and the
        voices per voice code, ``voice``) as typed string tables, which match tables take from."""
        if self._typed is None:
            names = ("category", "entry", "lexicon", "lexicon_version")
            self._typed = {name: StringTable(pd.Series([x[k] for x in self.info]).array)
                           for k, name in enumerate(names)}
            self._typed["voice"] = StringTable(pd.Series(list(VOICES)).array)
        return self._typed


def entry_table(matcher: Matcher) -> EntryTable:
    """The matcher's :class:`EntryTable` (the compiled core's own tables when it runs; made once)."""
    table = getattr(matcher, "_entry_table", None)
    if table is None:
        table = EntryTable(matcher)
        core = getattr(matcher, "_core", None)
        if core is not None and [tuple(x) for x in core.entry_info] == table.info:
            table._typed = core.typed_entry_columns()
        matcher._entry_table = table
    return table


def count_columns(categories) -> tuple[list, dict, dict]:
    """Count columns (categories, then roll-ups), the roll-ups, and the roll-up of each sub-category."""
    rollups = rollup_categories(categories)
    member_of = {m: top for top, members in rollups.items() for m in members}
    return list(categories) + list(rollups), rollups, member_of


# -- scanning ------------------------------------------------------------------------------------------


def scan(matcher: Matcher, texts: list, ids: list, outlets: list, progress=None) -> Batch:
    """Score documents (``texts`` with their ``ids`` and ``outlets``) into a :class:`Batch`.

    Parameters
    ----------
    matcher : Matcher
        Compiled lexicons; its engine (``matcher.engine``) scans, and any text the compiled core does
        not take (a character whose lower case has another length) goes through the Python path.
    texts, ids, outlets : list
        The documents, aligned.
    progress : tqdm-like, optional
        ``update(1)`` is called once per document.
    """
    columns, rollups, member_of = count_columns(matcher.categories)
    k = len(columns)
    core = getattr(matcher, "_core", None)
    n = len(texts)
    table = entry_table(matcher)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small lists and tuples with no cycles: no collection while they are made
    try:
        utf8 = False
        if core is not None:
            core.set_output(columns, member_of)
            # matched texts straight into Arrow buffers when pandas keeps text in Arrow (no str objects)
            utf8 = arrow_strings() is not None
            core.scanner.set_matched_utf8(utf8)
            score_doc = core.score_doc
            if progress is None:
                results = [score_doc(t, None) if isinstance(t, str) else None for t in texts]
            else:
                results = []
                for t in texts:
                    results.append(score_doc(t, None) if isinstance(t, str) else None)
                    progress.update(1)
        else:
            results = [None] * n
        for i, res in enumerate(results):
            if res is None:  # the Python path (the Python engine, or a text the core does not take)
                results[i] = python_result(matcher, table, ids[i], outlets[i], texts[i], columns, rollups, member_of)
                if core is None and progress is not None:
                    progress.update(1)
        stats = np.array([r[:5] for r in results], dtype=np.int64).reshape(n, 5)
        counts = np.array([r[5] for r in results], dtype=np.int64).reshape(n, k)
        sents = np.array([r[6] for r in results], dtype=np.int64).reshape(n, k)
        packed = [r[7] for r in results]
        n_matches = np.fromiter(map(len, packed), dtype=np.int64, count=n) // (4 * _RECORD)
        records = np.frombuffer(b"".join(packed), dtype=np.int32).reshape(-1, _RECORD)
        matched = _matched_texts([r[8] for r in results], utf8 and len(records) > 0)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Batch(tuple(columns), stats, counts, sents, n_matches, records, matched)


def union_count(spans) -> tuple[int, int]:
    """Matches and sentences of a roll-up: overlapping spans ``(start, end, sentence)`` of its
    sub-categories count once (leftmost first, then longest)."""
    count, last_end = 0, -1
    for start, end, _sent in sorted(spans, key=lambda x: (x[0], -x[1])):
        if start >= last_end:
            count += 1
            last_end = end
    return count, len({x[2] for x in spans})


def python_result(matcher: Matcher, table: EntryTable, doc_id, outlet, text, columns, rollups, member_of):
    """One document on the Python path (:meth:`Matcher.match_python`), shaped like the core's result:
    ``(5 numbers, counts, sentence counts, packed records, matched texts)``, counts per column of
    ``columns``; a record's entry id is the id of the entry that matched (``table`` numbers them alike)."""
    dm = matcher.match_python(text)
    counts = dict.fromkeys(matcher.categories, 0)
    sent_counts = dict(dm.sentences_with_match)
    spans_by_top: dict[str, list] = {}
    for m in dm.matches:
        counts[m.category] += 1
        top = member_of.get(m.category)
        if top is not None:
            spans_by_top.setdefault(top, []).append((m.start, m.end, m.sentence))
    for top in rollups:
        counts[top], sent_counts[top] = union_count(spans_by_top.get(top, ()))
    packed = array("i", [
        x for m, eid in zip(dm.matches, dm.entry_ids)
        for x in (m.sentence, eid, m.start, m.end, m.token_start, m.token_end, VOICES.index(m.voice))
    ]).tobytes()
    voice = dm.tokens_by_voice
    return (dm.n_tokens, dm.n_sentences, voice["narration"], voice["quote"], voice["attributed"],
            [counts.get(c, 0) for c in columns], [sent_counts.get(c, 0) for c in columns],
            packed, [m.matched for m in dm.matches])


def _matched_texts(parts: list, utf8: bool):
    """The matched texts of a run: per document a list of str, or (with ``utf8``, from the core) the
    pair (UTF-8 bytes of its matched texts one after the other, their int32 byte lengths). Returns one
    Arrow-backed string array when every document gave the pair, else a list of str."""
    if utf8 and all(type(p) is tuple for p in parts):
        lengths = np.frombuffer(b"".join([p[1] for p in parts]), dtype=np.int32)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return strings_from_buffers(arrow_strings(), len(lengths), offsets, b"".join([p[0] for p in parts]))
    return list(chain.from_iterable(p if type(p) is not tuple else _decode_utf8(*p) for p in parts))


def _decode_utf8(data: bytes, lengths: bytes) -> list:
    out, at = [], 0
    for n in np.frombuffer(lengths, dtype=np.int32).tolist():
        out.append(data[at : at + n].decode("utf-8"))
        at += n
    return out


_STRING_SAMPLE = None


def arrow_strings():
    """A one-element ``pd.Series(list of str).array`` when pandas keeps such text as an Arrow
    ``large_string`` array (its type and dtype are those of every text column built here), else None."""
    global _STRING_SAMPLE
    if _STRING_SAMPLE is None:
        _STRING_SAMPLE = pd.Series(["a"]).array
    return _STRING_SAMPLE if is_arrow_text(_STRING_SAMPLE) else None


def string_sample():
    """``pd.Series(["a"]).array``: the type and dtype pandas gives a list of str."""
    arrow_strings()
    return _STRING_SAMPLE


def string_array(values: list):
    """``pd.Series(values).array`` for a list of str (built straight from Arrow when pandas stores text
    in Arrow: about twice as fast)."""
    sample = arrow_strings()
    if sample is not None:
        import pyarrow as pa

        try:
            return type(sample)(pa.array(values, type=pa.large_string()), dtype=sample.dtype)
        except (TypeError, ValueError, pa.ArrowException):
            pass
    return pd.Series(values).array
