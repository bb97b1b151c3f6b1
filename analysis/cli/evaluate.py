"""Evaluate a lexicon or a trained model against gold-annotated sentences.

``python -m analysis evaluate GOLD --format {conll2010,szeged,polnear,csv}
(--lexicon NAME --categories GLOB | --model FILE) [--json]`` prints sentence-level precision, recall
and F1 of the positive class (a sentence is predicted positive when the lexicon matches in it, or
when the model says so) and, for formats with cue spans and a lexicon, cue-level scores (exact and
overlapping spans). For PolNeAR a sentence is positive when it holds a gold attribution cue. With
``--json`` the last line is one JSON object:
``{"precision": ..., "recall": ..., "f1": ..., "n_sentences": ..., "n_positive": ...}``.

``--task attribution`` (``--format polnear``) evaluates the attribution extractor instead: sentence
level and cue, source and content spans (exact and overlap), always with a JSON object on the last
line (docs/attribution.md).
"""
from __future__ import annotations

import json
import math

import pandas as pd

from ..validate.evaluate import FORMATS


def add_gold_arguments(parser) -> None:
    """Arguments shared by ``evaluate`` and ``learn`` for reading gold sentences."""
    parser.add_argument("--format", required=True, choices=FORMATS, help="format of the gold files")
    parser.add_argument("--pattern", default="*.xml",
                        help="conll2010: glob for files when GOLD is a folder (default: *.xml)")
    parser.add_argument("--cue-types", action="append", default=None, metavar="TYPE",
                        help="conll2010/szeged: keep only these cue types (repeatable)")
    parser.add_argument("--split", default="all", metavar="NAME",
                        help="polnear: which split (train, dev, test, any split folder under the root, or all; "
                             "default: all)")
    parser.add_argument("--text-col", default="sentence", help="csv: sentence column (default: sentence)")
    parser.add_argument("--label-col", default="label", help="csv: label column (default: label)")


def load_gold(paths, args) -> pd.DataFrame:
    """:func:`analysis.validate.evaluate.load_gold` with the options of :func:`add_gold_arguments`."""
    from ..validate.evaluate import load_gold as read

    return read(paths, args.format, pattern=args.pattern, cue_types=args.cue_types, split=args.split,
                text_col=args.text_col, label_col=args.label_col)


def add_arguments(parser) -> None:
    parser.add_argument("gold", nargs="+", metavar="GOLD",
                        help="gold file(s) or folder (polnear: the corpus root)")
    add_gold_arguments(parser)
    parser.add_argument("--lexicon", action="append", default=None, metavar="NAME",
                        help="built-in lexicon name or lexicon file (repeatable)")
    parser.add_argument("--categories", action="append", default=None, metavar="GLOB",
                        help="categories that count as positive, e.g. 'hedging.*' (repeatable; "
                        "default: every category of the lexicons)")
    parser.add_argument("--model", default=None, metavar="FILE",
                        help="a model saved by `learn` (with --task attribution: an attribution model; default "
                        "the bundled one)")
    parser.add_argument("--task", choices=("sentences", "attribution"), default="sentences",
                        help="sentences (default): a lexicon or sentence model against gold sentences; "
                        "attribution (polnear only): the attribution extractor's sentence, cue, source and "
                        "content scores")
    parser.add_argument("--json", action="store_true", help="print a JSON object as the last line")


def _fmt(d: dict) -> str:
    return (f"P {d['precision']:.3f}  R {d['recall']:.3f}  F1 {d['f1']:.3f}  "
            f"(tp {d['tp']}, fp {d['fp']}, fn {d['fn']})")


def run_attribution(args) -> int:
    """``evaluate --task attribution``: the extractor against PolNeAR gold attributions."""
    from ..validate.evaluate import evaluate_attribution

    if args.format != "polnear":
        raise ValueError("--task attribution needs --format polnear (gold attribution spans)")
    if args.lexicon or args.categories:
        raise ValueError("--task attribution evaluates the attribution extractor: leave out --lexicon/--categories")
    if len(args.gold) != 1:
        raise ValueError("--task attribution takes one PolNeAR root")
    res = evaluate_attribution(args.gold[0], args.split, args.model)
    model = res["model"]
    print(f"gold: {args.gold[0]} (polnear, split {args.split}): {res['n_documents']} articles, "
          f"{res['n_sentences']} sentences, {res['n_gold_sentences']} with a gold cue")
    print(f"predictor: attribution model (training: {model.training.get('data', '?')}, "
          f"threshold {model.threshold:g})")
    print(f"sentence level:      {_fmt(res['sentence'])}")
    for role in ("cue", "source", "content"):
        for mode in ("exact", "overlap"):
            print(f"{role + ' ' + mode + ' spans:':<21}{_fmt(res[role + '_' + mode])}")
    print(f"time: {res['seconds']} s")
    print(json.dumps(res["summary"]))
    return 0


def run(args) -> int:
    from ..validate.evaluate import evaluate_sentences

    if getattr(args, "task", "sentences") == "attribution":
        return run_attribution(args)
    if bool(args.lexicon) == bool(args.model):
        raise ValueError("give either --lexicon (with optional --categories) or --model, not both")
    if args.model and args.categories:
        raise ValueError("--categories applies to --lexicon only")
    gold = load_gold(args.gold, args)
    if len(gold) == 0:
        raise ValueError("the gold files hold no sentences")
    where = ", ".join(str(g) for g in args.gold)
    print(f"gold: {where} ({args.format}): {len(gold)} sentences, {int(gold['label'].sum())} positive")
    res = evaluate_sentences(gold, lexicons=args.lexicon, categories=args.categories, model=args.model)
    if args.lexicon:
        lex = ", ".join(f"{p['name']} {p['version']}" for p in res["lexicons"])
        cats = ", ".join(args.categories) if args.categories else "all categories"
        print(f"predictor: lexicon {lex} ({cats}); a sentence is positive when any entry matches")
    else:
        print(f"predictor: model {args.model} (trained on {res['model_training']['n_sentences']} "
              f"sentences, data sha256 {res['model_training']['sha256'][:12]})")
    print(f"sentence level, positive class: {_fmt(res)}")
    if "cue_exact" in res:
        print(f"cue level, exact spans:       {_fmt(res['cue_exact'])}")
        print(f"cue level, overlapping spans: {_fmt(res['cue_overlap'])}")
    elif args.lexicon:
        print("cue level: the gold has no cue spans")
    else:
        print("cue level: not available for a sentence classifier")
    if res.get("per_category"):
        print("per category: sentences flagged, of which gold positive")
        for row in res["per_category"]:
            p = "-" if math.isnan(row["precision"]) else f"{row['precision']:.3f}"
            print(f"  {row['category']:<28} {row['sentences']:>6} {row['gold_positive']:>6}  precision {p}")
    per_entry = res.get("per_entry")
    if per_entry is not None and len(per_entry):
        worst = per_entry.assign(false=per_entry["fires"] - per_entry["gold_positive"])
        worst = worst.sort_values("false", ascending=False, kind="mergesort").head(5)
        print("entries with the most false-positive sentences: " + ", ".join(
            f"{r.entry} ({r.false} of {r.fires})" for r in worst.itertuples()))
    if args.json:
        keys = ("precision", "recall", "f1", "n_sentences", "n_positive")
        print(json.dumps({k: res[k] for k in keys}))
    return 0
