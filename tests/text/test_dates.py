"""Numeric dates that read two ways: ``05/03/2024`` is 5 March day first and 3 May month first.

``load_corpus`` reads a date column day first when one of its dates can only be day first (a first
number above 12), otherwise month first, and its load report says so; when nothing in the column
decides, the report counts the ambiguous dates and names example rows. ``dayfirst=True/False``
(``--dayfirst/--no-dayfirst``) chooses. ISO dates and dates with month names never change. A corpus
read in chunks is read the same way (more in ``tests/scale/test_stream_dates.py``).
"""

from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest

from analysis.text.corpus import LoadReport, load_corpus


def write_csv(tmp_path, dates, name="a.csv"):
    """A corpus whose row k (spreadsheet row k + 1) has date ``dates[k - 1]``."""
    path = tmp_path / name
    rows = "".join(f"d{k},X,{value},It may rain.\n" for k, value in enumerate(dates, 1))
    path.write_text("doc_id,outlet,date,text\n" + rows, encoding="utf-8")
    return path


def load(tmp_path, dates, **kw):
    corpus, report = load_corpus(write_csv(tmp_path, dates), **kw)
    assert report.n_read == len(corpus) + report.n_skipped
    return [d.strftime("%Y-%m-%d") if pd.notna(d) else None for d in corpus["date"]], report


def date_notes(report):
    return [n for n in report.notes if n.startswith("date column")]


def test_ambiguous_column_is_read_month_first_and_reported_with_count_and_rows(tmp_path):
    dates, report = load(tmp_path, ["05/03/2024", "2024-03-05", "06/03/2024", "07/03/2024", "08/03/2024",
                                    "March 5 2024"])
    # month first, as before: only the report is new
    assert dates == ["2024-05-03", "2024-03-05", "2024-06-03", "2024-07-03", "2024-08-03", "2024-03-05"]
    (note,) = date_notes(report)
    assert "4 dates such as '05/03/2024' (rows 2, 4, 5, ...)" in note
    assert "no date in the column decides" in note and "read month first" in note
    assert "'05/03/2024' as 2024-05-03" in note and "--dayfirst" in note
    assert report.issues == []  # every date was read: nothing is kept with a problem


def test_one_ambiguous_date_names_its_row(tmp_path):
    _, report = load(tmp_path, ["2024-03-05", "05/03/2024"])
    (note,) = date_notes(report)
    assert "the date '05/03/2024' (row 3)" in note


def test_a_first_number_above_12_makes_the_whole_column_day_first(tmp_path):
    dates, report = load(tmp_path, ["05/03/2024", "13/02/2024", "2024-03-05", "06/03/2024"])
    assert dates == ["2024-03-05", "2024-02-13", "2024-03-05", "2024-03-06"]  # ISO untouched
    (note,) = date_notes(report)
    assert "dates read day first, because the date '13/02/2024' (row 3) can only be day first" in note
    assert "2 dates such as '05/03/2024' (rows 2, 5), which could be either, read the same way" in note
    assert "--no-dayfirst" in note


def test_a_second_number_above_12_confirms_month_first(tmp_path):
    dates, report = load(tmp_path, ["05/03/2024", "02/13/2024"])
    assert dates == ["2024-05-03", "2024-02-13"]
    (note,) = date_notes(report)
    assert "dates read month first, because the date '02/13/2024' (row 3) can only be month first" in note


def test_a_column_with_both_kinds_keeps_each_date_readable_and_says_so(tmp_path):
    dates, report = load(tmp_path, ["13/02/2024", "02/13/2024", "05/03/2024"])
    # 13/02 and 02/13 can each be read one way only, and are; the ambiguous one stays month first
    assert dates == ["2024-02-13", "2024-02-13", "2024-05-03"]
    (note,) = date_notes(report)
    assert "mixes dates that can only be day first, the date '13/02/2024' (row 2)" in note
    assert "only be month first, the date '02/13/2024' (row 3)" in note
    assert "the date '05/03/2024' (row 4), which could be either, month first" in note


