"""Every comparison table of a scored corpus in one call: :func:`run_all` returns a :class:`CompareResult`.

``python -m analysis compare`` and notebook 02 both call :func:`run_all`; the command only parses its
arguments, calls it and writes the result (:meth:`CompareResult.write`). The run is a sequence of named
steps (:data:`STEPS`), each a function of one :class:`CompareRun` that adds tables, JSON documents,
notes and skip reasons to it; a later module adds a step with :func:`register_step` (e.g. pooled rates
or stories) without touching the others. Nothing is written while the steps run, so an output folder
holds one complete set of tables or none.
"""

from __future__ import annotations

import fnmatch
import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..outputs import atomic_write_text, output_set, safe_child, write_table
from ..provenance import corpus_sha256, dumps
from ..text.select import select_documents
from .clustered import crosses, is_coarser
from .coretokens import document_function
from .duplicates import deduplicate, duplicate_agreement, near_duplicates
from .keyness import category_keyness, keyness, term_counts
from .kwic import kwic
from .pooling import pooled_rates
from .rates import (
    CORRECTIONS,
    adjust_p,
    available_categories,
    count_model,
    drop_small_groups,
    group_rates,
    pairwise_differences,
    term_decomposition,
    voice_rates,
)
from .stories import find_stories, story_matched_differences
from .time import rates_over_time

__all__ = [
    "DEFAULT_STEPS",
    "STEPS",
    "TOP_LEVEL_ORDER",
    "CompareResult",
    "CompareRun",
    "file_label",
    "read_scored",
    "read_scored_metadata",
    "register_step",
    "run_all",
]

TOP_LEVEL_ORDER = ("hedging", "evidence_absent", "sourcing", "booster", "distancing")
KEYNESS_MIN_COUNT = 5  # word keyness: terms seen fewer times in the two sides are not listed
KWIC_TERMS = 10  # concordance lines for the 10 entries that move the pair difference most ...
KWIC_PER_TERM = 10  # ... and up to 10 lines per entry and group (seeded sample)
DUPLICATE_THRESHOLD = 0.8  # Jaccard similarity of 5-word shingle sets
MIN_RESAMPLES = 10
MAX_GROUPS = 20  # pairwise tests, count models, word keyness and rates over time: the 20 largest groups


# --------------------------------------------------------------------------------------------------
# reading a scored run
# --------------------------------------------------------------------------------------------------
_STRING_COLS = {
    "doc_id": str,
    "outlet": str,
    "title": str,
    "category": str,
    "entry": str,
    "matched": str,
    "voice": str,
    "lexicon": str,
    "lexicon_version": str,
}


_PLAIN_COLS = ("category", "voice")  # matches columns read as strings even with categorical=True


