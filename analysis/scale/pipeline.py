"""What the ``score`` command computes, as one library call: :func:`score_corpus`.

:func:`analysis.measure.scoring.score` finds the matches and makes the tables; the command also
extracts the attribution records (``attributions.csv``), replaces the summary by one with
document-bootstrap intervals per outlet, and scores on several processes with ``--jobs``. A notebook
that wants exactly the tables ``score --out`` writes calls this function (the command only reads the
corpus, calls it and writes)::

    import analysis
    from analysis.scale.pipeline import score_corpus

    corpus, report = analysis.load_corpus("articles.csv")
    result = score_corpus(corpus)            # result.matches, .documents, .summary, .attributions
"""
from __future__ import annotations

from ..measure.scoring import ScoreResult, score
from ..progress import bar

__all__ = ["IntervalShare", "add_summary_intervals", "score_corpus"]


def score_corpus(corpus, lexicons=None, *, categories=None, jobs: int = 1, attributions: bool = True,
                 csv_escape: bool | None = None, show_progress: bool = False, log=None,
                 intervals: bool = True) -> ScoreResult:
    """Score a corpus as ``python -m analysis score`` does.

    Parameters
    ----------
    corpus : pandas.DataFrame
        A corpus from :func:`analysis.text.corpus.load_corpus` (or :func:`~analysis.text.corpus.from_texts`).
    lexicons, categories
        As for :func:`analysis.measure.scoring.score` (default: every built-in lexicon, every category).
    jobs : int
        Processes scoring at once (:func:`analysis.scale.parallel.score_parallel`); 1 scores here.
    attributions : bool
        Also extract the attribution records (``result.attributions``, with their match counts:
        :func:`analysis.scale.parallel.attribution_table`).
    csv_escape : bool, optional
        With ``jobs > 1``: the workers also format the CSV rows of their pieces of ``matches`` and
        ``attributions`` with this escaping (``result.csv_parts``), which writing then joins.
    show_progress : bool
        Progress bars on stderr for scoring, attributions and the bootstrap.
    log : callable, optional
        Called with a one-line message when a worker process dies (its documents are scored again here).
    intervals : bool, default True
        Add the summary's bootstrap intervals now; with False, ``result.summary`` is that of
        :func:`~analysis.measure.scoring.summarise` until :func:`add_summary_intervals` is called (the
        command writes the large tables meanwhile).

    Returns
    -------
    ScoreResult
        ``summary`` has the per-outlet document-bootstrap intervals
        (:func:`analysis.compare.rates.summary_with_intervals`), and ``provenance["summary_intervals"]``
        says how they were made.

    Examples
    --------
    >>> from analysis.text.corpus import from_texts
    >>> r = score_corpus(from_texts(["Officials said attacks may be possible.", "It rained."]))
    >>> int(r.summary.loc[r.summary["category"] == "hedging", "matches"].sum())  # "may", "possible"
    2
    >>> r.attributions["cue"].tolist()
    ['said']
    """
    if jobs > 1:
        from .parallel import score_parallel

        # the workers extract the attributions of the documents they score (this process only joins
        # them) and, with csv_escape, format the CSV rows of their pieces
        result = score_parallel(corpus, lexicons, categories=categories, jobs=jobs, log=log,
                                attributions=attributions, csv_escape=csv_escape)
    else:
        with bar("scoring", total=len(corpus), unit="doc", enabled=show_progress and len(corpus) >= 200) as b:
            result = score(corpus, lexicons, categories=categories, progress=b)
        if attributions:
            from .parallel import attribution_table

            with bar("attributions", total=1, unit="step", enabled=show_progress) as b:
                result.attributions = attribution_table(corpus, result.matches)
                b.update(1)
    if intervals:
        add_summary_intervals(result, show_progress=show_progress)
    return result


def add_summary_intervals(result: ScoreResult, *, show_progress: bool = False, parts=None) -> ScoreResult:
    """Give ``result.summary`` its per-outlet document-bootstrap intervals
    (:func:`analysis.compare.rates.summary_with_intervals`) and say so in ``result.provenance``
    (what :func:`score_corpus` does unless ``intervals=False``). ``parts``: the interval rows of every
    outlet, already computed in parts (:meth:`IntervalShare.work`). Returns ``result``."""
    import pandas as pd

    from ..compare.rates import SUMMARY_INTERVAL_NOTE, summary_with_intervals

    with bar("bootstrap", total=1, unit="step", enabled=show_progress) as b:
        given = pd.concat(parts, ignore_index=True) if parts else None
        result.summary = summary_with_intervals(result.summary, result.documents, result.categories, given)
        b.update(1)
    result.provenance = {**result.provenance, "summary_intervals": SUMMARY_INTERVAL_NOTE}
    return result


class IntervalShare:
    """The summary's bootstrap intervals computed by this process and forked children together.

    The outlets, most documents first, are cut into about 16 groups of similar numbers of documents;
    each process :meth:`work` takes the next group from a counter in shared memory (made here, before
    the fork) until none is left, so a child that starts late (it writes the large tables first) takes
    fewer. Each outlet's resamples are seeded by its name, so the rows are the same whoever computes
    them; :func:`add_summary_intervals` joins every process's parts.
    """

    GROUPS = 16

    def __init__(self, result: ScoreResult):
        import multiprocessing

        self.documents, self.categories = result.documents, result.categories
        sizes = self.documents["outlet"].value_counts(sort=False)
        order = sorted(sizes.items(), key=lambda item: (-item[1], str(item[0])))
        target = max(1, int(sizes.sum()) // self.GROUPS)
        self.groups, group, held = [], [], 0
        for outlet, n in order:
            group.append(outlet)
            held += int(n)
            if held >= target:
                self.groups.append(group)
                group, held = [], 0
        if group:
            self.groups.append(group)
        ctx = multiprocessing.get_context("fork")
        self.next, self.lock = ctx.RawValue("q", 0), ctx.Lock()

    def _take(self):
        with self.lock:
            i = self.next.value
            self.next.value = i + 1
        return self.groups[i] if i < len(self.groups) else None

    def work(self) -> list:
        """Compute groups until none is left: the interval rows of the outlets this process took."""
        from ..compare.rates import summary_intervals

        parts = []
        while (outlets := self._take()) is not None:
            parts.append(summary_intervals(self.documents, self.categories, outlets))
        return parts
