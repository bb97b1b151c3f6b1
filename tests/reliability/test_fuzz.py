"""Fuzzing (hypothesis-driven, time-boxed) of the corpus loaders and the lexicon parser.

Random bytes are fed to ``load_corpus`` as CSV, TSV, JSONL and JSON files, and random TOML-ish text to
``parse_lexicon``. Only our documented exceptions may escape: :class:`CorpusError` and
:class:`LexiconError` (both ``ValueError`` subclasses, so the CLI turns them into ``error: ...``). Every
successful load must satisfy the accounting identity. Crashes found here became regression tests in
test_bad_corpus.py (duplicate header names, JSON texts that are objects).
"""
from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.lexicons.model import LexiconError, parse_lexicon
from analysis.measure.matching import Matcher
from analysis.text.corpus import CorpusError, load_corpus

WALL_CLOCK = 20.0  # seconds per fuzz target, whatever max_examples says
FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


class _Clock:
    def __init__(self):
        self.start = None

    def expired(self):
        if self.start is None:
            self.start = time.monotonic()
        return time.monotonic() - self.start > WALL_CLOCK


# bytes that look like delimited or JSON-lines files: structure characters are over-represented
_PIECES = [b",", b"\t", b'"', b"\n", b"\r\n", b"\r", b"{", b"}", b"[", b"]", b":", b"\x00", b"\xff", b"\xef\xbb\xbf",
           b"text", b"doc_id", b"date", b"outlet", b"title", b"<p>", b"</p>", b"2026-02-30", b"null", b"true",
           "é".encode(), "é".encode("cp1252"), b"\\u2028", "\u2028".encode(), b"It may rain.", b"  "]
corpus_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(_PIECES), max_size=60).map(b"".join),
    st.lists(st.sampled_from(_PIECES), max_size=60).map(lambda p: b"doc_id,text,date\n" + b"".join(p)),
    st.lists(st.sampled_from(_PIECES), max_size=60).map(lambda p: b'{"doc_id": "1", "text": ' + b"".join(p)),
)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".json"])
def test_fuzz_load_corpus(tmp_path_factory, suffix):
    folder = tmp_path_factory.mktemp("fuzz")
    clock = _Clock()
    counter = iter(range(10**9))

    @FUZZ
    @given(corpus_bytes)
    def run(data):
        if clock.expired():
            return
        path = folder / f"f{next(counter)}{suffix}"
        path.write_bytes(data)
        try:
            corpus, report = load_corpus(path)
        except CorpusError as exc:
            assert str(exc).startswith(str(path)), exc
            return
        assert report.n_read == len(corpus) + report.n_skipped
        if len(corpus):
            assert corpus["doc_id"].is_unique
            assert corpus["text"].map(lambda t: isinstance(t, str) and t.strip() != "").all()
        path.unlink()

    run()


_TOML_PIECES = ['[meta]\n', 'name = "t"\n', 'version = "1.0.0"\n', '[categories."a.b"]\n', "[categories.a]\n",
                "entries = [", '"may"', '"no *{0,4} decision"', '"(a|b)"', '"@s x"', '"indicat*"', '"**a"', ", ",
                "]\n", "{ pattern = ", '"<NUM>"', ", unless_followed_by = [", "}", "[slots]\n", 's = ["x", "y"]\n',
                "description = 1\n", '"', "'", "=", "\n", "#", "\\", "\x00", "é", "{9,9}", "?", "*", "(", ")",
                "case_sensitive = true", "@", "<CAP>", "<FOO>", "n't", '"can\'t"', "[[categories]]\n"]
toml_text = st.one_of(st.text(max_size=200), st.lists(st.sampled_from(_TOML_PIECES), max_size=40).map("".join))


def test_fuzz_parse_lexicon():
    clock = _Clock()

    @FUZZ
    @given(toml_text)
    def run(raw):
        if clock.expired():
            return
        try:
            lexicon = parse_lexicon(raw, "fuzz.toml")
        except LexiconError as exc:
            assert str(exc).startswith("fuzz.toml:"), exc
            assert "\n" not in str(exc).split(": ", 1)[0]
            return
        # whatever parses must compile and match without error, in bounded time
        t0 = time.process_time()
        Matcher(lexicon).match("It may be 5 x y a b. No decision “indications” can't.")
        assert time.process_time() - t0 < 2

    run()
