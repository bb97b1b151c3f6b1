"""Comparison tables for a scored corpus: ``python -m analysis compare SCORED_DIR --out DIR``.

Reads the output folder of ``python -m analysis score`` (``documents.csv`` or ``.parquet``,
``matches.*``, ``provenance.json``) and writes, atomically, the comparison tables of
:mod:`analysis.compare`: rates with document-bootstrap intervals for every category, pairwise
differences with a permutation test and a stated multiple-comparison correction, rates split by voice,
negative binomial count models with the token count as exposure, a term decomposition for one pair of
groups with the concordance lines behind its terms, category keyness and rates over time. With
``--corpus`` (the corpus that was scored; its path is not recorded by ``score``) it also writes the
near-duplicate clusters, their agreement with a ``wire`` column, and word keyness, and it can run every
comparison with near-duplicates removed or down-weighted (``--dedupe``). See ``docs/comparing.md``.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..outputs import atomic_write_text, safe_child, write_table
from ..provenance import corpus_sha256, dumps
from .rates import CORRECTIONS, available_categories

__all__ = ["TOP_LEVEL_ORDER", "add_arguments", "read_scored", "run"]

TOP_LEVEL_ORDER = ("hedging", "evidence_absent", "sourcing", "booster", "distancing")
KEYNESS_MIN_COUNT = 5  # word keyness: terms seen fewer times in the two sides are not listed
KWIC_TERMS = 10  # concordance lines for the 10 entries that move the pair difference most ...
KWIC_PER_TERM = 10  # ... and up to 10 lines per entry and group (seeded sample)
DUPLICATE_THRESHOLD = 0.8  # Jaccard similarity of 5-word shingle sets


# --------------------------------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------------------------------
def add_arguments(p):
    p.add_argument(
        "scored", metavar="SCORED_DIR", help="output folder of `python -m analysis score`"
    )
    p.add_argument("--out", required=True, help="output folder for the comparison tables")
    p.add_argument(
        "--corpus",
        metavar="PATH",
        help="the corpus that was scored (needed for near-duplicates, word keyness and "
        "concordance lines; those tables are skipped without it)",
    )
    p.add_argument("--text-col", help="corpus column holding the text (as given to score)")
    p.add_argument("--id-col", help="corpus column holding document ids (as given to score)")
    p.add_argument("--outlet-col", help="corpus column holding the outlet (as given to score)")
    p.add_argument("--date-col", help="corpus column holding the date (as given to score)")
    p.add_argument("--title-col", help="corpus column holding the headline (as given to score)")
    p.add_argument(
        "--dayfirst",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read numeric dates such as 05/03/2024 day first, or month first with --no-dayfirst "
        "(as given to score; default: the date column decides)",
    )
    p.add_argument(
        "--by",
        default="outlet",
        metavar="COLUMN",
        help="grouping column of the documents table (or of the corpus metadata when "
        "--corpus is given); default outlet",
    )
    p.add_argument(
        "--categories",
        nargs="+",
        action="extend",
        default=[],
        metavar="GLOB",
        help="only these categories (names or globs such as 'hedging*'); default all",
    )
    p.add_argument(
        "--dedupe",
        choices=["none", "remove", "weight"],
        default="none",
        help="near-duplicates: keep (none), keep one per cluster (remove) or weight each "
        "document 1/cluster size (weight); needs --corpus",
    )
    p.add_argument(
        "--n-resamples",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples and permutations per estimate (default 1000)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--confidence", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument(
        "--correction",
        default="holm",
        choices=[*CORRECTIONS, "none"],
        help="multiple-comparison correction of pairwise p-values (default holm)",
    )
    p.add_argument(
        "--pair",
        nargs=2,
        metavar=("A", "B"),
        help="two groups for the term decomposition (default: the two with the largest "
        "difference in hedging)",
    )
    p.add_argument(
        "--freq",
        default="MS",
        metavar="FREQ",
        help="pandas frequency for rates over time: W, MS, QS, ... (default MS, months)",
    )
    p.add_argument(
        "--events", metavar="CSV", help="event markers for rates over time: CSV with date,label"
    )
    p.add_argument(
        "--wire-col",
        default="wire",
        help="corpus column naming the wire agency, to check the near-duplicate detector "
        "against (default wire)",
    )
    p.add_argument(
        "--wire-unknown-outlet",
        action="append",
        default=[],
        metavar="OUTLET",
        help="outlet whose wire column was not recorded (left out of the agreement); may "
        "repeat. Detected automatically from a PolNeAR metadata.tsv ('NA').",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


# --------------------------------------------------------------------------------------------------
# reading the scored folder and the corpus
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


def _read_one(folder: Path, stem: str) -> pd.DataFrame:
    pq, csv = folder / f"{stem}.parquet", folder / f"{stem}.csv"
    if pq.is_file():
        return pd.read_parquet(pq)
    if csv.is_file():
        # keep_default_na=False: an outlet called "NA" or a matched word "null" stays a string
        head = pd.read_csv(csv, nrows=0)
        dtypes = {c: t for c, t in _STRING_COLS.items() if c in head.columns}
        return pd.read_csv(csv, dtype=dtypes, keep_default_na=False, na_values={"date": [""]})
    raise ValueError(
        f"{folder}: no {stem}.csv or {stem}.parquet (is this the output folder of "
        "`python -m analysis score`?)"
    )


def read_scored(folder) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read a ``score`` output folder: (documents, matches, provenance).

    Raises ValueError naming the missing file when the folder is not a complete scored run.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(
            f"{folder}: no such folder (give the --out folder of `python -m analysis score`)"
        )
    documents = _read_one(folder, "documents")
    matches = _read_one(folder, "matches")
    prov_path = folder / "provenance.json"
    if not prov_path.is_file():
        raise ValueError(f"{folder}: no provenance.json (is this a complete `score` run?)")
    try:
        provenance = json.loads(prov_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{prov_path}: not valid JSON ({err})") from err
    for col in ("doc_id", "n_tokens"):
        if col not in documents.columns:
            raise ValueError(f"{folder}: the documents table has no {col!r} column")
    if "date" in documents.columns:
        documents["date"] = pd.to_datetime(documents["date"], errors="coerce")
    if documents["doc_id"].duplicated().any():
        raise ValueError(
            f"{folder}: duplicate doc_id {documents.loc[documents.doc_id.duplicated(), 'doc_id'].iloc[0]!r} "
            "in the documents table"
        )
    return documents, matches, provenance


def _load_corpus(args, documents: pd.DataFrame, notes: list, scored_prov: dict) -> pd.DataFrame:
    from ..text.corpus import load_corpus

    corpus, _report = load_corpus(
        args.corpus,
        text_col=args.text_col,
        id_col=args.id_col,
        outlet_col=args.outlet_col,
        date_col=args.date_col,
        title_col=args.title_col,
        dayfirst=args.dayfirst,
    )
    recorded = scored_prov.get("corpus_sha256")
    if recorded and corpus_sha256(corpus) != recorded:
        notes.append(
            f"warning: the corpus at {args.corpus} does not hash to the corpus_sha256 recorded by "
            "score (different file or different --*-col or --dayfirst options?); results may not "
            "line up"
        )
    missing = sorted(set(documents["doc_id"]) - set(corpus["doc_id"]))
    if missing:
        raise ValueError(
            f"the corpus at {args.corpus} lacks {len(missing)} of the {len(documents)} scored "
            f"documents (first: {missing[0]!r}): is it the corpus that was scored?"
        )
    extra = len(corpus) - int(corpus["doc_id"].isin(documents["doc_id"]).sum())
    if extra:
        notes.append(f"{extra} corpus document(s) not in the scored run were ignored")
    return corpus[corpus["doc_id"].isin(documents["doc_id"])].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def _select_categories(documents, matches, patterns) -> list[str]:
    available = available_categories(documents)
    if not available:
        raise ValueError(
            "the documents table has no category columns ('c:count'): nothing to compare"
        )
    if not patterns:
        return available
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


def _fname(text) -> str:
    """A file-name-safe version of a group or category label."""
    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("._")
    return s or "group"


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
    single = sorted(sizes[sizes < 2].index.map(str))
    if single:
        raise ValueError(
            f"group {single[0]!r} of column {by!r} has only one document "
            f"({len(single)} such group(s)): the document bootstrap needs at least two "
            "documents per group; choose another --by or leave such documents out"
        )
    if len(sizes) < 2:
        raise ValueError(
            f"column {by!r} has a single group ({sizes.index[0]!r}): nothing to compare"
        )
    return sorted(sizes.index)


def _resolve_label(value: str, labels: list, by: str):
    for lab in labels:
        if str(lab) == value:
            return lab
    raise ValueError(
        f"--pair: unknown group {value!r} in column {by!r}; groups: {', '.join(map(str, labels))}"
    )


class _Steps:
    """Times each step, prints it to stderr, records what was written and what was skipped."""

    def __init__(self, out: Path, quiet: bool):
        self.out, self.quiet = out, quiet
        self.files: list[str] = []
        self.timings: dict[str, float] = {}
        self.notes: list[str] = []

    def write(self, df: pd.DataFrame, name: str):
        write_table(df, safe_child(self.out, name))
        self.files.append(name)

    def write_json(self, obj, name: str):
        atomic_write_text(safe_child(self.out, name), dumps(obj))
        self.files.append(name)

    def skip(self, what: str, why: str):
        self.notes.append(f"skipped {what}: {why}")
        self.log(f"  skipped {what}: {why}")

    def log(self, msg: str):
        if not self.quiet:
            print(msg, file=sys.stderr)

    def timed(self, name):
        steps = self

        class _T:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                dt = time.perf_counter() - self.t0
                steps.timings[name] = round(dt, 2)
                if exc[0] is None:
                    steps.log(f"{name}: {dt:.1f}s")
                return False

        return _T()


def _wire_unknown_outlets(corpus_path, wire_col: str) -> list[str]:
    """Outlets whose raw wire value is 'NA' for every article in a PolNeAR-style metadata.tsv.

    The PolNeAR loader turns both 'None' (not syndicated) and 'NA' (not recorded) into missing values;
    the raw file still tells them apart.
    """
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


def _kwic_sample(td, matches, documents, by, pair, category, seed) -> pd.DataFrame:
    """Matches behind the entries that move a pair difference most: a seeded sample per entry and group."""
    top = td.reindex(td["diff"].abs().sort_values(ascending=False, kind="mergesort").index).head(
        KWIC_TERMS
    )
    wanted = set(zip(top["category"], top["entry"]))
    group_of = documents.set_index("doc_id")[by]
    m = matches[[(c, e) in wanted for c, e in zip(matches["category"], matches["entry"])]]
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
    cell = sub.apply(lambda r: f"{r.rate_per_1k:.2f} [{r.rate_low:.2f}, {r.rate_high:.2f}]", axis=1)
    table = pd.DataFrame({by: sub[by], "category": sub["category"], "cell": cell})
    wide = table.pivot(index=by, columns="category", values="cell")
    return wide[[c for c in categories if c in wide.columns]]


# --------------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------------
def _check_args(args):
    if args.n_resamples < 10:
        raise ValueError(f"--n-resamples must be at least 10, got {args.n_resamples}")
    if not 0 < args.confidence < 1:
        raise ValueError(f"--confidence must be between 0 and 1, got {args.confidence}")
    if args.dedupe != "none" and not args.corpus:
        raise ValueError(
            f"--dedupe {args.dedupe} needs --corpus (near-duplicates are found in the texts)"
        )
    if args.pair and args.pair[0] == args.pair[1]:
        raise ValueError("--pair needs two different groups")
    if args.events and not Path(args.events).is_file():
        raise ValueError(f"--events {args.events}: no such file")
    try:
        pd.tseries.frequencies.to_offset(args.freq)
    except ValueError as err:
        raise ValueError(
            f"--freq {args.freq!r} is not a pandas frequency (e.g. W, MS, QS)"
        ) from err


def run(args) -> int:
    from . import (
        category_keyness,
        count_model,
        deduplicate,
        duplicate_agreement,
        group_rates,
        keyness,
        kwic,
        near_duplicates,
        pairwise_differences,
        rates_over_time,
        term_counts,
        term_decomposition,
        voice_rates,
    )

    _check_args(args)
    t_start = time.perf_counter()
    documents, matches, scored_prov = read_scored(args.scored)
    categories = _select_categories(documents, matches, args.categories)
    tops = _top_level(categories)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    steps = _Steps(out, args.quiet)
    notes = steps.notes
    by = args.by
    seed, n = args.seed, args.n_resamples
    correction = None if args.correction == "none" else args.correction

    corpus = None
    if args.corpus:
        with steps.timed("load corpus"):
            corpus = _load_corpus(args, documents, notes, scored_prov)
        extra_cols = [
            c
            for c in corpus.columns
            if c not in documents.columns and c not in ("text", "_row") and not c.startswith("_")
        ]
        if by in extra_cols:
            documents = documents.merge(corpus[["doc_id", by]], on="doc_id", how="left")
    if by not in documents.columns:
        cols = [c for c in documents.columns if ":" not in c and not c.startswith("n_")]
        hint = (
            ""
            if corpus is not None
            else " (metadata columns of the corpus are available with --corpus)"
        )
        raise ValueError(f"unknown --by column {by!r}; available: {', '.join(cols)}{hint}")
    documents[by] = documents[by].mask(
        documents[by].astype("string").eq("").fillna(False)
    )  # "" is missing
    groups = _check_groups(documents, by, notes)
    pair = tuple(_resolve_label(v, groups, by) for v in args.pair) if args.pair else None

    # ---- near-duplicates (first: --dedupe changes every later table)
    weights = None
    dedupe_info = {"how": args.dedupe}
    if corpus is not None:
        with steps.timed("near-duplicates"):
            clusters = near_duplicates(corpus, threshold=DUPLICATE_THRESHOLD, seed=1)
            steps.write(clusters, "near_duplicates.csv")
            n_clusters = int(clusters["cluster_id"].nunique()) if len(clusters) else 0
            dedupe_info.update(
                clusters=n_clusters,
                documents_in_clusters=len(clusters),
                threshold=DUPLICATE_THRESHOLD,
                shingle=5,
                num_perm=128,
            )
            if args.wire_col in corpus.columns:
                unknown_outlets = sorted(
                    set(args.wire_unknown_outlet)
                    | set(_wire_unknown_outlets(args.corpus, args.wire_col))
                )
                agreement = {}
                for scope in ("multi_outlet", "any"):
                    res = duplicate_agreement(
                        clusters,
                        corpus,
                        wire_col=args.wire_col,
                        exclude_outlets=unknown_outlets,
                        scope=scope,
                    )
                    agreement[scope] = {
                        k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                        for k, v in res.to_dict("records")[0].items()
                    }
                wire = corpus[args.wire_col]
                is_wire = wire.notna() & ~wire.astype("string").str.strip().str.lower().isin(
                    ["", "none", "null", "nan", "na"]
                ).fillna(True)
                in_multi = corpus["doc_id"].isin(
                    clusters.loc[clusters["multi_outlet"].astype(bool), "doc_id"]
                    if len(clusters)
                    else []
                )
                steps.write_json(
                    {
                        "wire_column": args.wire_col,
                        "wire_values": {
                            str(k): int(v)
                            for k, v in wire[is_wire].astype(str).value_counts().items()
                        },
                        "wire_documents": int(is_wire.sum()),
                        "wire_documents_in_multi_outlet_clusters": int((is_wire & in_multi).sum()),
                        "outlets_left_out_wire_not_recorded": unknown_outlets,
                        "clusters": n_clusters,
                        "multi_outlet_clusters": int(
                            clusters.loc[
                                clusters["multi_outlet"].astype(bool), "cluster_id"
                            ].nunique()
                        )
                        if len(clusters)
                        else 0,
                        "documents_in_clusters": len(clusters),
                        "agreement": agreement,
                        "reading": "detected = in a near-duplicate cluster (multi_outlet: spanning two or more outlets; "
                        "any: any cluster); wire = the wire column names an agency. The wire column marks "
                        "syndicated articles, not duplicated ones: a wire story that no other outlet in the "
                        "corpus ran cannot be detected by cross-outlet matching.",
                    },
                    "duplicate_agreement.json",
                )
            else:
                steps.skip(
                    "duplicate_agreement.json", f"the corpus has no {args.wire_col!r} column"
                )
        if args.dedupe == "remove":
            before = len(documents)
            documents = deduplicate(documents, clusters, how="remove")
            matches = matches[matches["doc_id"].isin(documents["doc_id"])]
            corpus = corpus[corpus["doc_id"].isin(documents["doc_id"])].reset_index(drop=True)
            dedupe_info["removed"] = before - len(documents)
            notes.append(
                f"--dedupe remove: {before - len(documents)} near-duplicate document(s) removed "
                "(one kept per cluster: earliest date, then smallest doc_id)"
            )
            groups = _check_groups(documents, by, [])
        elif args.dedupe == "weight":
            documents = deduplicate(documents, clusters, how="weight", weight_col="_dedupe_weight")
            weights = "_dedupe_weight"
            notes.append(
                "--dedupe weight: documents in a near-duplicate cluster weigh 1/cluster size in rates, "
                "pairwise differences, voice rates, term decomposition and rates over time; count "
                "models and keyness are unweighted"
            )
    else:
        for name in (
            "near_duplicates.csv",
            "duplicate_agreement.json",
            "keyness_words_<group>.csv",
            "kwic_<category>.csv",
        ):
            steps.skip(name, "no --corpus given (score does not record the corpus path)")

    common = {"n_resamples": n, "confidence": args.confidence, "seed": seed, "weights": weights}

    # ---- rates
    with steps.timed("rates"):
        rates = group_rates(documents, categories, by=by, **common)
        steps.write(rates, "rates.csv")

    # ---- pairwise differences
    with steps.timed("pairwise differences"):
        for cat in tops:
            if documents[cat + ":count"].sum() == 0:
                steps.skip(f"pairwise_{cat}.csv", f"category {cat!r} has no matches")
                continue
            pw = pairwise_differences(
                documents, cat, by=by, n_permutations=n, correction=correction, **common
            )
            steps.write(pw, f"pairwise_{_fname(cat)}.csv")

    n_pairs = len(groups) * (len(groups) - 1) // 2
    floor = min(1.0, 2 / (n + 1) * (n_pairs if correction else 1))
    if floor > 0.01:
        notes.append(
            f"with {n} permutations the smallest possible two-sided p-value is {2 / (n + 1):.4f}, and "
            f"the smallest adjusted one over {n_pairs} pairs is about {floor:.3f}: use a larger "
            "--n-resamples (e.g. 10000) for final p-values"
        )

    # ---- voice
    with steps.timed("voice rates"):
        voice_cats = [c for c in categories if documents[c + ":count"].sum() > 0]
        if not voice_cats:
            steps.skip("voice_rates.csv", "no category has matches")
        elif "voice" not in matches.columns:
            steps.skip("voice_rates.csv", "the matches table has no voice column")
        else:
            vr = voice_rates(matches, documents, voice_cats, by=by, on_small_group="nan", **common)
            steps.write(vr, "voice_rates.csv")

    # ---- count models
    with steps.timed("count models"):
        data = documents.assign(_group_=documents[by].astype("string"))
        data = data[data["_group_"].notna()]
        for cat in tops:
            name = f"count_model_{_fname(cat)}.csv"
            if data[cat + ":count"].sum() == 0:
                steps.skip(name, f"category {cat!r} has no matches")
                continue
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    cm = count_model(
                        data,
                        cat,
                        formula_rhs="C(_group_)",
                        family="negbin",
                        confidence=args.confidence,
                        correction=correction,
                    )
            except (ValueError, np.linalg.LinAlgError) as err:
                steps.skip(name, f"negative binomial fit failed ({str(err).splitlines()[0]})")
                continue
            if any("did not converge" in str(w.message) for w in caught):
                steps.skip(name, "negative binomial fit did not converge")
                continue
            bad = ~np.isfinite(cm[["estimate", "std_error"]].to_numpy(dtype=float)).all(axis=1)
            if bad.any():
                steps.skip(
                    name, "negative binomial fit gave non-finite estimates or standard errors"
                )
                continue
            cm["term"] = cm["term"].str.replace("C(_group_)", f"{by}", regex=False)
            cm.insert(0, "category", cat)
            cm["baseline"] = f"{by} = {groups[0]!r} (rate ratios are relative to it)"
            steps.write(cm, name)

    # ---- term decomposition for one pair, with the concordance lines behind its terms
    with steps.timed("term decomposition"):
        if pair is None:
            ref = "hedging" if "hedging" in categories else (tops[0] if tops else categories[0])
            r = rates[rates["category"] == ref].dropna(subset=["rate_per_1k"])
            r = r.sort_values("rate_per_1k", kind="mergesort")
            if len(r) >= 2:
                pair = (r.iloc[-1][by], r.iloc[0][by])
                notes.append(
                    f"--pair not given: decomposing {pair[0]!r} vs {pair[1]!r}, the groups with the "
                    f"largest difference in {ref!r}"
                )
        kwic_picks = []
        if pair is None:
            steps.skip("term_decomposition_<category>.csv", "fewer than two groups with a rate")
        else:
            for cat in tops:
                name = f"term_decomposition_{_fname(cat)}.csv"
                sel = documents[documents[by].isin(pair)]
                if sel[cat + ":count"].sum() == 0:
                    steps.skip(
                        name, f"category {cat!r} has no matches in {pair[0]!r} or {pair[1]!r}"
                    )
                    continue
                td = term_decomposition(matches, documents, cat, pair[0], pair[1], by=by, **common)
                total = td.attrs["total"]
                td.insert(0, "group_b", pair[1])
                td.insert(0, "group_a", pair[0])
                td["category_diff"] = total["diff"]
                td["category_low"] = total["low"]
                td["category_high"] = total["high"]
                steps.write(td, name)
                if corpus is not None:
                    kwic_picks.append(_kwic_sample(td, matches, documents, by, pair, cat, seed))
            if kwic_picks:
                picked = pd.concat(kwic_picks, ignore_index=True)
                # one kwic() call: each document is tokenized once for all categories
                try:
                    lines = kwic(picked, corpus)
                except (
                    ValueError
                ) as err:  # offsets that do not fit the texts: another corpus version
                    steps.skip("kwic_<category>.csv", str(err).splitlines()[0])
                    lines = None
            if kwic_picks and lines is not None:
                group_of = documents.set_index("doc_id")[by]
                lines.insert(0, "group", lines["doc_id"].map(group_of))
                key = (
                    lines[["doc_id", "start", "end", "category", "entry"]]
                    .astype(str)
                    .agg("\x1f".join, axis=1)
                )
                pkey = (
                    picked[["doc_id", "start", "end", "category", "entry"]]
                    .astype(str)
                    .agg("\x1f".join, axis=1)
                )
                lines.insert(0, "top_category", key.map(dict(zip(pkey, picked["_top_"]))))
                for cat, sub in lines.groupby("top_category", sort=False):
                    sub = sub.sort_values(["entry", "group", "doc_id", "start"], kind="mergesort")
                    steps.write(sub.drop(columns="top_category"), f"kwic_{_fname(cat)}.csv")

    # ---- keyness
    with steps.timed("keyness"):
        frames = []
        for g in groups:
            try:
                ck = category_keyness(documents, g, by=by, categories=categories)
            except ValueError as err:
                steps.skip(f"keyness_categories for {g!r}", str(err))
                continue
            ck.insert(0, by, g)
            frames.append(ck)
        if frames:
            steps.write(pd.concat(frames, ignore_index=True), "keyness_categories.csv")
        if corpus is not None:
            kc = corpus.drop(columns=[by], errors="ignore").merge(
                documents[["doc_id", by]], on="doc_id"
            )
            table = term_counts(kc, by=by)
            # pop the per-group document frequencies: pandas deep-copies attrs on every operation, and
            # this dict (one entry per term and group) would make keyness() many times slower
            docfreq = table.attrs.pop("documents", {})
            for g in groups:
                if g not in table.columns:
                    continue
                kw = keyness(table, g, min_count=KEYNESS_MIN_COUNT)
                others = [c for c in table.columns if c != g]
                kw["docs_target"] = [docfreq[g].get(t, 0) for t in kw["term"]]
                kw["docs_reference"] = [
                    sum(docfreq[o].get(t, 0) for o in others) for t in kw["term"]
                ]
                steps.write(kw, f"keyness_words_{_fname(g)}.csv")

    # ---- time
    with steps.timed("rates over time"):
        if "date" not in documents.columns or documents["date"].isna().all():
            steps.skip("rates_over_time.csv", "no document has a date")
        else:
            events = None
            if args.events:
                events = pd.read_csv(args.events)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                tr = rates_over_time(
                    documents, freq=args.freq, by=by, categories=categories, events=events, **common
                )
            notes += [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
            steps.write(tr.rates, "rates_over_time.csv")
            if events is not None:
                steps.write(tr.events, "rates_over_time_events.csv")

    # ---- provenance
    settings = {
        "scored_dir": str(Path(args.scored)),
        "corpus": None if not args.corpus else str(Path(args.corpus)),
        "by": by,
        "categories": categories,
        "top_level_categories": tops,
        "dedupe": dedupe_info,
        "n_resamples": n,
        "n_permutations": n,
        "seed": seed,
        "confidence": args.confidence,
        "correction": args.correction,
        "bootstrap": "scipy.stats.bootstrap resampling documents within groups (BCa; percentile where BCa "
        "is undefined); rate = sum(counts) / sum(tokens) * 1000",
        "permutation_test": "scipy.stats.permutation_test shuffling documents between the two groups, two-sided",
        "count_model": "statsmodels negative binomial (NB2), log(n_tokens) exposure, one dummy per group",
        "keyness": f"log-odds ratio with informative Dirichlet prior (Monroe et al. 2008) and G2; word terms "
        f"with count >= {KEYNESS_MIN_COUNT}",
        "pair": None if pair is None else [str(pair[0]), str(pair[1])],
        "freq": args.freq,
        "events": None if not args.events else str(Path(args.events)),
        "groups": [str(g) for g in groups],
        "files": sorted(steps.files + ["provenance.json"]),
        "notes": notes,
    }
    prov = dict(scored_prov)
    prov["compare"] = settings
    atomic_write_text(out / "provenance.json", dumps(prov))

    if not args.quiet:
        head = _headline(rates, by, tops or categories)
        with pd.option_context("display.width", 250, "display.max_columns", 50):
            print(
                f"Matches per 1,000 tokens [{args.confidence:.0%} document-bootstrap interval], by {by}:"
            )
            print(head.to_string())
        for note in notes:
            if not note.startswith("skipped"):
                print(f"note: {note}", file=sys.stderr)
        total = time.perf_counter() - t_start
        print(f"{len(steps.files) + 1} files written to {out} in {total:.1f}s", file=sys.stderr)
    return 0