def _read_matches_arrow(csv: Path, columns: list, categorical: bool = False) -> pd.DataFrame | None:
    """``matches.csv`` through pyarrow's streaming CSV reader: the text columns stay Arrow strings, no
    Python object per cell, so the parse needs about half the memory of pandas' reader (1.55 against
    2.26 GB peak for 3.7 M matches). None (read it with pandas) when a column is not text or a whole
    number, e.g. an empty table, so the frame is the one pandas would give.

    With ``categorical`` the text columns other than ``category`` and ``voice`` (which the comparisons
    read as strings over the whole table) are dictionary-encoded while parsed and become pandas
    categoricals whose categories are the distinct values sorted (so that sorting and grouping give the
    order of the strings): 3.7 M matches of 36.7 M words take 0.34 GB instead of 1.0 GB."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    strings = [c for c in columns if c in _STRING_COLS]
    coded = [c for c in strings if c not in _PLAIN_COLS] if categorical else []
    kinds = {c: pa.dictionary(pa.int32(), pa.large_string()) if c in coded else pa.large_string() for c in strings}
    try:
        reader = pacsv.open_csv(
            csv, read_options=pacsv.ReadOptions(block_size=16 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=kinds, strings_can_be_null=False))
        table = pa.Table.from_batches(list(reader), schema=reader.schema)
    except (pa.ArrowInvalid, OSError):
        return None
    if table.column_names != list(columns) or not all(
            t == kinds[n] if n in strings else pa.types.is_int64(t)
            for n, t in zip(table.column_names, table.schema.types)):
        return None
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    mapper = {pa.large_string(): text}.get
    frame = {}
    for name in table.column_names:
        col = table.column(name)
        if name in coded:
            values = col.to_pandas()  # Categorical, categories in order of first appearance
            frame[name] = _recoded(values, values.cat.categories)
        else:
            frame[name] = col.to_pandas(types_mapper=mapper)
    del table
    return pd.DataFrame(frame)


def _recoded(values: pd.Series, categories: pd.Index) -> pd.Series:
    """A categorical series whose category ``k`` reads ``categories[k]`` (equal ones merged), with its
    categories sorted and the index and name of ``values``."""
    uniq, inverse = np.unique(categories.to_numpy(dtype=object), return_inverse=True)
    codes = values.cat.codes.to_numpy()
    new = np.where(codes < 0, -1, inverse.astype(codes.dtype)[np.maximum(codes, 0)])
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    cat = pd.Categorical.from_codes(new, categories=pd.Index(uniq, dtype=dtype))
    return pd.Series(cat, index=values.index, name=values.name)


def _unescape_categories(table: pd.DataFrame) -> None:
    """:func:`analysis.csvsafe.unescape_frame` on the categories of the categorical columns, in place."""
    from ..csvsafe import unescape_frame

    for col in table.columns:
        if isinstance(table[col].dtype, pd.CategoricalDtype):
            cats = table[col].cat.categories
            plain = unescape_frame(pd.DataFrame({"c": pd.Series(cats, dtype=cats.dtype)}))["c"]
            if not plain.equals(pd.Series(cats, dtype=cats.dtype)):
                table[col] = _recoded(table[col], pd.Index(plain))


def _read_one(folder: Path, stem: str, categorical: bool = False) -> pd.DataFrame:
    pq, csv = folder / f"{stem}.parquet", folder / f"{stem}.csv"
    if pq.is_file():
        return pd.read_parquet(pq)
    if csv.is_file() and stem == "matches":
        columns = list(pd.read_csv(csv, nrows=0).columns)
        got = _read_matches_arrow(csv, columns, categorical) if len(set(columns)) == len(columns) else None
        if got is not None:
            return got
    if csv.is_file():
        # keep_default_na=False: an outlet called "NA" or a matched word "null" stays a string
        head = pd.read_csv(csv, nrows=0)
        dtypes = {c: t for c, t in _STRING_COLS.items() if c in head.columns}
        return pd.read_csv(csv, dtype=dtypes, keep_default_na=False, na_values={"date": [""]})
    raise ValueError(
        f"{folder}: no {stem}.csv or {stem}.parquet (is this the output folder of "
        "`python -m analysis score`?)"
    )


def read_scored(folder, *, categorical: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read a ``score`` output folder.

    Parameters
    ----------
    folder : str or Path
        The ``--out`` folder of ``python -m analysis score``.
    categorical : bool, default False
        Read the text columns of ``matches.csv`` as pandas categoricals (categories sorted): about a
        fifth of the memory of Arrow strings for a large table. :func:`run_all` reads them so.

    Returns
    -------
    (documents, matches, provenance) : (DataFrame, DataFrame, dict)

    Raises
    ------
    ValueError
        Naming the missing or broken file when the folder is not a complete scored run.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(
            f"{folder}: no such folder (give the --out folder of `python -m analysis score`)"
        )
    documents = _read_one(folder, "documents")
    matches = _read_one(folder, "matches", categorical)
    prov_path = folder / "provenance.json"
    if not prov_path.is_file():
        raise ValueError(f"{folder}: no provenance.json (is this a complete `score` run?)")
    try:
        provenance = json.loads(prov_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{prov_path}: not valid JSON ({err})") from err
    if provenance.get("csv_escape") == "apostrophe":  # reverse analysis.csvsafe on the CSV tables
        from ..csvsafe import unescape_frame

        for stem, table in (("documents", documents), ("matches", matches)):
            if not (folder / f"{stem}.parquet").is_file():
                unescape_frame(table)
                _unescape_categories(table)
    _check_scored_tables(documents, matches, str(folder))
    return documents, matches, provenance


def read_scored_metadata(folder) -> pd.DataFrame | None:
    """The ``metadata`` table of a ``score`` output folder (``doc_id`` and every extra corpus column,
    as text), or None when the run wrote none (a corpus without extra columns, or an older run)."""
    folder = Path(folder)
    pq, csv = folder / "metadata.parquet", folder / "metadata.csv"
    if pq.is_file():
        return pd.read_parquet(pq)
    if not csv.is_file():
        return None
    meta = pd.read_csv(csv, dtype=str, keep_default_na=False)
    prov_path = folder / "provenance.json"
    try:
        escaped = json.loads(prov_path.read_text(encoding="utf-8")).get("csv_escape") == "apostrophe"
    except (OSError, json.JSONDecodeError):
        escaped = False
    if escaped:
        from ..csvsafe import unescape_frame

        unescape_frame(meta)
    return meta


def _check_scored_tables(documents, matches, where: str) -> None:
    for col in ("doc_id", "n_tokens"):
        if col not in documents.columns:
            raise ValueError(f"{where}: the documents table has no {col!r} column")
    if "date" in documents.columns:
        documents["date"] = pd.to_datetime(documents["date"], errors="coerce")
    dup = documents["doc_id"].duplicated()
    if dup.any():
        raise ValueError(
            f"{where}: duplicate doc_id {documents.loc[dup, 'doc_id'].iloc[0]!r} in the documents table"
        )
    for col in ("doc_id", "category"):
        if col not in matches.columns:
            raise ValueError(f"{where}: the matches table has no {col!r} column")


def _scored_inputs(scored) -> tuple[pd.DataFrame, pd.DataFrame, dict, str]:
    """(documents, matches, provenance, label) from a folder, a ScoreResult-like object or a tuple."""
    if isinstance(scored, (str, Path)):
        documents, matches, prov = read_scored(scored, categorical=True)
        return documents, matches, prov, str(Path(scored))
    if isinstance(scored, tuple) and len(scored) == 3:
        documents, matches, prov = scored
    elif all(hasattr(scored, a) for a in ("documents", "matches", "provenance")):
        documents, matches, prov = scored.documents, scored.matches, scored.provenance
    else:
        raise ValueError(
            "scored must be a `score` output folder, a ScoreResult or a (documents, matches, "
            f"provenance) tuple, got {type(scored).__name__}"
        )
    documents, matches = documents.copy(), matches.copy()
    _check_scored_tables(documents, matches, "scored")
    return documents, matches, dict(prov or {}), "in memory"


# --------------------------------------------------------------------------------------------------
# the result
# --------------------------------------------------------------------------------------------------
@dataclass
class CompareResult:
    """What :func:`run_all` computed: tables, JSON documents, notes and the settings behind them.

    Attributes
    ----------
    tables : dict of str -> DataFrame
        File name (``"rates.csv"``, ``"pairwise_hedging.csv"``, ...) -> table, in the order computed.
    documents : dict of str -> dict
        File name (``"duplicate_agreement.json"``) -> JSON-ready dict.
    notes : list of str
        Everything a reader must know: skipped tables and why, groups dropped or flagged, defaults taken.
    skipped : dict of str -> str
        File name (or pattern such as ``kwic_<category>.csv``) -> why it was not made.
    settings : dict
        Every parameter and method of the run, the groups, the files and the notes (the ``compare``
        entry of ``provenance.json``).
    provenance : dict
        The scored run's provenance (lexicons, corpus hash) with ``settings`` under ``"compare"``.
    timings : dict of str -> float
        Seconds per step (not part of the provenance, which stays byte-stable).
    headline : DataFrame
        Groups x top-level categories, cells ``rate [low, high]``.
    """

    tables: dict = field(default_factory=dict)
    documents: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    headline: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __getitem__(self, name: str) -> pd.DataFrame:
        """A table by file name, with or without ``.csv``: ``result["rates"]``."""
        key = name if name in self.tables else f"{name}.csv"
        if key not in self.tables:
            why = self.skipped.get(key) or self.skipped.get(name)
            raise KeyError(
                f"no table {name!r}" + (f" (skipped: {why})" if why else f"; tables: {list(self.tables)}")
            )
        return self.tables[key]

    @property
    def files(self) -> list[str]:
        """Every file :meth:`write` writes, sorted (``provenance.json`` included)."""
        return sorted([*self.tables, *self.documents, "provenance.json"])

    def write(self, out, *, csv_escape: bool = True) -> Path:
        """Write every table (CSV), JSON document and ``provenance.json`` into the folder ``out``.

        The set is written with :func:`analysis.outputs.output_set`: ``out`` holds this complete set
        or, if the run is killed, the previous one; a second run writing the same folder at the same
        time is refused. ``out`` may already hold a previous compare run (the files its marker or its
        ``provenance.json`` lists); any other content is refused, never deleted. CSV cells that a
        spreadsheet would run are escaped unless ``csv_escape=False`` (:mod:`analysis.csvsafe`).

        Returns
        -------
        Path
            ``out``.
        """
        out = Path(out)
        previous = ["provenance.json"]
        prov_path = out / "provenance.json"
        if prov_path.is_file():
            try:
                previous += list(json.loads(prov_path.read_text(encoding="utf-8"))["compare"]["files"])
            except (ValueError, KeyError, TypeError):
                pass
        prov = dict(self.provenance)
        prov["csv_escape"] = "apostrophe" if csv_escape else False
        with output_set(out, "compare", replaceable=previous) as tmp:
            for name, table in self.tables.items():
                write_table(table, safe_child(tmp, name), csv_escape=csv_escape)
            for name, obj in self.documents.items():
                atomic_write_text(safe_child(tmp, name), dumps(obj))
            atomic_write_text(tmp / "provenance.json", dumps(prov))
        return out


# --------------------------------------------------------------------------------------------------
# the state of one run, handed to every step
# --------------------------------------------------------------------------------------------------
@dataclass
class CompareRun:
    """The inputs, settings and growing outputs of one :func:`run_all` call; every step reads and adds to it.

    Attributes
    ----------
    documents, matches : DataFrame
        The scored tables (after ``dedupe="remove"``: without the removed documents); ``documents``
        holds the ``by`` column.
    corpus : DataFrame or None
        The corpus (only the scored documents), or None when none was given.
    by : str
        Grouping column. ``groups``: its values, sorted.
    categories, tops : list of str
        Selected categories; the top-level ones among them (pairwise tests, count models, decompositions).
    pair : tuple or None
        The two groups of the term decomposition (``None`` until chosen).
    params : dict
        Every parameter of :func:`run_all`.
    common : dict
        Keyword arguments for the rate functions (``n_resamples, confidence, seed, weights``).
    result : CompareResult
        Tables, documents, notes and skip reasons so far.
    """

    documents: pd.DataFrame
    matches: pd.DataFrame
    corpus: pd.DataFrame | None
    by: str
    groups: list
    categories: list
    tops: list
    pair: tuple | None
    params: dict
    common: dict
    result: CompareResult
    corpus_path: str | None = None
    clusters: pd.DataFrame | None = None
    extra_settings: dict = field(default_factory=dict)
    log: Callable[[str], None] | None = None
    compared: list | None = None
    scored_dir: str | None = None

    @property
    def largest(self) -> list:
        """The groups of the per-pair and per-group tables: all, or the ``max_groups`` largest by documents."""
        return self.groups if self.compared is None else self.compared

    @property
    def notes(self) -> list:
        return self.result.notes

    def add(self, name: str, table: pd.DataFrame) -> None:
        """Add a table under a file name (e.g. ``"rates.csv"``)."""
        self.result.tables[name] = table

    def add_json(self, name: str, obj: dict) -> None:
        self.result.documents[name] = obj

    def skip(self, what: str, why: str) -> None:
        """Record that ``what`` was not made and why (a note and an entry of ``result.skipped``)."""
        self.result.skipped[what] = why
        self.result.notes.append(f"skipped {what}: {why}")
        self.say(f"  skipped {what}: {why}")

    def say(self, msg: str) -> None:
        if self.log is not None:
            self.log(msg)


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def file_label(text) -> str:
    """A file-name-safe version of a group or category label (:func:`analysis.safenames.safe_name`).

    A label that is already a safe name is kept; any other gets a digest of the label, so that
    ``A/B`` and ``A_B`` never share a file.

    >>> file_label("alpha"), file_label("A/B News")
    ('alpha', 'A_B_News-305a26b4')
    """
    from ..safenames import safe_name

    return safe_name(text)


def _file_labels(run: CompareRun, labels) -> dict:
    """Label -> file name part for one family of files, recorded in the provenance (``file_names``)."""
    from ..safenames import safe_names

    names = safe_names(labels)
    run.extra_settings.setdefault("file_names", {}).update(
        {k: v for k, v in names.items() if k != v})
    return names


def _select_categories(documents, patterns) -> list[str]:
    available = available_categories(documents)
    if not available:
        raise ValueError(
            "the documents table has no category columns ('c:count'): nothing to compare"
        )
    if not patterns:
        return available
    if isinstance(patterns, str):
        patterns = [patterns]
    selected = []
    for pat in patterns:
        hit = [c for c in available if fnmatch.fnmatchcase(c, pat)]
        if not hit:
            raise ValueError(
                f"--categories {pat!r} matches no category; available: {', '.join(available)}"
            )
        if all(documents[c + ":count"].sum() == 0 for c in hit):
            raise ValueError(
                f"--categories {pat!r}: category {hit[0]!r} has no matches in the scored corpus "
                "(an empty category cannot be compared)"
            )
        selected += [c for c in hit if c not in selected]
    return [c for c in available if c in selected]


def _top_level(categories) -> list[str]:
    tops = [c for c in categories if "." not in c]
    order = {c: i for i, c in enumerate(TOP_LEVEL_ORDER)}
    return sorted(tops, key=lambda c: (order.get(c, len(order)), c))


def _check_groups(documents: pd.DataFrame, by: str, notes: list) -> list:
    values = documents[by]
    n_missing = int(values.isna().sum())
    if n_missing == len(documents):
        raise ValueError(f"column {by!r} is empty for every document: nothing to group by")
    if n_missing:
        notes.append(
            f"{n_missing} document(s) with no {by!r} value are left out of the group comparisons"
        )
    sizes = values.dropna().value_counts()
    if len(sizes) < 2:
        raise ValueError(
            f"column {by!r} has a single group ({sizes.index[0]!r}): nothing to compare"
        )
    if (sizes < 2).all():
        raise ValueError(
            f"every group of column {by!r} has a single document ({len(sizes)} groups): a "
            "comparison of groups needs groups of documents; choose a coarser --by"
        )
    single = sorted(sizes[sizes < 2].index.map(str))
    if single:
        shown = ", ".join(repr(g) for g in single[:10]) + (", ..." if len(single) > 10 else "")
        notes.append(
            f"{len(single)} group(s) of {by!r} have a single document ({shown}): they are kept, with "
            "NaN bounds and p-values and a note wherever a document bootstrap or permutation test "
            "needs two documents (pass --min-docs N to leave small groups out)"
        )
    return sorted(sizes.index)


def _resolve_cluster(cluster, documents: pd.DataFrame, corpus_df, by: str, notes: list):
    """The cluster column of the run (or None), with a note when clustering by outlet is the default."""
    if cluster is not None and str(cluster).lower() == "none":
        return None
    if cluster is None:
        if by != "outlet" and "outlet" in documents.columns and is_coarser(documents, by, "outlet"):
            n_out = documents.loc[documents[by].notna(), "outlet"].nunique()
            notes.append(
                f"--by {by} groups outlets ({n_out} outlets in {documents[by].nunique()} groups): intervals, "
                "tests and count models are clustered by outlet by default (outlets resampled within "
                "groups; --cluster none for document-level inference)"
            )
            return "outlet"
        if crosses(documents, by, "outlet"):
            notes.append(
                f"--by {by}: outlets have documents in several {by!r} groups, and intervals and tests treat "
                "the documents as independent (they are not within an outlet: its house style is shared); "
                "--cluster outlet resamples and permutes each (group, outlet) pair as a unit"
            )
        return None
    if cluster == by:
        raise ValueError(f"--cluster {cluster!r} is the --by column: cluster by a finer column (e.g. outlet)")
    if cluster not in documents.columns and (corpus_df is None or cluster not in corpus_df.columns):
        raise ValueError(f"unknown --cluster column {cluster!r}; documents columns: "
                         f"{', '.join(c for c in documents.columns if ':' not in c and not c.startswith('n_'))}")
    if cluster in documents.columns and not is_coarser(documents, by, cluster):
        notes.append(
            f"--cluster {cluster}: some {cluster} values span several {by!r} groups or there are no more "
            f"{cluster}s than groups; each ({by}, {cluster}) pair is one resampling unit"
        )
    return cluster


def _apply_min_docs(documents: pd.DataFrame, by: str, min_docs: int, notes: list) -> tuple[pd.DataFrame, dict]:
    """Documents of the groups with at least ``min_docs`` documents, and what was dropped (a note too)."""
    kept, report = drop_small_groups(documents, by=by, min_docs=min_docs)
    if report["n_groups_dropped"]:
        names = [str(g) for g in report["groups_dropped"]]
        shown = ", ".join(repr(g) for g in names[:20]) + (f", ... ({len(names) - 20} more)" if len(names) > 20 else "")
        notes.append(
            f"--min-docs {min_docs}: {report['n_groups_dropped']} group(s) of {by!r} with fewer than "
            f"{min_docs} documents left out ({report['documents_removed']} document(s) removed): {shown}"
        )
    report["groups_dropped"] = [str(g) for g in report["groups_dropped"]]
    return kept.reset_index(drop=True), report


def _resolve_label(value, labels: list, by: str):
    for lab in labels:
        if lab == value or str(lab) == str(value):
            return lab
    raise ValueError(
        f"--pair: unknown group {value!r} in column {by!r}; groups: {', '.join(map(str, labels))}"
    )


def _wire_unknown_outlets(corpus_path, wire_col: str) -> list[str]:
    """Outlets whose raw wire value is 'NA' for every article in a PolNeAR-style metadata.tsv.

    The PolNeAR loader turns both 'None' (not syndicated) and 'NA' (not recorded) into missing values;
    the raw file still tells them apart.
    """
    if corpus_path is None:
        return []
    meta = Path(corpus_path) / "metadata.tsv"
    if not meta.is_file():
        return []
    try:
        raw = pd.read_csv(meta, sep="\t", dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError):
        return []
    if wire_col not in raw.columns or "publisher" not in raw.columns:
        return []
    flags = raw[wire_col].str.strip().eq("NA").groupby(raw["publisher"]).all()
    return sorted(flags[flags].index)


def _equal_text(column: pd.Series, value: str) -> np.ndarray:
    """``(column.astype(str) == value)`` as a bool array; a categorical column is compared by its codes
    (no string per row)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        where = np.flatnonzero(column.cat.categories.astype(str) == value)
        codes = column.cat.codes.to_numpy()
        return codes == where[0] if len(where) == 1 else np.isin(codes, where)
    if not isinstance(column.dtype, pd.StringDtype):
        column = column.astype(str)
    return (column == value).to_numpy(dtype=bool, na_value=False)