@pytest.mark.parametrize(
    "dayfirst, expected",
    [
        (None, ["2024-05-03", "2024-03-05", "2024-03-05", "2024-03-06", "2024-03-05", "2024-05-05"]),
        (True, ["2024-03-05", "2024-03-05", "2024-03-05", "2024-03-06", "2024-03-05", "2024-05-05"]),
        (False, ["2024-05-03", "2024-03-05", "2024-03-05", "2024-03-06", "2024-03-05", "2024-05-05"]),
    ],
)
def test_dayfirst_choice_never_touches_iso_or_named_months(tmp_path, dayfirst, expected):
    # pandas' own dayfirst=True would read 2024-03-05 and 2024/03/05 as 3 May: only N/N/Y dates may change
    values = ["05/03/2024", "2024-03-05", "2024/03/05", "2024-03-05T23:30:00-05:00", "5 Mar 2024",
              "05/05/2024"]
    dates, _ = load(tmp_path, values, dayfirst=dayfirst)
    assert dates == expected


def test_dayfirst_true_reads_ambiguous_dates_day_first(tmp_path):
    dates, report = load(tmp_path, ["05/03/2024", "06/03/2024"], dayfirst=True)
    assert dates == ["2024-03-05", "2024-03-06"]
    assert date_notes(report) == [
        "date column 'date': numeric dates read day first (dayfirst=True), e.g. '05/03/2024' as 2024-03-05"
    ]


def test_dayfirst_true_with_a_date_that_cannot_be_day_first(tmp_path):
    dates, report = load(tmp_path, ["05/03/2024", "02/13/2024"], dayfirst=True)
    assert dates == ["2024-03-05", "2024-02-13"]  # 02/13 is still read the only way it can be
    assert any("the date '02/13/2024' (row 3) cannot be day first" in n for n in date_notes(report))


def test_dayfirst_false_overrides_the_inference(tmp_path):
    dates, report = load(tmp_path, ["05/03/2024", "13/02/2024"], dayfirst=False)
    assert dates == ["2024-05-03", "2024-02-13"]
    notes = date_notes(report)
    assert notes[0] == ("date column 'date': numeric dates read month first (dayfirst=False), "
                        "e.g. '05/03/2024' as 2024-05-03")
    assert "the date '13/02/2024' (row 3) cannot be month first" in notes[1]


@pytest.mark.parametrize(
    "values, expected",
    [
        (["05.03.2024", "13.02.2024"], ["2024-03-05", "2024-02-13"]),  # dots (German style)
        (["05-03-2024", "13-02-2024"], ["2024-03-05", "2024-02-13"]),  # dashes, year last
        (["5/3/24", "13/2/24"], ["2024-03-05", "2024-02-13"]),  # no leading zeros, two-digit year
        (["05/03/2024 14:30", "13/02/2024 09:00"], ["2024-03-05", "2024-02-13"]),  # with a time
    ],
)
def test_other_numeric_spellings_follow_the_same_rule(tmp_path, values, expected):
    dates, report = load(tmp_path, values)
    assert dates == expected
    assert "dates read day first" in date_notes(report)[0]


@pytest.mark.parametrize(
    "values",
    [
        ["2024-03-05", "2024-03-06"],  # ISO only
        ["05/05/2024", "12/12/2024"],  # both readings give the same date
        ["13/13/2024", "yesterday", ""],  # unreadable either way: reported as before, no date note
        ["March 5 2024", "5 Mar 2024"],
    ],
)
def test_no_date_note_when_nothing_is_ambiguous(tmp_path, values):
    _, report = load(tmp_path, values)
    assert date_notes(report) == []


