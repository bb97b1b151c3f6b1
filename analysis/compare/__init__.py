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
- :mod:`~analysis.compare.pipeline`: :func:`run_all` (every table of ``python -m analysis compare``
  in one call) -> :class:`CompareResult`
"""

from analysis.compare.duplicates import deduplicate, duplicate_agreement, near_duplicates
from analysis.compare.keyness import category_keyness, keyness, term_counts
from analysis.compare.kwic import kwic
from analysis.compare.pipeline import CompareResult, CompareRun, read_scored, register_step, run_all
from analysis.compare.rates import (
    available_categories,
    count_model,
    drop_small_groups,
    group_rates,
    pairwise_differences,
    term_decomposition,
    voice_rates,
)
from analysis.compare.time import TimeRates, rates_over_time

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
