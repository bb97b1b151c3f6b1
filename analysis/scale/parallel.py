"""Scoring on several processes of one machine, with results identical to a single process.

``score_parallel(corpus, jobs=N)`` returns exactly what :func:`analysis.measure.scoring.score` returns
(same rows, same order, same numbers) for any N. It is built for the case where matching a document
is cheap and fixed costs decide the speed-up:

* **fork when it is safe.** On Linux, when no other Python thread runs in this process, workers are
  started with ``fork``: they inherit the imported modules, the compiled
  :class:`~analysis.measure.matching.Matcher` and the corpus, so nothing is re-imported and no text is
  pickled (start-up takes milliseconds instead of about a second per worker). Otherwise (threads
  running, macOS, Windows, or ``start_method="spawn"`` / ``MFA_START_METHOD=spawn``) a ``spawn``
  process pool is used, which is safe everywhere.
* **this process works too.** With ``jobs=N`` there are N-1 worker processes; this process scores
  its own share instead of waiting.
* **few contiguous pieces, balanced at run time.** The corpus is handed out in contiguous pieces of
  decreasing size (weighted by text length, at most 4 MB of text): this process takes them from the
  front, the workers from the back, so with ``jobs=2`` each side ends up with one contiguous run of
  documents, however unevenly the machine's load is shared between them.
* **tables built once, as score() builds them.** Pieces are scanned into compact arrays
  (:class:`~analysis.measure.batch.Batch`) and each piece's match-table columns are built as soon
  as it is scanned: a forked worker writes them into shared memory mapped before the fork (only their
  places go through the pipe), this process keeps its own; this process then joins the pieces in
  document order (the worker's string columns stay in the shared memory as Arrow chunks) and builds
  the match table, the document table and the summary with the functions
  :func:`~analysis.measure.scoring.score` uses.

Pieces are also scanned on any ``concurrent.futures`` executor (``executor=``, for example a
Dask cluster through ``distributed.Client.get_executor()``, see :mod:`analysis.scale.distributed`),
and :func:`map_in_order` / :func:`process_pool` serve the streaming scorer. Scripts that may start
``spawn`` workers must guard their entry point with ``if __name__ == "__main__":``.
"""
from __future__ import annotations

import gc
import mmap
import multiprocessing
import os
import sys
import threading
import time
import traceback
import warnings
from collections import deque
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from ..lexicons.model import Lexicon, load_lexicons
from ..measure.batch import Batch, count_columns, scan
from ..measure.matching import Matcher
from ..measure.scoring import (
    ScoreResult,
    assemble_matches,
    check_corpus,
    corpus_provenance,
    documents_table,
    match_parts,
    match_table,
    summarise,
)
from ..outputs import column_types, csv_rows

__all__ = ["ForkedTask", "MatcherSpec", "WorkerDiedError", "attribution_table", "fork_is_safe", "fork_task",
           "map_in_order", "process_pool", "resolve_start_method", "score_chunk", "score_parallel"]

START_METHOD_ENV = "MFA_START_METHOD"  # "auto" (default), "fork", "spawn" or "forkserver"
_PIECES_PER_JOB = 64  # smallest piece: 1/(64*jobs) of the text, so the last pieces finish together
_DOC_WEIGHT = 64  # fixed cost of a document, in characters of text
# largest piece, in characters of text: the texts of a piece become Python strings, and memory freed after
# one piece is reused by the next, so small pieces keep a worker from touching (and faulting in, a page at
# a time, after the fork) new memory for every piece (4 MB: worker faults for text 7,800 -> 2,400 at 1e7)
_MAX_PIECE_WEIGHT = 4 << 20
# text (in characters) that adjacent pieces hold before their columns are built and handed over together:
# large enough that the fixed cost of doing it (under a millisecond) stays small against the scanning,
# small enough that what is left after the last piece is a few milliseconds of work
_FINISH_WEIGHT = 1 << 20
# the same when attributions are extracted too (about 20 times the work per character of text): so that
# what is left after the last piece stays short
_FINISH_WEIGHT_ATTRIBUTIONS = 1 << 18
# documents per piece when the attribution table is built in this process (:func:`attribution_table`):
# on the Python path (rows are Python objects), and with the compiled core (whose columns are buffers: a
# piece's cost is mostly per piece, 0.1 s of 1.1 s at 10M tokens with pieces of 1,000)
ATTRIBUTION_PIECE_DOCS = 1000
ATTRIBUTION_PIECE_DOCS_CORE = 20000
# what a forked worker still has to do after its last piece: send the places of its columns in shared
# memory (nothing to speak of), or, when they did not fit there, pickle them through the pipe (measured on
# a 2-core EPYC VM: 3 ms for 123,000 matches in 9,450 documents); it stops taking pieces when what is
# left would keep this process busy about that long, so neither side waits for the other
_SEND_SECONDS_PER_ROW = 0.03e-6
_SEND_SECONDS_PER_DOC = 0.1e-6


@dataclass(frozen=True)
class MatcherSpec:
    """What a worker needs to build a Matcher: parsed lexicons and the category filter (picklable).

    >>> spec = MatcherSpec.create("hedging", ["hedging.modal"])
    >>> spec.build().categories
    ['hedging.modal']
    """

    lexicons: tuple
    categories: tuple | None = None

    @classmethod
    def create(cls, lexicons=None, categories=None) -> MatcherSpec:
        if lexicons is None or isinstance(lexicons, (str, Lexicon)) or hasattr(lexicons, "__fspath__"):
            lexicons = [lexicons] if lexicons is not None else None
        return cls(tuple(load_lexicons(lexicons)), tuple(categories) if categories else None)

    @classmethod
    def from_matcher(cls, matcher: Matcher) -> MatcherSpec:
        cats = matcher.category_filter
        return cls(tuple(matcher.lexicons), tuple(cats) if cats else None)

    @property
    def key(self) -> str:
        return "|".join(lx.sha256 for lx in self.lexicons) + "#" + ",".join(self.categories or ())

    def build(self) -> Matcher:
        return Matcher(list(self.lexicons), categories=list(self.categories) if self.categories else None)


_MATCHERS: dict[str, Matcher] = {}


