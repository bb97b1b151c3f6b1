"""Simulation studies of the comparison layer's estimators (docs/comparing.md quotes the output).

1. Pooled outlet rates (analysis.compare.pooling): coverage of the 95% posterior intervals over simulated
   long-tailed corpora with known outlet rates, under several outlet spreads and document dispersions,
   by outlet size.
2. Story-matched differences (analysis.compare.stories): type I error of the story-adjusted interval
   when two outlets share a style but not a story mix, against the raw difference.

    python benchmarks/inference_study.py [--corpora 500]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from analysis.compare.pooling import coverage_study
from analysis.compare.stories import story_matched_differences

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from compare.test_stories import _confounded


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=int, default=500)
    args = ap.parse_args(argv)
    settings = [
        ("outlet sd 0.35, NB documents (shape 4)", {}),
        ("outlet sd 0.10, NB documents (shape 4)", {"outlet_sd": 0.10}),
        ("outlet sd 0.70, NB documents (shape 4)", {"outlet_sd": 0.70}),
        ("outlet sd 0.35, Poisson documents", {"doc_shape": float("inf")}),
        ("outlet sd 0.35, 15 outlets", {"n_outlets": 15}),
        ("outlet sd 0.35, 200 outlets", {"n_outlets": 200}),
    ]
    print(f"## Pooled rates: coverage of 95% intervals ({args.corpora} corpora per setting)\n")
    print("| setting | n=1 | n=2-5 | n=6+ | all | raw RMSE | pooled RMSE |")
    print("|---|---|---|---|---|---|---|")
    for i, (name, kw) in enumerate(settings):
        s = coverage_study(args.corpora, seed=100 + i, **kw).set_index("size")
        print(f"| {name} | {s.loc['1', 'coverage']:.3f} | {s.loc['2-5', 'coverage']:.3f} | "
              f"{s.loc['6+', 'coverage']:.3f} | {s.loc['all', 'coverage']:.3f} | {s.loc['all', 'raw_rmse']:.2f} | "
              f"{s.loc['all', 'pooled_rmse']:.2f} |")
    print(f"\n## Story-matched differences: rejection rate at nominal 5% ({args.corpora} data sets)\n")
    print("| shared stories | effect | story-adjusted | raw |")
    print("|---|---|---|---|")
    rng = np.random.default_rng(7)
    for n_stories in (8, 15, 40):
        for effect in (0.0, 0.5):
            rs = rr = 0
            for i in range(args.corpora):
                d = _confounded(rng, effect=effect, n_stories=n_stories)
                r = story_matched_differences(d, d[["doc_id", "story_id"]], "x", pairs=[("A", "B")],
                                              n_resamples=400, seed=i).iloc[0]
                rs += not (r.story_low <= 0 <= r.story_high)
                rr += not (r.raw_low <= 0 <= r.raw_high)
            print(f"| {n_stories} | {effect} | {rs / args.corpora:.3f} | {rr / args.corpora:.3f} |")


if __name__ == "__main__":
    main()
