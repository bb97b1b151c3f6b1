"""Sourcing measures per group (outlet, lean ...) from the attribution table of ``score``.

Researchers of sourcing ask *what share of attributions* goes to each kind of source, not how many
"anonymous" words appear per 1,000 tokens; and whether what anonymous sources are quoted as saying is
more hedged than what named sources say. This module computes, per group of documents:

* :func:`source_shares`: the share of attributions by source type (``analysis.measure.attribution``;
  a pronoun counts as the type it resolves to when it was resolved, see ``resolve_pronouns``);
* :func:`content_hedging`: per source type, the share of attributions whose content holds a hedge or
  an evidence-absent match (``hedged_content``) and hedges per 1,000 words of attributed content;
  and the seed article's pattern as a measure: the share of all attributions that are anonymous *and*
  hedged (``source_type == "anonymous_hedged"``).

Every share is a ratio of sums over the group's documents (the pooled estimate: each attribution
counts once), with a percentile bootstrap interval that resamples **documents** within the group (the
attributions of one article are not independent), or whole clusters (``cluster="outlet"`` when groups
are coarser than outlets). ``mean_doc_share`` is the unweighted mean of the per-document shares over
documents with at least one attribution (each article counts once). A group with one document or
cluster keeps its point estimates with NaN bounds and a ``note``; it never stops the run.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SOURCING_COLUMNS", "content_hedging", "source_shares", "sourcing_tables"]

SOURCE_TYPES = ("named_person", "named_organisation", "anonymous", "vague", "document", "pronoun", "outlet")
SOURCING_COLUMNS = ["group", "source_type", "n_docs", "n_attributions", "count", "share", "low", "high",
                    "mean_doc_share", "note"]


def _effective_type(att: pd.DataFrame, resolve_pronouns: bool) -> pd.Series:
    t = att["source_type"].fillna("").astype(str)
    if resolve_pronouns and "resolved_type" in att.columns:
        r = att["resolved_type"].fillna("").astype(str)
        t = t.mask((t == "pronoun") & r.ne("") & r.ne("pronoun"), r)
    return t.replace("", "none")


def _bootstrap(num: np.ndarray, den: np.ndarray, units: np.ndarray, n_resamples: int, confidence: float,
               rng: np.random.Generator):
    """Percentile interval of sum(num) / sum(den), resampling ``units`` (one row per unit after summing).

    ``num`` (n, k), ``den`` (n,). Returns (low, high) arrays of length k (NaN with fewer than 2 units)."""
    k = num.shape[1]
    if len(units) < 2:
        return np.full(k, np.nan), np.full(k, np.nan)
    codes, inverse = np.unique(units, return_inverse=True)
    m = len(codes)
    # sums per unit, and below the times each unit is drawn per resample: bincount adds in row order,
    # as np.add.at did (the same floats), without its per-element overhead
    un = np.stack([np.bincount(inverse, weights=num[:, j], minlength=m) for j in range(k)], axis=1) if k else \
        np.zeros((m, 0))
    ud = np.bincount(inverse, weights=np.asarray(den, dtype=float), minlength=m)
    stats = []
    for a in range(0, n_resamples, 200):
        b = min(n_resamples, a + 200)
        idx = rng.integers(0, m, size=(b - a, m))
        cells = (np.arange(b - a)[:, None] * m + idx).ravel()
        w = np.bincount(cells, minlength=(b - a) * m).reshape(b - a, m).astype(float)
        sn, sd = w @ un, w @ ud
        with np.errstate(invalid="ignore", divide="ignore"):
            stats.append(sn / sd[:, None])
    s = np.vstack(stats)
    alpha = (1 - confidence) / 2
    with np.errstate(invalid="ignore"):
        lo = np.nanquantile(s, alpha, axis=0) if np.isfinite(s).any() else np.full(k, np.nan)
        hi = np.nanquantile(s, 1 - alpha, axis=0) if np.isfinite(s).any() else np.full(k, np.nan)
    return lo, hi


def word_counts(texts: pd.Series) -> np.ndarray:
    """The number of ``\\w+`` words of each text (missing: 0), as floats:
    ``texts.fillna("").astype(str).str.count(r"\\w+")``, the definition, counted with numpy.

    A word is a maximal run of characters that Python's ``re`` calls ``\\w`` (``str.isalnum()`` or
    ``_``), so the count is the number of word characters that do not follow one. The texts of a block
    (at most ``_WORD_CHARS`` characters together; a longer text is counted a slice at a time) are joined
    with spaces (never a word character), read as code points (UTF-32) and looked up in a
    table of the word characters; the cumulative sum of the run starts at each text's end minus at its
    start is its count. The same numbers as the regex (a test pins them), without a Python call per text.
    """
    plain = texts.fillna("").astype(str)
    out = np.zeros(len(plain))
    if not len(plain):
        return out
    lengths = plain.str.len().to_numpy(dtype=np.int64)
    cum = np.concatenate([[0], np.cumsum(lengths + 1)])  # each text and the space after it
    a = 0
    while a < len(plain):
        # texts a..b-1: at most _WORD_CHARS characters together (the working arrays take about 14 bytes a
        # character), or one text; a text longer than that is counted a slice at a time
        b = max(int(np.searchsorted(cum, cum[a] + _WORD_CHARS, side="right")) - 1, a + 1)
        if b == a + 1 and lengths[a] > _WORD_CHARS:
            out[a] = _long_text_words(plain.iloc[a])
            a = b
            continue
        block = plain.iloc[a:b].tolist()  # Python strings of one block at a time
        n = lengths[a:b]
        codes = np.frombuffer(" ".join(block).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        word = _word_characters(codes)
        starts = word.copy()
        starts[1:] &= ~word[:-1]
        run = np.concatenate([[0], np.cumsum(starts, dtype=np.int64)])
        begin = np.cumsum(n + 1) - (n + 1)
        out[a:b] = run[begin + n] - run[begin]
        a = b
    return out


def _long_text_words(text: str) -> int:
    """word_counts of one text longer than _WORD_CHARS, a slice at a time (a word across two slices is
    counted once)."""
    count, prev_word = 0, False
    for a in range(0, len(text), _WORD_CHARS):
        codes = np.frombuffer(text[a:a + _WORD_CHARS].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        word = _word_characters(codes)
        count += int(word[0] and not prev_word) + int(np.count_nonzero(word[1:] & ~word[:-1]))
        prev_word = bool(word[-1])
    return count


_WORD_CHARS = 1 << 21  # characters joined and counted at a time by word_counts (about 30 MB of arrays)
_BMP_WORD: list = []  # word_counts' table of the first 65,536 code points, made on first use


def _word_characters(codes: np.ndarray) -> np.ndarray:
    """Whether each code point is ``\\w`` for Python's ``re`` (``chr(c).isalnum() or c == "_"``)."""
    if not _BMP_WORD:
        _BMP_WORD.append(np.array([chr(c).isalnum() or c == 0x5F for c in range(0x10000)], dtype=bool))
    table = _BMP_WORD[0]
    if not len(codes) or int(codes.max()) < 0x10000:
        return table[codes]
    low = codes < 0x10000
    word = np.zeros(len(codes), dtype=bool)
    word[low] = table[codes[low]]
    high, inverse = np.unique(codes[~low], return_inverse=True)
    word[~low] = np.array([chr(int(c)).isalnum() for c in high], dtype=bool)[inverse]
    return word