def worker_matcher(spec: MatcherSpec) -> Matcher:
    """The Matcher for ``spec`` in this process, compiled on first use and then reused."""
    m = _MATCHERS.get(spec.key)
    if m is None:
        if len(_MATCHERS) > 8:
            _MATCHERS.clear()
        m = _MATCHERS[spec.key] = spec.build()
    return m


def score_chunk(corpus: pd.DataFrame, matcher: Matcher, attributions: bool = False):
    """Score one batch of documents: ``(matches, documents)`` exactly as :func:`score` builds them
    (with ``attributions``, ``(matches, documents, attribution table)``, the table as
    :func:`attribution_table` builds it).

    ``corpus`` needs ``doc_id``, ``outlet`` and ``text`` (``date`` and ``title`` are carried over).
    """
    ids, outlets = _ids_outlets(corpus)
    scored = scan(matcher, corpus["text"].tolist(), ids, outlets)
    documents, _ = documents_table(corpus, scored.stats, scored.counts, scored.sents, matcher.categories)
    matches = match_table(scored, matcher, ids, outlets, corpus)
    if attributions:
        return matches, documents, attribution_table(corpus, matches, n_matches=scored.n_matches)
    return matches, documents


def _score_task(spec: MatcherSpec, corpus: pd.DataFrame, attributions: bool = False):
    return score_chunk(corpus, worker_matcher(spec), attributions)


def _ids_outlets(corpus: pd.DataFrame):
    ids = corpus["doc_id"].tolist()
    return ids, corpus["outlet"].tolist() if "outlet" in corpus.columns else ["unknown"] * len(ids)


def _scan_piece(matcher: Matcher, corpus: pd.DataFrame, a: int, b: int, ids: list, outlets: list) -> Batch:
    """Documents ``a:b`` scanned (their texts become Python strings only now, a piece at a time)."""
    return scan(matcher, corpus["text"].iloc[a:b].tolist(), ids[a:b], outlets[a:b])


def _scan_task(spec: MatcherSpec, corpus: pd.DataFrame) -> Batch:
    """A piece scanned in a pool worker, compacted for the way back."""
    ids, outlets = _ids_outlets(corpus)
    return scan(worker_matcher(spec), corpus["text"].tolist(), ids, outlets).compact()


# -- start methods -------------------------------------------------------------------------------------


def fork_is_safe() -> bool:
    """True when workers may be forked from this process: a platform with a reliable ``fork``
    (not Windows, not macOS) and no other Python thread running.

    Threads started by native libraries for their own pools (OpenBLAS, Arrow) are not counted: they
    register at-fork handlers, and forked workers only run the matcher and pandas constructors.

    >>> isinstance(fork_is_safe(), bool)
    True
    """
    return ("fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
            and threading.active_count() == 1)


def resolve_start_method(start_method: str | None = None) -> str:
    """The start method to use: ``start_method``, else ``$MFA_START_METHOD``, else ``"auto"``;
    ``"auto"`` means ``fork`` when :func:`fork_is_safe`, otherwise ``spawn``.

    >>> resolve_start_method("spawn")
    'spawn'
    """
    method = start_method or os.environ.get(START_METHOD_ENV) or "auto"
    if method == "auto":
        return "fork" if fork_is_safe() else "spawn"
    if method not in multiprocessing.get_all_start_methods():
        raise ValueError(f"start method must be 'auto' or one of {', '.join(multiprocessing.get_all_start_methods())},"
                         f" got {method!r}")
    return method


def process_pool(jobs: int, start_method: str | None = "spawn") -> ProcessPoolExecutor:
    """A process pool of ``jobs`` workers using ``start_method`` (``spawn`` by default; ``None`` means
    ``$MFA_START_METHOD`` or ``"auto"``, and ``"auto"`` forks when :func:`fork_is_safe`).

    With ``fork`` the workers are started at once, so they are forked before the pool starts its own
    threads and inherit this process as it is now (imported modules, compiled matchers).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    method = resolve_start_method(start_method)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method))
    if method == "fork":
        with _fork_warnings():
            pool.submit(int).result()  # fork every worker now, before any thread of ours exists
    return pool


@contextmanager
def _fork_warnings():
    """Python 3.12+ warns on fork whenever the OS reports several threads, including the idle pool
    threads of OpenBLAS or Arrow; we only fork after :func:`fork_is_safe` or on explicit request."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*multi-threaded, use of fork\(\) may lead to deadlocks",
                                category=DeprecationWarning)
        yield


# -- one task in a forked child, beside this process ----------------------------------------------------


class ForkedTask:
    """``fn()`` running in a forked child process while this process goes on (:func:`fork_task`);
    :meth:`join` waits for it and returns what it returned, or raises what it raised, or
    :class:`WorkerDiedError` when it was killed.

    The child inherits this process as it is (tables, open mappings), so nothing is pickled on the way
    in; only its result (or its error) comes back. It dies with this process (``PR_SET_PDEATHSIG``), and it
    leaves through ``os._exit``: no ``atexit`` handler and no buffered output of this process runs twice.
    """

    def __init__(self, fn, name: str):
        ctx = multiprocessing.get_context("fork")
        receiver, sender = ctx.Pipe(duplex=False)
        self.name, self.conn = name, receiver
        for stream in (sys.stdout, sys.stderr):  # nothing buffered here is written a second time by the child
            if stream is not None:
                stream.flush()
        try:
            with _fork_warnings():
                self.proc = ctx.Process(target=_run_task, args=(fn, sender, os.getpid()), name=name)
                self.proc.start()
        finally:
            sender.close()

    def join(self):
        """Wait for the task and return what ``fn()`` returned (pickled through a pipe: keep it small);
        raise its error, or :class:`WorkerDiedError` if it did not finish."""
        try:
            status, *payload = self.conn.recv()
        except EOFError:
            status = None
        self.proc.join()
        self.conn.close()
        if status == "ok" and self.proc.exitcode == 0:
            return payload[0]
        if status != "error":
            raise WorkerDiedError(f"{self.name} (process {self.proc.pid}) did not finish ({_died(self.proc)})")
        exc, tb = payload
        if exc is None:
            raise RuntimeError(f"{self.name} (process {self.proc.pid}) failed") from _RemoteTraceback(tb)
        raise exc from _RemoteTraceback(tb)

    def stop(self):
        """Kill the task (when this process gives up on an error) and reap it."""
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def _run_task(fn, conn, parent: int):
    _die_with_parent(parent)
    gc.disable()  # a collection would walk (and so copy) the pages of every object inherited
    try:
        result = ("ok", fn())
    except BaseException as exc:  # noqa: BLE001 - the parent raises it
        result = ("error", exc, traceback.format_exc())
    try:
        conn.send(result)
    except Exception:  # noqa: BLE001 - the exception itself does not pickle: send its text
        conn.send(("error", None, result[2]))
    finally:
        conn.close()