def _kwic_sample(td, matches, documents, by, pair, category, seed, coded=None) -> pd.DataFrame:
    """Matches behind the entries that move a pair difference most: a seeded sample per entry and group.

    ``coded``: the ``category`` and ``entry`` columns of ``matches`` as categoricals (same rows), compared
    by their codes; the columns themselves otherwise."""
    top = td.reindex(td["diff"].abs().sort_values(ascending=False, kind="mergesort").index).head(
        KWIC_TERMS
    )
    wanted = set(zip(top["category"], top["entry"]))
    group_of = documents.set_index("doc_id")[by]
    coded = matches if coded is None else coded
    hit = np.zeros(len(matches), dtype=bool)
    for c, e in wanted:  # a few (category, entry) pairs: compare columns, no MultiIndex of every match
        hit |= _equal_text(coded["category"], str(c)) & _equal_text(coded["entry"], str(e))
    m = matches[hit]
    m = m.assign(_group_=m["doc_id"].map(group_of))
    m = m[m["_group_"].isin(pair)]
    m = m.sort_values(["doc_id", "start", "end", "category", "entry"], kind="mergesort")
    rng = np.random.RandomState(seed)
    picks = [
        sub if len(sub) <= KWIC_PER_TERM else sub.sample(n=KWIC_PER_TERM, random_state=rng)
        for _, sub in m.groupby(["category", "entry", "_group_"], sort=True)
    ]
    if not picks:
        return m.iloc[:0].assign(_top_=category)
    return pd.concat(picks).drop(columns="_group_").assign(_top_=category)


