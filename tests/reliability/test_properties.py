"""Property-based tests (hypothesis) of the matcher's invariants, on texts built from lexicon words,
sentence punctuation, quotes, apostrophes, digits and non-ASCII letters."""
from __future__ import annotations

import itertools

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis.lexicons.model import parse_lexicon
from analysis.measure.matching import Matcher
from analysis.measure.scoring import score
from analysis.text.tokenize import sentence_spans

H = '[meta]\nname = "p"\nversion = "1.0.0"\n'
# case-insensitive entries only: no case_sensitive, no <CAP>
LEXICON = parse_lexicon(H + '''
[categories."p.modal"]
entries = ["may", "might", "could not", "may be", "may *{0,2} possible"]
[categories."p.glob"]
entries = ["indicat*", "wom?n", "possib*"]
[categories."p.phrase"]
entries = ["no (clear|specific)? indications", "one official", "may be possible", "{ pattern = \\"be\\" }"]
[categories."p.context"]
entries = [{ pattern = "may", unless_followed_by = ["<NUM>"] }, { pattern = "said", only_preceded_by = ["official"] }]
'''.replace('"{ pattern = \\"be\\" }"', '"be"'), "props.toml")
MATCHER = Matcher(LEXICON)

WORDS = ["may", "May", "MAY", "might", "could", "couldn't", "not", "be", "possible", "Possibly", "indications",
         "indicated", "no", "clear", "specific", "one", "official", "said", "women", "woman", "5", "2024",
         "Straße", "İstanbul", "café", "ǅemal", "ﬁle", "Officials", "U.S.", "Gen."]
SEPS = [" ", " ", " ", ", ", ". ", "! ", "? ", "\n", "\n\n", " “", "” ", ' "', '" ', " (", ") ", " — ", "’s ", "...", "\t"]

texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), max_size=40).map(
    lambda parts: "".join(w + s for w, s in parts))
any_text = st.one_of(texts, st.text(max_size=200))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(any_text)
def test_offsets_slice_the_original_text(text):
    res = MATCHER.match(text)
    for m in res.matches:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.matched
        assert 0 <= m.token_start < m.token_end <= res.n_tokens


@FAST
@given(any_text)
def test_matches_never_cross_sentence_boundaries(text):
    spans = sentence_spans(text)
    for m in MATCHER.match(text).matches:
        a, b = spans[m.sentence]
        assert a <= m.start and m.end <= b, (m, (a, b))


@FAST
@given(any_text)
def test_matches_within_a_category_never_overlap(text):
    by_cat = {}
    for m in MATCHER.match(text).matches:
        by_cat.setdefault(m.category, []).append((m.start, m.end))
    for spans in by_cat.values():
        spans.sort()
        for (a1, b1), (a2, b2) in itertools.pairwise(spans):
            assert b1 <= a2, spans


@settings(max_examples=25, deadline=None)
@given(st.lists(texts, min_size=1, max_size=4), st.integers(min_value=0, max_value=3))
def test_scoring_a_document_does_not_depend_on_the_batch(batch, pick):
    pick = pick % len(batch)
    alone = score([batch[pick]], matcher=MATCHER)
    together = score(batch, matcher=MATCHER)
    rows = lambda df: df.drop(columns=["doc_id"]).astype(object).values.tolist()
    assert rows(alone.matches) == rows(together.matches[together.matches["doc_id"] == f"doc{pick}"])
    assert rows(alone.documents) == rows(together.documents.iloc[[pick]])


def _case_changes(text):
    """Case variants that keep every character's length, so offsets are comparable."""
    out = []
    for f in (str.upper, str.lower, str.swapcase, str.title):
        t = "".join(f(c) if len(f(c)) == 1 else c for c in text)
        out.append(t)
    return out


def _signature(text, res):
    # lower-cased matched text: the same words in another case
    return [(m.category, m.entry, m.start, m.end, m.sentence, m.matched.lower()) for m in res.matches]


@FAST
@given(texts)
def test_case_insensitive_matching_is_invariant_to_case(text):
    """Changing the case of letters (one character for one, so offsets are unchanged) changes no match.

    Sentence boundaries depend on capitals ("it may. the end" is one sentence, "It may. The end" two), and
    upper-casing "may" makes "May 5"... still a number context; so compare texts whose sentence spans agree.
    Case changes that alter length ("ß" -> "SS", "İ" -> "i̇") are left out: they move every offset after
    them, and "STRASSE" is a different token from "straße" under lower-casing (see test_large_inputs).
    """
    base = MATCHER.match(text)
    for variant in _case_changes(text):
        assume(len(variant) == len(text))
        if sentence_spans(variant) != sentence_spans(text):
            continue
        res = MATCHER.match(variant)
        assert sorted(_signature(variant, res)) == sorted(_signature(text, base)), variant


NEW_ENTRIES = st.lists(st.sampled_from(["may", "be possible", "indicat*", "no *", "said", "one", "official said",
                                        "(clear|specific) indications", "couldn't", "women"]), min_size=1, max_size=3)


@settings(max_examples=80, deadline=None)
@given(texts, NEW_ENTRIES, st.sampled_from(["p.modal", "p.glob", "p.phrase", "p.new"]))
def test_adding_an_entry_never_removes_a_match_of_another_category(text, patterns, category):
    before = MATCHER.match(text).matches
    bigger = Matcher(LEXICON.add_entries(category, patterns))
    after = bigger.match(text).matches
    key = lambda m: (m.category, m.start, m.end, m.entry)
    others_before = {key(m) for m in before if m.category != category}
    others_after = {key(m) for m in after if m.category != category}
    assert others_before == others_after