def _die_with_parent(parent: int):
    """Ask Linux to kill this process when its parent dies (and exit if it already has)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)


def fork_task(fn, name: str = "task") -> ForkedTask | None:
    """Start ``fn()`` in a forked child (a :class:`ForkedTask` to :meth:`~ForkedTask.join`), or None when
    forking is not safe here (:func:`fork_is_safe`): the caller then runs ``fn`` itself."""
    if not fork_is_safe() or multiprocessing.current_process().daemon:
        return None
    return ForkedTask(fn, name)


# -- executor path (Dask, streaming) ---------------------------------------------------------------------


def map_in_order(executor: Executor | None, spec: MatcherSpec, batches, max_inflight: int, attributions: bool = False):
    """Yield ``(batch, (matches, documents))`` in input order while up to ``max_inflight`` batches run
    (``(matches, documents, attributions)`` with ``attributions``: see :func:`score_chunk`).

    ``batches`` is any iterable of corpus DataFrames (it is consumed lazily, so a stream stays a
    stream); with ``executor=None`` everything runs in this process.
    """
    if executor is None:
        matcher = worker_matcher(spec)
        for batch in batches:
            yield batch, score_chunk(batch, matcher, attributions)
        return
    pending: deque = deque()
    for batch in batches:
        pending.append((batch, _submit(executor, spec, batch, attributions)))
        while len(pending) >= max_inflight:
            b, fut = pending.popleft()
            yield b, _result(fut, b)
    while pending:
        b, fut = pending.popleft()
        yield b, _result(fut, b)


def _submit(executor, spec, batch, attributions=False):
    from concurrent.futures.process import BrokenProcessPool

    try:
        return executor.submit(_score_task, spec, batch, attributions)
    except BrokenProcessPool:
        raise WorkerDiedError(f"a worker process died (killed or out of memory) before {_chunk_label(batch)} could be "
                              "scored; nothing was written (the finished chunks are kept: run again with --resume)"
                              ) from None


def _chunk_label(batch) -> str:
    i = batch.attrs.get("_chunk")
    label = f"chunk {i}" if i is not None else "a batch"
    if len(batch) and "doc_id" in batch.columns:
        label += f" ({len(batch)} documents, doc_id {batch['doc_id'].iloc[0]!r} to {batch['doc_id'].iloc[-1]!r})"
    return label


def _result(fut, batch):
    """``fut.result()``; a worker that died becomes one :class:`WorkerDiedError` line naming the chunk."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return fut.result()
    except BrokenProcessPool:
        raise WorkerDiedError(f"a worker process died (killed or out of memory) while scoring {_chunk_label(batch)}; "
                              "nothing was written (the finished chunks are kept: run again with --resume)") from None


# -- pieces: contiguous ranges of documents, handed out from both ends ----------------------------------


def _text_lengths(texts: pd.Series) -> np.ndarray:
    """Size of each text (0 for missing values) without turning texts into Python strings: UTF-8
    bytes for Arrow-backed text (read off the offsets), characters otherwise."""
    if getattr(texts.dtype, "storage", None) == "pyarrow" or isinstance(texts.dtype, pd.ArrowDtype):
        import pyarrow as pa  # present: the column is stored in Arrow
        import pyarrow.compute as pc

        try:
            lengths = pc.binary_length(pa.array(texts.array)).fill_null(0)
            return np.asarray(lengths.to_numpy(zero_copy_only=False), dtype=np.int64)
        except (TypeError, ValueError, pa.ArrowException):
            pass
    try:
        return texts.str.len().fillna(0).to_numpy(dtype=np.int64)
    except (AttributeError, TypeError, ValueError):  # not a column of strings: score() will say what is wrong
        return np.fromiter((len(t) if isinstance(t, str) else 0 for t in texts.tolist()), dtype=np.int64,
                           count=len(texts))


