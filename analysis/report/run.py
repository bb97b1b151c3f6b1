"""Regenerate every registered figure from a corpus (the library behind ``python -m analysis figures``).

:func:`make_figures` loads a corpus (default: the bundled sample), scores it, and writes ``<id>.svg``,
``<id>.png`` and ``<id>.json`` for every figure id in :data:`analysis.report.figures.FIGURES`. Bootstrap
resamples are modest (400) and the seed fixed, so two runs give byte-identical files in the same environment.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pandas as pd

from .. import paths


def default_compare_lexicon():
    """``data/lexicons/hedging.toml`` (written by notebook 4) when present, else None."""
    path = paths.USER_LEXICON_DIR / "hedging.toml"
    return path if path.is_file() else None


def load_events(path) -> pd.DataFrame:
    events = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"date", "label"} - set(events.columns)
    if missing:
        raise ValueError(f"{path}: the events file needs columns date and label (missing {sorted(missing)})")
    return events


def make_figures(out, corpus_path=None, *, events_path=None, lexicons=None, compare_lexicon="default",
                 only=None, n_resamples=400, seed=0, log=None, select=None, top=None) -> list[Path]:
    """Load, score and write every registered figure (or ``only`` those ids); returns the files written.

    ``select`` holds keyword arguments of :func:`analysis.text.select.select_documents` (``outlets``,
    ``exclude_outlets``, ``since``, ``until``, ``pair``, ``by``); with ``by`` other than ``outlet`` the
    figures group by that corpus column. ``top`` is the number of groups drawn one by one (the largest
    by documents; the rest are summarised in one row), default :data:`analysis.report.figures.TOP_GROUPS`.
    Both are recorded in every figure's provenance.

    ``out`` is one output set (:func:`analysis.outputs.output_set`): locked while the run writes,
    built beside ``out`` and swapped in when every figure is made, so a killed run leaves the previous
    figures; a folder holding files other than figures is refused. With ``only``, the other figures of
    the previous set are carried over unchanged.
    """
    from ..lexicons.model import load_lexicon
    from ..text.corpus import load_corpus
    from .figures import FIGURES, FigureData

    say = log or (lambda msg: None)
    if n_resamples < 50:
        raise ValueError(f"--n-resamples must be at least 50, got {n_resamples}")
    ids = list(only) if only else list(FIGURES)
    unknown = [i for i in ids if i not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure id {unknown[0]!r}; known: {', '.join(FIGURES)}")
    corpus_path = Path(corpus_path) if corpus_path else paths.SAMPLE_CORPUS
    corpus, _report = load_corpus(corpus_path)
    selection = None
    if select:  # every figure groups by the outlet column: select_groups puts the --by column there
        from ..text.select import select_groups

        select = dict(select)
        by = select.pop("by", "outlet") or "outlet"
        if by not in corpus.columns:
            raise ValueError(f"--by: no column {by!r} in {corpus_path} (columns: {', '.join(map(str, corpus.columns))})")
        corpus, selection = select_groups(corpus, by=by, **select)
        say(selection.summary())
    if events_path is None and corpus_path.resolve() == paths.SAMPLE_CORPUS.resolve() and paths.SAMPLE_EVENTS.is_file():
        events_path = paths.SAMPLE_EVENTS
    events = load_events(events_path) if events_path else None
    if compare_lexicon == "default":
        compare_lexicon = default_compare_lexicon()
    elif isinstance(compare_lexicon, str) and compare_lexicon.lower() == "none":
        compare_lexicon = None
    compare = load_lexicon(compare_lexicon) if compare_lexicon else None
    t0 = time.perf_counter()
    data = FigureData.from_corpus(corpus, lexicons or None, events=events, compare_lexicon=compare,
                                  n_resamples=n_resamples, seed=seed, **({} if top is None else {"top": top}))
    if selection is not None:
        data.cache["selection"] = selection.provenance()
    say(f"{len(corpus)} documents from {corpus_path} scored in {time.perf_counter() - t0:.1f} s "
        f"({len(data.result.matches)} matches, {len(data.outlets)} outlets)")
    from ..outputs import output_set, previous_set, resolve_target

    replaceable = [f"{f}.{ext}" for f in FIGURES for ext in ("svg", "png", "json", "pdf")]
    target = resolve_target(out)
    with output_set(target, "figures", replaceable=replaceable) as staging:
        names = _write_figures(staging, ids, data, corpus_path, events_path, say)
        if only:  # the other figures of the previous set stay: copy them into the new set
            old = previous_set(target, "figures")
            if old is None and target.is_dir():
                old = [p.name for p in target.iterdir() if p.name in replaceable]
            for name in old or []:
                if not (staging / name).exists() and name in replaceable:
                    shutil.copy2(target / name, staging / name)
    return [target / n for n in names]


def _write_figures(staging, ids, data, corpus_path, events_path, say) -> list[str]:
    from .figures import FIGURES, NothingToPlot, build_figure, lexicon_shift_provenance, save_figure

    written = []
    for fid in ids:
        t1 = time.perf_counter()
        try:
            fig = build_figure(fid, data)
        except NothingToPlot as exc:  # one figure without data does not stop the others
            say(f"  {fid}: skipped ({exc})")
            continue
        if fig is None:
            say(f"  {fid}: skipped (does not apply to this corpus or no compared lexicon)")
            continue
        extra = {"corpus_source": corpus_path.name, "notebook": FIGURES[fid].notebook}
        if events_path:
            extra["events_source"] = Path(events_path).name
        if fid == "lexicon_version_shift":
            extra.update(lexicon_shift_provenance(data))
        written += [p.name for p in save_figure(fig, staging / fid, data.provenance(fid, **extra))]
        say(f"  {fid}: {time.perf_counter() - t1:.1f} s")
    return written
