"""The whole ``score`` command against a floor, and ``--jobs 2`` against ``--jobs 1`` (issue 19).

One command: ``python benchmarks/whole_command.py [--tokens 1e7] [--repeat 3] [--jobs 2] [--profile]
[--corpus PATH] [--score-args '--no-attributions']``.

The corpus is the benchmarks' corpus (real sentences of PolNeAR from ``../shared/data/polnear`` when
present, else the bundled sample, resampled into documents of 25 sentences; see ``benchmarks/run.py``)
written as a CSV (``doc_id,outlet,text``, five outlets) to a temporary folder (or ``--corpus``, kept
for the next run). Every measurement runs in a new process, the cases taking turns ``--repeat`` times,
and is the CPU time (user + system, the process and its workers) and the wall time of:

* ``floor``: a script that reads the same CSV (``pyarrow.csv.read_csv``, multi-threaded) and finds every
  ``\\w+`` token (``re.finditer`` over each text), counting them;
* ``score``: ``python -m analysis score CORPUS --out DIR --quiet --no-progress`` end to end (start-up,
  reading, scoring, summary with its intervals, writing matches/documents/summary/load report/provenance);
* ``score --jobs N``.

Printed: best and median of each, ``score`` CPU / ``floor`` CPU (target <= 1.5x) and ``--jobs 1`` wall /
``--jobs N`` wall (target >= 1.7x on two idle cores; the machine's own ceiling is what
``benchmarks/parallel_check.py --mode warm`` reports). With ``--profile`` the ``score`` command runs once
more under cProfile and the cumulative time of each step of the command is printed.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

FLOOR = r"""
import re, sys
import pyarrow.csv as pv
table = pv.read_csv(sys.argv[1])
word = re.compile(r"\w+")
n = 0
for text in table.column("text").to_pylist():
    for _ in word.finditer(text):
        n += 1
print(n)
"""

# the steps of the command: (label, file suffix, function) whose cumulative time cProfile reports
STEPS = [
    ("read corpus (load_corpus)", "corpus.py", "load_corpus"),
    ("score (library)", "scoring.py", "score"),
    ("  scan (matching)", "scoring.py", "scan"),
    ("summary intervals", "rates.py", "summary_with_intervals"),
    ("attributions (attributions_frame)", "attribution.py", "attributions_frame"),
    ("write tables (write_table)", "outputs.py", "write_table"),
    ("command after imports (main)", "__init__.py", "main"),
]


def make_corpus(path: Path, n_tokens: int) -> tuple[int, int, str]:
    """Write the benchmark corpus as CSV; ``(documents, tokens, source)``."""
    import pandas as pd
    from run import build_corpus, real_sentences

    sentences, source = real_sentences()
    docs, total = build_corpus(sentences, n_tokens)
    frame = pd.DataFrame({"doc_id": [f"d{i:07d}" for i in range(len(docs))],
                          "outlet": [f"outlet{i % 5}" for i in range(len(docs))], "text": docs})
    frame.to_csv(path, index=False)
    return len(docs), total, source


def timed(argv: list[str]) -> tuple[float, float]:
    """CPU seconds (user + system of the child and its waited-for workers) and wall seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def profile(python: str, corpus: Path, out: Path, extra: list[str]) -> list[tuple[str, float]]:
    """Cumulative seconds of each step of one ``score`` run under cProfile, and the run's wall time."""
    import pstats

    stats_file = out.parent / "score.prof"
    start = time.perf_counter()
    subprocess.run([python, "-m", "cProfile", "-o", str(stats_file), "-m", "analysis", "score", str(corpus),
                    "--out", str(out), "--quiet", "--no-progress", *extra], cwd=ROOT, check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    found = {}
    for (filename, _, func), (_, _, _, cum, _) in pstats.Stats(str(stats_file)).stats.items():
        for label, tail, name in STEPS:
            if func == name and filename.endswith(tail) and "analysis" in filename:
                found[label] = max(cum, found.get(label, 0.0))
    return [(label, found.get(label, float("nan"))) for label, *_ in STEPS] + [("whole process (wall)", elapsed)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=float, default=1e7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--corpus", help="CSV to use (made here, and kept, when it does not exist)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--score-args", default="",
                        help="extra options for both score cases, e.g. '--no-attributions' (quoted, one string)")
    args = parser.parse_args(argv)
    extra = shlex.split(args.score_args)
    with tempfile.TemporaryDirectory(prefix="mfa-whole-") as tmp:
        tmp = Path(tmp)
        corpus = Path(args.corpus) if args.corpus else tmp / "corpus.csv"
        if not corpus.exists():
            n_docs, n_tokens, source = make_corpus(corpus, int(args.tokens))
            print(f"corpus: {corpus} ({n_docs} documents, {n_tokens} \\w+ tokens; {source})")
        else:
            print(f"corpus: {corpus} (existing, {corpus.stat().st_size / 1e6:.0f} MB)")
        py = args.python
        from bytecode import compile_package

        compile_package(py)  # start-up as a user's second run sees it
        cases = {
            "floor": [py, "-c", FLOOR, str(corpus)],
            "score": [py, "-m", "analysis", "score", str(corpus), "--out", str(tmp / "out1"), "--quiet",
                      "--no-progress", *extra],
            f"score --jobs {args.jobs}": [py, "-m", "analysis", "score", str(corpus), "--out", str(tmp / "outn"),
                                          "--quiet", "--no-progress", "--jobs", str(args.jobs), *extra],
        }
        cpu = {name: [] for name in cases}
        wall = {name: [] for name in cases}
        load_before = os.getloadavg()
        for _ in range(args.repeat):
            for name, command in cases.items():
                c, w = timed(command)
                cpu[name].append(c)
                wall[name].append(w)
        load_after = os.getloadavg()
        print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, load average "
              f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; {args.repeat} runs each, taking turns")
        print("| case | CPU best s | CPU median s | wall best s | wall median s |")
        print("|---|---:|---:|---:|---:|")
        for name in cases:
            print(f"| {name} | {min(cpu[name]):.2f} | {statistics.median(cpu[name]):.2f} | "
                  f"{min(wall[name]):.2f} | {statistics.median(wall[name]):.2f} |")
        jobs = f"score --jobs {args.jobs}"
        print(f"score CPU / floor CPU: {min(cpu['score']) / min(cpu['floor']):.2f}x (best), "
              f"{statistics.median(cpu['score']) / statistics.median(cpu['floor']):.2f}x (median); target <= 1.5x")
        print(f"--jobs 1 wall / --jobs {args.jobs} wall: {min(wall['score']) / min(wall[jobs]):.2f}x (best), "
              f"{statistics.median(wall['score']) / statistics.median(wall[jobs]):.2f}x (median); target >= 1.7x")
        if args.profile:
            print("profile of one `score` run (cumulative seconds under cProfile, which slows Python code):")
            for label, seconds in profile(py, corpus, tmp / "outp", extra):
                print(f"  {label:32s} {seconds:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
