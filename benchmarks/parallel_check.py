"""Is ``score_parallel(jobs=2)`` faster than ``score`` (one process) on a large corpus, with identical results?

One command: ``python benchmarks/parallel_check.py [--tokens 1e6] [--jobs 2] [--repeat 3] [--start-method auto]``.

The corpus is built as :mod:`benchmarks.run` builds it (real sentences of PolNeAR from
``../shared/data/polnear`` when present, else the bundled sample, resampled into documents of 25
sentences; kept in memory only). Both runs happen in this process on the same in-memory corpus with
the built-in lexicons, after a warm-up on a small prefix (so imports, lexicon parsing and lazy
set-up are excluded from both); the ``jobs=N`` time includes starting the workers. The two modes are
timed alternately ``--repeat`` times. The script prints the machine (cores, load average before and
after, and the speed-up it gives right now to a trivially parallel loop, since shared virtual
machines vary a lot), best and median times of both modes, their ratios, and whether the results
are identical (matches, documents, summary, provenance).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{cpu}; {os.cpu_count()} cores ({usable} usable); Python {platform.python_version()} "
            f"({platform.platform()})")


def load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _spin(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def parallel_ceiling(jobs: int, n: int = 2_000_000) -> float:
    """Speed-up of ``jobs`` forked processes over one on a trivially parallel loop, right now
    (best of three): what this machine can give at the moment, whatever our code does."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return float("nan")
    ctx = multiprocessing.get_context("fork")
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(jobs):
            _spin(n)
        serial = time.perf_counter() - t0
        t0 = time.perf_counter()
        procs = [ctx.Process(target=_spin, args=(n,)) for _ in range(jobs - 1)]
        for p in procs:
            p.start()
        _spin(n)
        for p in procs:
            p.join()
        best = max(best, serial / (time.perf_counter() - t0))
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=float, default=1e6, help="corpus size in \\w+ tokens (default 1e6)")
    ap.add_argument("--jobs", type=int, default=2, help="processes for the parallel run (default 2)")
    ap.add_argument("--repeat", type=int, default=3, help="time each mode this many times, interleaved (default 3)")
    ap.add_argument("--start-method", default=None, help="auto (default), fork or spawn")
    args = ap.parse_args(argv)

    import pandas as pd
    from run import build_corpus, real_sentences

    from analysis.lexicons.model import load_lexicons
    from analysis.measure.scoring import score
    from analysis.scale.parallel import resolve_start_method, score_parallel

    sentences, source = real_sentences()
    docs, total = build_corpus(sentences, int(args.tokens))
    corpus = pd.DataFrame({"doc_id": [f"d{i:07d}" for i in range(len(docs))],
                           "outlet": [f"outlet{i % 5}" for i in range(len(docs))], "text": docs})
    lexicons = load_lexicons(None)
    score(corpus.iloc[:20], lexicons)  # warm-up: imports and lazy set-up, for both modes
    method = resolve_start_method(args.start_method)

    print(f"machine: {machine()}")
    print(f"text: {source}; {total:,} tokens in {len(corpus):,} documents")
    print(f"load average before: {load()}")

    ceiling = parallel_ceiling(args.jobs)
    print(f"machine ceiling now (a pure-Python loop, {args.jobs} processes vs 1): {ceiling:.2f}x")

    def timed(fn):
        t0 = time.perf_counter()
        res = fn()
        return time.perf_counter() - t0, res

    times1, timesn = [], []
    for _ in range(args.repeat):  # interleaved, so a burst of load from elsewhere hits both modes
        t, one = timed(lambda: score(corpus, lexicons))
        times1.append(t)
        t, par = timed(lambda: score_parallel(corpus, lexicons, jobs=args.jobs, start_method=args.start_method))
        timesn.append(t)
        print(f"  run: jobs=1 {times1[-1]:.2f} s, jobs={args.jobs} {timesn[-1]:.2f} s", flush=True)
    t1, tn = min(times1), min(timesn)
    m1, mn = statistics.median(times1), statistics.median(timesn)
    print(f"jobs=1 (score): best {t1:.2f} s ({total / t1:,.0f} tokens/s), median {m1:.2f} s")
    print(f"jobs={args.jobs} (score_parallel, {method}): best {tn:.2f} s ({total / tn:,.0f} tokens/s), median {mn:.2f} s")
    print(f"ratio jobs=1 / jobs={args.jobs}: {t1 / tn:.2f}x (best times), {m1 / mn:.2f}x (medians)")
    print(f"load average after: {load()}")
    same = True
    for name in ("matches", "documents", "summary"):
        try:
            pd.testing.assert_frame_equal(getattr(par, name), getattr(one, name))
        except AssertionError as exc:
            same = False
            print(f"DIFFERENT {name}: {exc}")
    if par.provenance != one.provenance:
        same = False
        print("DIFFERENT provenance")
    print(f"identical results: {'yes' if same else 'NO'} ({len(one.matches):,} matches)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
