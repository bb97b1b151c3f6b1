"""What attribution extraction adds to ``score``: a ratio measured in one run on the benchmark corpus.

``python benchmarks/attribution_ratio.py [--tokens 1e6] [--repeat 3] [--quick]``

The corpus is built as in ``benchmarks/run.py`` (real sentences resampled: PolNeAR from ``../shared``
when present, else the bundled sample), written to a temporary folder only. Two ratios, each the best
of ``--repeat`` runs with the two sides taking turns:

* **CLI**: CPU time (user + system of the child process) of ``python -m analysis score CORPUS --out
  DIR`` with attributions over the same command with ``--no-attributions``, minus one: what the user
  waits for in addition (interpreter start-up, loading, scoring, bootstrap intervals, writing).
* **library**: in one process, the CPU time of ``attributions_frame`` + ``with_match_counts`` over that
  of ``analysis.measure.scoring.score`` on the same corpus table (the compiled core's scan): the
  extractor against the bare scorer.

The last line printed is JSON: ``{"tokens", "documents", "cli_added", "library_ratio", ...}``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from run import build_corpus, real_sentences  # the benchmark corpus of benchmarks/run.py


def _child_cpu(cmd) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=float, default=1e6, help="corpus size in \\w+ tokens (default 1e6)")
    p.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    p.add_argument("--quick", action="store_true", help="a small run (1e5 tokens, 1 repeat)")
    args = p.parse_args(argv)
    from bytecode import compile_package

    compile_package()  # start-up as a user's second run sees it
    n_tokens, repeat = (1e5, 1) if args.quick else (args.tokens, args.repeat)
    import pandas as pd

    from analysis.measure.attribution import attributions_frame, default_model, with_match_counts
    from analysis.measure.scoring import score

    sentences, source = real_sentences()
    docs, total = build_corpus(sentences, int(n_tokens))
    corpus = pd.DataFrame({"doc_id": [f"d{i:07d}" for i in range(len(docs))],
                           "outlet": [f"outlet{i % 5}" for i in range(len(docs))], "text": docs})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.csv"
        corpus.to_csv(path, index=False)
        base = [sys.executable, "-m", "analysis", "score", str(path), "--quiet", "--no-progress"]
        cli = {"without": [], "with": []}
        for r in range(repeat):
            for side in ("without", "with"):
                out = Path(tmp) / f"out_{side}_{r}"
                extra = ["--no-attributions"] if side == "without" else []
                cli[side].append(_child_cpu([*base, "--out", str(out), *extra]))
        default_model()
        score(corpus.head(2))
        attributions_frame(corpus.head(2))
        lib = {"score": [], "attributions": []}
        n_att = 0
        for _ in range(repeat):
            t = time.process_time()
            res = score(corpus)
            lib["score"].append(time.process_time() - t)
            t = time.process_time()
            att = with_match_counts(attributions_frame(corpus), res.matches)
            lib["attributions"].append(time.process_time() - t)
            n_att = len(att)
    cpu_without = min(c for c, _ in cli["without"])
    cpu_with = min(c for c, _ in cli["with"])
    result = {
        "source": source, "tokens": int(total), "documents": len(docs), "attributions": n_att,
        "cli_cpu_without": round(cpu_without, 3), "cli_cpu_with": round(cpu_with, 3),
        "cli_added": round(cpu_with / cpu_without - 1, 3),
        "library_score_cpu": round(min(lib["score"]), 3), "library_attributions_cpu": round(min(lib["attributions"]), 3),
        "library_ratio": round(min(lib["attributions"]) / min(lib["score"]), 3),
        "repeat": repeat, "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    print(f"corpus: {source}; {total:,} tokens in {len(docs):,} documents; {n_att:,} attributions")
    print(f"score CLI, CPU s (best of {repeat}): without attributions {cpu_without:.2f}, with {cpu_with:.2f}: "
          f"attribution adds {result['cli_added']:.0%}")
    print(f"library, CPU s: score() {result['library_score_cpu']:.2f}, attributions "
          f"{result['library_attributions_cpu']:.2f}: ratio {result['library_ratio']:.2f}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
