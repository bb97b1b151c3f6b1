"""Compare outlets honestly: rates with document-level uncertainty, keyness, voice, syndication, time.

The functions here take the Documents, Matches and Corpus tables of ``docs/architecture.md`` and return
tidy DataFrames. Inference treats the document, not the token, as the unit: bootstrap intervals resample
documents within groups, so one very long article cannot make a difference look certain.

- :mod:`~analysis.compare.rates`: :func:`group_rates`, :func:`pairwise_differences`,
  :func:`count_model`, :func:`term_decomposition`, :func:`voice_rates`
- :mod:`~analysis.compare.keyness`: :func:`keyness`, :func:`category_keyness`, :func:`term_counts`
- :mod:`~analysis.compare.duplicates`: :func:`near_duplicates`, :func:`deduplicate`,
  :func:`duplicate_agreement`
- :mod:`~analysis.compare.time`: :func:`rates_over_time`
- :mod:`~analysis.compare.kwic`: :func:`kwic`
- :mod:`~analysis.compare.columns`: the column and category checks the modules above share
  (:func:`~analysis.compare.columns.require_columns`, ``resolve_categories``, ``category_matches``)
- :mod:`~analysis.compare.pipeline`: :func:`run_all` (every table of ``python -m analysis compare``
  in one call) -> :class:`CompareResult`
"""

from importlib import import_module

# kwic and keyness share their module's name: imported here, so that the function, not the module,
# is what ``analysis.compare.kwic`` names whichever module is imported first
from analysis.compare.keyness import category_keyness, keyness, term_counts
from analysis.compare.kwic import kwic

# name -> module: imported on first use, so ``import analysis.compare.rates`` (for the score summary's
# intervals) does not pay for near-duplicates (datasketch, scipy.sparse), keyness, stories...
_EXPORTS = {
    "deduplicate": "duplicates", "duplicate_agreement": "duplicates", "near_duplicates": "duplicates",
    "CompareResult": "pipeline", "CompareRun": "pipeline", "read_scored": "pipeline",
    "register_step": "pipeline", "run_all": "pipeline",
    "available_categories": "rates", "count_model": "rates", "drop_small_groups": "rates",
    "group_rates": "rates",
    "pairwise_differences": "rates", "term_decomposition": "rates", "voice_rates": "rates",
    "TimeRates": "time", "rates_over_time": "time",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "CompareResult",
    "CompareRun",
    "TimeRates",
    "available_categories",
    "category_keyness",
    "count_model",
    "deduplicate",
    "drop_small_groups",
    "duplicate_agreement",
    "group_rates",
    "keyness",
    "kwic",
    "near_duplicates",
    "pairwise_differences",
    "rates_over_time",
    "read_scored",
    "register_step",
    "run_all",
    "term_counts",
    "term_decomposition",
    "voice_rates",
]
