"""The compiled core (analysis._core) and the Python reference path give identical results.

Every field of every match row (sentence, category, entry, matched text, offsets, word offsets, voice,
lexicon and version) and every count (tokens, sentences, sentences with a match, tokens by voice) is
compared, on the bundled sample corpus, on PolNeAR when ../shared is present, and on generated texts
full of the cases the tokenizer and the sentence splitter treat specially.
"""
import os
from array import array
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.lexicons.model import parse_lexicon
from analysis.measure import core
from analysis.measure.matching import Matcher, rollup_categories
from analysis.measure.scoring import score
from analysis.text.tokenize import sentence_paragraph_spans, token_spans

pytestmark = pytest.mark.skipif(not core.AVAILABLE, reason="analysis._core is not built (see test_environment)")

# A lexicon that exercises every element kind, quantifiers, slots and all four context keys.
SYNTHETIC = r'''
[meta]
name = "synthetic"
version = "0.0.1"
description = "every element kind"

[slots]
noun = ["decision", "plan*", "attack"]

[categories."syn.glob"]
description = "globs"
entries = ["indicat*", "*ly", "poss?ble", "wom?n", "sei*e*"]

[categories."syn.gap"]
description = "gaps and options"
entries = ["no *{0,4} @noun", "no (a|the)? specific * (indications|signs)", "not (yet)? clear", "could not", "can not"]

[categories."syn.class"]
description = "classes"
entries = ["<CAP>{1,3} said", "about <NUM>", "told <WORD> <CAP>", "u.s. officials", "one official"]

[categories."syn.context"]
description = "contexts"
entries = [
  { pattern = "may", unless_followed_by = ["<NUM>", "(day|june)"] },
  { pattern = "about", only_followed_by = ["<NUM>"] },
  { pattern = "rather", unless_preceded_by = ["(would|had)"] },
  { pattern = "likely", only_preceded_by = ["(is|are|was) (very|more)? (much)? (more|less)", "(is|are|was)"] },
]
'''

FRAGMENTS = [
    "may", "May", "5", "3.5", "1,000", "2:30", "50%", "could", "couldn't", "can't", "won't", "isn't", "Iran's",
    "O'Brien", "’s", "officials", "Officials", "said", "told", "CNN", "no", "specific", "indications", "decision",
    "plans", "attack", "U.S.", "u.s.a", "Gen.", "Mr.", "J.", "R.", "Sen.", "Jan.", "Inc.", "possible", "possibly",
    "seized", "women", "woman", "about", "rather", "would", "likely", "is", "very", "the", "a", "The", "However",
    "It", "He", "not", "yet", "clear", "almost", "certainly", "what", "they", "described", "as", "according", "to",
    "“", "”", "„", '"', "''", "``", "'", "‘", "’", "(", ")", "[", "]", "«", "»", ".", ",", ":", ";", "?", "!", "…",
    "...", "—", "-", "\n", "\n\n", "\r\n", "\r\n\r\n", "\n \n", "\t", "İstanbul", "ΣΑΣ", "naïve", "x_y", "_", "²",
    "é", "B-52", "Iranian-backed", "one", "official", "dozens", "hundred",
]
SEPARATORS = [" ", " ", " ", "", "\n", "  "]


@st.composite
def news_like(draw):
    parts = draw(st.lists(st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from(SEPARATORS)), max_size=80))
    return "".join(f + s for f, s in parts)


@pytest.fixture(scope="module")
def sample_corpus():
    from analysis.paths import SAMPLE_CORPUS
    from analysis.text.corpus import load_corpus

    if not SAMPLE_CORPUS.is_file():  # repository data: absent when testing an installed wheel (.ci/run)
        pytest.skip(f"{SAMPLE_CORPUS} absent (not a checkout)")
    corpus, _ = load_corpus(SAMPLE_CORPUS)
    return corpus


@pytest.fixture(scope="module")
def matchers():
    lexicons = [None]
    out = []
    for lex in lexicons:
        out.append((Matcher(lex, engine="c"), Matcher(lex, engine="python")))
    syn = parse_lexicon(SYNTHETIC, "synthetic.toml")
    out.append((Matcher(syn, engine="c"), Matcher(syn, engine="python")))
    return out


def _assert_same(fast, ref, text):
    got = fast.match_rows(text)
    want = ref.match_rows(text)
    assert got[:2] == want[:2], (text, got[:2], want[:2])
    assert got[2] == want[2], ("tokens by voice", text)
    assert got[3] == want[3], ("sentences with a match", text)
    assert got[4] == want[4], ("match rows", text)


def test_engines_are_what_they_say(matchers):
    for fast, ref in matchers:
        assert fast.engine == "c"
        assert ref.engine == "python"