def _doc_groups(documents: pd.DataFrame, by: str, cluster: str | None) -> pd.DataFrame:
    cols = ["doc_id", by] + ([cluster] if cluster and cluster != by else [])
    missing = [c for c in cols if c not in documents.columns]
    if missing:
        raise ValueError(f"the documents table has no column {missing[0]!r}")
    return documents[cols].drop_duplicates("doc_id")


def _positions(values: pd.Series, index: pd.Index) -> np.ndarray:
    """``index.get_indexer(values)`` (-1 where absent or missing) through the distinct values: each
    distinct value is looked up once, and millions of Arrow strings are not turned into Python ones."""
    codes, uniques = pd.factorize(values)
    where = np.append(index.get_indexer(uniques), -1)  # code -1 (a missing value) stays -1
    return where[np.asarray(codes)]


def _per_doc(att: pd.DataFrame, docs: pd.DataFrame, types: pd.Series, names):
    """A function ``values -> (n_docs, len(names))`` sums of ``values`` per document and type; the row
    and column of every attribution are looked up once for all the value columns."""
    row = _positions(att["doc_id"], pd.Index(docs["doc_id"].to_numpy()))
    col = _positions(types, pd.Index(list(names)))
    ok = (row >= 0) & (col >= 0)
    cell = row[ok].astype(np.int64) * len(names) + col[ok]
    size = len(docs) * len(names)

    def sums(values) -> np.ndarray:
        v = np.asarray(values, dtype=float)[ok]
        return np.bincount(cell, weights=v, minlength=size).reshape(len(docs), len(names))

    return sums