def _headline(rates: pd.DataFrame, by: str, categories: list[str]) -> pd.DataFrame:
    sub = rates[rates["category"].isin(categories)]
    if sub.empty:
        return pd.DataFrame()
    cell = [
        f"{r:.2f} [{lo:.2f}, {hi:.2f}]" if np.isfinite(lo) and np.isfinite(hi) else f"{r:.2f} (n={n})"
        for r, lo, hi, n in zip(sub["rate_per_1k"], sub["rate_low"], sub["rate_high"], sub["documents"])
    ]
    table = pd.DataFrame({by: sub[by].to_numpy(), "category": sub["category"].to_numpy(), "cell": cell})
    wide = table.pivot(index=by, columns="category", values="cell")
    return wide[[c for c in categories if c in wide.columns]]


def _release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim``; nothing elsewhere).

    Reading a corpus or a step's temporary tables leaves freed memory in the C heap that the Arrow
    allocator, which holds the texts and most columns, cannot reuse: 0.4 GB after reading the 36.7 M-word
    corpus of ``benchmarks/compare_scale.py``. Returning it keeps the run's peak lower. Takes milliseconds.
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to give back this way
        pass


def _used_extra(by, cluster, params: dict) -> list:
    """The corpus's extra columns a step of the run reads: the ``--by`` and ``--cluster`` columns and the
    wire column of the duplicate agreement."""
    return [c for c in (by, cluster, params["wire_col"]) if isinstance(c, str)]


def _read_corpus(corpus, corpus_options: dict, columns=None):
    """``(corpus, path)``: a corpus path read with ``load_corpus`` (path None for a DataFrame, kept as is),
    keeping only the extra columns ``columns`` when given (see ``load_corpus``).

    :func:`run_all` reads the corpus before the scored tables: the reader's temporary memory is then
    taken and given back while little else is held, which keeps the run's peak lower."""
    if isinstance(corpus, (str, Path)):
        from ..text.corpus import load_corpus

        frame, _report = load_corpus(corpus, **(corpus_options or {}), columns=columns)
        return frame, str(Path(corpus))
    return corpus, None


def _load_corpus(corpus, corpus_options: dict, documents: pd.DataFrame, notes: list, scored_prov: dict,
                 path: str | None = None):
    """The corpus as a DataFrame restricted to the scored documents; its path (or None)."""
    if isinstance(corpus, (str, Path)):
        corpus, path = _read_corpus(corpus, corpus_options)
    if not isinstance(corpus, pd.DataFrame):
        raise ValueError(f"corpus must be a path or a DataFrame, got {type(corpus).__name__}")  # noqa: TRY004 - bad input is a ValueError here
    if path is not None:
        recorded = scored_prov.get("corpus_sha256")
        if recorded and _corpus_hash(corpus) != recorded:
            notes.append(
                f"warning: the corpus at {path} does not hash to the corpus_sha256 recorded by "
                "score (different file or different --*-col or --dayfirst options?); results may not "
                "line up"
            )
    for col in ("doc_id", "text"):
        if col not in corpus.columns:
            raise ValueError(f"the corpus has no {col!r} column")
    where = path or "the corpus given"
    missing = sorted(set(documents["doc_id"]) - set(corpus["doc_id"]))
    if missing:
        raise ValueError(
            f"{where} lacks {len(missing)} of the {len(documents)} scored "
            f"documents (first: {missing[0]!r}): is it the corpus that was scored?"
        )
    keep = corpus["doc_id"].isin(documents["doc_id"])
    extra = len(corpus) - int(keep.sum())
    if extra:
        notes.append(f"{extra} corpus document(s) not in the scored run were ignored")
    return corpus[keep].reset_index(drop=True), path


def _corpus_hash(corpus: pd.DataFrame) -> str:
    """:func:`analysis.provenance.corpus_sha256`, from the Arrow buffers when the texts are in Arrow
    (:func:`analysis.measure.scoring.fast_corpus_sha256`, as ``score`` computes it: no Python string per
    text), else by the definition."""
    from ..measure.scoring import fast_corpus_sha256

    return fast_corpus_sha256(corpus) or corpus_sha256(corpus)


