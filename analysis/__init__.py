"""media-framing-analysis: how news outlets frame uncertain claims.

The main entry points, one call each, for notebooks and scripts::

    import analysis

    corpus, report = analysis.load_corpus("articles.csv")      # text: read and check a corpus
    result = analysis.score(corpus, "hedging")                  # measure: matches, documents, summary
    result = analysis.score_corpus(corpus)                      # all the score command computes
    tables = analysis.run_all(result.documents, result.matches, corpus=corpus, by="outlet")
    analysis.make_figures("figures")                            # report: every committed figure

``compare_outlets`` is another name for :func:`run_all`. Each name is imported on first use, so
``import analysis`` stays cheap (no pandas, scipy or matplotlib until a function needs them); the
rooms behind them (``analysis.text``, ``lexicons``, ``measure``, ``compare``, ``validate``,
``report``, ``scale``, ``cli``) are described in ``docs/architecture.md``.
"""

from __future__ import annotations

from importlib import import_module

# public name -> (module, attribute)
_ENTRY_POINTS = {
    "load_corpus": ("analysis.text.corpus", "load_corpus"),
    "from_texts": ("analysis.text.corpus", "from_texts"),
    "load_lexicon": ("analysis.lexicons.model", "load_lexicon"),
    "Matcher": ("analysis.measure.matching", "Matcher"),
    "score": ("analysis.measure.scoring", "score"),
    "ScoreResult": ("analysis.measure.scoring", "ScoreResult"),
    "score_corpus": ("analysis.scale.pipeline", "score_corpus"),
    "run_all": ("analysis.compare.pipeline", "run_all"),
    "compare_outlets": ("analysis.compare.pipeline", "run_all"),
    "CompareResult": ("analysis.compare.pipeline", "CompareResult"),
    "make_figures": ("analysis.report.run", "make_figures"),
}

__all__ = ["CompareResult", "Matcher", "ScoreResult", "compare_outlets", "from_texts", "load_corpus",
           "load_lexicon", "make_figures", "run_all", "score", "score_corpus"]


def __getattr__(name: str):
    try:
        module, attribute = _ENTRY_POINTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_ENTRY_POINTS))
