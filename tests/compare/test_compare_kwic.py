"""Tests for analysis.compare.kwic: concordance lines from hand-made matches and a tiny tokenizer."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from analysis.compare.kwic import kwic

TEXT = "Officials say Iran may attack. CNN said there was no sign it might happen soon."


def simple_tokenize(text):
    """Sentences end at . ! ?; tokens are \\w+ (kind 'word') or single punctuation marks."""
    sentences = []
    for s in re.finditer(r"[^.!?]+[.!?]*", text):
        lead = len(s.group()) - len(s.group().lstrip())
        tokens = [
            SimpleNamespace(
                start=t.start(), end=t.end(), kind="word" if t.group()[0].isalnum() else "punct"
            )
            for t in re.finditer(r"\w+|[^\w\s]", text[s.start() : s.end()])
        ]
        for t in tokens:
            t.start += s.start()
            t.end += s.start()
        sentences.append(SimpleNamespace(start=s.start() + lead, end=s.end(), tokens=tokens))
    return SimpleNamespace(sentences=sentences)


def match(doc_id, text, word, category="hedging.modal", occurrence=0, **extra):
    start = [m.start() for m in re.finditer(re.escape(word), text)][occurrence]
    return {
        "doc_id": doc_id,
        "category": category,
        "entry": word.lower(),
        "matched": word,
        "start": start,
        "end": start + len(word),
        **extra,
    }


@pytest.fixture
def tables():
    corpus = pd.DataFrame(
        {
            "doc_id": ["d1", "d2"],
            "outlet": ["X", "Y"],
            "text": [TEXT, "Perhaps. Zebras may run, and ants may not."],
        }
    )
    matches = pd.DataFrame(
        [
            match("d1", TEXT, "may", voice="narration"),
            match("d1", TEXT, "might", voice="attributed"),
            match("d2", corpus.text[1], "Perhaps", category="hedging.adverb", voice="narration"),
            match("d2", corpus.text[1], "may", voice="narration"),
            match("d2", corpus.text[1], "may", occurrence=1, voice="narration"),
        ]
    )
    return matches, corpus


def test_sentence_window(tables):
    matches, corpus = tables
    out = kwic(matches, corpus, tokenize=simple_tokenize)
    assert list(out.columns) == [
        "doc_id",
        "outlet",
        "category",
        "entry",
        "left",
        "match",
        "right",
        "start",
        "end",
        "voice",
    ]
    first = out.iloc[0]
    assert (first.left, first.match, first.right) == ("Officials say Iran", "may", "attack.")
    second = out.iloc[1]
    assert (second.left, second.right) == ("CNN said there was no sign it", "happen soon.")
    assert out.outlet.tolist() == ["X", "X", "Y", "Y", "Y"]  # from the corpus


def test_token_window_crosses_sentences_and_keeps_punctuation(tables):
    matches, corpus = tables
    out = kwic(matches, corpus, window=2, tokenize=simple_tokenize)
    assert out.loc[0, ["left", "right"]].tolist() == ["say Iran", "attack. CNN"]
    perhaps = out[out.entry == "perhaps"].iloc[0]
    assert (perhaps.left, perhaps.right) == ("", ". Zebras may")
    zero = kwic(matches, corpus, window=0, tokenize=simple_tokenize)
    assert (zero.left == "").all() and (zero.right == "").all()


def test_sorting(tables):
    matches, corpus = tables
    by_left = kwic(matches, corpus, sort_by="left", tokenize=simple_tokenize)
    # nearest left words: "" (Perhaps), "ants", "iran", "it", "zebras"
    assert by_left.left.map(lambda s: s.split()[-1].lower() if s else "").tolist() == [
        "",
        "ants",
        "iran",
        "it",
        "zebras",
    ]
    by_right = kwic(matches, corpus, sort_by="right", tokenize=simple_tokenize)
    assert by_right.right.tolist()[0].startswith(".")  # "." sorts before letters


def test_sample_is_reproducible_and_independent_of_row_order(tables):
    matches, corpus = tables
    a = kwic(matches, corpus, sample=3, seed=5, tokenize=simple_tokenize)
    b = kwic(matches.iloc[::-1], corpus, sample=3, seed=5, tokenize=simple_tokenize)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 3
    assert len(kwic(matches, corpus, sample=50, tokenize=simple_tokenize)) == len(matches)


def test_filters(tables):
    matches, corpus = tables
    modal = kwic(matches, corpus, category="hedging.modal", entry="may", tokenize=simple_tokenize)
    assert modal.entry.tolist() == ["may"] * 3
    rollup = kwic(matches, corpus, category="hedging", tokenize=simple_tokenize)
    assert len(rollup) == len(matches)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"window": "paragraph"}, "window"),
        ({"window": -1}, "window"),
        ({"sort_by": "middle"}, "sort_by"),
        ({"sample": 0}, "sample"),
        ({"category": "boosting"}, "boosting"),
        ({"entry": "perchance"}, "perchance"),
    ],
)
def test_bad_requests(tables, kwargs, message):
    matches, corpus = tables
    with pytest.raises(ValueError, match=message):
        kwic(matches, corpus, tokenize=simple_tokenize, **kwargs)


def test_stale_offsets_and_missing_documents_are_refused(tables):
    matches, corpus = tables
    shifted = matches.assign(start=matches.start + 1, end=matches.end + 1)
    with pytest.raises(ValueError, match="not the matched 'may'"):
        kwic(shifted, corpus, tokenize=simple_tokenize)
    with pytest.raises(ValueError, match="'d2'"):
        kwic(matches, corpus[corpus.doc_id == "d1"], tokenize=simple_tokenize)


def test_sentence_contexts_of_many_sentences_and_of_one_without_an_end():
    """Each line's sentence context is that of its own sentence among hundreds (found by bisection, as the
    linear search found it); a text without sentence ends is one sentence, and its contexts are cut at
    MAX_SENTENCE_CONTEXT characters a side, after an ellipsis."""
    from analysis.compare.kwic import MAX_SENTENCE_CONTEXT

    many = " ".join(f"Officials in town {i} say it may rain." for i in range(300))
    endless = " ".join(["officials say it may rain and"] * 200)
    corpus = pd.DataFrame({"doc_id": ["m", "e"], "outlet": ["X", "Y"], "text": [many, endless]})
    matches = pd.DataFrame([match("m", many, "may", occurrence=k) for k in (0, 1, 150, 299)]
                           + [match("e", endless, "may", occurrence=k) for k in (0, 100, 199)])
    out = kwic(matches, corpus, tokenize=simple_tokenize)
    lines = out[out.doc_id == "m"]
    assert lines.left.tolist() == [f"Officials in town {i} say it" for i in (0, 1, 150, 299)]
    assert set(lines.right) == {"rain."}
    lines = out[out.doc_id == "e"]
    assert lines.left.iloc[0] == "officials say it"  # the start of the text: nothing to cut
    middle = lines.iloc[1]
    assert middle.left.startswith("…") and middle.right.endswith("…")
    assert len(middle.left) <= MAX_SENTENCE_CONTEXT + 1 and len(middle.right) <= MAX_SENTENCE_CONTEXT + 1
    assert middle.left[1:] in endless and middle.right[:-1] in endless
