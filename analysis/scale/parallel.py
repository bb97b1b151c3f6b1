"""Scoring on several processes of one machine, with results identical to a single process.

The corpus is cut into contiguous batches of documents; each batch is scored by a worker and the
results are put back together in input order, so ``score_parallel(corpus, jobs=N)`` returns exactly
what :func:`analysis.measure.scoring.score` returns (same rows, same order, same numbers) for any N.
Workers compile the :class:`~analysis.measure.matching.Matcher` once per process (it is cached under
the lexicons' content hashes), so only the lexicons, never a compiled matcher, cross process
boundaries. The same task function runs on any ``concurrent.futures`` executor: a process pool here,
a Dask cluster through ``distributed.Client.get_executor()`` (see :mod:`analysis.scale.distributed`).

Processes are started with the ``spawn`` method by default: it is the only start method that is safe
on every platform and with threads running in the parent (tqdm, Dask), at the price of about a second
of start-up per worker. Scripts that call this module must guard their entry point with
``if __name__ == "__main__":``.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

import pandas as pd

from ..lexicons.model import Lexicon, load_lexicons
from ..measure.matching import Matcher
from ..measure.scoring import (
    MATCH_COLUMNS,
    ScoreResult,
    _documents_frame,
    check_corpus,
    score_documents,
    summarise,
)
from ..provenance import provenance as make_provenance

__all__ = ["MatcherSpec", "map_in_order", "process_pool", "score_chunk", "score_parallel"]


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


def score_chunk(corpus: pd.DataFrame, matcher: Matcher):
    """Score one batch of documents: ``(matches, documents)`` exactly as :func:`score` builds them.

    ``corpus`` needs ``doc_id``, ``outlet`` and ``text`` (``date`` and ``title`` are carried over).
    """
    match_rows, doc_rows = score_documents(corpus, matcher)
    matches = pd.DataFrame(match_rows, columns=MATCH_COLUMNS)
    documents, _ = _documents_frame(corpus, doc_rows, matcher.categories)
    return matches, documents


def _score_task(spec: MatcherSpec, corpus: pd.DataFrame):
    return score_chunk(corpus, worker_matcher(spec))


def process_pool(jobs: int, start_method: str = "spawn") -> ProcessPoolExecutor:
    """A process pool of ``jobs`` workers using ``start_method`` (``spawn`` by default)."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(start_method))


def map_in_order(executor: Executor | None, spec: MatcherSpec, batches, max_inflight: int):
    """Yield ``(batch, (matches, documents))`` in input order while up to ``max_inflight`` batches run.

    ``batches`` is any iterable of corpus DataFrames (it is consumed lazily, so a stream stays a
    stream); with ``executor=None`` everything runs in this process.
    """
    if executor is None:
        matcher = worker_matcher(spec)
        for batch in batches:
            yield batch, score_chunk(batch, matcher)
        return
    pending: deque = deque()
    for batch in batches:
        pending.append((batch, executor.submit(_score_task, spec, batch)))
        while len(pending) >= max_inflight:
            b, fut = pending.popleft()
            yield b, fut.result()
    while pending:
        b, fut = pending.popleft()
        yield b, fut.result()


def concat_nonempty(frames):
    """Concatenate in order, ignoring empty frames (an empty match table must not turn ints into objects)."""
    keep = [f for f in frames if len(f)] or frames[:1]
    return pd.concat(keep, ignore_index=True)


def _batches(corpus: pd.DataFrame, size: int):
    for i in range(0, len(corpus), size):
        yield corpus.iloc[i : i + size]


def score_parallel(corpus, lexicons=None, *, categories=None, jobs: int | None = None, executor: Executor | None = None,
                   batch_size: int | None = None) -> ScoreResult:
    """:func:`analysis.measure.scoring.score` on ``jobs`` processes (or on any executor).

    Parameters
    ----------
    corpus : pandas.DataFrame or iterable of str
        As for :func:`score`.
    lexicons, categories
        As for :func:`score`.
    jobs : int, optional
        Number of worker processes (default: all cores). ``1`` scores in this process.
    executor : concurrent.futures.Executor, optional
        Use this executor instead of starting a process pool (for example
        ``distributed.Client(address).get_executor()``).
    batch_size : int, optional
        Documents per task (default: the corpus split into about eight tasks per worker).

    Returns
    -------
    ScoreResult
        Identical to ``score(corpus, lexicons, categories=categories)``.

    Examples
    --------
    >>> res = score_parallel(["It may rain.", "Officials said it is possible."], "hedging", jobs=1)
    >>> res.matches["matched"].tolist()
    ['may', 'possible']
    """
    corpus = check_corpus(corpus)
    if jobs is None:
        jobs = os.cpu_count() or 1
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    spec = MatcherSpec.create(lexicons, categories)
    workers = jobs if executor is None else max(jobs, 1)
    size = batch_size or max(1, -(-len(corpus) // (workers * 8)))
    own = executor is None and jobs > 1
    pool = process_pool(jobs) if own else executor
    try:
        parts = list(map_in_order(pool, spec, _batches(corpus, size), max_inflight=workers * 2 + 1))
    finally:
        if own:
            pool.shutdown()
    matcher = worker_matcher(spec)
    if parts:
        matches = concat_nonempty([p[1][0] for p in parts])
        documents = concat_nonempty([p[1][1] for p in parts])
    else:
        matches = pd.DataFrame(columns=MATCH_COLUMNS)
        documents = _documents_frame(corpus, [], matcher.categories)[0]
    all_cats = _documents_frame(corpus.iloc[:0], [], matcher.categories)[1]
    summary = summarise(documents, all_cats)
    prov = make_provenance(matcher.lexicons, corpus, categories=list(all_cats))
    return ScoreResult(matches, documents, summary, all_cats, prov)