def test_unambiguous_dates_read_as_before(tmp_path):
    # what each value meant before ambiguity was checked: read on its own, month first when ambiguous
    values = ["13/02/2024", "02/13/2024", "31/12/2024", "12/31/2024", "2024-02-13", "13/13/2024",
              "2026-02-30", "Feb 13 2024", "05/05/2024"]
    before = pd.to_datetime(pd.Series(values), errors="coerce", format="mixed", utc=True)
    before = [d.strftime("%Y-%m-%d") if pd.notna(d) else None for d in before]
    for dayfirst in (None, True, False):
        dates, _ = load(tmp_path, values, dayfirst=dayfirst)
        assert dates == before, dayfirst


def test_jsonl_rows_are_line_numbers(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"doc_id": "a", "date": "05/03/2024", "text": "x"}\n\n'
                    '{"doc_id": "b", "date": "06/03/2024", "text": "y"}\n', encoding="utf-8")
    _, report = load_corpus(path)
    (note,) = date_notes(report)
    assert "2 dates such as '05/03/2024' (rows 1, 3)" in note


def test_other_date_column_name(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("doc_id,published,text\n1,05/03/2024,x\n", encoding="utf-8")
    corpus, report = load_corpus(path, date_col="published", dayfirst=True)
    assert corpus["date"].iloc[0] == pd.Timestamp("2024-03-05")
    assert date_notes(report)[0].startswith("date column 'published':")


def test_dayfirst_must_be_a_boolean_or_none(tmp_path):
    with pytest.raises(ValueError, match="dayfirst must be True, False or None"):
        load_corpus(write_csv(tmp_path, ["05/03/2024"]), dayfirst="yes")


def _cli(argv):
    from analysis.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def test_score_cli_dayfirst_flag(tmp_path):
    corpus = write_csv(tmp_path, ["05/03/2024", "06/03/2024"])
    code, _, err = _cli(["score", corpus, "--out", tmp_path / "auto", "--no-progress"])
    assert code == 0, err
    assert "2 dates such as '05/03/2024' (rows 2, 3)" in err  # the load report on stderr
    auto = pd.read_csv(tmp_path / "auto" / "documents.csv")
    code, _, err = _cli(["score", corpus, "--out", tmp_path / "dayfirst", "--dayfirst", "--quiet"])
    assert code == 0, err
    dayfirst = pd.read_csv(tmp_path / "dayfirst" / "documents.csv")
    assert auto["date"].tolist() == ["2024-05-03", "2024-06-03"]
    assert dayfirst["date"].tolist() == ["2024-03-05", "2024-03-06"]


@pytest.mark.parametrize("flag, expected", [("--dayfirst", "2024-03-05"), ("--no-dayfirst", "2024-05-03")])
def test_streaming_honours_the_dayfirst_flag(tmp_path, flag, expected):
    corpus = write_csv(tmp_path, ["05/03/2024", "13/02/2024"])
    code, _, err = _cli(["score", corpus, "--out", tmp_path / "o", "--chunk-size", "1", flag, "--quiet"])
    assert code == 0, err
    documents = pd.read_csv(tmp_path / "o" / "documents.csv")
    assert documents["date"].tolist() == [expected, "2024-02-13"]  # 13/02 can only be day first


def test_chunked_reading_decides_for_the_whole_column(tmp_path):
    # one row per chunk: the first chunk alone would be read month first; the column says day first
    stream = pytest.importorskip("analysis.scale.stream")
    path = write_csv(tmp_path, ["05/03/2024", "13/02/2024"])
    report = LoadReport(str(path))
    chunks = list(stream.iter_corpus_chunks(path, chunk_size=1, report=report))
    dates = [c.corpus["date"].iloc[0].strftime("%Y-%m-%d") for c in chunks]
    assert dates == ["2024-03-05", "2024-02-13"]
    assert date_notes(report) == date_notes(load_corpus(path)[1])
    assert "the date '05/03/2024' (row 2), which could be either, read the same way" in date_notes(report)[0]