class _Pieces:
    """Contiguous ranges of ``[0, n)`` taken from the front (this process) or from the back (workers).

    Pieces are ``1/(2*jobs)`` of the remaining text (guided self-scheduling), at most 4 MB of text
    (``_MAX_PIECE_WEIGHT``), at least ``1/(64*jobs)`` of the whole text and one document; with
    ``batch_size`` they are that many documents. ``bounds`` and ``lock`` live in shared memory when workers are forked.
    """

    def __init__(self, corpus: pd.DataFrame, jobs: int, batch_size: int | None, ctx=None):
        self.n = n = len(corpus)
        self.jobs = jobs
        self.batch_size = batch_size
        self.cum = None
        if not batch_size:
            weights = _text_lengths(corpus["text"]) + _DOC_WEIGHT
            self.cum = np.concatenate([[0], np.cumsum(weights)])
            self.min_weight = max(1, int(self.cum[-1]) // (_PIECES_PER_JOB * jobs))
            self.max_weight = max(self.min_weight, _MAX_PIECE_WEIGHT)
        if ctx is None:
            self.bounds, self.lock = [0, n], threading.Lock()
        else:
            self.bounds, self.lock = ctx.RawArray("q", [0, n]), ctx.Lock()

    def weight(self, a: int, b: int) -> int:
        return int(self.cum[b] - self.cum[a]) if self.cum is not None else b - a

    def take(self, front: bool, smallest: bool = False, reserve: int = 0):
        """The next piece ``(start, stop)`` (the smallest size with ``smallest``), or None when
        everything has been handed out, or (from the back) when no more than ``reserve`` weight is
        left: that is left to the front."""
        with self.lock:
            lo, hi = self.bounds[0], self.bounds[1]
            if lo >= hi or (not front and reserve and self.cum is not None and self.weight(lo, hi) <= reserve):
                return None
            if self.batch_size:
                size = self.batch_size
                a, b = (lo, min(hi, lo + size)) if front else (max(lo, hi - size), hi)
            else:
                cum = self.cum
                target = self.min_weight if smallest else \
                    max(self.min_weight, min(self.max_weight, (int(cum[hi]) - int(cum[lo])) // (2 * self.jobs)))
                if front:
                    a, b = lo, min(hi, max(lo + 1, int(np.searchsorted(cum, cum[lo] + target, "left"))))
                else:
                    b = hi
                    a = max(lo, min(hi - 1, int(np.searchsorted(cum, cum[hi] - target, "right")) - 1))
            if front:
                self.bounds[0] = b
            else:
                self.bounds[1] = a
            return a, b


def _work(matcher: Matcher, corpus: pd.DataFrame, pieces: _Pieces, front: bool, ids: list, outlets: list,
          finish=None, finish_weight: int = _FINISH_WEIGHT) -> list:
    """Scan pieces until none is left: ``[(start, item), ...]``, the item being a piece's
    :class:`Batch`, or what ``finish(start, scored)`` makes of adjacent pieces once they hold
    ``_FINISH_WEIGHT`` of text (their columns, written to shared memory by a worker), so that little is
    left to do after the last piece and small pieces do not each pay the fixed cost of ``finish``.

    From the back (a worker), stop when what is left would keep this process busy about as long as
    the worker needs to hand over what it has so far (see ``_SEND_SECONDS_PER_ROW``).
    """
    done, held = [], []  # held: adjacent scanned pieces not finished yet, in document order
    held_weight = 0

    def flush():
        nonlocal held_weight
        if held:
            start = held[0][0]
            done.append((start, finish(start, Batch.concat([s for _, s in held]))))
            held.clear()
            held_weight = 0

    t0, weight, rows, docs, reserve = time.perf_counter(), 0, 0, 0, 0
    while (piece := pieces.take(front, reserve=reserve)) is not None:
        a, b = piece
        scored = _scan_piece(matcher, corpus, a, b, ids, outlets)
        if finish is None:
            done.append((a, scored))
        else:
            if held and b == held[0][0]:  # from the back: the piece before the held ones
                held.insert(0, (a, scored))
            else:
                if held and held[-1][0] + len(held[-1][1]) != a:  # not adjacent (several workers)
                    flush()
                held.append((a, scored))
            held_weight += pieces.weight(a, b)
            if held_weight >= finish_weight:
                flush()
        if not front:
            weight, rows, docs = weight + pieces.weight(a, b), rows + scored.n_rows, docs + b - a
            rate = weight / max(time.perf_counter() - t0, 1e-6)
            reserve = int(rate * (rows * _SEND_SECONDS_PER_ROW + docs * _SEND_SECONDS_PER_DOC))
    flush()
    return done


class _Run:
    """A contiguous run of documents ready to be joined: per-document arrays, the record-derived
    columns of its match table (:func:`~analysis.measure.scoring.match_parts`) and, when asked for,
    its rows of the attribution table, and the CSV rows of its match rows (``csv``: ``{"matches": (rows,
    column types)}``, made by a worker so that this process only writes them)."""

    __slots__ = ("attributions", "counts", "csv", "n_matches", "parts", "sents", "stats")

    def __init__(self, stats, counts, sents, n_matches, parts, attributions=None, csv=None):
        self.stats, self.counts, self.sents, self.n_matches, self.parts = stats, counts, sents, n_matches, parts
        self.attributions = attributions
        self.csv = csv

    @classmethod
    def of(cls, scored: Batch, matcher: Matcher, corpus: pd.DataFrame, start: int, attributions: bool = False,
           csv_escape: bool | None = None) -> _Run:
        """The run of ``corpus``'s documents from ``start`` on that ``scored`` holds (with its
        attribution rows when ``attributions``, and the CSV rows of its tables unless ``csv_escape``
        is None)."""
        run = cls(scored.stats, scored.counts, scored.sents, scored.n_matches,
                  match_parts(scored, matcher, corpus, start))
        matches = None
        if attributions or csv_escape is not None:
            piece = corpus.iloc[start:start + len(scored)]
            ids, outlets = _ids_outlets(piece)
            matches = assemble_matches([run.parts], run.n_matches, ids, outlets, piece)
        if attributions:
            run.attributions = attribution_table(piece, matches)
        if csv_escape is not None:
            run.csv = {}
            if len(matches):
                run.csv["matches"] = (csv_rows(matches, csv_escape), column_types(matches))
            if attributions and len(run.attributions):  # the bytes write_attributions writes for these rows
                run.csv["attributions"] = (csv_rows(run.attributions, csv_escape), column_types(run.attributions))
        return run

    def fields(self) -> dict:
        return {"stats": self.stats, "counts": self.counts, "sents": self.sents, "n_matches": self.n_matches}


def _merged(done: list) -> list:
    """``[(start, item)]`` in document order with adjacent :class:`Batch` pieces concatenated into one."""
    out, group = [], []

    def flush():
        if group:
            out.append((group[0][0], Batch.concat([g[1] for g in group])))
            group.clear()

    for start, item in sorted(done, key=lambda d: d[0]):
        if isinstance(item, Batch) and (not group or group[-1][0] + len(group[-1][1]) == start):
            group.append((start, item))
            continue
        flush()
        if isinstance(item, Batch):
            group.append((start, item))
        else:
            out.append((start, item))
    flush()
    return out


def _tables(done: list, matcher: Matcher, corpus: pd.DataFrame, ids: list, outlets: list):
    """The match and document tables from scanned pieces and runs ``[(start, Batch or _Run)]`` covering
    every document, built exactly as :func:`~analysis.measure.scoring.score` builds them."""
    if not done:
        done = [(0, scan(matcher, [], [], []))]
    merged = _merged(done)
    runs = [item if isinstance(item, _Run) else _Run.of(item, matcher, corpus, start) for start, item in merged]

    def joined(name):
        arrays = [getattr(r, name) for r in runs]
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

    n_matches = joined("n_matches")
    matches = assemble_matches([r.parts for r in runs], n_matches, ids, outlets, corpus)
    documents, _ = documents_table(corpus, joined("stats"), joined("counts"), joined("sents"), matcher.categories)
    # what each run brings of the attribution table: (start, stop, its rows or None)
    att = [(start, start + len(r.stats), r.attributions) for (start, _), r in zip(merged, runs)]
    # the match table's rows run by run: (rows, CSV rows or None, their column types)
    csv = [(int(r.n_matches.sum()), *(r.csv or {}).get("matches", (None, None))) for r in runs]
    # the same for the attribution table, when every run brings its rows (None otherwise)
    att_csv = None
    if att and all(frame is not None for _, _, frame in att):
        att_csv = [(len(r.attributions), *(r.csv or {}).get("attributions", (None, None))) for r in runs]
    return matches, documents, att, n_matches, {"matches": csv, "attributions": att_csv}


def attribution_table(corpus: pd.DataFrame, matches: pd.DataFrame, *, docs_per_piece: int | None = None,
                      pieces=None, n_matches=None) -> pd.DataFrame:
    """The attribution table of ``corpus`` with its match counts: exactly
    ``with_match_counts(attributions_frame(corpus), matches)`` (:mod:`analysis.measure.attribution`),
    built ``docs_per_piece`` documents at a time, so that only one piece's rows are ever Python objects
    (extraction is per document: sources are resolved within a document, and ``attribution`` counts
    within it).

    Parameters
    ----------
    corpus : pandas.DataFrame
        A checked corpus table (unique ``doc_id``; ``text``, ``outlet``).
    matches : pandas.DataFrame
        Its match table, rows in document order (as :func:`~analysis.measure.scoring.score` gives it).
    docs_per_piece : int, optional
        Documents per piece (default :data:`ATTRIBUTION_PIECE_DOCS`, or :data:`ATTRIBUTION_PIECE_DOCS_CORE`
        when the compiled core extracts).
    pieces : list of (int, int, DataFrame or None), optional
        Ranges ``[start, stop)`` covering the corpus in order with their rows already built (None:
        build them here); ``n_matches`` must then be given.
    n_matches : array of int, optional
        Match rows of each document (counted from ``matches`` when not given).

    Examples
    --------
    >>> from analysis.measure.scoring import score
    >>> res = score(["Officials said it may rain.", "No."])
    >>> attribution_table(check_corpus(["Officials said it may rain.", "No."]), res.matches)["cue"].tolist()
    ['said']
    """
    from ..measure.attribution import attributions_frame, engine_of, with_match_counts

    if pieces is None:
        if docs_per_piece is None:
            docs_per_piece = ATTRIBUTION_PIECE_DOCS_CORE if engine_of()[0] == "c" else ATTRIBUTION_PIECE_DOCS
        n = len(corpus)
        pieces = [(a, min(n, a + docs_per_piece), None) for a in range(0, n, docs_per_piece)]
        if len(pieces) == 1:
            return with_match_counts(attributions_frame(corpus), matches)
        if n_matches is None:
            n_matches = matches.groupby("doc_id", sort=False).size().reindex(corpus["doc_id"], fill_value=0).to_numpy()
    if not pieces:
        return with_match_counts(attributions_frame(corpus.iloc[:0]), matches.iloc[:0])
    row_at = np.concatenate([[0], np.cumsum(np.asarray(n_matches, dtype=np.int64))])
    frames = []
    for a, b, frame in pieces:
        if frame is None:
            frame = with_match_counts(attributions_frame(corpus.iloc[a:b]), matches.iloc[row_at[a]:row_at[b]])
        frames.append(frame)
    full = [f for f in frames if len(f)]  # an empty piece's text columns are not typed as the others
    if not full:
        return frames[0]
    return full[0].reset_index(drop=True) if len(full) == 1 else pd.concat(full, ignore_index=True)


# -- shared memory: a forked worker's arrays reach this process without a copy --------------------------

_ALIGN = 64
_MAP_NORESERVE = 0x4000 if sys.platform.startswith("linux") else 0  # reserve no swap for untouched pages


class _AreaFull(Exception):
    pass


class _SharedArea:
    """Two anonymous shared memory areas mapped before the fork, one per worker: the worker writes the
    string columns of its match table into ``text`` and its other arrays into ``scratch``, and sends
    only where they are through the pipe. This process reads them in place: the string columns stay
    where they are (the match table's Arrow chunks point into ``text``), the other arrays are copied
    into the tables, and ``scratch`` is unmapped afterwards. Pages cost memory only once written."""

    def __init__(self, capacity: int):
        self.text = mmap.mmap(-1, capacity, flags=mmap.MAP_SHARED | _MAP_NORESERVE)
        self.scratch = mmap.mmap(-1, capacity, flags=mmap.MAP_SHARED | _MAP_NORESERVE)
        self.pos = {"text": 0, "scratch": 0}

    def _write(self, where: str, buf) -> int:
        mm = getattr(self, where)
        view = memoryview(buf)
        start = -(-self.pos[where] // _ALIGN) * _ALIGN
        if start + view.nbytes > len(mm):
            raise _AreaFull
        if view.nbytes:
            mm[start:start + view.nbytes] = view.cast("B")
        self.pos[where] = start + view.nbytes
        return start

    def put(self, value):
        """Where ``value`` is once written (numeric arrays and Arrow string arrays without missing
        values), or ``("obj", value)`` to send it as it is."""
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            value = np.ascontiguousarray(value)
            return ("np", self._write("scratch", value), value.dtype.str, value.shape)
        pa_array = getattr(value, "_pa_array", None)
        if type(value).__name__ == "ArrowStringArray" and pa_array is not None:
            import pyarrow as pa

            chunk = pa_array.combine_chunks() if pa_array.num_chunks != 1 else pa_array.chunk(0)
            if chunk.null_count == 0 and pa.types.is_large_string(chunk.type):
                n = len(chunk)
                offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64, count=n + 1, offset=chunk.offset * 8)
                first, last = int(offsets[0]), int(offsets[-1])
                data = chunk.buffers()[2]
                data = memoryview(data)[first:last] if data is not None else b""
                return ("str", type(value), value.dtype, n, self._write("text", offsets - first),
                        self._write("text", data), last - first)
        return ("obj", value)

    def get(self, ref):
        """The value ``put`` wrote (a view into the area, not a copy)."""
        kind = ref[0]
        if kind == "np":
            _, start, dtype, shape = ref
            dtype = np.dtype(dtype)
            return np.frombuffer(self.scratch, dtype=dtype, count=int(np.prod(shape)), offset=start).reshape(shape)
        if kind == "str":
            import pyarrow as pa

            _, cls, dtype, n, at_offsets, at_data, size = ref
            view = memoryview(self.text)
            buffers = [None, pa.py_buffer(view[at_offsets:at_offsets + 8 * (n + 1)]),
                       pa.py_buffer(view[at_data:at_data + size])]
            return cls(pa.Array.from_buffers(pa.large_string(), n, buffers), dtype=dtype)
        return ref[1]

    def export(self, run: _Run) -> dict:
        """``run`` written into the areas: the references :meth:`imported` reads it back from."""
        parts = {name: self.put(v) for name, v in run.parts.items() if _is_string(v)}
        parts.update({name: self.put(v) for name, v in run.parts.items() if name not in parts})
        refs = {"parts": parts, **{name: self.put(v) for name, v in run.fields().items()}}
        if run.csv is not None:  # CSV rows in the text area, which stays mapped while they are written
            refs["csv"] = {name: (None if rows is None else self.put_bytes(rows), types)
                           for name, (rows, types) in run.csv.items()}
        if run.attributions is not None:
            frame = run.attributions
            refs["attributions"] = [(name, self.put(frame[name].array if _is_string(frame[name].array)
                                                    else frame[name].to_numpy())) for name in frame.columns]
        return refs

    def imported(self, refs: dict) -> _Run:
        """The run :meth:`export` wrote, read in place."""
        parts = {name: self.get(ref) for name, ref in refs["parts"].items()}
        attributions = None
        if "attributions" in refs:
            attributions = pd.DataFrame({name: self.get(ref) for name, ref in refs["attributions"]}, copy=False)
        csv = None
        if "csv" in refs:
            csv = {name: (None if at is None else self.get_bytes(at), types) for name, (at, types) in refs["csv"].items()}
        return _Run(self.get(refs["stats"]), self.get(refs["counts"]), self.get(refs["sents"]),
                    self.get(refs["n_matches"]), parts, attributions, csv)

    def put_bytes(self, data: bytes) -> tuple:
        """Where ``data`` is once written in the text area."""
        return (self._write("text", data), len(data))

    def get_bytes(self, at: tuple) -> memoryview:
        """The bytes :meth:`put_bytes` wrote (a view, not a copy)."""
        start, n = at
        return memoryview(self.text)[start:start + n]

    def release(self):
        """Unmap the scratch area once nothing points into it (left mapped if something still does)."""
        try:
            self.scratch.close()
        except BufferError:
            pass


def _is_string(value) -> bool:
    return type(value).__name__ == "ArrowStringArray"


def _area_capacity(pieces: _Pieces, corpus: pd.DataFrame) -> int:
    """Room for everything one worker could send: its match table's columns and document arrays are a
    small multiple of its text at most (about 0.5 bytes per byte of text on news), so 4 bytes per
    byte of text, plus 64 MB. Only the pages written take memory."""
    text = int(pieces.cum[-1]) if pieces.cum is not None else int(_text_lengths(corpus["text"]).sum()) + 64 * len(corpus)
    return (64 << 20) + 4 * text


# -- fork: workers inherit the corpus and the matcher -----------------------------------------------------

_INHERITED = None  # (corpus, matcher, pieces, ids, outlets, attributions, csv_escape), set just before forking


def _forked_worker(conn, area):
    try:
        corpus, matcher, pieces, ids, outlets, attributions, csv_escape = _INHERITED

        def finish(start, scored):
            # each piece's columns are made and handed over at once, so the last piece leaves nothing to do
            run = _Run.of(scored, matcher, corpus, start, attributions, csv_escape)
            if area is not None:
                try:
                    return ("shared", area.export(run))
                except _AreaFull:  # more than foreseen: this one goes through the pipe
                    pass
            return ("run", run)

        result = ("ok", _work(matcher, corpus, pieces, False, ids, outlets, finish, _finish_weight(attributions)))
    except BaseException as exc:  # noqa: BLE001 - report everything, KeyboardInterrupt included, then exit
        result = ("error", exc, traceback.format_exc())
    try:
        conn.send(result)
    except Exception:  # noqa: BLE001 - the exception itself does not pickle: send its text
        conn.send(("error", None, result[2] if result[0] == "error" else traceback.format_exc()))
    finally:
        conn.close()


class _RemoteTraceback(Exception):
    def __init__(self, tb: str):
        super().__init__(tb)
        self.tb = tb

    def __str__(self):
        return self.tb


class WorkerDiedError(ChildProcessError):
    """A worker process died (killed, out of memory) before returning a piece: a one-line error."""


def _missing_ranges(done: list, n: int) -> list:
    """The ``[a, b)`` ranges of ``range(n)`` that no ``(start, item)`` of ``done`` covers."""
    covered = sorted((a, a + len(item.stats)) for a, item in done)
    gaps, at = [], 0
    for a, b in covered:
        if a > at:
            gaps.append((at, a))
        at = max(at, b)
    if at < n:
        gaps.append((at, n))
    return gaps


def _describe(corpus, a: int, b: int) -> str:
    ids = corpus["doc_id"] if "doc_id" in corpus.columns else None
    span = f"documents {a + 1}-{b}" if b - a > 1 else f"document {a + 1}"
    if ids is not None and b > a:
        span += f" (doc_id {ids.iloc[a]!r}" + (f" to {ids.iloc[b - 1]!r})" if b - a > 1 else ")")
    return span


def _died(proc) -> str:
    code = proc.exitcode
    if code is not None and code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _receive(proc, conn, area) -> list:
    """What a forked worker scanned: ``[(start, Batch or _Run)]``; its error is raised here."""
    try:
        status, *payload = conn.recv()
    except EOFError:
        proc.join()
        raise WorkerDiedError(f"worker process {proc.pid} died before returning its results ({_died(proc)})") from None
    if status == "ok":
        return [(start, area.imported(item) if kind == "shared" else item) for start, (kind, item) in payload[0]]
    exc, tb = payload
    if exc is None:
        raise RuntimeError(f"worker process {proc.pid} failed") from _RemoteTraceback(tb)
    raise exc from _RemoteTraceback(tb)


def _finish_weight(attributions: bool) -> int:
    return _FINISH_WEIGHT_ATTRIBUTIONS if attributions else _FINISH_WEIGHT


def _start_forked(n_workers: int, corpus, matcher, pieces, ids, outlets, attributions: bool = False,
                  csv_escape: bool | None = None) -> list:
    """Fork ``n_workers`` workers: ``[(process, pipe end, shared area or None)]``."""
    global _INHERITED
    ctx = multiprocessing.get_context("fork")
    started = []
    _INHERITED = (corpus, matcher, pieces, ids, outlets, attributions, csv_escape)
    try:
        with _fork_warnings():
            for i in range(n_workers):
                try:
                    area = _SharedArea(_area_capacity(pieces, corpus))
                except (OSError, ValueError, OverflowError):  # no shared memory: results come through the pipe
                    area = None
                receiver, sender = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_forked_worker, args=(sender, area), name=f"mfa-score-{i + 1}")
                try:
                    proc.start()
                finally:
                    sender.close()
                started.append((proc, receiver, area))
    except BaseException:
        _stop(started)
        raise
    finally:
        _INHERITED = None
    return started


def _stop(started, wait: float = 0.0):
    """Reap forked workers: wait up to ``wait`` seconds for each to exit, then terminate it; unmap the
    scratch areas."""
    for proc, conn, area in started:
        if wait:
            proc.join(wait)
        if proc.is_alive():
            proc.terminate()
        proc.join()
        conn.close()
        if area is not None:
            area.release()


# -- the pool fallback (spawn): pieces are pickled to the workers ---------------------------------------


def _score_with_pool(corpus, spec, matcher, pieces, n_workers, method, provenance_job, ids, outlets, say=None):
    """This process takes pieces from the front while a pool of ``n_workers`` scans pieces from the
    back (up to four queued per worker, topped up between this process's pieces). Until the pool has
    returned a first result (spawned workers need about a second to start), it holds only one smallest
    piece per worker; if this process runs out of work before then, it scans those pieces itself and
    leaves the pool to stop in the background, so a slow start never makes ``jobs=N`` slower than one
    process. A piece whose worker died (the pool is then broken) is scanned here, with a warning through
    ``say``. Returns ``([(start, Batch), ...], provenance)``."""
    from concurrent.futures.process import BrokenProcessPool

    say = say or (lambda msg: None)
    pending: dict = {}  # start -> (stop, future)
    done = []
    live = False
    pool = process_pool(n_workers, method)
    abandon = False
    try:

        broken = []

        def top_up():
            nonlocal live
            for a in [a for a, (_, f) in pending.items() if f.done() and f.exception() is None]:
                done.append((a, pending.pop(a)[1].result()))
                live = True
            while not broken and len(pending) < (4 if live else 1) * n_workers:
                piece = pieces.take(front=False, smallest=not live)
                if piece is None:
                    break
                a, b = piece
                try:
                    pending[a] = (b, pool.submit(_scan_task, spec, corpus.iloc[a:b]))
                except BrokenProcessPool:
                    broken.append("a worker process died")
                    done.append((a, _scan_piece(matcher, corpus, a, b, ids, outlets)))

        top_up()
        prov = provenance_job()
        while True:
            top_up()
            piece = pieces.take(front=True)
            if piece is None:
                break
            a, b = piece
            done.append((a, _scan_piece(matcher, corpus, a, b, ids, outlets)))
        top_up()
        for a, (b, fut) in sorted(pending.items()):
            if live or fut.done():
                try:
                    done.append((a, fut.result()))  # a worker error is raised here
                except BrokenProcessPool:
                    abandon = True
                    say(f"warning: a worker process died; {_describe(corpus, a, b)} scored again in this process")
                    done.append((a, _scan_piece(matcher, corpus, a, b, ids, outlets)))
            else:  # the pool has not started yet: this process is faster
                abandon = True
                done.append((a, _scan_piece(matcher, corpus, a, b, ids, outlets)))
    except BaseException:
        abandon = True
        raise
    finally:
        pool.shutdown(wait=not abandon, cancel_futures=True)
    return done, prov


# -- the public entry point -----------------------------------------------------------------------------


def score_parallel(corpus, lexicons=None, *, categories=None, jobs: int | None = None, executor: Executor | None = None,
                   batch_size: int | None = None, start_method: str | None = None, log=None,
                   attributions: bool = False, csv_escape: bool | None = None) -> ScoreResult:
    """:func:`analysis.measure.scoring.score` on ``jobs`` processes (or on any executor).

    Parameters
    ----------
    corpus : pandas.DataFrame or iterable of str
        As for :func:`score`.
    lexicons, categories
        As for :func:`score`.
    jobs : int, optional
        Number of processes scoring at once, this one included (default: the cores this process may
        use). ``1`` scores in this process only.
    executor : concurrent.futures.Executor, optional
        Use this executor instead of starting processes (for example
        ``distributed.Client(address).get_executor()``); batches are submitted to it in order.
    batch_size : int, optional
        Documents per piece of work (default: pieces of decreasing size, weighted by text length).
    start_method : {"auto", "fork", "spawn", "forkserver"}, optional
        How worker processes start (default ``$MFA_START_METHOD``, else ``"auto"``: ``fork`` when
        :func:`fork_is_safe`, otherwise ``spawn``). An explicit ``"fork"`` is used as asked.
    log : callable, optional
        Called with a one-line warning when a worker process dies (killed, out of memory): the
        documents it held are scored again in this process, so the result is still complete.
    attributions : bool
        Also build the attribution table (``result.attributions``, as :func:`attribution_table`
        builds it): forked workers extract the attributions of the documents they score, piece by
        piece; pieces scored elsewhere (this process, a pool, an executor) get theirs here.
    csv_escape : bool, optional
        When given, the forked workers, and this process for the pieces it scores beside them, also
        format the CSV rows of their pieces of the match table and (with ``attributions``) of the
        attribution table (:func:`analysis.outputs.csv_rows`, escaped or not as ``csv_escape`` says):
        ``result.csv_parts`` then maps ``"matches"`` (and ``"attributions"``) to the parts
        :func:`analysis.outputs.write_csv_parts` writes, so that writing is only writing those bytes.

    Returns
    -------
    ScoreResult
        Identical to ``score(corpus, lexicons, categories=categories)`` (plus ``attributions`` and
        ``csv_parts``).

    Examples
    --------
    >>> res = score_parallel(["It may rain.", "Officials said it is possible."], "hedging", jobs=1)
    >>> res.matches["matched"].tolist()
    ['may', 'possible']
    """
    corpus = check_corpus(corpus)
    jobs = _default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    method = resolve_start_method(start_method) if executor is None and jobs > 1 else None
    spec = MatcherSpec.create(lexicons, categories)
    matcher = worker_matcher(spec)
    all_cats = count_columns(matcher.categories)[0]  # as documents_table orders them
    provenance_job = partial(corpus_provenance, matcher, corpus, all_cats)  # (texts=None) -> provenance
    ids, outlets = _ids_outlets(corpus)
    say = log or (lambda msg: None)
    started: list = []  # forked workers
    try:
        if executor is not None:
            size = batch_size or max(1, -(-len(corpus) // (max(jobs, 1) * 8)))
            done = _score_on_executor(executor, spec, corpus, size, max_inflight=max(jobs, 1) * 2 + 1)
            prov = provenance_job()
        else:
            if multiprocessing.current_process().daemon:
                jobs = 1  # daemonic processes may not have children
            n_workers = min(jobs, len(corpus)) - 1
            if n_workers > 0 and method == "fork":
                done, prov = _score_forked(corpus, matcher, jobs, batch_size, n_workers, ids, outlets,
                                           provenance_job, started, say, attributions, csv_escape)
            elif n_workers > 0:
                pieces = _Pieces(corpus, jobs, batch_size)
                done, prov = _score_with_pool(corpus, spec, matcher, pieces, n_workers, method, provenance_job,
                                              ids, outlets, say)
            else:
                texts = corpus["text"].tolist()
                prov = provenance_job(texts)
                done = [(0, scan(matcher, texts, ids, outlets))]
        # one table of each kind from the pieces in document order, built exactly as score() builds them
        matches, documents, att_pieces, n_matches, match_csv = _tables(done, matcher, corpus, ids, outlets)
        done = None  # the views into the workers' scratch areas, so that _stop can unmap them
        summary = summarise(documents, all_cats)
        result = ScoreResult(matches, documents, summary, all_cats, prov)
        if csv_escape is not None:
            result.csv_parts = {name: parts for name, parts in match_csv.items() if parts is not None}
        if attributions:  # the pieces not extracted by a forked worker are extracted here, in document order
            pieces = [p for a, b, frame in att_pieces
                      for p in ([(a, b, frame)] if frame is not None else
                                [(x, min(b, x + ATTRIBUTION_PIECE_DOCS), None)
                                 for x in range(a, b, ATTRIBUTION_PIECE_DOCS)])]
            result.attributions = attribution_table(corpus, matches, pieces=pieces, n_matches=n_matches)
    except BaseException:
        _stop(started)
        raise
    _stop(started, wait=10.0)  # they have sent everything and are exiting
    return result


def _score_forked(corpus, matcher, jobs, batch_size, n_workers, ids, outlets, provenance_job, started: list,
                  say=None, attributions: bool = False, csv_escape: bool | None = None):
    """Pieces scanned here and in ``n_workers`` forked workers (appended to ``started`` as they start, so
    that the caller can stop them): ``([(start, Batch or _Run), ...], provenance)``. A worker that dies
    is reported through ``say`` and its documents are scanned here."""
    say = say or (lambda msg: None)
    pieces = _Pieces(corpus, jobs, batch_size, multiprocessing.get_context("fork"))
    # until the workers are done, no garbage collection (here or there) walks the objects that existed
    # at the fork: a walk writes to their pages and makes the kernel copy them
    gc.freeze()
    try:
        started += _start_forked(n_workers, corpus, matcher, pieces, ids, outlets, attributions, csv_escape)
        # while the workers start scoring (balancing absorbs it); the hash reads Arrow text without
        # making Python strings, so texts are converted only for this process's pieces
        prov = provenance_job()

        def finish(start, scored):  # each piece's columns (and CSV rows) at once, as workers do
            return _Run.of(scored, matcher, corpus, start, attributions, csv_escape)

        done = _work(matcher, corpus, pieces, True, ids, outlets, finish, _finish_weight(attributions))
        deaths = []
        for proc, conn, area in started:
            try:
                done += _receive(proc, conn, area)
            except WorkerDiedError as exc:
                deaths.append(str(exc))
        if deaths:  # what a dead worker held is scanned again here: the result is still complete
            for a, b in _missing_ranges(done, len(corpus)):
                done.append((a, finish(a, _scan_piece(matcher, corpus, a, b, ids, outlets))))
                say(f"warning: {deaths[0]}; {_describe(corpus, a, b)} scored again in this process")
    finally:
        gc.unfreeze()
    return done, prov


def _score_on_executor(executor: Executor, spec: MatcherSpec, corpus: pd.DataFrame, size: int, max_inflight: int):
    """Batches of ``size`` documents scanned on ``executor``, at most ``max_inflight`` at a time:
    ``[(start, Batch), ...]``."""
    done, pending = [], deque()
    for a in range(0, len(corpus), size):
        pending.append((a, executor.submit(_scan_task, spec, corpus.iloc[a:a + size])))
        while len(pending) >= max_inflight:
            start, fut = pending.popleft()
            done.append((start, fut.result()))
    while pending:
        start, fut = pending.popleft()
        done.append((start, fut.result()))
    return done


def _default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1

