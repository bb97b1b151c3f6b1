"""Scoring on Dask: Dask DataFrames of documents in, Dask DataFrames of matches and document rows out.

:func:`score_dask` maps the scorer over the partitions of a ``dask.dataframe`` with explicit ``meta``,
so nothing is computed until you ask, and the same code runs on a laptop (the threaded scheduler, a
``LocalCluster``) or on any Dask deployment (``dask.distributed.Client("tcp://scheduler:8786")``,
dask-jobqueue on HPC, dask-kubernetes, Coiled). Each partition is scored once, by one task that returns
its match table and its document table as :func:`~analysis.measure.scoring.score` builds them; the two
outputs are Dask DataFrames made from those tasks (compute both together, e.g.
``dask.compute(matches, documents)``, to score once). Workers compile the Matcher once per process
and reuse it for every partition.

:func:`client_executor` turns a scheduler address into a ``concurrent.futures`` executor for the
streaming scorer (the ``--scheduler`` flag of ``python -m analysis score``): chunks are read and
normalised here and scored on the cluster.
"""
from __future__ import annotations

import pandas as pd

from ..measure.scoring import MATCH_COLUMNS, empty_documents
from .parallel import MatcherSpec, score_chunk, worker_matcher

__all__ = ["client_executor", "score_dask", "summarise_dask"]

def _base(part: pd.DataFrame) -> pd.DataFrame:
    part = part.reset_index(drop=True)
    if "outlet" not in part.columns:
        part = part.assign(outlet="unknown")
    return part


def _score_partition(part: pd.DataFrame, spec: MatcherSpec) -> tuple:
    """``(matches, documents)`` of one partition, as :func:`score` builds them (from the core's compact
    arrays: no Python tuple per match)."""
    part = _base(part)
    return score_chunk(part, worker_matcher(spec))


def _output(pair: tuple, k: int, meta: pd.DataFrame) -> pd.DataFrame:
    """Output ``k`` of a scored partition, typed as ``meta`` (so that partitions with and without
    matches concatenate to the same dtypes)."""
    frame = pair[k]
    if not len(frame):
        return meta.iloc[:0].copy()
    return frame.astype(meta.dtypes.to_dict()) if k == 0 else frame


def _match_meta() -> pd.DataFrame:
    ints = ("sentence", "start", "end", "token_start", "token_end")
    return pd.DataFrame({c: pd.Series([], dtype="int64" if c in ints else object) for c in MATCH_COLUMNS})


def score_dask(ddf, lexicons=None, categories=None):
    """Score a Dask DataFrame of documents.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Columns ``doc_id`` and ``text`` (unique doc_ids across the whole frame), optionally ``outlet``,
        ``date`` and ``title``. For example ``dd.read_parquet("s3://bucket/corpus/")`` or
        ``dd.from_pandas(load_corpus(path)[0], npartitions=8)``.
    lexicons, categories
        As for :func:`analysis.measure.scoring.score`; lexicons are parsed here and shipped to the
        workers as data, so lexicon files need not exist on the workers.

    Returns
    -------
    matches : dask.dataframe.DataFrame
        The match table (``MATCH_COLUMNS``), partition by partition in document order.
    documents : dask.dataframe.DataFrame
        The per-document table, as in :class:`~analysis.measure.scoring.ScoreResult`.

    Examples
    --------
    >>> import dask, dask.dataframe as dd
    >>> from analysis.text.corpus import from_texts
    >>> ddf = dd.from_pandas(from_texts(["It may rain.", "It is possible."]), npartitions=2)
    >>> matches, documents = score_dask(ddf, "hedging")
    >>> m, d = dask.compute(matches, documents, scheduler="sync")
    >>> m["matched"].tolist(), d["hedging:count"].tolist()
    (['may', 'possible'], [1, 1])
    """
    import dask.dataframe as dd

    if not isinstance(ddf, dd.DataFrame):
        raise ValueError(f"score_dask expects a dask.dataframe.DataFrame, got {type(ddf).__name__}")  # noqa: TRY004 (bad input is a ValueError here, as everywhere in the project)
    for col in ("doc_id", "text"):
        if col not in ddf.columns:
            raise ValueError(f"the corpus needs a {col!r} column (columns are: {', '.join(map(str, ddf.columns))})")
    import dask

    spec = MatcherSpec.create(lexicons, categories)
    matcher = worker_matcher(spec)
    doc_meta = empty_documents(_base(ddf._meta), matcher.categories)
    match_meta = _match_meta()
    # one task scores a partition; both outputs take from it (compute them together to score once)
    scored = [dask.delayed(_score_partition, pure=True)(part, spec) for part in ddf.to_delayed()]
    matches = dd.from_delayed([dask.delayed(_output, pure=True)(s, 0, match_meta) for s in scored],
                              meta=match_meta, verify_meta=False)
    documents = dd.from_delayed([dask.delayed(_output, pure=True)(s, 1, doc_meta) for s in scored],
                                meta=doc_meta, verify_meta=False)
    return matches, documents


def summarise_dask(documents, categories=None):
    """The per-outlet summary of a (Dask or pandas) documents table, computed from a small aggregate.

    Same columns as :func:`analysis.measure.scoring.summarise`; on Dask only per-outlet sums travel
    back to the client.
    """
    cats = categories or sorted({c.rsplit(":", 1)[0] for c in documents.columns if c.endswith(":count")})
    agg = {"n_tokens": "sum"}
    frame = documents[["outlet", "n_tokens"] + [f"{c}:{s}" for c in cats for s in ("count", "rate")]]
    for c in cats:
        frame = frame.assign(**{f"{c}:has": (frame[f"{c}:count"] > 0).astype("int64")})
        agg.update({f"{c}:count": "sum", f"{c}:rate": "sum", f"{c}:has": "sum"})
    frame = frame.assign(_docs=1)
    agg["_docs"] = "sum"
    sums = frame.groupby("outlet").agg(agg)
    if hasattr(sums, "compute"):
        sums = sums.compute()
    rows = []
    for outlet, g in sums.sort_index().iterrows():
        n, tokens = int(g["_docs"]), int(g["n_tokens"])
        for c in cats:
            m = int(g[f"{c}:count"])
            rows.append({"outlet": outlet, "category": c, "documents": n, "tokens": tokens, "matches": m,
                         "rate_per_1k": float(m / tokens * 1000.0) if tokens else 0.0,
                         "mean_doc_rate": float(g[f"{c}:rate"]) / n, "share_docs": int(g[f"{c}:has"]) / n})
    return pd.DataFrame(rows)


def client_executor(address: str):
    """``(client, executor)`` for a running Dask scheduler; close the client when done.

    The executor follows ``concurrent.futures`` and can be given to
    :func:`analysis.scale.stream.score_stream` or :func:`analysis.scale.parallel.score_parallel`.
    """
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - the scale extra is missing
        raise ValueError("--scheduler needs the 'distributed' package: pip install 'media-framing-analysis[scale]'") from exc
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    return client, client.get_executor(pure=False)