def source_shares(attributions: pd.DataFrame, documents: pd.DataFrame, *, by: str = "outlet",
                  cluster: str | None = None, resolve_pronouns: bool = True, n_resamples: int = 1000,
                  confidence: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Share of attributions by source type per group of ``by`` (see the module docstring).

    ``documents``: the ``score`` documents table (every scored document, with the ``by`` column and
    ``cluster`` when given): documents without an attribution count in ``n_docs`` and in the bootstrap.
    Returns one row per group and type, columns :data:`SOURCING_COLUMNS` (``group`` holds the value of
    ``by``).
    """
    docs = _doc_groups(documents, by, cluster)
    types = _effective_type(attributions, resolve_pronouns)
    names = [*SOURCE_TYPES, "none"]  # "none": no source found; "pronoun": a pronoun left unresolved
    rows = []
    rng = np.random.default_rng(seed)
    counts = _per_doc(attributions, docs, types, names)(np.ones(len(attributions)))
    total = counts.sum(axis=1)
    for g, idx in docs.groupby(by, sort=True, dropna=False).indices.items():
        num, den = counts[idx], total[idx]
        units = docs[cluster].to_numpy()[idx] if cluster else np.arange(len(idx))
        lo, hi = _bootstrap(num, den, units, n_resamples, confidence, rng)
        n_att = int(den.sum())
        has = den > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_doc = (num[has] / den[has, None]).mean(axis=0) if has.any() else np.full(len(names), np.nan)
        n_units = len(np.unique(units))
        note = "" if n_units >= 2 else f"one {'document' if not cluster else cluster}: no interval"
        if n_att == 0:
            note = "no attributions"
        for j, t in enumerate(names):
            c = int(num[:, j].sum())
            rows.append((g, t, len(idx), n_att, c, c / n_att if n_att else np.nan, lo[j], hi[j], mean_doc[j], note))
    return pd.DataFrame(rows, columns=SOURCING_COLUMNS)


def content_hedging(attributions: pd.DataFrame, documents: pd.DataFrame, *, by: str = "outlet",
                    cluster: str | None = None, resolve_pronouns: bool = True, n_resamples: int = 1000,
                    confidence: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Per group and source type: ``share`` of attributions with hedged or evidence-absent content
    (interval over documents), ``hedges_per_1k_words`` of attributed content, and the row
    ``anonymous_hedged``: anonymous attributions with hedged content as a share of *all* attributions.

    Needs the ``hedged_content`` and ``content_hedging`` columns that ``score`` writes
    (:func:`analysis.measure.attribution.with_match_counts`)."""
    for c in ("hedged_content", "content_hedging", "content"):
        if c not in attributions.columns:
            raise ValueError(f"the attributions table has no {c!r} column (made by `score`)")
    docs = _doc_groups(documents, by, cluster)
    types = _effective_type(attributions, resolve_pronouns)
    hedged = attributions["hedged_content"].astype(str).str.lower().isin(["true", "1"]).astype(float)
    words = word_counts(attributions["content"])
    hedges = pd.to_numeric(attributions["content_hedging"], errors="coerce").fillna(0).astype(float)
    names = sorted(types.unique().tolist())
    per = _per_doc(attributions, docs, types, names)
    n_by_type = per(np.ones(len(attributions)))
    hedged_by_type = per(hedged)
    words_by_type = per(words)
    hedges_by_type = per(hedges)
    anon_hedged = hedged_by_type[:, names.index("anonymous")] if "anonymous" in names else np.zeros(len(docs))
    total = n_by_type.sum(axis=1)
    rng = np.random.default_rng(seed)
    rows = []
    cols = ["group", "source_type", "n_docs", "n_attributions", "count", "share", "low", "high",
            "hedges_per_1k_words", "content_words", "note"]
    for g, idx in docs.groupby(by, sort=True, dropna=False).indices.items():
        units = docs[cluster].to_numpy()[idx] if cluster else np.arange(len(idx))
        n_units = len(np.unique(units))
        for j, t in enumerate(names):
            den = n_by_type[idx, j]
            num = hedged_by_type[idx, j][:, None]
            lo, hi = _bootstrap(num, den, units, n_resamples, confidence, rng)
            n = int(den.sum())
            w = float(words_by_type[idx, j].sum())
            note = "no attributions of this type" if n == 0 else ("" if n_units >= 2 else "one unit: no interval")
            rows.append((g, t, len(idx), n, int(num.sum()), num.sum() / n if n else np.nan, lo[0], hi[0],
                         hedges_by_type[idx, j].sum() / w * 1000 if w else np.nan, int(w), note))
        den = total[idx]
        num = anon_hedged[idx][:, None]
        lo, hi = _bootstrap(num, den, units, n_resamples, confidence, rng)
        n = int(den.sum())
        rows.append((g, "anonymous_hedged", len(idx), n, int(num.sum()), num.sum() / n if n else np.nan, lo[0],
                     hi[0], np.nan, 0, "share of all attributions: anonymous source and hedged or "
                     "evidence-absent content" + ("" if n_units >= 2 else "; one unit: no interval")))
    return pd.DataFrame(rows, columns=cols)


def sourcing_tables(attributions: pd.DataFrame, documents: pd.DataFrame, **kwargs) -> dict:
    """Both tables as ``{"sourcing_shares.csv": ..., "sourcing_hedging.csv": ...}``."""
    return {"sourcing_shares.csv": source_shares(attributions, documents, **kwargs),
            "sourcing_hedging.csv": content_hedging(attributions, documents, **kwargs)}


def read_attributions(folder, columns=None) -> pd.DataFrame | None:
    """The ``attributions.csv`` (or ``.parquet``) of a ``score`` output folder, or None when absent.

    ``columns``: read only these (those the file has); the whole table (about 450 MB of CSV for 40,000
    articles) otherwise."""
    from pathlib import Path

    folder = Path(folder)
    wanted = None if columns is None else set(columns)
    if (folder / "attributions.parquet").is_file():
        if wanted is None:
            return pd.read_parquet(folder / "attributions.parquet")
        import pyarrow.parquet as pq

        have = pq.read_schema(folder / "attributions.parquet").names
        return pd.read_parquet(folder / "attributions.parquet", columns=[c for c in have if c in wanted])
    path = folder / "attributions.csv"
    if not path.is_file():
        return None
    if wanted is not None:
        got = _read_columns_arrow(path, wanted)
        if got is not None:
            return got
    usecols = None if wanted is None else (lambda c: c in wanted)
    return pd.read_csv(path, dtype=_TEXT_COLUMNS, keep_default_na=False, usecols=usecols)


_TEXT_COLUMNS = {c: str for c in ("doc_id", "outlet", "cue", "source", "source_type", "resolved_source",
                                  "resolved_type", "content")}
_COUNT_COLUMNS = ("content_hedging", "content_booster", "content_evidence_absent", "content_distancing")


def _read_columns_arrow(path, wanted: set) -> pd.DataFrame | None:
    """The ``wanted`` columns of ``attributions.csv`` through pyarrow's CSV reader (multi-threaded, only
    those columns parsed, text kept as Arrow strings): the frame ``pd.read_csv(path, dtype=text columns,
    keep_default_na=False, usecols=...)`` gives for what the sourcing step reads, in about a third of
    the time and memory for 2.4 M rows. Text columns, and every column not named above, are read as
    text ("" stays "", "NA" stays "NA"); the content match counts as whole numbers (an empty cell is
    missing). None (read it with pandas) when a count column holds anything else or the file does not
    parse."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        header = pd.read_csv(path, nrows=0).columns.tolist()
    except (ValueError, OSError):
        return None
    columns = [c for c in header if c in wanted]
    if len(set(header)) != len(header) or not columns:
        return None
    kinds = {c: pa.int64() if c in _COUNT_COLUMNS else pa.large_string() for c in columns}
    try:
        table = pacsv.read_csv(
            path, read_options=pacsv.ReadOptions(block_size=16 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=kinds, include_columns=columns,
                                                 strings_can_be_null=False))
    except (pa.ArrowInvalid, OSError):
        return None
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    frame = {}
    for name in columns:
        col = table.column(name)
        if name in _COUNT_COLUMNS:
            if col.null_count:  # pandas: an empty cell makes the column text ("")
                return None
            frame[name] = col.to_numpy()
        else:
            frame[name] = col.to_pandas(types_mapper={pa.large_string(): text}.get)
    del table
    return pd.DataFrame(frame)


_USED_COLUMNS = ("doc_id", "source_type", "resolved_type", "hedged_content", "content_hedging", "content")


def sourcing_step(run) -> None:
    """The ``sourcing`` step of :func:`analysis.compare.pipeline.run_all`: ``sourcing_shares.csv`` and
    ``sourcing_hedging.csv`` from the scored folder's ``attributions.csv``, else extracted from the
    corpus when one was given; skipped with the reason otherwise."""
    att = read_attributions(run.scored_dir, columns=_USED_COLUMNS) if run.scored_dir else None
    if att is None and run.corpus is not None:
        from ..measure.attribution import attributions_frame, with_match_counts

        att = with_match_counts(attributions_frame(run.corpus), run.matches)
        run.notes.append("sourcing: attributions extracted from the corpus (the scored folder has none)")
    if att is None:
        why = ("no attributions.csv in the scored folder (it was scored with --no-attributions or streamed) "
               "and no corpus to extract them from")
        run.skip("sourcing_shares.csv", why)
        run.skip("sourcing_hedging.csv", why)
        return
    docs = run.documents.copy()
    docs["doc_id"] = docs["doc_id"].astype(str)
    att = att.assign(doc_id=att["doc_id"].astype(str))
    scored = att["doc_id"].isin(set(docs["doc_id"])).to_numpy()
    if not scored.all():  # no copy of the table (its contents are most of its memory) when every row stays
        att = att[scored]
    kw = {"by": run.by, "cluster": run.common.get("cluster"), "n_resamples": run.params["n_resamples"],
          "confidence": run.params["confidence"], "seed": run.params["seed"]}
    for name, table in sourcing_tables(att, docs, **kw).items():
        run.add(name, table.rename(columns={"group": run.by}))