def test_sample_corpus_identical(matchers, sample_corpus):
    texts = sample_corpus["text"].tolist()
    for fast, ref in matchers:
        for text in texts:
            _assert_same(fast, ref, text)


@pytest.mark.shared
def test_polnear_identical(shared_dir):
    from analysis.text.corpus import load_corpus

    root = shared_dir / "data" / "polnear"
    if not root.is_dir():
        pytest.skip("PolNeAR is not in ../shared")
    corpus, _ = load_corpus(root)
    fast, ref = Matcher(None, engine="c"), Matcher(None, engine="python")
    for text in corpus["text"].tolist()[::3]:
        _assert_same(fast, ref, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=news_like())
def test_generated_news_text_identical(matchers, text):
    for fast, ref in matchers:
        _assert_same(fast, ref, text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=120))
def test_arbitrary_unicode_identical(matchers, text):
    for fast, ref in matchers:
        _assert_same(fast, ref, text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=news_like())
def test_sentences_and_tokens_identical(matchers, text):
    scanner = matchers[0][0]._core.scanner
    assert scanner.split(text) == sentence_paragraph_spans(text)
    low = text.lower()
    if len(low) == len(text):
        low = low.replace("’", "'")
        assert scanner.tokens(low, 0, len(low)) == token_spans(text)


def test_raw_token_cache_emptied_mid_corpus_changes_nothing(sample_corpus):
    """The core's cache of raw tokens is emptied whenever it is full (every 2,000,000 distinct tokens by
    default); with a tiny limit it is emptied many times within one document, and results stay those of
    the Python path. The texts mix tokens kept inside a cache slot (up to 16 characters below U+0100) with
    longer or non-Latin-1 ones kept outside it."""
    syn = parse_lexicon(SYNTHETIC, "synthetic.toml")
    extra = ("Counter-intelligence-officials said the decision-making-apparatus may be possible. "
             "Officials in Łódź and Ελλάδα said a naïve plan was ‘possible’, indications of attacks.\n\n")
    texts = [extra + t for t in sample_corpus["text"].tolist()[:25]]
    for lex in (None, syn):
        fast, ref = Matcher(lex, engine="c"), Matcher(lex, engine="python")
        fast._core.scanner.set_raw_limit(7)
        for text in texts:
            _assert_same(fast, ref, text)
            low = text.lower().replace("’", "'")
            assert fast._core.scanner.tokens(low, 0, len(low)) == token_spans(text)
            assert fast._core.scanner.stats()["raw_tokens"] <= 7
    with pytest.raises(ValueError, match="at least 1"):
        fast._core.scanner.set_raw_limit(0)


@pytest.mark.parametrize("text", [
    "He met Gen. Smith. Then he left.", "He met GEN. Smith. Then he left.", "See approx. Ten more.",
    "Ask the Approx. Ten more.", "It was 5 St. Louis. Then rain.", "The \u212aY. Smith said so. Yes.",
    "Go to Ky. Then stop.", "A naïve. Then.", "The U.S. The end.", "The U.S. Officials said so.",
    "The U.S. Army said so.", "They met in Mr.. Then left.", "Dr.Smith. Then.", "An abbreviation-like cmdr. Next.",
])
def test_abbreviations_and_starters_read_natively_as_in_python(matchers, text):
    """Abbreviations ("Gen.") and sentence starters after an initialism are looked up in C for ASCII
    words and by Python otherwise (the Kelvin sign lower-cases to an ASCII k)."""
    assert matchers[0][0]._core.scanner.split(text) == sentence_paragraph_spans(text)


def _prepare_reference(text):
    low = text.lower().replace("’", "'")
    return list(low), any(ch in text for ch in "\"“”„") or "''" in text or "``" in text


