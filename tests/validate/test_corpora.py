"""Tests for analysis.validate.corpora: tiny fixtures we wrote, plus counts on ../shared."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

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

FIXTURES = Path(__file__).parent / "fixtures"
POLNEAR = FIXTURES / "polnear_tiny"
DOC = "outlet-a_2016-01-05_iran-threat-unclear-officials-s"


def assert_cues_slice(frame: pd.DataFrame) -> None:
    for text, cues in zip(frame["text"], frame["cues"]):
        for start, end, cue_text, _ in cues:
            assert text[start:end] == cue_text and cue_text


# --------------------------------------------------------------------------- CoNLL-2010


def test_conll_nested_xcope_text_and_offsets():
    df = load_conll2010(FIXTURES / "conll_tiny.xml")
    assert list(df.columns[:5]) == SENTENCE_COLUMNS
    assert df["sentence_id"].tolist() == ["S1.1", "S1.2", "S1.3"]
    assert df["doc_id"].tolist() == ["111"] * 3
    assert df["part"].tolist() == ["Title", "AbstractText", "AbstractText"]
    # tags removed; the tails of nested </cue> and </xcope> are kept in order
    assert (
        df.loc[1, "text"]
        == "These results indicate that the militias may not be ready, officials said."
    )
    # the negation cue "not" is dropped by the default cue_types=("speculation",)
    assert df.loc[1, "cues"] == [
        (14, 27, "indicate that", "speculation"),
        (41, 44, "may", "speculation"),
    ]
    # S1.3 holds only a negation cue, so it is not uncertain
    assert df["label"].tolist() == [False, True, False]
    assert_cues_slice(df)


def test_conll_all_cue_types():
    df = load_conll2010(FIXTURES / "conll_tiny.xml", cue_types=None)
    assert df["label"].tolist() == [False, True, True]
    assert (45, 48, "not", "negation") in df.loc[1, "cues"]
    assert df.loc[2, "cues"] == [(11, 13, "no", "negation")]
    assert_cues_slice(df)


def test_conll_directory_and_list(tmp_path):
    shutil.copy(FIXTURES / "conll_tiny.xml", tmp_path / "a.xml")
    shutil.copy(FIXTURES / "conll_tiny.xml", tmp_path / "b.xml")
    assert len(load_conll2010(tmp_path)) == 6
    assert len(load_conll2010([tmp_path / "a.xml"])) == 3
    # a Szeged file in the same folder is refused by name, not silently skipped
    shutil.copy(FIXTURES / "szeged_tiny.xml", tmp_path / "c.xml")
    with pytest.raises(ValueError, match=r"c\.xml.*load_szeged"):
        load_conll2010(tmp_path)
    assert len(load_conll2010(tmp_path, pattern="[ab].xml")) == 6


def test_conll_missing_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.xml"):
        load_conll2010(tmp_path / "nope.xml")
    with pytest.raises(FileNotFoundError, match=str(tmp_path.name)):
        load_conll2010(tmp_path)  # empty directory


def test_malformed_xml_names_file_and_line(tmp_path):
    bad = tmp_path / "broken.xml"
    bad.write_text(
        "<Annotation><DocumentSet>\n<Document><DocID>1</DocID>\n"
        '<DocumentPart><sentence id="S1">oops</sentenc></DocumentPart>\n'
        "</Document></DocumentSet></Annotation>\n"
    )
    with pytest.raises(ValueError, match=r"broken\.xml: line 3, column \d+: malformed XML"):
        load_conll2010(bad)
    with pytest.raises(ValueError, match=r"broken\.xml: line 3"):
        load_szeged(bad)


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE Annotation [<!ENTITY a "aaaaaaaaaa">]>',
        '<!DOCTYPE Annotation SYSTEM "x.dtd" [<!ELEMENT Annotation ANY>]>',
        '<!ENTITY x SYSTEM "file:///etc/passwd">',
    ],
)
def test_entity_declarations_are_refused(tmp_path, prolog):
    f = tmp_path / "evil.xml"
    f.write_text(
        f'<?xml version="1.0"?>\n{prolog}\n<Annotation><DocumentSet><Document><DocID>1</DocID>'
        '<DocumentPart><sentence id="S1">x</sentence></DocumentPart></Document></DocumentSet></Annotation>'
    )
    with pytest.raises(ValueError, match=r"evil\.xml: line 2: refusing"):
        load_conll2010(f)


# --------------------------------------------------------------------------- Szeged


def test_szeged_labels_cues_and_doc_ids():
    df = load_szeged(FIXTURES / "szeged_tiny.xml")
    assert df["doc_id"].tolist() == ["Harbour Town_1"] * 3 + ["Grey Lake_2"] * 2
    # ids restart in every document: the key is (doc_id, sentence_id)
    assert not df.duplicated(["doc_id", "sentence_id"]).any()
    assert df["label"].tolist() == [False, True, True, False, False]
    assert df.loc[1, "cues"] == [(16, 24, "probably", "speculation_modal_probable")]
    # the trailing " _" in the file's type attribute is normalised away
    assert df.loc[2, "cues"] == [
        (10, 17, "believe", "speculation_hypo_doxastic"),
        (32, 34, "if", "speculation_hypo_condition"),
    ]
    # discourse-level weasels ("Some say") are not marked in WikiWeasel 2.0
    assert df.loc[4, "text"].startswith("Some say")
    assert_cues_slice(df)


@pytest.mark.parametrize(
    "cue_types, labels",
    [
        (["epistemic"], [False, True, False, False, False]),
        ("speculation_hypo_doxastic", [False, False, True, False, False]),
        (["condition", "doxastic"], [False, False, True, False, False]),
        (["speculation_modal_probable_"], [False, True, False, False, False]),
    ],
)
def test_szeged_cue_type_filter(cue_types, labels):
    df = load_szeged(FIXTURES / "szeged_tiny.xml", cue_types=cue_types)
    assert df["label"].tolist() == labels
    assert [bool(c) for c in df["cues"]] == labels


def test_szeged_unknown_cue_type_is_refused():
    with pytest.raises(ValueError, match=r"szeged_tiny\.xml.*epistemc"):
        load_szeged(FIXTURES / "szeged_tiny.xml", cue_types=["epistemc"])


def test_szeged_refuses_conll_file():
    with pytest.raises(ValueError, match=r"conll_tiny\.xml.*load_conll2010"):
        load_szeged(FIXTURES / "conll_tiny.xml")


# --------------------------------------------------------------------------- PolNeAR


def test_polnear_articles():
    df = load_polnear_articles(POLNEAR)
    assert df["doc_id"].tolist() == [DOC, "outlet-b_2016-02-01_quiet-day-in-the-capital"]
    assert df["split"].tolist() == ["train", "dev"]
    assert df["outlet"].tolist() == ["outlet-a", "outlet-b"]
    assert str(df["date"].dtype) == "datetime64[ns]"
    assert df.loc[0, "date"] == pd.Timestamp("2016-01-05")
    # a straight double quote in a title survives (the TSV is read without quoting)
    assert df.loc[0, "title"] == 'Iran threat "unclear", officials say'
    assert df.loc[0, "wire"] == "Reuters"  # "reuters" in the metadata
    assert pd.isna(df.loc[1, "wire"])  # "NA": not recorded
    assert pd.isna(df.loc[1, "author"])  # "None"
    assert df.loc[0, "text"].startswith("Iran threat unclear, officials say\n\nTwo U.S.")
    assert len(load_polnear_articles(POLNEAR, split="dev")) == 1


def test_polnear_attributions_first_annotator_and_fragments():
    df = load_polnear_attributions(POLNEAR, "train")
    # annotators aaaa and bbbb both coded the article: the first in sorted order wins
    assert set(df["annotator"]) == {"aaaa"}
    assert df["attribution_id"].tolist() == ["E1", "E2", "E3", "E4"]
    assert df["kind"].tolist() == ["Attribution"] * 2 + ["Attribution-no-source", "Attribution"]
    row = df.iloc[1]
    assert row["source"] == [(36, 54, "Two U.S. officials")]
    assert row["cue"] == [(55, 59, "said")]
    # a discontinuous Content keeps both fragments, in text order
    assert row["content"] == [(60, 68, "Iran may"), (72, 88, "planning attacks")]
    # no Source; Content2 is merged into content
    assert df.iloc[2]["source"] == []
    assert df.iloc[2]["content"] == [(125, 135, "The threat"), (153, 161, "imminent")]
    text = load_polnear_articles(POLNEAR, "train").loc[0, "text"]
    for col in ("source", "cue", "content"):
        for spans in df[col]:
            assert all(text[s:e] == t for s, e, t in spans)


def test_polnear_sentences_default_splitter():
    df = load_polnear(POLNEAR)  # split="train" by default
    assert list(df.columns[:5]) == SENTENCE_COLUMNS
    assert df["text"].tolist() == [
        "Iran threat unclear, officials say",
        "Two U.S. officials said Iran may be planning attacks.",
        "The Pentagon declined to comment.",
        "The threat was described as imminent.",
        "According to CNN, there was no decision to attack.",
    ]
    # only annotator aaaa counts: bbbb's "declined to comment" does not make sentence 2 positive
    assert df["label"].tolist() == [True, True, False, True, True]
    assert df["cues"].tolist() == [
        [(31, 34, "say", "Attribution")],
        [(19, 23, "said", "Attribution")],
        [],
        [(11, 27, "was described as", "Attribution-no-source")],
        [(0, 12, "According to", "Attribution")],
    ]
    assert df["sentence_id"].tolist() == [0, 1, 2, 3, 4]
    assert_cues_slice(df)
    assert len(load_polnear(POLNEAR, split=None)) == 7


def test_polnear_custom_splitter_clips_cues():
    # a splitter that cuts the cue "According to" in two
    def halves(text):
        cut = text.index("According to") + len("According")
        return [(0, cut), (cut, len(text))]

    df = load_polnear(POLNEAR, sentence_splitter=halves)
    # a cue crossing a sentence boundary is clipped and counted in both sentences
    assert df.loc[0, "cues"][-1] == (
        df.loc[0, "end"] - 9,
        df.loc[0, "end"],
        "According",
        "Attribution",
    )
    assert df.loc[1, "cues"][0] == (0, 3, " to", "Attribution")
    assert_cues_slice(df)


def test_polnear_bad_splitter_output():
    with pytest.raises(ValueError, match="outside"):
        load_polnear(POLNEAR, sentence_splitter=lambda t: [(0, len(t) + 5)])


def test_polnear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="metadata.tsv"):
        load_polnear_articles(tmp_path)
    with pytest.raises(ValueError, match="split"):
        load_polnear_articles(POLNEAR, split="test")
    root = tmp_path / "p"
    shutil.copytree(POLNEAR, root)
    ann = root / "train" / "attributions" / f"{DOC}_aaaa.ann"
    ann.write_text(ann.read_text().replace("T2\tCue 31 34\tsay", "T2\tCue 30 34\tsay"))
    with pytest.raises(ValueError, match=r"_aaaa\.ann: line 2: span 30-34 reads ' say'"):
        load_polnear(root)
    ann.write_text("T1\tCue 1 x\tbad\n")
    with pytest.raises(ValueError, match=r"_aaaa\.ann: line 1: malformed"):
        load_polnear(root)
    for f in (root / "train" / "attributions").glob("*.ann"):
        f.unlink()
    with pytest.raises(FileNotFoundError, match="no annotation file"):
        load_polnear(root)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Sen. Smith spoke. Gov. Jones did not.", ["Sen. Smith spoke.", "Gov. Jones did not."]),
        ("It is U.S. policy. J. Edgar left.", ["It is U.S. policy.", "J. Edgar left."]),
        ('He said "No." Then he left.', ['He said "No."', "Then he left."]),
        ("He is the No. 2 seed. No. 3 lost.", ["He is the No. 2 seed.", "No. 3 lost."]),
        ("Really? Yes! On Jan. 5 it rained.", ["Really?", "Yes!", "On Jan. 5 it rained."]),
        ("  Headline\n\nBody one. body two.\n", ["Headline", "Body one. body two."]),
        ("", []),
    ],
)
def test_simple_sentence_spans(text, expected):
    spans = simple_sentence_spans(text)
    assert [text[s:e] for s, e in spans] == expected


# --------------------------------------------------------------------------- CSV


def test_labelled_csv():
    df = load_labelled_csv(FIXTURES / "labelled_ok.csv")
    assert list(df.columns) == SENTENCE_COLUMNS + ["outlet"]
    # 1/No/" TRUE "/yes/FALSE: case and surrounding spaces do not matter
    assert df["label"].tolist() == [True, False, True, True, False]
    assert df.loc[2, "text"] == "It is, perhaps, a threat."
    assert df["doc_id"].unique().tolist() == ["labelled_ok"]
    assert df["cues"].map(len).sum() == 0


def test_labelled_csv_bad_label_names_file_and_line():
    # the bad label sits on physical line 5: a quoted field before it spans two lines
    with pytest.raises(ValueError, match=r"labelled_bad_label\.csv, line 5: label 'maybe'"):
        load_labelled_csv(FIXTURES / "labelled_bad_label.csv")


def test_labelled_csv_columns(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("text,y,doc_id\nIt may rain.,1,d1\n")
    with pytest.raises(ValueError, match=r"c\.csv: missing column\(s\) \['sentence', 'label'\]"):
        load_labelled_csv(f)
    df = load_labelled_csv(f, text_col="text", label_col="y")
    assert df.loc[0, "doc_id"] == "d1" and bool(df.loc[0, "label"])
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        load_labelled_csv(tmp_path / "missing.csv")
    f.write_text("sentence,label\nIt may rain.,\n")
    with pytest.raises(ValueError, match=r"c\.csv, line 2: label ''"):
        load_labelled_csv(f)


# --------------------------------------------------------------------------- ../shared


@pytest.mark.shared
def test_shared_conll2010_counts(shared_dir):
    files = sorted((shared_dir / "data" / "uncertainty").glob("task2_train_bio_*.xml"))
    assert len(files) == 2
    df = load_conll2010(files)
    assert len(df) == 14_541
    # the published count of uncertain sentences in the biological training data
    assert int(df["label"].sum()) == 2_620
    assert not df.duplicated(["doc_id", "sentence_id"]).any()
    assert_cues_slice(df)
    same = load_conll2010(shared_dir / "data" / "uncertainty", pattern="task2_train_bio_*.xml")
    assert len(same) == len(df)


@pytest.mark.shared
def test_shared_szeged_counts(shared_dir):
    df = load_szeged(shared_dir / "data" / "uncertainty" / "szeged_wiki.xml")
    assert len(df) == 20_748
    assert int(df["label"].sum()) == 2_606
    assert df["doc_id"].nunique() == 4_530
    assert not df.duplicated(["doc_id", "sentence_id"]).any()
    assert_cues_slice(df)
    types = {c[3] for cues in df["cues"] for c in cues}
    assert types == {
        "speculation_modal_probable",
        "speculation_hypo_doxastic",
        "speculation_hypo_condition",
        "speculation_hypo_investigation",
    }


@pytest.mark.shared
def test_shared_polnear(shared_dir):
    root = shared_dir / "data" / "polnear"
    articles = load_polnear_articles(root, "train")
    assert len(articles) == 840
    assert articles["outlet"].nunique() == 7
    assert articles["doc_id"].is_unique
    assert articles["date"].notna().all()
    attributions = load_polnear_attributions(root, "train")
    text = dict(zip(articles["doc_id"], articles["text"]))
    for row in attributions.itertuples():
        for spans in (row.source, row.cue, row.content):
            assert all(text[row.doc_id][s:e] == t for s, e, t in spans)
    sentences = load_polnear(root, "train")
    assert set(sentences["doc_id"]) == set(articles["doc_id"])
    assert_cues_slice(sentences)
    assert 0 < sentences["label"].mean() < 1
    assert len(load_polnear_articles(root, "dev")) == 84
