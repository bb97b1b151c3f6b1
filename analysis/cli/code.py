"""Hand coding from the command line: draw a coding sheet, then evaluate the coded sheet.

``python -m analysis code sample CORPUS --out SHEET.csv [--lexicon NAME] [--categories GLOB]
[--n-per-stratum N] [--nonmatch N] [--coders 2]`` scores the corpus and writes a stratified sample of
matches (by outlet and entry) and of sentences without a match, ready for a spreadsheet.
``python -m analysis code evaluate CODED.csv [--sample SHEET.csv] [--corpus CORPUS --lexicon NAME]``
checks the coded sheet and prints precision per category, outlet and entry with Wilson intervals,
the estimated recall, inter-coder agreement and, with ``--corpus``, rates corrected for precision.
"""
from __future__ import annotations

import argparse
import json
import math
import sys

from . import add_csv_escape_argument

ATTRIBUTION_HELP = (
    "Codes (--task attribution): rows of kind match show a cue and its source: 1 = they are an attribution "
    "(someone is reported as saying, believing or showing something) AND the source is of the type in 'entry' "
    "(docs/codebook.md, 'Source types'), 0 = otherwise. nonmatch rows (sentences without an extracted "
    "attribution): 1 = the sentence holds an attribution the extractor missed, 0 = none."
)
CODE_HELP = (
    "Codes: match rows: 1 = a real instance of its category in context, 0 = false positive. "
    "nonmatch rows (whole sentences without a match): 1 = holds an instance the lexicon missed, 0 = none."
)


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="code_command", metavar="{sample,evaluate}")
    s = sub.add_parser("sample", help="draw a coding sheet from a corpus", description=CODE_HELP)
    s.add_argument("corpus", metavar="CORPUS", help="corpus file or folder (as for `score`)")
    s.add_argument("--out", required=True, metavar="SHEET", help="CSV to write")
    s.add_argument("--lexicon", action="append", default=None, metavar="NAME")
    s.add_argument("--categories", action="append", default=None, metavar="GLOB")
    s.add_argument("--task", choices=("lexicon", "attribution"), default="lexicon",
                   help="lexicon (default): sample lexicon matches; attribution: sample extracted attributions "
                        "by outlet and source type (`code evaluate` then gives precision per source type)")
    s.add_argument("--n-per-stratum", type=int, default=10)
    s.add_argument("--strata", default="outlet,entry",
                   help="comma-separated match-table columns (default: outlet,entry; '' for none)")
    s.add_argument("--nonmatch", type=int, default=50, help="non-matching sentences to draw (default 50)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--coders", type=int, default=1, help="number of code columns (default 1)")
    s.add_argument("--context", type=int, default=80, help="characters of context on each side")
    add_csv_escape_argument(s)
    for col in ("text", "id", "outlet", "date", "title"):
        s.add_argument(f"--{col}-col", default=None)
    s.add_argument("--dayfirst", action=argparse.BooleanOptionalAction, default=None,
                   help="read numeric dates such as 05/03/2024 day first, or month first with --no-dayfirst "
                        "(default: the date column decides)")

    e = sub.add_parser("evaluate", help="precision, recall and agreement from a coded sheet",
                       description=CODE_HELP)
    e.add_argument("coded", metavar="CODED", help="the filled coding sheet (CSV)")
    e.add_argument("--sample", default=None, metavar="SHEET",
                   help="the sheet as exported: every row must come back, no other")
    e.add_argument("--coder", default=None, help="code column to use (default: code, else code_1)")
    e.add_argument("--allow-blank", action="store_true", help="skip uncoded rows instead of refusing")
    e.add_argument("--corpus", default=None, help="the sampled corpus: also print corrected rates")
    e.add_argument("--lexicon", action="append", default=None, metavar="NAME")
    e.add_argument("--categories", action="append", default=None, metavar="GLOB")
    e.add_argument("--out", default=None, metavar="DIR", help="write the tables as CSV into DIR")
    e.add_argument("--json", action="store_true", help="print the full result as JSON on the last line")
    add_csv_escape_argument(e)


def _load(args, path):
    from analysis.text.corpus import load_corpus

    kw = {f"{c}_col": getattr(args, f"{c}_col", None) for c in ("text", "id", "outlet", "date", "title")}
    corpus, _ = load_corpus(path, **{k: v for k, v in kw.items() if v}, dayfirst=getattr(args, "dayfirst", None))
    return corpus


