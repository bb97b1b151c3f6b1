"""Two builds of the compiled core timed in one process: what a change to ``analysis/_core.c`` (or to a
unit of ``analysis/_core_src/``) costs, as a ratio measured in one run.

Usage::

    python benchmarks/core_ab.py OTHER.so [--corpus PATH] [--block 100] [--rounds 5]

``OTHER.so`` is another build of ``analysis._core`` (for instance the previous commit's, built with
``python setup.py build_ext --inplace`` in a scratch copy of the tree). Both builds are loaded side by
side; a matcher of the built-in lexicons is made on each, the two match tables are checked to be
identical, then :func:`analysis.measure.scoring.scan` runs over the corpus in blocks of documents, each
build in turn (which one goes first alternates), best of ``rounds`` per block and build. Prints the
summed best times and the ratio other / installed. The corpus defaults to the PolNeAR train texts of
``../shared`` (840 articles).
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import time

import numpy as np


def load_build(path: str):
    """The extension module built at ``path``, loaded under its own name beside the installed one."""
    spec = importlib.util.spec_from_file_location("analysis._core", path)
    module = spec.loader.create_module(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    from analysis import _core as installed
    from analysis import paths
    from analysis.measure import core
    from analysis.measure.matching import Matcher
    from analysis.measure.scoring import scan
    from analysis.text.corpus import load_corpus

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", help="path of the other build of analysis._core")
    parser.add_argument("--corpus", default=str(paths.POLNEAR_DIR / "train" / "text"))
    parser.add_argument("--block", type=int, default=100, help="documents per timed block")
    parser.add_argument("--rounds", type=int, default=5, help="runs per block and build (the best counts)")
    args = parser.parse_args(argv)

    other = load_build(args.other)
    builds = {"installed": installed, "other": other}
    matchers = {}
    for name, module in builds.items():
        core._core = module
        matchers[name] = Matcher(engine="c")
    core._core = installed

    corpus, _ = load_corpus(args.corpus)
    texts = corpus["text"].tolist()
    ids = corpus["doc_id"].tolist()
    outlets = corpus["outlet"].tolist() if "outlet" in corpus else [""] * len(texts)

    def run(name, a, b):
        core._core = builds[name]
        try:
            return scan(matchers[name], texts[a:b], ids[a:b], outlets[a:b])
        finally:
            core._core = installed

    first = {name: run(name, 0, len(texts)) for name in builds}
    for field in ("stats", "counts", "records"):
        x, y = (np.asarray(getattr(first[n], field)) for n in builds)
        if x.shape != y.shape or not np.array_equal(x, y):
            print(f"error: the two builds disagree on {field}", file=sys.stderr)
            return 1
    if list(first["installed"].matched) != list(first["other"].matched):
        print("error: the two builds disagree on the matched texts", file=sys.stderr)
        return 1

    best = {name: 0.0 for name in builds}
    order = list(builds)
    for k, a in enumerate(range(0, len(texts), args.block)):
        b = min(a + args.block, len(texts))
        for name in order if k % 2 == 0 else order[::-1]:
            times = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                run(name, a, b)
                times.append(time.perf_counter() - t0)
            best[name] += min(times)
    n_tokens = int(np.asarray(first["installed"].stats)[:, 0].sum()) if len(texts) else 0
    print(f"corpus: {args.corpus} ({len(texts)} documents, {n_tokens} tokens)")
    print(f"installed build {installed.__file__} ({installed.SIMD}, {installed.COMPILER}): {best['installed']:.3f} s")
    print(f"other build     {args.other} ({getattr(other, 'SIMD', '?')}, {getattr(other, 'COMPILER', '?')}): "
          f"{best['other']:.3f} s")
    print(f"ratio other / installed: {best['other'] / best['installed']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
