"""term_counts and keyness against a straightforward reference computation.

``term_counts`` counts ``norm_tokens`` and drops punctuation once per distinct term instead of calling
``word_tokens`` per document, and builds its tables from arrays; keyness reads document frequencies
from a table instead of ``attrs``. The reference below is the obvious implementation (one Counter of
``word_tokens`` per group, one set per document): every count, document frequency and score must be
identical, on the bundled sample corpus and on a table of awkward texts.
"""

from __future__ import annotations

import copy
import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from analysis.compare.keyness import keyness, term_counts
from analysis.paths import SAMPLE_CORPUS
from analysis.text.corpus import load_corpus
from analysis.text.tokenize import word_tokens


def reference_counts(corpus, by="outlet", tokenizer=word_tokens):
    """(counts, documents): dict group -> Counter of tokens, dict group -> Counter of documents."""
    by = [by] if isinstance(by, str) else list(by)
    counts, documents = {}, {}
    for group, sub in corpus.groupby(by, sort=True, dropna=True):
        label = group[0] if len(by) == 1 else group
        counts[label], documents[label] = Counter(), Counter()
        for text in sub["text"]:
            tokens = list(tokenizer("" if pd.isna(text) else str(text)))
            counts[label].update(tokens)
            documents[label].update(set(tokens))
    return counts, documents


def reference_table(counts):
    table = pd.DataFrame(counts).fillna(0).astype(int).sort_index()
    table.index.name = "term"
    return table


@pytest.fixture(scope="module")
def sample():
    corpus, _ = load_corpus(SAMPLE_CORPUS)
    return corpus


AWKWARD = pd.DataFrame(
    {
        "outlet": ["X", "X", "X", "Y", "Y", None, "Z"],
        "year": [2020, 2021, 2021, 2020, 2020, 2020, 2021],
        "text": [
            "Iran’s allies couldn’t — “maybe” — agree. U.S. officials said 3.5% may 'leave'.",
            "It may rain... or (perhaps) not! Café, naïve, Straße; emoji 🙂 and 可能.",
            np.nan,
            "",
            "___ 2016 -- ?! it's the officials' \"scare quotes\"",
            "a document without an outlet is not counted",
            "..."
        ],
    }
)


@pytest.mark.parametrize("corpus_name", ["sample", "awkward"])
def test_term_counts_equal_the_reference(corpus_name, sample):
    corpus = sample if corpus_name == "sample" else AWKWARD
    counts, documents = reference_counts(corpus)
    table = term_counts(corpus)
    pd.testing.assert_frame_equal(table, reference_table(counts), check_exact=True)
    assert table.attrs["documents"] == {g: dict(d) for g, d in documents.items()}


def test_term_counts_equal_the_reference_with_several_columns_and_a_custom_tokenizer():
    def lazy_split(text):  # a generator, not a list
        return (t for t in text.lower().split())

    by = ["outlet", "year"]
    counts, documents = reference_counts(AWKWARD, by=by, tokenizer=lazy_split)
    table = term_counts(AWKWARD, by=by, tokenizer=lazy_split)
    pd.testing.assert_frame_equal(table, reference_table(counts), check_exact=True)
    assert table.attrs["documents"] == {g: dict(d) for g, d in documents.items()}


def test_keyness_document_frequencies_equal_the_reference(sample):
    _, documents = reference_counts(sample)
    groups = sorted(documents)
    target, ref = groups[0], groups[1:3]
    out = keyness(sample, target, reference=ref)
    expected_target = [documents[target][t] for t in out["term"]]
    expected_ref = [sum(documents[g][t] for g in ref) for t in out["term"]]
    assert out["docs_target"].tolist() == expected_target
    assert out["docs_reference"].tolist() == expected_ref
    # the scores do not depend on whether keyness tokenized the corpus or was given the counts
    from_table = keyness(term_counts(sample), target, reference=ref)
    pd.testing.assert_frame_equal(out.drop(columns=["docs_target", "docs_reference"]), from_table,
                                  check_exact=True)


def test_document_frequencies_are_shared_by_derived_tables_not_copied(sample):
    table = term_counts(sample)
    docs = table.attrs["documents"]
    # pandas deep-copies attrs into derived frames: this dict is shared instead (it is read-only)
    assert table[[table.columns[0]]].attrs["documents"] is docs
    assert copy.deepcopy(table).attrs["documents"] is docs
    assert isinstance(docs, dict)
    json.dumps(table.attrs)  # still plain data (to_parquet stores attrs as JSON)


def test_term_counts_on_the_core_tokenizer_equal_the_python_path(monkeypatch, realshaped, sample):
    """term_counts tokenizes with the compiled core when it is built; MFA_ENGINE=python gives the
    pure-Python tokenizer: both give the same table and document frequencies (awkward texts with a
    character whose lower case is longer, the sample corpus, a messy real-shaped corpus)."""
    from analysis.compare.coretokens import norms_function
    from analysis.measure.core import AVAILABLE

    if not AVAILABLE:
        pytest.skip("the compiled core is not built")
    messy, _ = load_corpus(realshaped["path"])
    longer = pd.DataFrame({"outlet": ["X", "Y"], "text": ["İstanbul’s mayor may say so.", "it's İ and i̇"]})
    assert norms_function() is not None
    for corpus in (AWKWARD, sample, messy, longer):
        fast = term_counts(corpus)
        with monkeypatch.context() as m:
            m.setenv("MFA_ENGINE", "python")
            assert norms_function() is None
            slow = term_counts(corpus)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
        assert fast.attrs["documents"] == slow.attrs["documents"]
