"""``score`` on the 40M-word real-shaped JSONL corpus against its floor (issue 19), with and without
attributions (issue 15): CPU ratios measured in one run, the cases taking turns.

``python benchmarks/stream_score.py [--workdir /tmp/compare_scale] [--words 4e7] [--outlets 500]
[--repeat 2] [--text news [--html-column]]``

The corpus is the one ``benchmarks/compare_scale.py`` writes into the same work folder (made here when
it is not there: real-shaped records of ``tests/realshaped.py``, 500 outlets, long tail). A file this
size (230 MB) is scored streamed, chunk by chunk (``score`` decides that itself). Each case runs in a
new process and is the CPU time (user + system) and the peak resident memory of:

* ``floor``: a script that reads the same file with ``pyarrow.json.read_json`` (multi-threaded) and
  finds every ``\\w+`` token of every ``body`` (``re.finditer``), counting them;
* ``score``: ``python -m analysis score CORPUS --out DIR --quiet --no-progress`` end to end;
* ``score --no-attributions``.

Printed: a table of best and median CPU seconds and peak MB, ``score`` / ``floor`` (target: under 2x,
and under 1.5 GB) and what attributions add (target: at most 30%). The last line is JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

FLOOR = r"""
import re, sys
import pyarrow.json as pj
table = pj.read_json(sys.argv[1])
word = re.compile(r"\w+")
n = 0
for text in table.column("body").to_pylist():
    if text:
        for _ in word.finditer(text):
            n += 1
print(n)
"""

# the child's CPU time and peak memory, measured by itself at exit and printed as its last stderr line
_WRAP = r"""
import resource, runpy, sys
args = sys.argv[1:]
try:
    if args[0] == "--floor":
        sys.argv = ["floor", *args[1:]]
        exec(compile(FLOOR_SOURCE, "<floor>", "exec"), {"__name__": "__main__"})
    else:  # as `python -m analysis ...` runs it (the whole process: cli.main's start-up choices apply)
        sys.argv = ["analysis", *args]
        runpy.run_module("analysis", run_name="__main__", alter_sys=True)
finally:
    r = resource.getrusage(resource.RUSAGE_SELF)
    print(f"RUSAGE {r.ru_utime + r.ru_stime:.3f} {r.ru_maxrss}", file=sys.stderr)
"""


def run(python: str, args: list[str]) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, peak MB) of one child."""
    wrap = _WRAP.replace("FLOOR_SOURCE", repr(FLOOR))
    start = time.perf_counter()
    done = subprocess.run([python, "-c", wrap, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed ({done.returncode}): {done.stderr[-800:]}")
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("RUSAGE ")][-1].split()
    return float(line[1]), wall, int(line[2]) / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", default="/tmp/compare_scale")
    ap.add_argument("--words", type=float, default=4e7)
    ap.add_argument("--outlets", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--text", choices=("template", "news"), default="template",
                    help="the corpus of compare_scale.py --text (news: real sentences, long-tailed names, wire copies)")
    ap.add_argument("--html-column", action="store_true", help="with --text news: the corpus with an html column")
    args = ap.parse_args(argv)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    kind = "" if args.text == "template" else f"_news{'_html' if args.html_column else ''}"
    corpus = work / f"corpus_{int(args.words)}_{args.outlets}{kind}.jsonl"
    meta = corpus.with_suffix(".json")
    if not corpus.is_file() or not meta.is_file():
        from compare_scale import make_corpus, make_news_corpus

        info = (make_news_corpus(corpus, args.words, args.outlets, html=args.html_column) if kind
                else make_corpus(corpus, args.words, args.outlets))
        meta.write_text(json.dumps(info), encoding="utf-8")
    info = json.loads(meta.read_text(encoding="utf-8"))
    print(f"corpus: {corpus} ({info['documents']:,} documents, {info['words']:,} words, {info['outlets']} outlets, "
          f"{corpus.stat().st_size / 1e6:.0f} MB)")
    from bytecode import compile_package

    compile_package(args.python)  # start-up as a user's second run sees it
    with tempfile.TemporaryDirectory(prefix="mfa-stream-", dir=work) as tmp:
        out = Path(tmp)
        cases = {
            "floor": ["--floor", str(corpus)],
            "score": ["score", str(corpus), "--out", str(out / "with"), "--quiet", "--no-progress"],
            "score --no-attributions": ["score", str(corpus), "--out", str(out / "without"), "--quiet",
                                        "--no-progress", "--no-attributions"],
        }
        got = {name: [] for name in cases}
        load = [os.getloadavg()[0]]
        for _ in range(args.repeat):
            for name, case in cases.items():
                got[name].append(run(args.python, case))
        load.append(os.getloadavg()[0])
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, load average {load[0]:.1f} before, "
          f"{load[1]:.1f} after; {args.repeat} runs each, taking turns")
    print("| case | CPU best s | CPU median s | wall median s | peak MB |\n|---|---:|---:|---:|---:|")
    for name, runs in got.items():
        cpu = [r[0] for r in runs]
        print(f"| {name} | {min(cpu):.2f} | {statistics.median(cpu):.2f} | {statistics.median(r[1] for r in runs):.2f} | "
              f"{max(r[2] for r in runs):.0f} |")

    def best(name):
        return min(r[0] for r in got[name])

    def med(name):
        return statistics.median(r[0] for r in got[name])

    result = {"documents": info["documents"], "words": info["words"],
              "score_over_floor": round(best("score") / best("floor"), 3),
              "score_over_floor_median": round(med("score") / med("floor"), 3),
              "attributions_add": round(best("score") / best("score --no-attributions") - 1, 3),
              "attributions_add_median": round(med("score") / med("score --no-attributions") - 1, 3),
              "score_peak_mb": round(max(r[2] for r in got["score"])), "load": load}
    print(f"score / floor CPU: {result['score_over_floor']:.2f}x best, {result['score_over_floor_median']:.2f}x "
          f"median (target < 2x); peak {result['score_peak_mb']} MB (target < 1,500); attributions add "
          f"{result['attributions_add']:+.0%} best, {result['attributions_add_median']:+.0%} median (target <= +30%)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
