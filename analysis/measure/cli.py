"""Score a corpus with framing lexicons and write matches.csv, documents.csv, summary.csv, provenance.json."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ..outputs import atomic_write_text, write_table
from ..provenance import dumps
from ..text.corpus import load_corpus
from .scoring import score


def add_corpus_arguments(p):
    p.add_argument("corpus", help="corpus file or folder (csv, tsv, jsonl, parquet, folder of .txt or .html)")
    p.add_argument("--text-col", help="column holding the article text")
    p.add_argument("--id-col", help="column holding document ids")
    p.add_argument("--outlet-col", help="column holding the outlet name")
    p.add_argument("--date-col", help="column holding the publication date")
    p.add_argument("--title-col", help="column holding the headline")
    p.add_argument("--encoding", help="text encoding of the corpus file (default: UTF-8, BOM accepted)")


def corpus_from_args(args):
    return load_corpus(
        args.corpus, text_col=args.text_col, id_col=args.id_col, outlet_col=args.outlet_col,
        date_col=args.date_col, title_col=args.title_col, encoding=args.encoding,
    )


def add_arguments(p):
    add_corpus_arguments(p)
    p.add_argument("--lexicon", action="append", default=[], metavar="NAME_OR_PATH",
                   help="lexicon name or file; repeat for several (default: all built-in lexicons)")
    p.add_argument("--categories", action="append", default=[], metavar="GLOB",
                   help="keep only these categories (e.g. 'hedging.*'); may repeat")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv", help="table format (default csv)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def print_summary(result, file=sys.stdout):
    table = result.summary_table("rate_per_1k").round(2).T
    docs = result.summary.groupby("outlet")["documents"].first()
    table.loc["(documents)"] = docs
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print("Matches per 1,000 tokens, by category (rows) and outlet (columns):", file=file)
        print(table.to_string(), file=file)


def run(args) -> int:
    corpus, report = corpus_from_args(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    show_progress = not args.no_progress and not args.quiet and len(corpus) >= 200
    result = score(corpus, args.lexicon or None, categories=args.categories or None, progress=show_progress)
    ext = args.format
    prov = dict(result.provenance)
    prov["load_report"] = {"rows_read": report.n_read, "rows_loaded": report.n_loaded,
                           "rows_skipped": report.n_skipped, "issues": len(report.issues)}
    write_table(result.matches, out / f"matches.{ext}")
    write_table(result.documents, out / f"documents.{ext}")
    write_table(result.summary, out / f"summary.{ext}")
    write_table(report.to_frame(), out / "load_report.csv")
    atomic_write_text(out / "provenance.json", dumps(prov))
    if not args.quiet:
        print(report.summary(), file=sys.stderr)
        print_summary(result)
        print(f"{len(result.matches)} matches in {len(corpus)} documents written to {out}", file=sys.stderr)
    return 0
