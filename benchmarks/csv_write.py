"""CSV writing: pandas' ``to_csv`` against the vectorised writer (:mod:`analysis.csvwrite`) on a
1e6-row table shaped like ``matches.csv``; both timed in the same run, bytes checked identical.

    nice .venv/bin/python benchmarks/csv_write.py [--rows 1000000] [--repeat 3]

Prints the best of ``--repeat`` for each and the ratio. Escaping (analysis.csvsafe) is timed too,
since ``write_table`` applies it before either writer.
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

from analysis.csvsafe import escape_frame
from analysis.csvwrite import to_csv_bytes


def matches_like(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(["may", "might", "possibly", "said", "according to", "reportedly", "suggests", "could"])
    cats = np.array(["hedging.modal", "hedging.adverb", "sourcing.said", "boosters.certainty"])
    outlets = np.array([f"Outlet {i}" for i in range(500)] + ["A, B News", 'The "Quoted" Times'])
    doc = rng.integers(0, n // 20 + 1, n)
    start = rng.integers(0, 20_000, n)
    return pd.DataFrame({
        "doc_id": pd.array([f"doc{d:07d}" for d in doc], dtype="str"),
        "outlet": outlets[rng.integers(0, len(outlets), n)],
        "category": cats[rng.integers(0, len(cats), n)],
        "entry": words[rng.integers(0, len(words), n)],
        "matched": words[rng.integers(0, len(words), n)],
        "start": start, "end": start + rng.integers(2, 12, n), "sentence": rng.integers(0, 80, n),
        "voice": np.array(["author", "quoted", "attributed"])[rng.integers(0, 3, n)],
        "weight": np.round(rng.random(n), 3),
        "lexicon": "hedging", "lexicon_version": "1.2.0",
    })


def best(fn, repeat):
    """Best CPU seconds (process time: the shared machine's load does not count) and wall seconds."""
    cpu, wall = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
    return (min(cpu), min(wall)), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    df = matches_like(args.rows)
    t_esc, esc = best(lambda: escape_frame(df), args.repeat)
    t_pd, a = best(lambda: esc.to_csv(index=False, lineterminator="\n").encode("utf-8"), args.repeat)
    t_vec, b = best(lambda: to_csv_bytes(esc), args.repeat)
    assert a == b, "the vectorised writer must give pandas' bytes"
    print(f"machine: {platform.machine()} {platform.python_version()}, pandas {pd.__version__}; "
          f"{args.rows:,} rows x {df.shape[1]} columns, {len(a) / 1e6:.0f} MB of CSV, best of {args.repeat}")
    print(f"escape (csvsafe)   {t_esc[0]:6.2f} s CPU  {t_esc[1]:6.2f} s wall")
    print(f"pandas to_csv      {t_pd[0]:6.2f} s CPU  {t_pd[1]:6.2f} s wall")
    print(f"vectorised writer  {t_vec[0]:6.2f} s CPU  {t_vec[1]:6.2f} s wall   "
          f"ratio pandas/vectorised {t_pd[0] / t_vec[0]:.1f}x CPU, {t_pd[1] / t_vec[1]:.1f}x wall (bytes identical)")


if __name__ == "__main__":
    main()
