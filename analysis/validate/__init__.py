"""Validation: gold-standard corpora, evaluation metrics and agreement statistics.

``corpora`` loads annotated sentences (CoNLL-2010/BioScope, Szeged WikiWeasel,
PolNeAR, labelled CSV) into one table shape; ``metrics`` scores predictions
against them and measures agreement between coders.
"""

from analysis.validate.corpora import (
    SENTENCE_COLUMNS,
    load_conll2010,
    load_labelled_csv,
    load_polnear,
    load_polnear_articles,
    load_polnear_attributions,
    load_szeged,
    simple_sentence_spans,
)
from analysis.validate.metrics import (
    cohen_kappa,
    krippendorff_alpha,
    prf,
    span_prf,
    wilson_interval,
)

__all__ = [
    "SENTENCE_COLUMNS",
    "cohen_kappa",
    "krippendorff_alpha",
    "load_conll2010",
    "load_labelled_csv",
    "load_polnear",
    "load_polnear_articles",
    "load_polnear_attributions",
    "load_szeged",
    "prf",
    "simple_sentence_spans",
    "span_prf",
    "wilson_interval",
]
