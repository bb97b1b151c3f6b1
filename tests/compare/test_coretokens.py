"""analysis.compare.coretokens: the compiled core's tokenizer gives the norms, sentences and word tokens of
analysis.text.tokenize, and kwic lines are the same with it."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.compare.coretokens import document_function, ids_function, norms_function
from analysis.compare.kwic import kwic
from analysis.measure.core import AVAILABLE
from analysis.measure.scoring import score
from analysis.paths import SAMPLE_CORPUS
from analysis.text.corpus import load_corpus
from analysis.text.tokenize import norm_tokens, tokenize

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="the compiled core is not built")

TEXTS = [
    "Iran’s allies couldn’t — “maybe” — agree. U.S. officials said 3.5% may 'leave'.\n\nNew paragraph.",
    "It may rain... or (perhaps) not! Café, naïve, Straße; emoji 🙂 and 可能. Sen. Smith's J. R. Smith.",
    "İstanbul’s mayor may say so.",  # lower case longer than the text: the Python path
    "",
    "___ 2016 -- ?! it's the officials' \"scare quotes\" 1,000-strong",
]


def _words(doc):
    return [(s.start, s.end, s.paragraph, [(t.start, t.end, t.norm, t.kind) for t in s.tokens if t.kind != "quote"])
            for s in doc.sentences]


def test_norms_and_documents_equal_the_python_tokenizer():
    norms, document = norms_function(), document_function()
    corpus, _ = load_corpus(SAMPLE_CORPUS)
    for text in [*TEXTS, *corpus["text"].tolist()]:
        assert norms(text) == norm_tokens(text)
        assert _words(document(text)) == _words(tokenize(text))


def test_token_ids_name_the_norms_of_the_python_tokenizer():
    """The core's token_ids give one int32 id per norm of norm_tokens (a text whose lower case is longer
    goes through norm_tokens and interns its norms), and an id names the same norm every time."""
    ids, norm, size = ids_function()
    corpus, _ = load_corpus(SAMPLE_CORPUS)
    first: dict = {}
    for text in [*TEXTS, *corpus["text"].tolist()]:
        got = ids(text)
        assert got.dtype == "int32"
        assert [norm(int(i)) for i in got] == norm_tokens(text)
        assert got.size == 0 or int(got.max()) < size()
        for i in got.tolist():
            assert first.setdefault(norm(i), i) == i
    assert ids("").size == 0 and first["may"] == int(ids("May")[0])


def test_python_engine_gives_no_core_tokenizer(monkeypatch):
    monkeypatch.setenv("MFA_ENGINE", "python")
    assert norms_function() is None and document_function() is None and ids_function() is None


@pytest.mark.parametrize("window", ["sentence", 3])
def test_kwic_lines_are_the_same_with_the_core_tokenizer(window):
    corpus, _ = load_corpus(SAMPLE_CORPUS)
    matches = score(corpus, "hedging").matches
    assert len(matches) > 20
    want = kwic(matches, corpus, window=window)
    got = kwic(matches, corpus, window=window, tokenize=document_function())
    pd.testing.assert_frame_equal(got, want)
    if window == "sentence":  # sentence windows read the sentence spans only: the same lines without tokens
        spans = document_function(words=False)
        assert all(not s.tokens for s in spans(corpus["text"].iloc[0]).sentences)
        pd.testing.assert_frame_equal(kwic(matches, corpus, window=window, tokenize=spans), want)


def test_sentences_without_tokens_are_the_sentences_of_the_python_tokenizer():
    spans = document_function(words=False)
    corpus, _ = load_corpus(SAMPLE_CORPUS)
    for text in [*TEXTS, *corpus["text"].tolist()]:
        assert [(s.start, s.end, s.paragraph) for s in spans(text).sentences] == [
            (s.start, s.end, s.paragraph) for s in tokenize(text).sentences]
