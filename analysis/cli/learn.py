"""Train a sentence-level uncertainty classifier and save it as a JSON model file.

``python -m analysis learn TRAIN... --format conll2010 --out MODEL [--cv K]`` reads annotated
sentences, optionally cross-validates the settings with K folds grouped by document (cues induced
inside each fold), trains on everything and writes the model as JSON (never pickle): vocabularies,
lexicon, induced cues, coefficients, intercept, settings, the hash of the training data and the CV
scores. ``python -m analysis evaluate GOLD --format ... --model MODEL`` scores it on other data.
"""
from __future__ import annotations

import json

from analysis.cli.evaluate import add_gold_arguments, load_gold


def add_arguments(parser) -> None:
    parser.add_argument("train", nargs="+", metavar="TRAIN", help="training file(s) or folder")
    add_gold_arguments(parser)
    parser.add_argument("--out", required=True, metavar="MODEL", help="where to write the model (.json)")
    parser.add_argument("--cv", type=int, default=0, metavar="K",
                        help="first cross-validate with K folds grouped by document")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fold assignment (default 0)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help='override a setting, e.g. --set C=0.5 --set \'char_ngrams=[3,5]\' '
                        "(see analysis.validate.learn.DEFAULT_SETTINGS)")
    parser.add_argument("--json", action="store_true", help="print the CV scores as JSON on the last line")
    parser.add_argument("--task", choices=("sentences", "attribution"), default="sentences",
                        help="sentences (default): a sentence classifier; attribution (--format polnear, TRAIN = "
                        "the PolNeAR root): the attribution cue model, trained on train and chosen on dev "
                        "(docs/attribution.md)")


def _parse_sets(items) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set {item!r}: expected KEY=VALUE")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value  # a bare string such as model=linear_svc
    return out


def run_attribution(args) -> int:
    """``learn --task attribution``: the cue model of analysis.measure.attribution, from PolNeAR."""
    from analysis.validate.attribution import train_attribution_model

    if args.format != "polnear" or len(args.train) != 1:
        raise ValueError("--task attribution needs --format polnear and the PolNeAR root as TRAIN")
    model, report = train_attribution_model(args.train[0], log=print)
    path = model.save(args.out)
    chosen = report["chosen"]
    print(f"vocabulary {report['vocabulary']} words, {report['train_candidates']} training candidates "
          f"({report['train_positive']} in a gold cue), {report['features']} features")
    print(f"chosen on dev: C={chosen['C']} threshold={chosen['threshold']}: sentence P {chosen['precision']:.4f} "
          f"R {chosen['recall']:.4f} F1 {chosen['sentence_f1']:.4f}")
    print(f"wrote {path}")
    if args.json:
        print(json.dumps({k: chosen[k] for k in ("C", "threshold", "precision", "recall", "sentence_f1")}))
    return 0


def run(args) -> int:
    from analysis.validate.learn import check_settings, cross_validate, train

    if getattr(args, "task", "sentences") == "attribution":
        if not str(args.out).endswith(".json"):
            raise ValueError(f"--out {args.out!r}: model files are JSON; use a .json name")
        return run_attribution(args)

    if not str(args.out).endswith(".json"):
        raise ValueError(f"--out {args.out!r}: model files are JSON; use a .json name")
    settings = check_settings(_parse_sets(args.set))
    gold = load_gold(args.train, args)
    n_pos = int(gold["label"].sum())
    print(f"training data: {len(gold)} sentences, {n_pos} positive, {gold['doc_id'].nunique()} documents")
    print("settings: " + json.dumps(settings, sort_keys=True))
    cv = None
    if args.cv:
        cv = cross_validate(gold, settings, k=args.cv, seed=args.seed)
        print(f"{args.cv}-fold cross-validation grouped by document (seed {args.seed}), pooled "
              f"out-of-fold predictions: P {cv['precision']:.4f}  R {cv['recall']:.4f}  "
              f"F1 {cv['f1']:.4f}  (fold F1 mean {cv['f1_mean']:.4f}, sd {cv['f1_std']:.4f})")
    model = train(gold, settings, sources=[str(p) for p in args.train], cv=cv)
    path = model.save(args.out)
    print(f"model: {len(model.coef)} features, training data sha256 {model.training['sha256'][:12]}")
    tm = model.featurizer.token_model
    if model.settings["tagger"] and tm and model.settings.get("tagger_sentence"):
        w = model.settings["tagger_weight"]
        print(f"cue tagger: {len(tm['coef'])} token features, blended with a sentence model: a sentence is "
              f"uncertain when {w:g} x its most probable candidate cue's log-odds + {1 - w:g} x the sentence "
              f"model's score is above {model.threshold:g}")
    elif model.settings["tagger"] and tm:
        print(f"cue tagger: {len(tm['coef'])} token features; a sentence is uncertain when its most probable "
              f"candidate cue has log-odds above {model.threshold:g}")
    else:
        top = model.top_features(8)
        print("strongest positive features: " + ", ".join(top[top.weight > 0]["feature"].head(8)))
    print(f"wrote {path}")
    if args.json:
        keys = ("precision", "recall", "f1", "f1_mean", "f1_std", "k")
        print(json.dumps({k: cv[k] for k in keys} if cv else {}))
    return 0
