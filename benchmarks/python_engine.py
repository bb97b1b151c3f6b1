"""The Python path against the compiled core (and, optionally, against an older Python path), timed in
one run on the benchmarks' resampled corpus.

Usage::

    python benchmarks/python_engine.py [--tokens 1e6] [--block 200] [--rounds 2] [--other-rev REV]

The corpus is the one ``benchmarks/run.py`` builds (PolNeAR sentences resampled when ``../shared`` is
present, else the bundled sample), ``--tokens`` ``\\w+`` tokens of it. Each engine scans it with
:func:`analysis.measure.batch.scan` and the built-in lexicons, block by block, the engines in turn
(which goes first alternates), best of ``--rounds`` per block and engine; the summed best times and
their ratios are printed. Before timing, every engine's batch is checked to equal the core's, array for
array.

``--other-rev REV`` adds the ``Matcher`` of ``analysis/measure/matching.py`` as it was at git revision
``REV`` (for instance the tuned Python path this repository had before the plain reference replaced
it), loaded beside the installed one.
"""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


def matcher_at(rev: str):
    """The ``Matcher`` class of ``analysis/measure/matching.py`` at git revision ``rev``."""
    source = subprocess.run(["git", "show", f"{rev}:analysis/measure/matching.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    folder = Path(tempfile.mkdtemp(prefix="mfa-matching-"))
    path = folder / "matching_other.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("analysis.measure.matching_other", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    other = module.Matcher
    if not hasattr(other, "match_python"):  # before the plain reference: entry ids looked up by text
        from analysis.measure.batch import entry_table
        from analysis.measure.matching import DocumentMatches

        def match_python(self, text):
            dm = self._match_python(text)
            ids = entry_table(self).ids
            return DocumentMatches(dm.matches, dm.n_tokens, dm.n_sentences, dm.sentences_with_match,
                                   dm.tokens_by_voice,
                                   [ids[(m.category, m.entry, m.lexicon, m.lexicon_version)] for m in dm.matches])

        other = type("OtherMatcher", (other,), {"match_python": match_python})
    return other


def same_batch(a, b, entries_a, entries_b) -> bool:
    """Equal batches; entry ids compared through what they stand for (category, entry, lexicon, version)."""
    fields = ("stats", "counts", "sents", "n_matches")
    ra, rb = a.records, b.records
    return (a.columns == b.columns and all(np.array_equal(getattr(a, f), getattr(b, f)) for f in fields)
            and np.array_equal(np.delete(ra, 1, axis=1), np.delete(rb, 1, axis=1))
            and [entries_a[i] for i in ra[:, 1]] == [entries_b[i] for i in rb[:, 1]]
            and list(a.matched) == list(b.matched))


def main(argv=None) -> int:
    from run import build_corpus, real_sentences

    from analysis.measure import core
    from analysis.measure.batch import entry_table, scan
    from analysis.measure.matching import Matcher

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", type=float, default=1e6, help="corpus size in \\w+ tokens (default 1e6)")
    ap.add_argument("--block", type=int, default=200, help="documents per timed block")
    ap.add_argument("--rounds", type=int, default=2, help="runs per block and engine (the best counts)")
    ap.add_argument("--other-rev", help="also time the Python Matcher of this git revision")
    args = ap.parse_args(argv)

    sentences, source = real_sentences()
    texts, n_tokens = build_corpus(sentences, int(args.tokens))
    print(f"corpus: {source}; {len(texts)} documents, {n_tokens:,} \\w+ tokens")
    engines = {"python (plain reference)": Matcher(engine="python")}
    if args.other_rev:
        engines[f"python at {args.other_rev}"] = matcher_at(args.other_rev)(engine="python")
    if core.AVAILABLE:
        engines = {"core": Matcher(engine="c"), **engines}
    ids = [str(i) for i in range(len(texts))]
    outlets = ["x"] * len(texts)
    first = next(iter(engines.values()))
    want = scan(first, texts[: args.block], ids[: args.block], outlets[: args.block])
    for name, m in engines.items():
        got = scan(m, texts[: args.block], ids[: args.block], outlets[: args.block])
        if not same_batch(got, want, entry_table(m).info, entry_table(first).info):
            raise SystemExit(f"{name}: not the same batch as {next(iter(engines))}")
    best = dict.fromkeys(engines, 0.0)
    names = list(engines)
    for k, lo in enumerate(range(0, len(texts), args.block)):
        chunk = slice(lo, lo + args.block)
        order = names if k % 2 == 0 else names[::-1]
        times = {name: [] for name in names}
        for _ in range(args.rounds):
            for name in order:
                t0 = time.perf_counter()
                scan(engines[name], texts[chunk], ids[chunk], outlets[chunk])
                times[name].append(time.perf_counter() - t0)
        for name in names:
            best[name] += min(times[name])
    base = best[names[0]]
    for name in names:
        print(f"{name:32s} {best[name]:8.2f} s  {n_tokens / best[name] / 1e6:6.3f} M tokens/s  "
              f"{best[name] / base:6.2f}x {names[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
