"""`score` then `compare --by lean` on a generated real-shaped corpus of ~40 million words and 500 outlets.

The corpus comes from tests/realshaped.py (long tail of outlets, a third with one article, lean and
country per outlet, planted stories, messy dates and names), written once as JSONL into ``--workdir``
(reused when present). Each command runs in its own process; the table gives its wall time, its CPU
time and its peak memory (``VmHWM`` of the child), and, for compare, each step's wall time, CPU time
and peak memory (the child resets its ``VmHWM`` after every step through ``/proc/self/clear_refs``, so
a step's peak is its own; reading the corpus and the scored tables is the step ``load corpus``).

    nice python benchmarks/compare_scale.py [--words 4e7] [--outlets 500] [--workdir /tmp/compare_scale]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _max_docs_for(n_docs: int, n_outlets: int) -> int:
    """The ``max_docs`` of realshaped's Zipf-like tail that gives about ``n_docs`` articles."""
    n_multi = n_outlets - round(n_outlets / 3)
    lo, hi = 2, 10 * n_docs
    while lo < hi:
        mid = (lo + hi) // 2
        total = sum(max(2, int(mid / (r + 1) ** 0.9)) for r in range(n_multi)) + (n_outlets - n_multi)
        lo, hi = (mid + 1, hi) if total < n_docs else (lo, mid)
    return lo


def make_corpus(path: Path, words: float, n_outlets: int, seed: int = 0) -> dict:
    from realshaped import make_records

    n_docs = int(words / 1000)
    rows, facts = make_records(n_outlets=n_outlets, seed=seed, max_docs=_max_docs_for(n_docs, n_outlets),
                               sentences=(60, 94), n_stories=40)
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    n_words = sum(int(r["word_count"]) for r in rows)
    return {"documents": len(rows), "words": n_words, "outlets": len(facts["outlet_docs"])}


# The child: the command itself, with compare's step log (run_all's ``log``) marked with the CPU time and
# the peak memory since the previous mark ("STEP <cpu> <peak KB> <line>"), then its totals ("RUSAGE").
_WRAPPER = """
import resource, sys, time
import analysis.compare.pipeline as pipeline
from analysis.cli import main

def status(key):
    got = [x for x in open('/proc/self/status') if x.startswith(key + ':')]
    return int(got[0].split()[1]) if got else 0

def reset_peak():
    try:
        with open('/proc/self/clear_refs', 'w') as fh:
            fh.write('5')
    except OSError:
        pass

last, overall = [time.process_time()], [0]
run_all = pipeline.run_all

def marked_run_all(*args, log=None, **kwargs):
    def mark(msg):
        if log is not None:
            log(msg)
        if not msg.startswith(' '):
            now, peak = time.process_time(), status('VmHWM')
            print(f'STEP {now - last[0]:.2f} {peak} {msg}', file=sys.stderr, flush=True)
            last[0], overall[0] = now, max(overall[0], peak)
            reset_peak()
    return run_all(*args, log=mark, **kwargs)

pipeline.run_all = marked_run_all
code = main(sys.argv[1:])
r = resource.getrusage(resource.RUSAGE_SELF)
peak = max(overall[0], status('VmHWM')) or r.ru_maxrss
print(f'RUSAGE {r.ru_utime + r.ru_stime} {peak}', file=sys.stderr)
sys.exit(code)
"""


def run(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system) and peak MB of the child, its stderr.

    The child is wrapped in a fresh ``python -c`` that reports its own CPU time and the peak of its own
    address space (``VmHWM``; ``ru_maxrss`` is carried over from this driver across fork/exec on Linux, and
    RUSAGE_CHILDREN would give the largest child so far).
    """
    t = time.perf_counter()
    proc = subprocess.run([cmd[0], "-c", _WRAPPER, *cmd[3:]], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    cpu, peak = re.findall(r"^RUSAGE (\S+) (\S+)$", proc.stderr, flags=re.MULTILINE)[-1]
    return wall, float(cpu), float(peak) / 1024, proc.stderr


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=float, default=4e7)
    ap.add_argument("--outlets", type=int, default=500)
    ap.add_argument("--workdir", default="/tmp/compare_scale")
    ap.add_argument("--by", default="lean")
    ap.add_argument("--n-resamples", default="1000")
    ap.add_argument("--compare-args", default="", help="extra arguments for compare, e.g. '--max-groups 10'")
    ap.add_argument("--reuse-scored", action="store_true", help="keep the scored folder of a previous run")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bytecode import compile_package

    compile_package()  # start-up as a user's second run sees it
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"corpus_{int(args.words)}_{args.outlets}.jsonl"
    meta = corpus.with_suffix(".json")
    if not corpus.is_file() or not meta.is_file():
        t = time.perf_counter()
        info = make_corpus(corpus, args.words, args.outlets)
        info["generate_s"] = round(time.perf_counter() - t, 1)
        meta.write_text(json.dumps(info), encoding="utf-8")
    info = json.loads(meta.read_text(encoding="utf-8"))
    print(f"corpus: {corpus} ({info['documents']:,} documents, {info['words']:,} words, {info['outlets']} outlets)")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start\n")
    py = sys.executable
    scored = work / "scored"
    print("| command | wall s | CPU s | peak MB |\n|---|---:|---:|---:|")
    if not (args.reuse_scored and (scored / "provenance.json").is_file()):
        wall, cpu, peak, _ = run([py, "-m", "analysis", "score", str(corpus), "--out", str(scored), "--quiet"])
        print(f"| score | {wall:.1f} | {cpu:.1f} | {peak:.0f} |", flush=True)
    out = work / "compare"
    cmd = [py, "-m", "analysis", "compare", str(scored), "--corpus", str(corpus), "--by", args.by,
           "--out", str(out), "--n-resamples", args.n_resamples, *args.compare_args.split()]
    wall, cpu, peak, err = run(cmd)
    print(f"| compare --by {args.by} | {wall:.1f} | {cpu:.1f} | {peak:.0f} |\n")
    steps = re.findall(r"^STEP (\S+) (\S+) ([a-z][a-z -]+): ([0-9.]+)s$", err, flags=re.MULTILINE)
    print("| compare step | wall s | CPU s | peak MB |\n|---|---:|---:|---:|")
    for cpu_s, peak_kb, name, secs in steps:
        print(f"| {name} | {float(secs):.1f} | {float(cpu_s):.1f} | {int(peak_kb) / 1024:.0f} |")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
