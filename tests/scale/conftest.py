"""Small generated corpora for the scale tests: real sentences of the bundled sample, cut into short documents."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analysis.paths import SAMPLE_CORPUS
from analysis.text.corpus import load_corpus
from analysis.text.tokenize import sentence_spans


@pytest.fixture(scope="session")
def sample_sentences():
    if not SAMPLE_CORPUS.is_file():
        pytest.skip("the bundled sample corpus is not present")
    corpus, _ = load_corpus(SAMPLE_CORPUS)
    out = []
    for outlet, text in zip(corpus["outlet"], corpus["text"]):
        out += [(outlet, text[a:b]) for a, b in sentence_spans(text)]
    return out


def write_corpus_csv(path, sentences, n_docs, per_doc=3, problems=False):
    """``n_docs`` documents of ``per_doc`` consecutive sample sentences; with ``problems``, a few rows
    the load report must account for (empty text, a duplicate id, a short row)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["doc_id", "outlet", "date", "text"])
        k = 0
        for i in range(n_docs):
            parts = [sentences[(k + j) % len(sentences)] for j in range(per_doc)]
            k += per_doc
            w.writerow([f"d{i:06d}", parts[0][0], f"2026-01-{i % 28 + 1:02d}", " ".join(p[1] for p in parts)])
            if problems and i % 97 == 5:
                w.writerow([f"e{i}", "Nowhere", "2026-02-01", ""])  # empty text: skipped
                w.writerow([f"d{i:06d}", "Dup", "not a date", "It may rain again."])  # duplicate id, bad date
                w.writerow(["short", "row"])  # wrong field count: skipped
    return path


LEXICON = str(Path(__file__).resolve().parent / "fixtures" / "scale_test.toml")


@pytest.fixture(scope="session")
def lexicon():
    """Path of the fixture lexicon (independent of the built-in lexicons, which evolve)."""
    return LEXICON
