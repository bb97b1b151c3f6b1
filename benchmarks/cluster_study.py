"""Type I error of group comparisons when outlets have house styles (docs/comparing.md quotes the output).

Two groups of outlets that do not differ (``group_ratio=1``); each outlet's rate is the group's times a
log-normal house style; articles per outlet are long-tailed. Every corpus is compared with
analysis.compare.pairwise_differences resampling/permuting documents and with ``cluster="outlet"``;
the table gives the share of corpora whose permutation p-value is below 0.05 and whose 95% bootstrap
interval excludes 0.

    nice python benchmarks/cluster_study.py [--corpora 400] [--resamples 500]
"""
from __future__ import annotations

import argparse
import time

from analysis.compare.clustered import type1_study


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=int, default=400)
    ap.add_argument("--resamples", type=int, default=500)
    args = ap.parse_args(argv)
    settings = [
        ("8 outlets per group, outlet sd 0.35", {}),
        ("8 outlets per group, outlet sd 0.10", {"outlet_sd": 0.10}),
        ("8 outlets per group, outlet sd 0.70", {"outlet_sd": 0.70}),
        ("4 outlets per group, outlet sd 0.35", {"outlets_per_group": 4}),
        ("20 outlets per group, outlet sd 0.35", {"outlets_per_group": 20}),
        ("8 outlets per group, no house style", {"outlet_sd": 0.0}),
    ]
    print(f"## Type I error at 5%, groups that do not differ ({args.corpora} corpora per setting, "
          f"{args.resamples} resamples and permutations)\n")
    print("| setting | mean articles | document: p < 0.05 | document: CI excludes 0 | "
          "outlet: p < 0.05 | outlet: CI excludes 0 |")
    print("|---|---|---|---|---|---|")
    t0 = time.perf_counter()
    for label, kw in settings:
        res = type1_study(n_corpora=args.corpora, seed=0, n_resamples=args.resamples, **kw).set_index("method")
        d, c = res.loc["document"], res.loc["cluster: outlet"]
        print(f"| {label} | {d['mean_docs']:.0f} | {d['reject_p']:.3f} | {d['reject_ci']:.3f} | "
              f"{c['reject_p']:.3f} | {c['reject_ci']:.3f} |", flush=True)
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
