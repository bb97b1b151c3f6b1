"""Is ``score_parallel(jobs=2)`` faster than ``score`` (one process) on a large corpus, with identical results?

One command: ``python benchmarks/parallel_check.py [--tokens 1e6] [--jobs 2] [--repeat 5] [--mode both]
[--start-method auto]``.

The corpus is built as :mod:`benchmarks.run` builds it (real sentences of PolNeAR from
``../shared/data/polnear`` when present, else the bundled sample, resampled into documents of 25
sentences), with the built-in lexicons. Two ways of timing, each alternating ``jobs=1`` and
``jobs=N`` ``--repeat`` times so that a burst of load from elsewhere hits both:

* ``warm``: both run again and again in this process on the same in-memory corpus with the same
  compiled matcher, after a warm-up (so imports, compiling and lazy set-up are excluded from both,
  and this process's memory is already mapped). ``jobs=1`` is ``score(corpus, matcher=...)``;
  ``jobs=N`` is ``score_parallel(corpus, lexicons, jobs=N)``, start-up of the workers included.
  Next to each pair the *ceiling* is measured: the speed-up the machine gives right now to the
  matching alone (``scoring.scan`` over texts already read) in N warm processes with none of our
  overheads. Shared
  virtual machines often give far less than N (two virtual cores may share a physical core), and
  what they give changes from minute to minute.
* ``fresh``: each run in a new Python process, as the command line runs: it reads the corpus from a
  temporary Parquet file (written outside the repository), scores 20 documents to warm up (imports,
  matcher), then times one ``score`` or one ``score_parallel`` call on the whole corpus.

The script prints the machine (cores, load average before and after), best and median times, the
ratios, and whether the results are identical (matches, documents, summary, provenance).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
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


def digest(res) -> str:
    """One hash over the four outputs (for comparing runs in other processes)."""
    h = hashlib.sha256()
    for frame in (res.matches, res.documents, res.summary):
        h.update(frame.to_csv(index=False).encode("utf-8"))
        h.update(str(list(frame.dtypes)).encode("utf-8"))
    h.update(json.dumps(res.provenance, sort_keys=True, default=str).encode("utf-8"))
    return h.hexdigest()


class Ceiling:
    """The matching alone (``scoring.scan`` over texts already read) in ``jobs`` warm processes at once,
    each on 1/jobs of the corpus, against one warm process doing every part in turn: what the machine
    gives right now, without our overheads (no start-up, no text conversion, no tables, no transfer)."""

    def __init__(self, corpus, matcher, jobs: int):
        import multiprocessing

        from analysis.measure.scoring import scan

        self.matcher = matcher
        n = len(corpus)
        self.parts = []
        for i in range(jobs):
            part = corpus.iloc[i * n // jobs:(i + 1) * n // jobs]
            self.parts.append((part["text"].tolist(), part["doc_id"].tolist(), part["outlet"].tolist()))
        self.scan = scan
        ctx = multiprocessing.get_context("fork")
        self.links, self.procs = [], []
        for part in self.parts[1:]:
            here, there = ctx.Pipe()
            proc = ctx.Process(target=self._helper, args=(part, there))
            proc.start()
            self.links.append(here)
            self.procs.append(proc)
        for part in self.parts:
            self._match(part)  # warm here too
        for link in self.links:
            link.recv()  # the helpers are warm

    def _match(self, part):
        self.scan(self.matcher, *part)

    def _helper(self, part, conn):
        self._match(part)
        conn.send("ready")
        while conn.recv() == "go":
            self._match(part)
            conn.send("done")

    def measure(self) -> tuple[float, float]:
        """``(seconds in one process, seconds in jobs processes)``."""
        t0 = time.perf_counter()
        for part in self.parts:
            self._match(part)
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        for link in self.links:
            link.send("go")
        self._match(self.parts[0])
        for link in self.links:
            link.recv()
        return one, time.perf_counter() - t0

    def close(self):
        for link in self.links:
            link.send("stop")
        for proc in self.procs:
            proc.join()


def summarise_times(label1, labeln, times1, timesn, total):
    t1, tn = min(times1), min(timesn)
    m1, mn = statistics.median(times1), statistics.median(timesn)
    print(f"  {label1}: best {t1:.2f} s ({total / t1:,.0f} tokens/s), median {m1:.2f} s")
    print(f"  {labeln}: best {tn:.2f} s ({total / tn:,.0f} tokens/s), median {mn:.2f} s")
    print(f"  ratio: {t1 / tn:.2f}x (best times), {m1 / mn:.2f}x (medians)")
    return m1 / mn


def run_warm(args, corpus, total) -> bool:
    import pandas as pd

    from analysis.lexicons.model import load_lexicons
    from analysis.measure.scoring import score
    from analysis.scale.parallel import (
        MatcherSpec,
        resolve_start_method,
        score_parallel,
        worker_matcher,
    )

    lexicons = load_lexicons(None)
    # the matcher score_parallel uses (compiled once, cached): jobs=1 gets the same one, so neither
    # pays for compiling and both find its caches equally warm
    matcher = worker_matcher(MatcherSpec.create(lexicons))
    score(corpus.iloc[:20], matcher=matcher)
    method = resolve_start_method(args.start_method)
    print(f"warm (both in this process, {args.repeat} times each, alternating):", flush=True)

    def timed(fn):
        t0 = time.perf_counter()
        res = fn()
        return time.perf_counter() - t0, res

    ceiling = Ceiling(corpus, matcher, args.jobs) if args.jobs > 1 else None
    times1, timesn, ceil1, ceiln = [], [], [], []
    try:
        for _ in range(args.repeat):
            t, one = timed(lambda: score(corpus, matcher=matcher))
            times1.append(t)
            t, par = timed(lambda: score_parallel(corpus, lexicons, jobs=args.jobs, start_method=args.start_method))
            timesn.append(t)
            line = f"    jobs=1 {times1[-1]:.2f} s, jobs={args.jobs} {timesn[-1]:.2f} s"
            if ceiling is not None:
                a, b = ceiling.measure()
                ceil1.append(a)
                ceiln.append(b)
                line += f"; ceiling: matching alone {a:.2f} s in 1 process, {b:.2f} s in {args.jobs} ({a / b:.2f}x)"
            print(line, flush=True)
    finally:
        if ceiling is not None:
            ceiling.close()
    ratio = summarise_times("jobs=1 (score, compiled matcher given)", f"jobs={args.jobs} (score_parallel, {method})",
                            times1, timesn, total)
    if ceil1:
        c = statistics.median(ceil1) / statistics.median(ceiln)
        print(f"  machine ceiling (matching alone in {args.jobs} warm processes): {min(ceil1) / min(ceiln):.2f}x "
              f"(best times), {c:.2f}x (medians); score_parallel reaches {ratio / c:.0%} of it (medians)")
    same = True
    for name in ("matches", "documents", "summary"):
        try:
            pd.testing.assert_frame_equal(getattr(par, name), getattr(one, name))
        except AssertionError as exc:
            same = False
            print(f"  DIFFERENT {name}: {exc}")
    if par.provenance != one.provenance:
        same = False
        print("  DIFFERENT provenance")
    print(f"  identical results: {'yes' if same else 'NO'} ({len(one.matches):,} matches)")
    return same


_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {here!r})
if __name__ == "__main__":
    import pandas as pd
    from parallel_check import digest
    from analysis.lexicons.model import load_lexicons
    from analysis.measure.scoring import score
    from analysis.scale.parallel import MatcherSpec, score_parallel, worker_matcher
    corpus = pd.read_parquet({path!r})
    lexicons = load_lexicons(None)
    matcher = worker_matcher(MatcherSpec.create(lexicons))
    score(corpus.iloc[:20], matcher=matcher)  # warm-up: imports and the compiled matcher
    jobs = {jobs}
    t0 = time.perf_counter()
    if jobs == 1:
        res = score(corpus, matcher=matcher)
    else:
        res = score_parallel(corpus, lexicons, jobs=jobs, start_method={start!r})
    dt = time.perf_counter() - t0
    print(json.dumps({{"seconds": dt, "digest": digest(res), "matches": len(res.matches)}}))
"""