def _check_params(p: dict) -> None:
    if p["n_resamples"] < MIN_RESAMPLES:
        raise ValueError(
            f"--n-resamples must be at least {MIN_RESAMPLES}, got {p['n_resamples']} (n_resamples)"
        )
    if not 0 < p["confidence"] < 1:
        raise ValueError(f"--confidence must be between 0 and 1, got {p['confidence']}")
    if p["dedupe"] not in ("none", "remove", "weight"):
        raise ValueError(f"dedupe must be 'none', 'remove' or 'weight', got {p['dedupe']!r}")
    if p["dedupe"] != "none" and p["corpus"] is None:
        raise ValueError(
            f"--dedupe {p['dedupe']} needs --corpus (near-duplicates are found in the texts)"
        )
    if p["correction"] not in (None, "none", *CORRECTIONS):
        raise ValueError(
            f"unknown correction {p['correction']!r}: use one of {['none', *CORRECTIONS]}"
        )
    pair = p["pair"]
    if pair is not None:
        if len(pair) != 2:
            raise ValueError(f"--pair needs two groups, got {list(pair)}")
        if str(pair[0]) == str(pair[1]):
            raise ValueError("--pair needs two different groups")
    events = p["events"]
    if isinstance(events, (str, Path)) and not Path(events).is_file():
        raise ValueError(f"--events {events}: no such file")
    try:
        pd.tseries.frequencies.to_offset(p["freq"])
    except ValueError as err:
        raise ValueError(
            f"--freq {p['freq']!r} is not a pandas frequency (e.g. W, MS, QS)"
        ) from err
    md = p["min_docs"]
    if isinstance(md, bool) or not isinstance(md, (int, np.integer)) or md < 1:
        raise ValueError(f"--min-docs must be a whole number of at least 1, got {md!r}")
    unknown = [s for s in p["steps"] if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown step {unknown[0]!r}; steps: {', '.join(STEPS)}")


# --------------------------------------------------------------------------------------------------
# the steps
# --------------------------------------------------------------------------------------------------
def _step_near_duplicates(run: CompareRun) -> None:
    p = run.params
    if run.corpus is None:
        for name in (
            "near_duplicates.csv",
            "duplicate_agreement.json",
            "keyness_words_<group>.csv",
            "kwic_<category>.csv",
        ):
            run.skip(name, "no corpus given (score does not record the corpus path: pass --corpus)")
        return
    corpus = run.corpus
    clusters = near_duplicates(corpus, threshold=DUPLICATE_THRESHOLD, seed=1)
    run.clusters = clusters
    run.add("near_duplicates.csv", clusters)
    n_clusters = int(clusters["cluster_id"].nunique()) if len(clusters) else 0
    dedupe_info = run.extra_settings.setdefault("dedupe", {"how": p["dedupe"]})
    dedupe_info.update(
        clusters=n_clusters,
        documents_in_clusters=len(clusters),
        threshold=DUPLICATE_THRESHOLD,
        shingle=5,
        num_perm=128,
    )
    wire_col = p["wire_col"]
    if wire_col in corpus.columns:
        unknown_outlets = sorted(
            set(p["wire_unknown_outlets"]) | set(_wire_unknown_outlets(run.corpus_path, wire_col))
        )
        agreement = {}
        for scope in ("multi_outlet", "any"):
            res = duplicate_agreement(
                clusters, corpus, wire_col=wire_col, exclude_outlets=unknown_outlets, scope=scope
            )
            agreement[scope] = {
                k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in res.to_dict("records")[0].items()
            }
        wire = corpus[wire_col]
        is_wire = wire.notna() & ~wire.astype("string").str.strip().str.lower().isin(
            ["", "none", "null", "nan", "na"]
        ).fillna(True)
        multi = clusters["multi_outlet"].astype(bool) if len(clusters) else None
        in_multi = corpus["doc_id"].isin(clusters.loc[multi, "doc_id"] if len(clusters) else [])
        run.add_json(
            "duplicate_agreement.json",
            {
                "wire_column": wire_col,
                "wire_values": {
                    str(k): int(v) for k, v in wire[is_wire].astype(str).value_counts().items()
                },
                "wire_documents": int(is_wire.sum()),
                "wire_documents_in_multi_outlet_clusters": int((is_wire & in_multi).sum()),
                "outlets_left_out_wire_not_recorded": unknown_outlets,
                "clusters": n_clusters,
                "multi_outlet_clusters": int(clusters.loc[multi, "cluster_id"].nunique())
                if len(clusters)
                else 0,
                "documents_in_clusters": len(clusters),
                "agreement": agreement,
                "reading": "detected = in a near-duplicate cluster (multi_outlet: spanning two or more outlets; "
                "any: any cluster); wire = the wire column names an agency. The wire column marks "
                "syndicated articles, not duplicated ones: a wire story that no other outlet in the "
                "corpus ran cannot be detected by cross-outlet matching.",
            },
        )
    else:
        run.skip("duplicate_agreement.json", f"the corpus has no {wire_col!r} column")
    if p["dedupe"] == "remove":
        before = len(run.documents)
        run.documents = deduplicate(run.documents, clusters, how="remove")
        ids = run.documents["doc_id"]
        run.matches = run.matches[run.matches["doc_id"].isin(ids)]
        run.corpus = corpus[corpus["doc_id"].isin(ids)].reset_index(drop=True)
        dedupe_info["removed"] = before - len(run.documents)
        run.notes.append(
            f"--dedupe remove: {before - len(run.documents)} near-duplicate document(s) removed "
            "(one kept per cluster: earliest date, then smallest doc_id)"
        )
        run.groups = _check_groups(run.documents, run.by, [])
    elif p["dedupe"] == "weight":
        run.documents = deduplicate(
            run.documents, clusters, how="weight", weight_col="_dedupe_weight"
        )
        run.common["weights"] = "_dedupe_weight"
        run.notes.append(
            "--dedupe weight: documents in a near-duplicate cluster weigh 1/cluster size in rates, "
            "pairwise differences, voice rates, term decomposition and rates over time; count "
            "models and keyness are unweighted"
        )


def _step_rates(run: CompareRun) -> None:
    rates = group_rates(run.documents, run.categories, by=run.by, **run.common)
    rates = _with_pooled(run, rates)
    run.add("rates.csv", rates)


def _with_pooled(run: CompareRun, rates: pd.DataFrame) -> pd.DataFrame:
    """``rates`` with the partially pooled rate of every group beside the raw one (``compare.pooling``)."""
    docs = run.documents[run.documents[run.by].notna()]
    pooled = pooled_rates(docs, run.categories, by=run.by, confidence=run.params["confidence"])
    keep = pooled[[run.by, "category", "n_docs", "rate_pooled", "pooled_low", "pooled_high", "shrinkage",
                   "note"]].rename(columns={"note": "pooled_note"})
    keyed = rates.assign(_k=rates[run.by].astype(str)).merge(
        keep.assign(_k=keep[run.by].astype(str)).drop(columns=[run.by]), on=["_k", "category"], how="left",
        validate="one_to_one")
    run.extra_settings["pooled_rates"] = (
        "Poisson-lognormal group intercept with negative-binomial documents, prior integrated on a grid "
        "(analysis.compare.pooling.pooled_rates); columns rate_pooled, pooled_low, pooled_high")
    return keyed.drop(columns=["_k"])


def _step_pairwise(run: CompareRun) -> None:
    p = run.params
    n = p["n_resamples"]
    correction = p["correction"]
    for cat in run.tops:
        if run.documents[cat + ":count"].sum() == 0:
            run.skip(f"pairwise_{cat}.csv", f"category {cat!r} has no matches")
            continue
        pw = pairwise_differences(
            run.documents, cat, by=run.by, groups=run.largest, n_permutations=n, correction=correction,
            **run.common
        )
        run.add(f"pairwise_{_file_labels(run, [*run.tops, cat])[str(cat)]}.csv", pw)
    k = len(run.largest)
    n_pairs = k * (k - 1) // 2
    floor = min(1.0, 2 / (n + 1) * (n_pairs if correction else 1))
    if floor > 0.01:
        run.notes.append(
            f"with {n} permutations the smallest possible two-sided p-value is {2 / (n + 1):.4f}, and "
            f"the smallest adjusted one over {n_pairs} pairs is about {floor:.3f}: use a larger "
            "--n-resamples (e.g. 10000) for final p-values"
        )


def _step_voice(run: CompareRun) -> None:
    docs, matches = run.documents, run.matches
    voice_cats = [c for c in run.categories if docs[c + ":count"].sum() > 0]
    if not voice_cats:
        run.skip("voice_rates.csv", "no category has matches")
    elif "voice" not in matches.columns:
        run.skip("voice_rates.csv", "the matches table has no voice column")
    else:
        vr = voice_rates(matches, docs, voice_cats, by=run.by, on_small_group="nan", **run.common)
        run.add("voice_rates.csv", vr)


def _fit_count_model(data: pd.DataFrame, cat: str, rhs: str, confidence, correction, cluster=None):
    """NB2 count model; a Poisson GLM with HC0 standard errors when the NB fit fails. (table, why NB failed)."""
    why = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cm = count_model(data, cat, formula_rhs=rhs, family="negbin", confidence=confidence,
                             correction=correction, cluster=cluster)
        if any("did not converge" in str(w.message) for w in caught):
            why = "did not converge"
        elif not np.isfinite(cm[["estimate", "std_error"]].to_numpy(dtype=float)).all():
            why = "gave non-finite estimates or standard errors"
        else:
            return cm, None
    except (ValueError, np.linalg.LinAlgError) as err:
        why = f"failed ({str(err).splitlines()[0]})"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cm = count_model(data, cat, formula_rhs=rhs, family="poisson", confidence=confidence,
                         correction=correction, cluster=cluster)
    if any("did not converge" in str(w.message) for w in caught):
        raise ValueError(f"negative binomial fit {why} and the Poisson fallback did not converge")
    return cm, why


def _step_count_models(run: CompareRun) -> None:
    """One count model per top-level category; small groups kept and flagged, never a reason to skip.

    Groups with no match of a category have a rate ratio of 0 that no model can estimate: they are left
    out of that fit and listed with NaN estimates and a note. Groups of one document are fitted (their
    dummy reproduces the one document exactly), but their standard errors say nothing, so their
    intervals and p-values are NaN, with a note, and they are left out of the correction. The baseline
    is the largest group. When the negative binomial fit fails, a Poisson GLM with HC0 standard errors
    is fitted instead and the ``model`` column and a note say so.
    """
    by = run.by
    data = run.documents[run.documents[by].isin(run.largest)]
    data = data.assign(_group_=data[by].astype("string"))
    data = data[data["_group_"].notna() & (data["n_tokens"] > 0)]
    sizes = data["_group_"].value_counts()
    label_of = {str(g): g for g in run.groups}
    for cat in run.tops:
        name = f"count_model_{_file_labels(run, [*run.tops, cat])[str(cat)]}.csv"
        totals = data.groupby("_group_")[cat + ":count"].sum()
        if totals.sum() == 0:
            run.skip(name, f"category {cat!r} has no matches")
            continue
        with_matches = sorted(totals[totals > 0].index)
        zero = sorted(totals[totals == 0].index)
        if len(with_matches) < 2:
            run.skip(name, f"fewer than two groups have a match of {cat!r}")
            continue
        order = sorted(with_matches, key=lambda g: (-int(sizes[g]), g))
        baseline = order[0]
        sub = data[data["_group_"].isin(with_matches)]
        rhs = f"C(_group_, Treatment({baseline!r}))"
        try:
            cm, why = _fit_count_model(sub, cat, rhs, run.params["confidence"], run.params["correction"],
                                       run.common.get("cluster"))
        except (ValueError, np.linalg.LinAlgError) as err:
            run.skip(name, str(err).splitlines()[0])
            continue
        prefix = f"C(_group_, Treatment({baseline!r}))[T."
        group_of_term = {t: t[len(prefix):-1] for t in cm["term"] if t.startswith(prefix)}
        cm["note"] = ""
        single = [t for t, g in group_of_term.items() if sizes.get(g, 0) < 2]
        if single:
            rows = cm["term"].isin(single)
            cm.loc[rows, ["std_error", "z", "p_value", "rr_low", "rr_high"]] = np.nan
            cm.loc[rows, "note"] = "one document: its standard error says nothing (interval and p-value NaN)"
            slope = (cm["term"] != "Intercept").to_numpy()
            adjusted = np.full(len(cm), np.nan)
            adjusted[slope] = adjust_p(cm.loc[slope, "p_value"], run.params["correction"])
            cm["p_adjusted"] = adjusted
            ctext = run.params["correction"] or "none"
            cm["correction"] = f"p_adjusted: {ctext} over {int(cm.loc[slope, 'p_value'].notna().sum())} terms with a test"
        cm["term"] = [f"{by}[T.{group_of_term[t]}]" if t in group_of_term else t for t in cm["term"]]
        if zero:
            missing = pd.DataFrame({"term": [f"{by}[T.{g}]" for g in zero]})
            missing["note"] = "no match in this group: rate ratio 0, not estimable (left out of the fit)"
            cm = pd.concat([cm, missing], ignore_index=True)
            for col in ("correction", "model", "n_documents"):
                cm[col] = cm[col].ffill()
        cm.insert(0, "category", cat)
        cm["baseline"] = f"{by} = {label_of.get(baseline, baseline)!r}, the largest group (rate ratios are relative to it)"
        if why is not None:
            se = "HC0 robust" if run.common.get("cluster") is None else f"{run.common['cluster']}-clustered"
            run.notes.append(f"{name}: negative binomial fit {why}; Poisson GLM with {se} standard errors instead")
        run.add(name, cm)


def _default_pair(run: CompareRun):
    cats = run.categories
    ref = "hedging" if "hedging" in cats else (run.tops[0] if run.tops else cats[0])
    rates = run.result.tables.get("rates.csv")
    if rates is None:
        rates = group_rates(run.documents, [ref], by=run.by, on_small_group="nan", **run.common)
    r = rates[rates["category"] == ref].dropna(subset=["rate_per_1k"])
    several = r[r["documents"] >= 2]
    among = ""
    if len(several) >= 2 and len(several) < len(r):
        r, among = several, " among the groups of two or more documents"
    r = r.sort_values("rate_per_1k", kind="mergesort")
    if len(r) < 2:
        return None
    pair = (r.iloc[-1][run.by], r.iloc[0][run.by])
    run.notes.append(
        f"--pair not given: decomposing {pair[0]!r} vs {pair[1]!r}, the groups with the "
        f"largest difference in {ref!r}{among}"
    )
    return pair


def _step_term_decomposition(run: CompareRun) -> None:
    by, docs, matches = run.by, run.documents, run.matches
    if run.pair is None:
        run.pair = _default_pair(run)
    pair = run.pair
    if pair is None:
        run.skip("term_decomposition_<category>.csv", "fewer than two groups with a rate")
        return
    kwic_picks = []
    coded = None
    if run.corpus is not None:  # the concordance samples compare category and entry by codes, coded once
        coded = {c: matches[c] if isinstance(matches[c].dtype, pd.CategoricalDtype) else
                 pd.Series(pd.Categorical(matches[c]), index=matches.index) for c in ("category", "entry")}
    for cat in run.tops:
        name = f"term_decomposition_{_file_labels(run, [*run.tops, cat])[str(cat)]}.csv"
        sel = docs[docs[by].isin(pair)]
        if sel[cat + ":count"].sum() == 0:
            run.skip(name, f"category {cat!r} has no matches in {pair[0]!r} or {pair[1]!r}")
            continue
        td = term_decomposition(matches, docs, cat, pair[0], pair[1], by=by, **run.common)
        total = td.attrs["total"]
        td.insert(0, "group_b", pair[1])
        td.insert(0, "group_a", pair[0])
        td["category_diff"] = total["diff"]
        td["category_low"] = total["low"]
        td["category_high"] = total["high"]
        run.add(name, td)
        if run.corpus is not None:
            kwic_picks.append(_kwic_sample(td, matches, docs, by, pair, cat, run.params["seed"], coded))
    if not kwic_picks:
        return
    picked = pd.concat(kwic_picks, ignore_index=True)
    try:  # one kwic() call: each document is tokenized once for all categories
        # the lines' window is the sentence: only the sentence spans are needed, not the tokens
        lines = kwic(picked, run.corpus, tokenize=document_function(words=False))
    except ValueError as err:  # offsets that do not fit the texts: another corpus version
        run.skip("kwic_<category>.csv", str(err).splitlines()[0])
        return
    group_of = docs.set_index("doc_id")[by]
    lines.insert(0, "group", lines["doc_id"].map(group_of))
    cols = ["doc_id", "start", "end", "category", "entry"]
    key = lines[cols].astype(str).agg("\x1f".join, axis=1)
    pkey = picked[cols].astype(str).agg("\x1f".join, axis=1)
    lines.insert(0, "top_category", key.map(dict(zip(pkey, picked["_top_"]))))
    for cat, sub in lines.groupby("top_category", sort=False):
        sub = sub.sort_values(["entry", "group", "doc_id", "start"], kind="mergesort")
        run.add(f"kwic_{_file_labels(run, [*run.tops, cat])[str(cat)]}.csv", sub.drop(columns="top_category"))


def _step_keyness(run: CompareRun) -> None:
    by, docs = run.by, run.documents
    frames = []
    for g in run.groups:
        try:
            ck = category_keyness(docs, g, by=by, categories=run.categories)
        except ValueError as err:
            run.skip(f"keyness_categories for {g!r}", str(err))
            continue
        ck.insert(0, by, g)
        frames.append(ck)
    if frames:
        run.add("keyness_categories.csv", pd.concat(frames, ignore_index=True))
    if run.corpus is None:
        return
    # only the two columns term_counts reads, the texts not copied (a merge of the whole corpus copied
    # every column); the rows in corpus order, as the merge kept them
    group_of = docs.drop_duplicates("doc_id").set_index("doc_id")[by]
    inner = run.corpus["doc_id"].isin(group_of.index).to_numpy()
    ids, texts = run.corpus["doc_id"], run.corpus["text"]
    if not inner.all():
        ids, texts = ids[inner], texts[inner]
    kc = pd.DataFrame({by: ids.map(group_of).to_numpy(), "text": texts.reset_index(drop=True)})
    table = term_counts(kc, by=by)
    del kc
    # pop the per-group document frequencies: pandas deep-copies attrs on every operation, and
    # this dict (one entry per term and group) would make keyness() many times slower
    docfreq = table.attrs.pop("documents", {})
    labels = _file_labels(run, run.groups)
    all_docs: dict = {}
    for freq in docfreq.values():
        for t, c in freq.items():
            all_docs[t] = all_docs.get(t, 0) + c
    for g in run.largest:
        if g not in table.columns:
            continue
        kw = keyness(table, g, min_count=KEYNESS_MIN_COUNT)
        own = docfreq.get(g, {})
        kw["docs_target"] = [own.get(t, 0) for t in kw["term"]]
        kw["docs_reference"] = [all_docs.get(t, 0) - own.get(t, 0) for t in kw["term"]]
        run.add(f"keyness_words_{labels[str(g)]}.csv", kw)


def _step_time(run: CompareRun) -> None:
    docs = run.documents
    if "date" not in docs.columns or docs["date"].isna().all():
        run.skip("rates_over_time.csv", "no document has a date")
        return
    events = run.params["events"]
    if isinstance(events, (str, Path)):
        events = pd.read_csv(events)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tr = rates_over_time(
            docs[docs[run.by].isin(run.largest)], freq=run.params["freq"], by=run.by, categories=run.categories,
            events=events, **run.common,
        )
    run.notes.extend(str(w.message) for w in caught if issubclass(w.category, UserWarning))
    run.add("rates_over_time.csv", tr.rates)
    if events is not None:
        run.add("rates_over_time_events.csv", tr.events)


#: step name -> function of a :class:`CompareRun`, in the order they run.
def _step_stories(run: CompareRun) -> None:
    """With ``stories=True``: ``stories.csv`` and raw vs story-adjusted differences (``compare.stories``)."""
    opts = run.params.get("stories")
    if not opts:
        return
    if run.corpus is None:
        run.skip("stories.csv", "story matching needs the corpus (titles and text): pass --corpus")
        return
    opts = {} if opts is True else dict(opts)
    stories, params = find_stories(run.corpus, **opts)
    run.add("stories.csv", stories)
    run.extra_settings["stories"] = params
    if params["n_multi_outlet"] == 0:
        run.skip("story_matched.csv", "no story was covered by more than one outlet")
        return
    pairs = [run.pair] if run.params["pair"] is not None else None  # the user's pair, else the largest groups
    table = story_matched_differences(run.documents, stories, run.tops or run.categories, by=run.by,
                                      pairs=pairs, n_resamples=run.params["n_resamples"],
                                      confidence=run.params["confidence"], seed=run.params["seed"])
    run.add("story_matched.csv", table)
    run.notes.append(
        f"stories: {params['n_stories']} stories, {params['n_multi_outlet']} told by two or more outlets "
        f"({params['n_undated']} undated articles left unmatched); story_matched.csv compares groups only "
        "within the stories both covered")


STEPS: dict[str, Callable[[CompareRun], None]] = {
    "near-duplicates": _step_near_duplicates,
    "rates": _step_rates,
    "pairwise differences": _step_pairwise,
    "voice rates": _step_voice,
    "count models": _step_count_models,
    "term decomposition": _step_term_decomposition,
    "keyness": _step_keyness,
    "rates over time": _step_time,
    "stories": _step_stories,
}
DEFAULT_STEPS = tuple(STEPS)


def register_step(name: str, fn: Callable[[CompareRun], None], after: str | None = None) -> None:
    """Add a step to :data:`STEPS` (run by default when also added to the ``steps`` of :func:`run_all`).

    Parameters
    ----------
    name : str
        Step name (also the key of its timing).
    fn : callable
        ``fn(run: CompareRun) -> None``; adds tables with ``run.add(file_name, table)``, notes to
        ``run.notes`` and skip reasons with ``run.skip(what, why)``.
    after : str, optional
        Existing step to insert it after (default: last).
    """
    if name in STEPS:
        raise ValueError(f"step {name!r} is already registered")
    if after is not None and after not in STEPS:
        raise ValueError(f"unknown step {after!r}; steps: {', '.join(STEPS)}")
    items = list(STEPS.items())
    pos = len(items) if after is None else [k for k, _ in items].index(after) + 1
    items.insert(pos, (name, fn))
    STEPS.clear()
    STEPS.update(items)


from .sourcing import sourcing_step  # a step of its own module, registered like any later step

register_step("sourcing", sourcing_step, after="voice rates")
DEFAULT_STEPS = tuple(STEPS)


# --------------------------------------------------------------------------------------------------
# run_all
# --------------------------------------------------------------------------------------------------
def run_all(
    scored,
    corpus=None,
    *,
    by: str = "outlet",
    categories: Sequence[str] | None = None,
    pair: Sequence | None = None,
    dedupe: str = "none",
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    correction: str | None = "holm",
    freq: str = "MS",
    events=None,
    wire_col: str = "wire",
    wire_unknown_outlets: Sequence[str] = (),
    corpus_options: dict | None = None,
    stories: bool | dict = False,
    min_docs: int = 1,
    cluster: str | None = None,
    max_groups: int = MAX_GROUPS,
    steps: Sequence[str] | None = None,
    log: Callable[[str], None] | None = None,
    progress=None,
    select: dict | None = None,
) -> CompareResult:
    """Compute every comparison table of a scored corpus (what ``python -m analysis compare`` writes).

    Parameters
    ----------
    scored : str, Path, ScoreResult or tuple
        A ``score`` output folder, a :class:`analysis.measure.scoring.ScoreResult`, or a
        ``(documents, matches, provenance)`` tuple.
    corpus : str, Path or DataFrame, optional
        The corpus that was scored (a path is read with :func:`analysis.text.corpus.load_corpus` and
        ``corpus_options``). Needed for near-duplicates, word keyness, concordance lines, ``dedupe``
        and grouping by a corpus metadata column; those are skipped (with a note) without it.
    by : str, default "outlet"
        Grouping column of the documents table, or of the corpus metadata.
    categories : list of str, optional
        Category names or globs (``"hedging"``, ``"sourcing.*"``); default all.
    pair : (A, B), optional
        Groups of the term decomposition; default the two with the largest difference in hedging
        (or the first top-level category).
    dedupe : {"none", "remove", "weight"}, default "none"
        Run every comparison on all documents, on one per near-duplicate cluster, or with each
        clustered document weighted 1/cluster size (needs ``corpus``).
    n_resamples : int, default 1000
        Bootstrap resamples and permutations per estimate (at least 10).
    seed : int, default 0
        The same inputs and seed give identical tables.
    confidence : float, default 0.95
    correction : str or None, default "holm"
        ``statsmodels`` multiple-comparison method for pairwise and count-model p-values.
    freq : str, default "MS"
        pandas frequency for rates over time.
    events : str, Path or DataFrame, optional
        Event markers (``date, label``) for rates over time.
    wire_col : str, default "wire"
        Corpus column the near-duplicate detector is checked against.
    wire_unknown_outlets : list of str
        Outlets whose wire credit was not recorded (left out of the agreement).
    corpus_options : dict, optional
        Keyword arguments of ``load_corpus`` (``text_col``, ``id_col``, ``outlet_col``, ``date_col``,
        ``title_col``, ``dayfirst``), as given to ``score``.
    stories : bool or dict, default False
        Group articles into stories (:func:`analysis.compare.stories.find_stories`; a dict passes its
        parameters) and write ``stories.csv`` and ``story_matched.csv`` (raw and story-adjusted
        differences for ``pair``, or for every pair of the ten largest groups). Needs ``corpus``.
    min_docs : int, default 1
        Leave out the groups of ``by`` with fewer documents (:func:`analysis.compare.rates.drop_small_groups`);
        a note and ``settings["min_docs"]`` say which groups and how many documents that removed. With
        the default every group is kept: one with a single document gets its point estimates, NaN
        bounds and p-values, and a ``note`` wherever a method needs two documents.
    cluster : str, optional
        Resample (and permute) these clusters within groups instead of documents, and give count models
        cluster-robust standard errors: ``"outlet"`` when ``by`` groups outlets (``by="lean"``). Default:
        ``"outlet"`` when ``by`` is coarser than outlet (every outlet in one group, fewer groups than
        outlets; a note says so), else none; ``"none"`` turns it off. Rates over time and story-matched
        differences stay as they are (documents; stories).
    max_groups : int, default 20
        Pairwise tests, count models, word keyness and rates over time cover the ``max_groups`` largest
        groups by documents (ties by label) when there are more (``k`` groups make ``k (k - 1) / 2``
        pairs: 124,750 for 500 outlets); rates, pooled rates and voice rates always cover every group.
        The notes and ``settings["compared_groups"]`` say which.
    steps : list of str, optional
        Step names of :data:`STEPS` to run (default :data:`DEFAULT_STEPS`, in that order).
    log : callable, optional
        Called with a line of progress (a step and its time, a skipped table).
    progress : tqdm-like or callable, optional
        Advanced by one after each step (``update(1)``, or called with 1); its postfix names the
        running step (see :func:`analysis.progress.bar`).
    select : dict, optional
        Keyword arguments of :func:`analysis.text.select.select_documents` (``outlets``,
        ``exclude_outlets``, ``since``, ``until``, ``pair``) applied to the ``by`` column before any
        table is computed; what they removed is in ``provenance["compare"]["selection"]``.

    Returns
    -------
    CompareResult
        Tables by file name, JSON documents, notes, skip reasons, settings and provenance.

    Raises
    ------
    ValueError
        One line naming the problem: a missing scored file, an unknown ``by`` column, a single group,
        a category pattern that matches nothing, an unknown ``pair`` group, ``dedupe`` without a corpus.

    Examples
    --------
    >>> from analysis.measure.scoring import score
    >>> import pandas as pd
    >>> corpus = pd.DataFrame({"doc_id": list("abcd"), "outlet": list("XXYY"),
    ...     "text": ["It may rain.", "It might snow.", "It rains.", "It may."]})
    >>> res = run_all(score(corpus, "hedging"), n_resamples=50, steps=["rates"])
    >>> res["rates"].query("category == 'hedging'")[["outlet", "documents"]].values.tolist()
    [['X', 2], ['Y', 2]]
    """
    t0 = time.perf_counter()
    params = {
        "by": by,
        "categories": list(categories or []) if not isinstance(categories, str) else [categories],
        "pair": None if pair is None else list(pair),
        "dedupe": dedupe,
        "n_resamples": int(n_resamples),
        "seed": seed,
        "confidence": confidence,
        "correction": None if correction in (None, "none") else correction,
        "freq": freq,
        "events": events,
        "wire_col": wire_col,
        "wire_unknown_outlets": list(wire_unknown_outlets),
        "corpus": corpus,
        "steps": list(DEFAULT_STEPS if steps is None else steps),
        "stories": stories,
        "min_docs": min_docs,
        "cluster": cluster,
    }
    _check_params(params)
    raw_corpus, raw_path, load_seconds = corpus, None, 0.0
    if isinstance(corpus, (str, Path)):
        t = time.perf_counter()
        raw_corpus, raw_path = _read_corpus(corpus, corpus_options, columns=_used_extra(by, cluster, params))
        _release_free_memory()
        load_seconds = time.perf_counter() - t
    documents, matches, scored_prov, scored_label = _scored_inputs(scored)
    _release_free_memory()  # what the readers of the scored tables freed, before the corpus is checked
    result = CompareResult()
    notes = result.notes
    cats = _select_categories(documents, params["categories"])
    tops = _top_level(cats)

    corpus_df, corpus_path = None, None
    if corpus is not None:
        t = time.perf_counter()
        corpus_df, corpus_path = _load_corpus(raw_corpus, corpus_options, documents, notes, scored_prov,
                                              path=raw_path)
        del raw_corpus
        seconds = time.perf_counter() - t + load_seconds
        result.timings["load corpus"] = round(seconds, 2)
        if log:
            log(f"load corpus: {seconds:.1f}s")
        extra_cols = [
            c
            for c in corpus_df.columns
            if c not in documents.columns and c not in ("text", "_row") and not c.startswith("_")
        ]
        if by in extra_cols:
            documents = documents.merge(corpus_df[["doc_id", by]], on="doc_id", how="left")
    meta_cols: list = []
    if by not in documents.columns and isinstance(scored, (str, Path)):
        meta = read_scored_metadata(scored)  # the extra corpus columns score kept: no corpus needed
        if meta is not None:
            meta_cols = [c for c in meta.columns if c != "doc_id"]
            if by in meta_cols:
                documents = documents.merge(meta[["doc_id", by]], on="doc_id", how="left")
    if by not in documents.columns:
        cols = [c for c in documents.columns if ":" not in c and not c.startswith("n_")] + meta_cols
        hint = "" if corpus_df is not None else " (metadata columns of the corpus are available with --corpus)"
        raise ValueError(f"unknown --by column {by!r}; available: {', '.join(cols)}{hint}")
    documents[by] = documents[by].mask(documents[by].astype("string").eq("").fillna(False))  # "" is missing
    selection = None
    if select:  # analysis.text.select: outlets, exclude_outlets, since, until, pair of the ``by`` column
        documents, selection = select_documents(documents, by=by, **{k: v for k, v in select.items() if k != "by"})
        matches = matches[matches["doc_id"].isin(documents["doc_id"])].reset_index(drop=True)
        if corpus_df is not None:
            corpus_df = corpus_df[corpus_df["doc_id"].isin(documents["doc_id"])].reset_index(drop=True)
    min_docs_report = None
    if min_docs > 1:
        documents, min_docs_report = _apply_min_docs(documents, by, min_docs, notes)
        ids = set(documents["doc_id"])
        matches = matches[matches["doc_id"].isin(ids)].reset_index(drop=True)
        if corpus_df is not None:
            corpus_df = corpus_df[corpus_df["doc_id"].isin(ids)].reset_index(drop=True)
    groups = _check_groups(documents, by, notes)
    cluster_col = _resolve_cluster(cluster, documents, corpus_df, by, notes)
    if cluster_col is not None and cluster_col not in documents.columns:
        documents = documents.merge(corpus_df[["doc_id", cluster_col]], on="doc_id", how="left")
    if corpus_df is not None:
        from ..text.corpus import metadata_columns

        # the corpus's other extra columns (a scraped page's html, urls ...) are used by no step: not held
        # through the run (a corpus path was read without them already; a DataFrame given is cut here)
        used = set(_used_extra(by, cluster_col, params))
        unused = [c for c in metadata_columns(corpus_df) if c not in used]
        if unused:
            corpus_df = corpus_df.drop(columns=unused)
    chosen = tuple(_resolve_label(v, groups, by) for v in pair) if pair is not None else None

    run = CompareRun(
        documents=documents,
        matches=matches,
        corpus=corpus_df,
        by=by,
        groups=groups,
        categories=cats,
        tops=tops,
        pair=chosen,
        params=params,
        common={"n_resamples": params["n_resamples"], "confidence": confidence, "seed": seed, "weights": None,
                "cluster": cluster_col},
        result=result,
        corpus_path=corpus_path,
        log=log,
        scored_dir=scored_label if isinstance(scored, (str, Path)) else None,
    )
    if isinstance(max_groups, bool) or not isinstance(max_groups, (int, np.integer)) or max_groups < 2:
        raise ValueError(f"--max-groups must be a whole number of at least 2, got {max_groups!r}")
    if len(groups) > max_groups:
        sizes = documents[by].dropna().value_counts()
        ranked = sorted(groups, key=lambda g: (-int(sizes[g]), str(g)))
        run.compared = sorted(ranked[:max_groups])
        left = len(groups) - max_groups
        n_left = int(sizes[ranked[max_groups:]].sum())
        notes.append(
            f"{len(groups)} groups: pairwise tests, count models, word keyness and rates over time cover the "
            f"{max_groups} largest by documents ({left} smaller groups with {n_left} documents are in rates.csv "
            "and voice_rates.csv only; --max-groups to change)"
        )
        run.extra_settings["compared_groups"] = {"max_groups": max_groups, "groups": [str(g) for g in run.compared],
                                                 "left_out": left, "documents_left_out": n_left}
    run.extra_settings["dedupe"] = {"how": dedupe}
    if min_docs_report is not None:
        run.extra_settings["min_docs"] = min_docs_report
    for name in params["steps"]:
        t = time.perf_counter()
        if progress is not None and hasattr(progress, "set_postfix_str"):
            progress.set_postfix_str(name)
        STEPS[name](run)
        _release_free_memory()
        dt = time.perf_counter() - t
        result.timings[name] = round(dt, 2)
        run.say(f"{name}: {dt:.1f}s")
        if progress is not None:
            (progress.update if hasattr(progress, "update") else progress)(1)

    settings = {
        "scored_dir": scored_label,
        "corpus": corpus_path if corpus_path else (None if corpus_df is None else "in memory"),
        "by": by,
        "categories": cats,
        "top_level_categories": tops,
        "dedupe": run.extra_settings.pop("dedupe"),
        "n_resamples": params["n_resamples"],
        "n_permutations": params["n_resamples"],
        "seed": seed,
        "confidence": confidence,
        "correction": "none" if params["correction"] is None else params["correction"],
        "bootstrap": f"scipy.stats.bootstrap resampling {'documents' if cluster_col is None else cluster_col + 's'} "
        "within groups (BCa; percentile where BCa is undefined); rate = sum(counts) / sum(tokens) * 1000",
        "permutation_test": f"permutation test (exact when at most n_permutations splits, else random) shuffling "
        f"{'documents' if cluster_col is None else 'whole ' + cluster_col + 's'} between the two groups, two-sided",
        "cluster": cluster_col,
        "count_model": "statsmodels negative binomial (NB2), log(n_tokens) exposure, one dummy per group",
        "keyness": f"log-odds ratio with informative Dirichlet prior (Monroe et al. 2008) and G2; word terms "
        f"with count >= {KEYNESS_MIN_COUNT}",
        "pair": None if run.pair is None else [str(run.pair[0]), str(run.pair[1])],
        "freq": freq,
        "events": None if events is None else (str(Path(events)) if isinstance(events, (str, Path)) else "in memory"),
        "groups": [str(g) for g in run.groups],
        **run.extra_settings,
    }
    if selection is not None:
        settings["selection"] = selection.provenance()
    if params["steps"] != list(DEFAULT_STEPS):
        settings["steps"] = params["steps"]
    settings["files"] = result.files
    settings["notes"] = notes
    prov = dict(scored_prov)
    prov["compare"] = settings
    result.settings, result.provenance = settings, prov
    result.headline = _headline(result.tables.get("rates.csv", pd.DataFrame(columns=[by, "category"])), by,
                                tops or cats)
    result.timings["total"] = round(time.perf_counter() - t0, 2)
    return result
