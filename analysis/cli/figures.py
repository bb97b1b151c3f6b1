"""Regenerate every registered figure from a corpus: SVG, PNG and a provenance JSON per figure.

``python -m analysis figures --out figures`` loads the bundled sample corpus (or ``--corpus PATH``,
any format :func:`analysis.text.corpus.load_corpus` reads, including the PolNeAR folder layout),
scores it with the built-in lexicons (or ``--lexicon``), and writes ``<id>.svg``, ``<id>.png`` and
``<id>.json`` for every figure id in :data:`analysis.report.figures.FIGURES`. Bootstrap resamples are
modest (400) and the seed fixed, so two runs give byte-identical files in the same environment.
"""
from __future__ import annotations

import sys

from .. import paths
from ..report.run import make_figures
from .selection import add_selection_arguments, selection_kwargs


def add_arguments(p):
    p.add_argument("--out", required=True, help="output folder (created if needed)")
    p.add_argument("--corpus", default=None,
                   help=f"corpus file or folder (default: the bundled sample, {paths.SAMPLE_CORPUS})")
    p.add_argument("--events", default=None,
                   help="CSV of event markers (date,label) for the time figure "
                        "(default: data/sample/events.csv with the sample corpus, none otherwise)")
    p.add_argument("--lexicon", action="append", default=[], metavar="NAME_OR_PATH",
                   help="lexicon name or file; repeat for several (default: all built-in lexicons)")
    p.add_argument("--compare-lexicon", default=None, metavar="PATH",
                   help="a new version of a built-in lexicon for 'lexicon_version_shift' "
                        "(default: data/lexicons/hedging.toml when it exists; 'none' to skip)")
    p.add_argument("--only", action="append", default=[], metavar="FIGURE_ID",
                   help="make only this figure (repeatable)")
    p.add_argument("--n-resamples", type=int, default=400, help="bootstrap resamples per interval (default 400)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random step (default 0)")
    p.add_argument("--top", type=int, default=None, metavar="N",
                   help="groups drawn one by one in the per-outlet figures: the N with most documents "
                        "(default 30); the others are summarised in one row")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    add_selection_arguments(p)


def run(args) -> int:
    log = None if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    written = make_figures(args.out, args.corpus, events_path=args.events, lexicons=args.lexicon,
                           compare_lexicon=args.compare_lexicon or "default", only=args.only,
                           n_resamples=args.n_resamples, seed=args.seed, log=log,
                           select=selection_kwargs(args) or None, top=args.top)
    if not args.quiet:
        print(f"{len(written)} files written to {args.out}", file=sys.stderr)
    return 0