def _sample(args) -> int:
    from analysis.measure.scoring import score
    from analysis.validate.coding import sample_for_coding, sampling_warning, write_coding_sheet

    corpus = _load(args, args.corpus)
    if getattr(args, "task", "lexicon") == "attribution":
        from analysis.measure.attribution import as_coding_rows, attributions_frame

        if args.lexicon or args.categories:
            raise ValueError("--task attribution samples attributions: leave out --lexicon/--categories")
        matches, what, help_text = as_coding_rows(attributions_frame(corpus)), "attributions", ATTRIBUTION_HELP
    else:
        matches = score(corpus, args.lexicon, categories=args.categories).matches
        what, help_text = "matches", CODE_HELP
    strata = tuple(s.strip() for s in args.strata.split(",") if s.strip())
    sheet = sample_for_coding(matches, corpus, args.n_per_stratum, strata, args.seed,
                              args.nonmatch, context_chars=args.context, coders=args.coders)
    path = write_coding_sheet(sheet, args.out, csv_escape=args.csv_escape)
    n_m = int((sheet["kind"] == "match").sum())
    print(f"{len(matches)} {what} in {len(corpus)} documents; sampled {n_m} {what} from "
          f"{sheet.loc[sheet.kind == 'match', 'stratum'].nunique()} strata and "
          f"{len(sheet) - n_m} sentences without one (seed {args.seed})")
    print(help_text)
    warning = sampling_warning(sheet, len(matches), args.n_per_stratum)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"wrote {path}")
    return 0


def _ci(row) -> str:
    if row["n_coded"] == 0 or math.isnan(row["precision"]):
        return "-"
    return f"{row['precision']:.2f} [{row['low']:.2f}, {row['high']:.2f}]"


def _print_table(title, df, keys):
    print(title)
    for _, row in df.iterrows():
        label = " / ".join(str(row[k]) for k in keys)
        print(f"  {label:<48} n={row['n_coded']:>4}  precision {_ci(row)}")


def _evaluate(args) -> int:
    from analysis.validate.coding import corrected_rates, evaluate_coding, json_safe, read_coded

    coded = read_coded(args.coded, expected=args.sample, allow_blank=args.allow_blank, csv_unescape=args.csv_escape)
    res = evaluate_coding(coded, coder=args.coder)
    o = res.overall
    print(f"{args.coded}: {len(coded)} rows ({coded.attrs['n_blank']} uncoded skipped), code column {res.coder}")
    if o["n_coded"]:
        print(f"overall precision {o['precision']:.3f} [{o['low']:.3f}, {o['high']:.3f}] "
              f"from {o['n_coded']} coded matches standing for {o['matches']:.0f}")
    _print_table("precision by category:", res.by_category, ["category"])
    _print_table("precision by outlet:", res.by_outlet, ["outlet"])
    _print_table("precision by entry:", res.by_entry, ["category", "entry"])
    r = res.recall
    if r["nonmatch_sentences"]:
        print(f"recall: {r['missed_in_sample']} of {r['sampled']} sampled sentences without a match "
              f"hold a missed instance (miss rate {r['miss_rate']:.3f}); scaled to the "
              f"{r['nonmatch_sentences']} such sentences: {r['estimated_missed']:.0f} missed vs "
              f"{r['estimated_true_matches']:.0f} true matches -> recall {r['recall']:.3f} "
              f"[{r['low']:.3f}, {r['high']:.3f}]")
    for label, a in res.agreement.items():
        print(f"agreement ({label}, {a['coders'][0]} vs {a['coders'][1]}, {a['n_items']} items): "
              f"{a['percent_agreement']:.1%} agree, Cohen's kappa {a['cohen_kappa']:.3f}, "
              f"Krippendorff's alpha {a['krippendorff_alpha']:.3f}")
    for note in res.notes:
        print(f"note: {note}")
    tables = {"by_category": res.by_category, "by_outlet": res.by_outlet, "by_entry": res.by_entry,
              "by_outlet_category": res.by_outlet_category, "by_outlet_entry": res.by_outlet_entry}
    if args.corpus:
        from analysis.measure.scoring import score

        corpus = _load(args, args.corpus)
        summary = score(corpus, args.lexicon, categories=args.categories).summary
        rates = corrected_rates(res, summary)
        tables["corrected_rates"] = rates
        print("rates per 1,000 tokens corrected for precision (outlet x category):")
        for _, row in rates.iterrows():
            print(f"  {row['outlet']:<24} {row['category']:<24} {row['rate_per_1k']:7.2f} -> "
                  f"{row['corrected_rate']:7.2f} [{row['corrected_low']:.2f}, {row['corrected_high']:.2f}]")
    if args.out:
        from analysis.outputs import output_set, safe_child, write_table

        with output_set(args.out, "code evaluate", replaceable=[f"{n}.csv" for n in tables]) as tmp:
            for name, df in tables.items():
                write_table(df, safe_child(tmp, f"{name}.csv"), csv_escape=args.csv_escape)
        print(f"wrote {len(tables)} tables to {args.out}")
    if args.json:
        out = res.to_dict()
        if "corrected_rates" in tables:
            out["corrected_rates"] = json_safe(tables["corrected_rates"].to_dict(orient="records"))
        print(json.dumps(out))
    return 0


def run(args) -> int:
    if args.code_command == "sample":
        return _sample(args)
    if args.code_command == "evaluate":
        return _evaluate(args)
    raise ValueError("choose a subcommand: `code sample ...` or `code evaluate ...`")