def run_fresh(args, corpus, total) -> bool:
    print(f"fresh (a new process for each run, {args.repeat} times each, alternating):", flush=True)
    with tempfile.TemporaryDirectory(prefix="mfa-parallel-check-") as tmp:
        path = str(Path(tmp) / "corpus.parquet")
        corpus.to_parquet(path)

        def one_run(jobs):
            code = _CHILD.format(root=str(ROOT), here=str(HERE), path=path, jobs=jobs, start=args.start_method)
            out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
            if out.returncode:
                raise RuntimeError(f"the jobs={jobs} run failed (exit code {out.returncode}):\n{out.stderr}")
            return json.loads(out.stdout.strip().splitlines()[-1])

        times1, timesn, digests = [], [], set()
        for _ in range(args.repeat):
            a, b = one_run(1), one_run(args.jobs)
            times1.append(a["seconds"])
            timesn.append(b["seconds"])
            digests |= {a["digest"], b["digest"]}
            print(f"    jobs=1 {a['seconds']:.2f} s, jobs={args.jobs} {b['seconds']:.2f} s", flush=True)
    summarise_times("jobs=1 (score)", f"jobs={args.jobs} (score_parallel)", times1, timesn, total)
    same = len(digests) == 1
    print(f"  identical results: {'yes' if same else 'NO'} (every run, {a['matches']:,} matches)")
    return same


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=float, default=1e6, help="corpus size in \\w+ tokens (default 1e6)")
    ap.add_argument("--jobs", type=int, default=2, help="processes for the parallel run (default 2)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each mode, alternating (default 5)")
    ap.add_argument("--mode", choices=["warm", "fresh", "both"], default="both", help="how to time (default both)")
    ap.add_argument("--start-method", default=None, help="auto (default), fork or spawn")
    args = ap.parse_args(argv)

    import pandas as pd
    from run import build_corpus, real_sentences

    sentences, source = real_sentences()
    docs, total = build_corpus(sentences, int(args.tokens))
    corpus = pd.DataFrame({"doc_id": [f"d{i:07d}" for i in range(len(docs))],
                           "outlet": [f"outlet{i % 5}" for i in range(len(docs))], "text": docs})
    print(f"machine: {machine()}")
    print(f"text: {source}; {total:,} tokens in {len(corpus):,} documents")
    print(f"load average before: {load()}", flush=True)
    same = True
    if args.mode in ("warm", "both"):
        same &= run_warm(args, corpus, total)
    if args.mode in ("fresh", "both"):
        same &= run_fresh(args, corpus, total)
    print(f"load average after: {load()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
