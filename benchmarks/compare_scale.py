"""`score` then `compare --by lean` on a generated real-shaped corpus of ~40 million words and 500 outlets.

The corpus comes from tests/realshaped.py (long tail of outlets, a third with one article, lean and
country per outlet, planted stories, messy dates and names), written once as JSONL into ``--workdir``
(reused when present). Each command runs in its own process; the table gives its wall time, its CPU
time and its peak memory (``VmHWM`` of the child), and, for compare, each step's wall time, CPU time
and peak memory (the child resets its ``VmHWM`` after every step through ``/proc/self/clear_refs``, so
a step's peak is its own; reading the corpus and the scored tables is the step ``load corpus``).

    nice python benchmarks/compare_scale.py [--words 4e7] [--outlets 500] [--workdir /tmp/compare_scale]

``--text news`` makes a harder corpus with the same metadata: about half of each article's sentences are
real news sentences resampled (PolNeAR from ``../shared`` when present, else the bundled sample, read at
run time and written only into ``--workdir``), a fifth of the sentences carry a name drawn from a
long-tailed list of 300,000 generated names (so the vocabulary grows with the corpus as a real one does),
8% of the articles are lightly edited copies of 150 wire stories (clusters of up to a few hundred
near-duplicates), and ``--html-column`` adds a scraped ``html`` column holding each article's markup (the
loader keeps extra columns, so it doubles the text in memory).
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


_SYLLABLES = ["ka", "lo", "mi", "ren", "ta", "vos", "dru", "el", "fa", "gor", "hu", "is", "jan", "ke", "lu",
              "mar", "no", "ol", "pe", "qui", "ro", "sa", "tin", "ur", "ve", "wil", "xa", "yo", "zem", "bra"]


def _names(rng, n: int) -> list[str]:
    """``n`` distinct generated surnames (two to four syllables), in a fixed order for a seed."""
    out, seen = [], set()
    while len(out) < n:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def make_news_corpus(path: Path, words: float, n_outlets: int, seed: int = 0, html: bool = False) -> dict:
    """The ``--text news`` corpus (see the module's docstring): realshaped's rows and metadata, bodies
    mixed with real sentences and long-tailed names, wire copies, optionally an ``html`` column."""
    import bisect
    import random

    from realshaped import make_records
    from run import real_sentences

    rng = random.Random(seed + 7)
    real, _ = real_sentences()
    names = _names(rng, 300_000)
    cum, total = [], 0.0
    for r in range(len(names)):  # Zipf weights 1 / (r + 1)
        total += 1.0 / (r + 1)
        cum.append(total)

    def name():
        return names[min(bisect.bisect(cum, rng.random() * total), len(names) - 1)]

    def body(own: str) -> str:
        paras = []
        for para in own.split("\n\n"):
            sents = re.split(r"(?<=[.!?])\s+", para)
            out = []
            for snt in sents:
                out.append(snt)
                if rng.random() < 0.5:
                    out.append(real[rng.randrange(len(real))].strip())
            for k in range(len(out)):
                if rng.random() < 0.2:
                    out[k] = f"{out[k]} {rng.choice(['Mr.', 'Ms.', 'Dr.', 'Sen.'])} {name()} was not available."
            paras.append(" ".join(out))
        return "\n\n".join(paras)

    n_docs = int(words / 1930)  # the mixed bodies are about twice as long
    rows, facts = make_records(n_outlets=n_outlets, seed=seed, max_docs=_max_docs_for(n_docs, n_outlets),
                               sentences=(60, 94), n_stories=40)
    wires = [body(rows[k]["body"]) for k in range(min(150, len(rows)))]
    n_words = 0
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            if rng.random() < 0.08:  # a wire copy, lightly edited
                paras = wires[min(int(rng.paretovariate(1.0)) - 1, len(wires) - 1)].split("\n\n")
                if len(paras) > 2 and rng.random() < 0.5:
                    paras = paras[:-rng.randint(1, 2)]
                if rng.random() < 0.3:
                    paras[rng.randrange(len(paras))] = real[rng.randrange(len(real))].strip()
                text = f"({r['publisher']}) \u2014 " + "\n\n".join(paras)
            else:
                text = body(r["body"])
            r["body"] = text
            r["word_count"] = str(len(text.split()))
            n_words += int(r["word_count"])
            if html:
                r["html"] = ("<html><body><nav>Home | World | Subscribe</nav><article><p>"
                             + text.replace("&", "&amp;").replace("<", "&lt;").replace("\n\n", "</p>\n<p>")
                             + "</p></article><footer>&copy; 2026</footer></body></html>")
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
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
    ap.add_argument("--text", choices=("template", "news"), default="template",
                    help="template: realshaped's sentences (default); news: mixed with real sentences, "
                         "long-tailed names and wire copies (see above)")
    ap.add_argument("--html-column", action="store_true", help="with --text news: add an html column")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bytecode import compile_package

    compile_package()  # start-up as a user's second run sees it
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    kind = "" if args.text == "template" else f"_news{'_html' if args.html_column else ''}"
    corpus = work / f"corpus_{int(args.words)}_{args.outlets}{kind}.jsonl"
    meta = corpus.with_suffix(".json")
    if not corpus.is_file() or not meta.is_file():
        t = time.perf_counter()
        if args.text == "news":
            sys.path.insert(0, str(ROOT / "benchmarks"))
            info = make_news_corpus(corpus, args.words, args.outlets, html=args.html_column)
        else:
            info = make_corpus(corpus, args.words, args.outlets)
        info["generate_s"] = round(time.perf_counter() - t, 1)
        meta.write_text(json.dumps(info), encoding="utf-8")
    info = json.loads(meta.read_text(encoding="utf-8"))
    print(f"corpus: {corpus} ({info['documents']:,} documents, {info['words']:,} words, {info['outlets']} outlets)")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start\n")
    py = sys.executable
    scored = work / f"scored{kind}"
    print("| command | wall s | CPU s | peak MB |\n|---|---:|---:|---:|")
    if not (args.reuse_scored and (scored / "provenance.json").is_file()):
        wall, cpu, peak, _ = run([py, "-m", "analysis", "score", str(corpus), "--out", str(scored), "--quiet"])
        print(f"| score | {wall:.1f} | {cpu:.1f} | {peak:.0f} |", flush=True)
    out = work / f"compare{kind}"
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
