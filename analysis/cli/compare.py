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

This module only parses the arguments, calls :func:`analysis.compare.run_all` (which computes every
table; notebooks call it too) and writes its result.
"""

from __future__ import annotations

import argparse
import sys
import time

from ..compare.pipeline import run_all
from ..compare.rates import CORRECTIONS
from . import add_csv_escape_argument
from .selection import add_selection_arguments, selection_kwargs

__all__ = ["add_arguments", "run"]


# --------------------------------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------------------------------
def add_arguments(p):
    """Add the arguments of ``compare`` to ``p``, in the order ``--help`` lists them."""
    _add_inputs(p)
    _add_inference(p)
    _add_tables(p)
    add_csv_escape_argument(p)
    _add_small_groups(p)
    _add_printing(p)
    # --by and --pair come from _add_inference and _add_tables (--pair chooses the decomposition pair;
    # every group stays in the other tables)
    add_selection_arguments(p, pair=False, by=False)


def _add_inputs(p):
    """The scored folder, the output folder and the corpus (with its column options, as given to score)."""
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


def _add_inference(p):
    """Grouping, categories, near-duplicate handling and the resampling settings."""
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


def _add_tables(p):
    """Options of single tables: the decomposition pair, rates over time, wire agreement, stories."""
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
    p.add_argument(
        "--stories",
        action="store_true",
        help="group articles into stories (same event, several outlets) and compare groups within the "
        "stories both covered: writes stories.csv and story_matched.csv (needs --corpus)",
    )


def _add_small_groups(p):
    """Small groups and clusters: --min-docs, --cluster, --max-groups."""
    p.add_argument(
        "--min-docs",
        type=int,
        default=1,
        metavar="N",
        help="leave out groups with fewer than N documents (the output says which and how many "
        "documents that removed); default 1 keeps every group, a group of one document getting NaN "
        "bounds and a note",
    )
    p.add_argument(
        "--cluster",
        metavar="COLUMN",
        help="resample and permute whole clusters (e.g. outlet) within groups and give count models "
        "cluster-robust standard errors; default outlet when --by groups outlets (e.g. --by lean), "
        "'none' for document-level inference",
    )
    p.add_argument(
        "--max-groups",
        type=int,
        default=20,
        metavar="K",
        help="pairwise tests, count models, word keyness and rates over time for the K largest groups by "
        "documents (default 20: 190 pairs); rates cover every group",
    )


def _add_printing(p):
    """What is printed: --quiet, the headline table's format and size."""
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.add_argument("--table-format", choices=["text", "markdown", "latex"], default="text",
                   help="how the headline table is printed (markdown and latex: ready for a paper)")
    p.add_argument("--summary-top", type=int, default=20, metavar="N",
                   help="groups in the printed headline table, most documents first; every group is in "
                        "rates.csv (default 20)")


# --------------------------------------------------------------------------------------------------
# the command: parse, call analysis.compare.run_all, write, print
# --------------------------------------------------------------------------------------------------
def run(args) -> int:
    t_start = time.perf_counter()

    def log(msg):
        if not args.quiet:
            print(msg, file=sys.stderr)

    options = {
        k: getattr(args, k)
        for k in ("text_col", "id_col", "outlet_col", "date_col", "title_col", "dayfirst")
        if getattr(args, k) is not None
    }
    from ..compare.pipeline import DEFAULT_STEPS
    from ..progress import bar, wanted

    steps_bar = bar("compare", total=len(DEFAULT_STEPS), unit="step", enabled=wanted(args.quiet))
    result = run_all(
        args.scored,
        args.corpus,
        by=args.by,
        categories=args.categories,
        pair=args.pair,
        dedupe=args.dedupe,
        n_resamples=args.n_resamples,
        seed=args.seed,
        confidence=args.confidence,
        correction=args.correction,
        freq=args.freq,
        events=args.events,
        wire_col=args.wire_col,
        wire_unknown_outlets=args.wire_unknown_outlet,
        corpus_options=options,
        stories=args.stories,
        min_docs=args.min_docs,
        cluster=args.cluster,
        max_groups=args.max_groups,
        log=log,
        progress=steps_bar,
        select={k: v for k, v in selection_kwargs(args).items() if k not in ("by", "pair")} or None,
    )
    steps_bar.close()
    out = result.write(args.out, csv_escape=args.csv_escape)
    if not args.quiet:
        unit = result.settings.get("cluster")
        kind = "document-bootstrap" if unit is None else f"{unit}-bootstrap"
        _print_headline(result, args, f"Matches per 1,000 tokens [{args.confidence:.0%} {kind} interval], "
                                      f"by {args.by}:")
        for note in result.notes:
            if not note.startswith("skipped"):
                print(f"note: {note}", file=sys.stderr)
        total = time.perf_counter() - t_start
        print(f"{len(result.files)} files written to {out} in {total:.1f}s", file=sys.stderr)
    return 0


def _print_headline(result, args, title: str) -> None:
    """The headline table (groups x top-level categories), the ``--summary-top`` largest groups only."""
    from ..report.tables import format_table

    head = result.headline
    rates = result.tables.get("rates.csv")
    rest = []
    if rates is not None and "documents" in rates.columns and args.by in rates.columns and len(head) > args.summary_top:
        sizes = rates.groupby(rates[args.by].astype(str))["documents"].max()
        order = sorted(map(str, head.index), key=lambda g: (-int(sizes.get(g, 0)), g))
        shown, rest = order[: args.summary_top], order[args.summary_top:]
        head = head.loc[[g for g in head.index if str(g) in set(shown)]]
    print(format_table(head, args.table_format, caption=title), end="")
    if rest:
        print(f"{len(rest)} more groups not shown (fewest documents): every group is in rates.csv")