def _prepared(matcher, text):
    """prepare() of the core as (characters, has_dq); its lower-cased text keeps the storage width of the
    text (a text whose only wide character is ’ stays wide), so it is compared character by character."""
    got = matcher._core.scanner.prepare(text)
    return None if got is None else (list(got[0]), bool(got[1]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=news_like(), pad=st.integers(0, 17))
def test_prepare_lower_cases_and_finds_double_quotes_as_python(matchers, text, pad):
    """prepare() lower-cases ASCII 16 bytes (or 8 characters) at a time; shifting the text by 0-17
    characters puts every character, and every doubled quote, on and across block edges."""
    text = "x" * pad + text
    got = _prepared(matchers[0][0], text)
    if got is not None:
        assert got == _prepare_reference(text)
    else:
        assert len(text.lower()) != len(text) or "Σ" in text or "İ" in text


@pytest.mark.parametrize("text", [
    "A" * 15 + "``B", "A" * 16 + "``B", "a" * 15 + "'" + "'" + "b" * 20, "a" * 31 + "`" + "`",
    "a" * 7 + "’" + "'" + "a" * 9 + "''", "A" * 40, "a" * 40 + '"', "x'" * 20, "x`" * 20, "ÀB" * 20,
])
def test_prepare_at_block_edges(matchers, text):
    assert _prepared(matchers[0][0], text) == _prepare_reference(text)


@pytest.mark.parametrize("text", [
    "Officials said it may be possible.", "Officials in Łódź said a naïve plan was ‘possible’, maybe.",
    "Sources say it is likely 🚀 possible.", "A lone \ud800 surrogate outside: officials said it may be possible.",
    'He called it a "peace \ud800 plan" today.',
    "Nothing to see here.",
])
def test_matched_texts_as_utf8_equal_the_str_list(text):
    """With set_matched_utf8, score_doc(..., None) returns the matched texts as one UTF-8 buffer and their
    byte lengths; decoded, they are the str list it returns otherwise (and that list when a text holds a
    lone surrogate, which UTF-8 cannot carry)."""
    plain, packed = Matcher(None, engine="c"), Matcher(None, engine="c")
    rollups = rollup_categories(plain.categories)
    member_of = {m: top for top, members in rollups.items() for m in members}
    columns = list(plain.categories) + list(rollups)
    plain, packed = plain._core, packed._core
    for cs in (plain, packed):
        cs.set_output(columns, member_of)
    packed.scanner.set_matched_utf8(True)
    want, got = plain.score_doc(text, None), packed.score_doc(text, None)
    assert got[:8] == want[:8]
    if any("\ud800" in m for m in want[8]):
        assert got[8] == want[8]
        return
    blob, lengths = got[8]
    ends = [0]
    for n in array("i", lengths):
        ends.append(ends[-1] + n)
    assert [blob[a:b].decode("utf-8") for a, b in pairwise(ends)] == want[8]
    assert bool(want[8]) == ("Nothing" not in text)


def test_native_token_flags_agree_with_python(matchers):
    """The core classifies tokens natively; the Python classify callback is the definition."""
    for fast, _ref in matchers:
        cs = fast._core
        seen = [cs.scanner.norm(i) for i in range(cs.scanner.stats()["norms"])]
        assert len(seen) > 50
        for norm in seen:
            assert cs.native_classification(norm) == cs._classify(norm), norm


def test_text_whose_lower_case_is_longer_uses_the_reference_path(matchers):
    fast, ref = matchers[0]
    text = "İstanbul officials said it may be possible."
    assert len(text.lower()) != len(text)
    _assert_same(fast, ref, text)
    assert {r[3] for r in fast.match_rows(text)[4]} >= {"may", "possible"}


def test_case_sensitive_lexicon_runs_on_the_python_path():
    lex = parse_lexicon(
        '[meta]\nname = "cs"\nversion = "1.0.0"\n[categories.place]\ndescription = "x"\n'
        'entries = [{ pattern = "US", case_sensitive = true }]\n',
        "cs.toml",
    )
    assert Matcher(lex).engine == "python"
    with pytest.raises(ValueError, match="case-sensitive"):
        Matcher(lex, engine="c")
    rows = Matcher(lex).match_rows("The US and us.")[4]
    assert [r[3] for r in rows] == ["US"]


def test_environment_variable_forces_the_python_path(monkeypatch):
    monkeypatch.setenv("MFA_ENGINE", "python")
    assert Matcher("hedging").engine == "python"
    monkeypatch.setenv("MFA_ENGINE", "")
    assert Matcher("hedging").engine == "c"


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine must be"):
        Matcher("hedging", engine="rust")


def test_score_tables_identical_on_both_engines(sample_corpus, monkeypatch):
    fast = score(sample_corpus)
    monkeypatch.setenv("MFA_ENGINE", "python")
    ref = score(sample_corpus)
    assert os.environ["MFA_ENGINE"] == "python"
    assert fast.matches.equals(ref.matches)
    assert fast.documents.equals(ref.documents)
    assert fast.summary.equals(ref.summary)


def _frames_equal(corpus, matcher):
    import numpy as np
    import pandas as pd

    from analysis.measure.batch import scan
    from analysis.measure.scoring import corpus_columns, match_table, matches_frame

    ids, outlets, texts = corpus_columns(corpus)
    batch = scan(matcher, texts, ids, outlets)
    fast = match_table(batch, matcher, ids, outlets)
    per_text = [matcher.match_rows(t) for t in texts]
    slow = matches_frame([(i, o, *r) for i, o, res in zip(ids, outlets, per_text) for r in res[4]])
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert list(fast.dtypes) == list(slow.dtypes)
    cats = list(matcher.categories)
    counts = [[sum(r[1] == c for r in res[4]) for c in cats] for res in per_text]
    np.testing.assert_array_equal(batch.counts[:, :len(cats)], np.array(counts, dtype=np.int64).reshape(len(texts), len(cats)))
    return fast


def test_column_built_match_table_equals_the_row_built_one(sample_corpus):
    """score() builds the match table from packed records; it equals the table built from row tuples."""
    import pandas as pd

    m = Matcher()
    assert len(_frames_equal(sample_corpus, m)) > 500
    mixed = sample_corpus.head(6).copy()
    mixed.loc[2, "text"] = "İstanbul officials said it may be possible. " + mixed.loc[2, "text"]  # Python path
    assert len(_frames_equal(mixed, m)) > 10
    odd = pd.DataFrame({"doc_id": pd.Series([1, "b", "c"], dtype=object), "outlet": ["a", None, "b"],
                        "text": ["nothing", "It may rain.", "İ could."]})
    assert len(_frames_equal(odd, m)) == 2
    none = pd.DataFrame({"doc_id": ["x"], "outlet": ["a"], "text": ["Nothing to see."]})
    assert len(_frames_equal(none, m)) == 0


def test_one_matcher_shared_by_threads_gives_the_sequential_results(sample_corpus):
    """Dask workers run tasks in threads with one cached Matcher; new tokens that a glob could match call
    back into Python, which lets other threads run. Results must not depend on that."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    globs = parse_lexicon('[meta]\nname = "g"\nversion = "1.0.0"\n[categories.g]\ndescription = "x"\n'
                          'entries = ["a*s", "s*n", "t*e", "p*y"]\n', "g.toml")
    texts = sample_corpus["text"].tolist() * 2
    expected = [Matcher(globs, engine="python").match_rows(t) for t in texts]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for _ in range(2):
            shared = Matcher(globs)  # fresh: every new token goes through the Python glob check
            with ThreadPoolExecutor(4) as pool:
                got = list(pool.map(shared.match_rows, texts))
            assert got == expected
    finally:
        sys.setswitchinterval(interval)


def test_reentering_the_scanner_is_refused_not_corrupting():
    """The core's work buffers belong to one call: a second call from inside a callback is an error."""
    globs = parse_lexicon('[meta]\nname = "g"\nversion = "1.0.0"\n[categories.g]\ndescription = "x"\n'
                          'entries = ["a*s"]\n', "g.toml")
    m = Matcher(globs)
    cs = m._core
    matching = cs.globs.matching

    def reenter(token):
        cs.scanner.scan("other text", "other text", [], False)
        return matching(token)

    cs.globs.matching = reenter
    with pytest.raises(RuntimeError, match="one thread at a time"):
        m.match_rows("alpha beta apples")
    cs.globs.matching = matching
    assert [r[3] for r in m.match_rows("alpha beta apples")[4]] == ["apples"]


def test_glob_tails_send_only_possible_matches_to_the_callback(sample_corpus, monkeypatch):
    """A glob without a lead ("*ing") no longer sends every new token to the Python callback: only the
    tokens ending with its tail go there (issue 19: 28,823 callbacks -> 2,342 at 10M tokens), and a glob
    with neither lead nor tail still sends them all. Classification and match tables are unchanged."""
    from analysis.measure.core import CoreScanner, GlobIndex

    gi = GlobIndex(["*ing", "*i?e", "poss*", "?ly*"])
    assert gi.tails == {"ing": [0], "e": [1]} and gi.tail_lengths == [1, 3] and gi.untailed
    assert not GlobIndex(["*ing", "*i?e"]).untailed
    asked = []
    real = CoreScanner._classify

    def counting(self, norm):
        asked.append(norm)
        return real(self, norm)

    monkeypatch.setattr(CoreScanner, "_classify", counting)
    corpus = sample_corpus.head(12)
    for entries, untailed in ((["*ing", "*i?e"], False), (["*ing", "?ly*"], True)):
        toml = ('[meta]\nname = "g"\nversion = "0.0.1"\ndescription = "g"\n\n[categories."g.x"]\n'
                'description = "x"\nentries = [' + ", ".join(f'"{e}"' for e in entries) + "]\n")
        lex = parse_lexicon(toml, "g.toml")
        fast, ref = Matcher(lex, engine="c"), Matcher(lex, engine="python")
        asked.clear()
        a, b = score(corpus, matcher=fast), score(corpus, matcher=ref)
        assert a.matches.equals(b.matches) and len(a.matches) > 0
        cs = fast._core
        seen = [cs.scanner.norm(i) for i in range(cs.scanner.stats()["norms"])]
        tails = tuple(cs.globs.tails)
        could = [n for n in seen if untailed or n.endswith(tails)]
        assert sorted(set(asked)) == sorted(set(could)), entries  # exactly the tokens a glob could match
        assert untailed or len(set(asked)) < len(seen) / 3
        for norm in seen[:400]:
            assert cs.native_classification(norm) == real(cs, norm), norm
