"""Attribution extraction: cues, sources, content, source types, the model file, links to matches."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.measure.attribution import (
    SOURCE_TYPES,
    attributions_frame,
    default_model,
    engine_of,
    extract,
    link_matches,
    load_attribution_model,
    single_quotes_quote,
    source_type,
    with_match_counts,
)
from analysis.measure.scoring import score


def _spans(text, engine="auto"):
    return [(text[r[2]:r[3]], text[r[4]:r[5]] if r[4] >= 0 else None, text[r[6]:r[7]] if r[6] >= 0 else None, r[9])
            for r in extract(text, engine=engine)]


@pytest.fixture(params=["c", "python"])
def engine(request):
    """Each extraction engine: the compiled core (skipped when it is not built) and the Python definition."""
    if request.param == "c" and engine_of()[0] != "c":
        pytest.skip("the compiled core is not built")
    return request.param


@pytest.mark.parametrize(
    "source, expected",
    [
        ("one official", "anonymous"),
        ("anonymous US officials", "anonymous"),
        ("a senior administration official", "anonymous"),
        ("people familiar with the matter", "anonymous"),
        ("sources", "anonymous"),
        ("Gen. Mark Smith", "named_person"),
        ("Pentagon spokesman John Kirby", "named_person"),
        ("the Pentagon", "named_organisation"),
        ("the State Department", "named_organisation"),
        ("FBI", "named_organisation"),
        ("some experts", "vague"),
        ("critics", "vague"),
        ("many", "vague"),
        ("a new report", "document"),
        ("the statement", "document"),
        ("he", "pronoun"),
        ("They", "pronoun"),
        ("CNN", "outlet"),
        ("The New York Times", "outlet"),
        # a surname that also modifies ("the Trump administration") is a name alone (docs/codebook.md)
        ("Trump", "named_person"),
        ("Clinton", "named_person"),
        ("the Clinton campaign", "named_organisation"),
        ("the Trump administration", "named_organisation"),
        ("Trump aides", "anonymous"),
        # a role or group word before whom it serves is the head, not the last word
        ("a spokesman for the ministry", "anonymous"),
        ("an official with the State Department", "anonymous"),
        ("a spokeswoman for the Pentagon", "anonymous"),
        ("the leader of the militia", "anonymous"),
        ("critics of the plan", "vague"),
        ("some members of the committee", "vague"),
        ("Chief of Staff John Kelly", "named_person"),
        ("the director of the FBI, Christopher Wray", "named_person"),
        ("the results of the poll", "document"),
        ("Smith, the commander of the base", "named_person"),  # an apposition: the name decides
        ("a statement from the ministry", "document"),
        ("his", "pronoun"),  # possessives and contractions are pronouns too (resolved as they are)
        ("He's", "pronoun"),
        ("she\u2019s", "pronoun"),
        ("a report by the UN", "document"),
    ],
)
def test_source_types(source, expected):
    assert source_type(source) == expected
    assert expected in SOURCE_TYPES


@pytest.mark.parametrize("source", ["Iran", "Russia", "the United States", "The United States", "the U.S.", "China,",
                                    "North Korea", "Saudi Arabia", "Britain", "IRAN", "the European Union"])
def test_a_country_is_an_organisation(source):
    """A state speaking ("Iran said", "Russia warned", "the United States said") is named_organisation
    (docs/codebook.md), in the Python definition, in the core, and in the records of an extraction."""
    assert source_type(source) == "named_organisation"
    if source.endswith(","):
        return
    text = f"{source} said on Monday that talks would resume."
    [rec] = extract(text)
    assert rec[9] == "named_organisation" and text[rec[4]:rec[5]] == source
    assert extract(text, engine="python") == [rec]


@pytest.mark.parametrize("source, expected", [("Iranian officials", "anonymous"), ("Iran's foreign minister", "anonymous"),
                                              ("Jordan", "named_person"), ("Georgia", "named_person"),
                                              ("Russian President Vladimir Putin", "named_person"),
                                              ("the Iran deal", "named_person")])
def test_only_the_country_itself_is_an_organisation(source, expected):
    """Only a source that is the country (after an optional "the") is: people of it keep their rules,
    and names that are also first names or US states are not in the list."""
    assert source_type(source) == expected


def test_left_source_right_content():
    t = "One official told CNN that attacks may be possible."
    assert _spans(t) == [("told", "One official", "attacks may be possible", "anonymous")]


def test_according_to_puts_the_source_after_the_cue():
    t = "The talks collapsed on Friday, according to two senior diplomats."
    [(cue, src, content, stype)] = _spans(t)
    assert (cue, src, stype) == ("according to", "two senior diplomats", "anonymous")
    assert content == "The talks collapsed on Friday"


def test_inverted_cue_after_a_quote():
    t = "“We will not back down from this fight,” said Gen. Mark Smith, the commander."
    [(cue, src, content, stype)] = _spans(t)
    # the apposition after the name is part of the source (as PolNeAR marks it), the name types it
    assert cue == "said" and src == "Gen. Mark Smith, the commander" and stype == "named_person"
    assert content == "We will not back down from this fight"


def test_cue_at_the_end_takes_the_content_before_it():
    t = "The strike was planned weeks in advance, officials said."
    [(cue, src, content, stype)] = _spans(t)
    assert (cue, src, content, stype) == ("said", "officials", "The strike was planned weeks in advance", "anonymous")


def test_no_cue_no_attribution():
    assert extract("The bombers flew over the gulf on Thursday.") == []
    assert extract("") == []


def test_pronoun_resolved_to_the_previous_source_of_the_paragraph():
    corpus = pd.DataFrame({"doc_id": ["d"], "text": [
        "Senator Jane Doe said the bill would fail. She added that it was badly drafted.\n\nHe said nothing."]})
    a = attributions_frame(corpus)
    she = a[a.source == "She"].iloc[0]
    assert she.source_type == "pronoun"
    assert she.resolved_source == "Senator Jane Doe" and she.resolved_type == "named_person"
    he = a[a.source == "He"].iloc[0]  # next paragraph: resolved to the nearest earlier one there is
    assert he.resolved_source == "Senator Jane Doe"


def test_offsets_index_the_text(realshaped):
    from analysis.text.corpus import load_corpus

    corpus, _ = load_corpus(realshaped["path"])
    a = attributions_frame(corpus)
    assert len(a) > 0
    texts = dict(zip(corpus.doc_id, corpus.text))
    for r in a.itertuples():
        t = texts[r.doc_id]
        assert t[r.cue_start:r.cue_end] == r.cue
        if r.source_start >= 0:
            assert t[r.source_start:r.source_end] == r.source
        if r.content_start >= 0:
            assert t[r.content_start:r.content_end] == r.content
    assert set(a.source_type) <= set(SOURCE_TYPES) | {""}


def test_link_matches_and_content_counts():
    corpus = pd.DataFrame({"doc_id": ["d"], "text": [
        "It may rain tomorrow. One official told reporters that an attack is possible."]})
    res = score(corpus, "hedging")
    a = attributions_frame(corpus)
    link = link_matches(res.matches, a)
    by_word = dict(zip(res.matches.matched, link.attribution))
    assert by_word["may"] == -1          # narration
    assert by_word["possible"] == 0      # inside the official's content
    counted = with_match_counts(a, res.matches)
    assert counted.loc[0, "content_hedging"] == 1 and bool(counted.loc[0, "hedged_content"])


def test_model_file_is_checked(tmp_path):
    model = default_model()
    assert model.training["data"].startswith("PolNeAR") and "dev_sentence_f1" in model.training
    path = model.save(tmp_path / "m.json")
    assert load_attribution_model(path).weights == model.weights
    data = json.loads(path.read_text())
    data["bias"] = data["bias"] + 1
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="checksum"):
        load_attribution_model(path)
    (tmp_path / "p.json").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ValueError, match="pickle"):
        load_attribution_model(tmp_path / "p.json")
    (tmp_path / "n.json").write_text('{"format": "media-framing-analysis/attribution-cues", "bias": NaN}')
    with pytest.raises(ValueError, match="n.json"):
        load_attribution_model(tmp_path / "n.json")


def test_seed_article_anonymous_sources_with_hedged_content(shared_dir):
    from analysis.text.corpus import load_corpus

    corpus, _ = load_corpus(shared_dir / "seed" / "seed-article.txt")
    res = score(corpus)
    a = with_match_counts(attributions_frame(corpus), res.matches)
    one = a[(a.source == "One official") & (a.cue == "told")]
    assert len(one) == 1 and one.iloc[0].source_type == "anonymous"
    assert "indications" in one.iloc[0].content and one.iloc[0].content_hedging >= 1
    assert bool(one.iloc[0].hedged_content)
    anon = a[(a.source == "anonymous US officials") & (a.cue == "told")]
    assert len(anon) == 1 and anon.iloc[0].source_type == "anonymous"
    # their content is linked: "what they described as “Iranian-backed” militias ..." holds the
    # distancing match "what they described as"
    assert anon.iloc[0].content.startswith("what they described as") and anon.iloc[0].content_distancing >= 1


def test_score_cli_writes_attributions_in_the_output_set(realshaped, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "analysis", "score", str(realshaped["path"]), "--out", str(out),
                           "--quiet"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    a = pd.read_csv(out / "attributions.csv", keep_default_na=False)
    assert len(a) > 0 and {"cue", "source", "source_type", "content", "hedged_content"} <= set(a.columns)
    prov = json.loads((out / "attributions_provenance.json").read_text())
    assert prov["rows"] == len(a) and len(prov["model_sha256"]) == 64 and len(prov["corpus_sha256"]) == 64
    proc = subprocess.run([sys.executable, "-m", "analysis", "score", str(realshaped["path"]), "--out", str(out),
                           "--quiet", "--no-attributions"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert not (out / "attributions.csv").exists()  # the new set replaces the old one whole
    assert not (out / "attributions_provenance.json").exists()


def test_code_sample_task_attribution(tmp_path):
    import subprocess
    import sys

    from analysis import paths

    sheet = tmp_path / "sheet.csv"
    proc = subprocess.run([sys.executable, "-m", "analysis", "code", "sample", str(paths.SAMPLE_CORPUS), "--task",
                           "attribution", "--out", str(sheet), "--n-per-stratum", "2", "--nonmatch", "3"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    s = pd.read_csv(sheet, keep_default_na=False)
    rows = s[s.kind == "match"]
    assert len(rows) > 0 and rows["category"].str.startswith("attribution.").all()
    assert set(rows["entry"]) <= set(SOURCE_TYPES) | {"no_source"}
    assert (s.kind == "nonmatch").sum() == 3


def test_anonymity_markers_on_ascii_are_the_case_insensitive_ones():
    """source_type looks for its anonymity phrases in the lower case of an ASCII source: the same
    answers as the case-insensitive expression, on sources of every case."""
    import random

    from analysis.measure.attribution import _ANON_MARKERS, _ANON_MARKERS_LOW

    rng = random.Random(2)
    words = ["familiar", "with", "close", "to", "Anonymity", "UNNAMED", "not", "authorized", "authorised", "Who",
             "spoke", "declined", "to", "be", "named", "officials", "the", "matter", "briefed", "on", "Knowledgeable"]
    for _ in range(2000):
        src = " ".join("".join(c.upper() if rng.random() < 0.3 else c for c in rng.choice(words))
                       for _ in range(rng.randint(1, 6)))
        assert bool(_ANON_MARKERS_LOW.search(src.lower())) == bool(_ANON_MARKERS.search(src)), src


def test_a_text_without_sentence_ends_gives_records_that_grow_with_the_text():
    """One 'sentence' of 40,000 tokens with a cue every few words (a transcript or a list without full
    stops): each content span stays within one piece of at most MAX_SENTENCE_TOKENS tokens, so the table
    does not grow with the square of the text (before the pieces, a content span ran to the text's end:
    3 GB of strings for 376 kB)."""
    from analysis.measure.attribution import MAX_SENTENCE_TOKENS, TOKEN_RE, attributions_frame

    text = "Officials said that John Smith told reporters, " * 5000
    table = attributions_frame(pd.DataFrame({"doc_id": ["d"], "text": [text]}))
    assert len(table) >= 5000  # the cues are still found
    content = table["content"].fillna("")
    assert max(len(TOKEN_RE.findall(c)) for c in content) <= MAX_SENTENCE_TOKENS
    assert content.str.len().sum() < 200 * len(text)
    # a piece ends after a comma: no content span runs across a cut into the next piece's words
    assert (table["sentence"] == 0).all()


def test_a_phrase_of_time_or_place_after_the_cue_is_not_the_content(engine):
    """"..., the minister said on Tuesday.": the content is what precedes the source, not "on Tuesday"
    (docs/attribution.md, step 3); a clause after the cue stays the content, and so does a short phrase
    when nothing before the source ends with a comma or a quotation mark."""
    assert _spans("\u201cWe will not back down,\u201d the minister said on Tuesday.", engine) == [
        ("said", "the minister", "We will not back down", "anonymous")]
    t = "The United States may impose new sanctions, two officials told Reuters on Monday."
    assert _spans(t, engine) == [("told", "two officials", "The United States may impose new sanctions", "anonymous")]
    said = _spans("The deal is off, the spokesman said in a statement.", engine)[0]  # ("statement" is a cue too)
    assert said[:3] == ("said", "the spokesman", "The deal is off")
    # a clause after the cue is the content
    [(_, _, content, _)] = _spans("On Tuesday, the minister said the talks had stalled.", engine)
    assert content == "the talks had stalled"
    # no comma or quotation mark before the source: the phrase stays the content
    [(_, src, content, _)] = _spans("Officials said on Monday.", engine)
    assert (src, content) == ("Officials", "on Monday")


def test_the_seed_pattern_after_a_trailing_phrase_counts_as_hedged_anonymous_content():
    from analysis.measure.scoring import check_corpus, score
    from analysis.scale.parallel import attribution_table

    texts = ["The militias may be preparing attacks, two US officials told CNN on Monday."]
    table = attribution_table(check_corpus(texts), score(texts).matches)
    assert table[["source_type", "hedged_content"]].values.tolist() == [["anonymous", True]]


def test_british_single_quotation_marks_quote_like_double_ones(engine):
    """In a text with more ‘ than “ (British usage) the single marks are read as quotation marks: the
    sources and contents are those of the same text with double marks, and the apostrophes stay
    apostrophes. In American usage (the single marks nested inside “...”) nothing changes."""
    def as_double(text):
        return text.replace("\u2018", "\u201c").replace(",\u2019", ",\u201d").replace(".\u2019", ".\u201d")

    british = [
        "The minister said: \u2018We will not back down.\u2019",
        "\u2018It is too early to say,\u2019 said Dr Jane Smith, a virologist at Oxford.",
        "\u2018The risk is real,\u2019 one official said. \u2018We can\u2019t rule it out,\u2019 the official added.",
    ]
    for text in british:
        assert single_quotes_quote(text)
        assert [r[:2] + r[3:] for r in _spans(text, engine)] == [r[:2] + r[3:] for r in _spans(as_double(text), engine)], (
            text)
    assert _spans(british[0], engine) == [("said", "The minister", "We will not back down", "anonymous")]
    assert _spans(british[1], engine) == [("said", "Dr Jane Smith, a virologist at Oxford", "It is too early to say",
                                          "named_person")]
    american = "\u201cHe called the plan \u2018a mistake\u2019 and left,\u201d an aide said."
    assert not single_quotes_quote(american)
    assert _spans(american, engine) == [
        ("said", "an aide", "He called the plan \u2018a mistake\u2019 and left", "anonymous")]


def test_a_clause_after_an_inverted_cue_and_a_stretch_between_commas(engine):
    """"Officials, speaking on condition of anonymity, said the attack was imminent.": what follows the
    cue holds an auxiliary, so it is the content, not an inverted source; the source is the noun phrase
    before the stretch between commas, with an apposition ("Smith, the commander, said") included."""
    assert _spans("Officials, speaking on condition of anonymity, said the attack was likely imminent.", engine) == [
        ("said", "Officials", "the attack was likely imminent", "anonymous")]
    assert _spans("Smith, the commander of the base, said the drills were routine.", engine) == [
        ("said", "Smith, the commander of the base", "the drills were routine", "named_person")]
    assert _spans("Jones, who chairs the committee, said the vote would be delayed.", engine) == [
        ("said", "Jones", "the vote would be delayed", "named_person")]
    # the inverted cue as before: a noun phrase after it
    assert _spans("The plan is dead, said the minister.", engine) == [("said", "the minister", "The plan is dead", "anonymous")]


def test_the_content_starts_after_that_past_a_phrase_after_the_cue(engine):
    """"The company said in a statement that it would appeal.": the content is "it would appeal"."""
    t = "The company said in a statement that it would appeal."
    said = [r for r in extract(t, engine=engine) if t[r[2]:r[3]] == "said"]
    assert [t[r[6]:r[7]] for r in said] == ["it would appeal"]
    t = "Officials said on Monday that the talks would resume."
    assert [t[r[6]:r[7]] for r in extract(t, engine=engine)] == ["the talks would resume"]


def test_no_record_for_a_cue_whose_source_runs_over_the_cue_before_it(engine):
    """"The ministry said in a statement on its website that ...": "statement" is a cue candidate too, but
    its source ("The ministry said in a") would run over "said": one record, not two."""
    t = "The ministry said in a statement on its website that it had summoned the ambassador."
    recs = [(t[r[2]:r[3]], t[r[4]:r[5]], t[r[6]:r[7]]) for r in extract(t, engine=engine)]
    assert recs == [("said", "The ministry", "it had summoned the ambassador")]


def test_a_function_word_is_no_source_and_a_possessive_is_resolved(engine):
    """A source that ends with a function word ("The" of "The disagreement over ...", "to" of "have to
    discuss") is no source; "His insistence that ..." has the pronoun "His", resolved to the source before."""
    for t in ["The disagreement over whether to allow Syrian refugees grew.",
              "Do we really have to discuss the kind of dictatorships that exist?",
              # a preposition or a conjunction is no source either
              "The stadium is without doubt the largest in the region."]:
        assert [r[4] for r in extract(t, engine=engine)] == [-1], t
    text = "Smith said the plan had failed. His insistence that it would work was wrong."
    table = attributions_frame(pd.DataFrame({"doc_id": ["a"], "text": [text]}), engine=engine)
    assert table[["source", "source_type", "resolved_source", "resolved_type"]].values.tolist() == [
        ["Smith", "named_person", "Smith", "named_person"], ["His", "pronoun", "Smith", "named_person"]]


def test_a_parenthesis_or_an_apposition_belongs_to_the_source(engine):
    def sources(text):
        return [(text[r[4]:r[5]], r[9]) for r in extract(text, engine=engine)]

    assert sources("Rep. Gwen Moore (D-Wis.) said the bill was dead.") == [("Rep. Gwen Moore (D-Wis.)", "named_person")]
    assert sources("The bill is dead, said Charlie King, a prominent New York Democrat.") == [
        ("Charlie King, a prominent New York Democrat", "named_person")]
    assert sources("The bill is dead, said Charlie King (D).") == [("Charlie King (D)", "named_person")]


def test_coordinated_cues_share_the_source(engine):
    """"Trump is telling ... and says ...": the second cue has no noun phrase of its own before it ("and"
    is no source), so it takes the source of the sentence's record before."""
    t = "Donald Trump is telling a veterans group that the army is depleted and says he will expand it."
    recs = [(t[r[2]:r[3]], t[r[4]:r[5]] if r[4] >= 0 else None) for r in extract(t, engine=engine)]
    assert recs == [("is telling", "Donald Trump"), ("says", "Donald Trump")]
    t = "The army is depleted and says nothing."  # no record before: no source
    assert [r[4] for r in extract(t, engine=engine) if t[r[2]:r[3]] == "says"] in ([], [-1])
