"""``load_corpus`` on the 10M-token benchmark corpus: this tree against an earlier revision, in one run.

One command: ``python benchmarks/load_corpus.py [--tokens 1e7] [--repeat 5] [--before REV] [--format csv]``.

The corpus is the one of ``benchmarks/whole_command.py`` (real PolNeAR sentences when ``../shared`` is
present, else the bundled sample; ``doc_id,outlet,text``) written as CSV, TSV or JSONL to a temporary
folder. ``REV`` (default ``HEAD~1``)'s ``analysis/text/corpus.py`` is loaded beside this tree's as a second
module (same sibling modules), and the two load the same file in turns, ``--repeat`` times each, in
this process. Printed: the median wall time of each, the ratio before / now, and whether the two
tables and load reports are identical.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def _before_module(rev: str):
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:analysis/text/corpus.py"], check=True,
                            capture_output=True, text=True).stdout
    folder = Path(tempfile.mkdtemp())
    path = folder / "corpus_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("analysis.text.corpus_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", type=float, default=1e7)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--before", default="HEAD~1")
    ap.add_argument("--format", choices=("csv", "tsv", "jsonl"), default="csv")
    args = ap.parse_args(argv)
    import pandas as pd
    from whole_command import make_corpus

    from analysis.text import corpus as now

    before = _before_module(args.before)
    folder = Path(tempfile.mkdtemp())
    csv_path = folder / "corpus.csv"
    n_docs, n_tokens, source = make_corpus(csv_path, int(args.tokens))
    path = csv_path
    if args.format != "csv":
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
        path = folder / f"corpus.{args.format}"
        if args.format == "tsv":
            frame = frame.assign(text=frame["text"].str.replace("\t", " ").str.replace("\n", " "))
            frame.to_csv(path, sep="\t", index=False)
        else:
            frame.to_json(path, orient="records", lines=True, force_ascii=False)
    times = {"before": [], "now": []}
    results = {}
    for _ in range(args.repeat):
        for name, module in (("before", before), ("now", now)):
            t = time.perf_counter()
            results[name] = module.load_corpus(path)
            times[name].append(time.perf_counter() - t)
    (a, ra), (b, rb) = results["before"], results["now"]
    same_table = a.astype(object).equals(b.astype(object))
    same_report = (ra.n_read, ra.n_loaded, [str(i) for i in ra.issues], ra.notes) == \
                  (rb.n_read, rb.n_loaded, [str(i) for i in rb.issues], rb.notes)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"corpus: {path.name}, {n_docs} documents, {n_tokens} tokens, {path.stat().st_size / 1e6:.1f} MB ({source})")
    print(f"load_corpus median of {args.repeat}: before ({args.before}) {med['before']:.2f} s, now {med['now']:.2f} s, "
          f"before / now {med['before'] / med['now']:.2f}x")
    print(f"identical table: {same_table}; identical load report: {same_report}")
    return 0 if same_table and same_report else 1


if __name__ == "__main__":
    raise SystemExit(main())
