"""Dates never abort a run: every unreadable, impossible, out-of-range or relative date becomes missing
with a load-report issue naming the file, the row and the value, and is counted in provenance.json;
mixed formats in one column are read value by value; two-digit years follow one stated rule."""
from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest
from realshaped import BROKEN_DATES, write_corpus

from analysis.text.corpus import load_corpus
from analysis.text.dates import read_dates, two_digit_year


def _csv(tmp_path, dates, name="a.csv"):
    path = tmp_path / name
    rows = "".join(f"d{k},X,\"{v}\",It may rain.\n" for k, v in enumerate(dates, 1))
    path.write_text("doc_id,outlet,date,text\n" + rows, encoding="utf-8")
    return path


def _iso(series):
    return [d.strftime("%Y-%m-%d") if pd.notna(d) else None for d in series]


@pytest.mark.parametrize("value, kind", [
    ("0001-11-30", "date_out_of_range"), ("9999-12-31", "date_out_of_range"), ("30 November 0001", "date_out_of_range"),
    ("31/02/2020", "date_impossible"), ("2026-13-45", "date_impossible"), ("0000-00-00", "date_impossible"),
    ("2026-02-30T25:61:00", "date_impossible"), ("now", "date_relative"), ("today", "date_relative"),
    ("Today", "date_relative"), ("yesterday", "date_relative"), ("3 days ago", "date_relative"),
    ("last week", "date_relative"), ("Monday", "date_relative"), ("soon", "date_relative"),
    ("1e9", "date_number"), ("1535500800", "date_number"), ("not a date", "date_unreadable"),
    ("n/a", "date_unreadable"), ("March", "date_unreadable"), ("29 Aug", "date_no_year"),
])
def test_a_bad_date_is_missing_and_reported_with_file_row_and_value(tmp_path, value, kind):
    path = _csv(tmp_path, ["2024-03-05", value, "2024-03-06"])
    corpus, report = load_corpus(path)
    assert len(corpus) == 3 and report.n_skipped == 0
    assert _iso(corpus["date"]) == ["2024-03-05", None, "2024-03-06"]
    (issue,) = report.issues
    assert issue.file == str(path) and issue.row == 3 and repr(value) in issue.problem
    assert issue.action == "date set to unknown (NaT)"
    assert report.provenance()["issue_kinds"] == {kind: 1}


def test_relative_words_are_never_the_day_of_the_run(tmp_path):
    corpus, report = load_corpus(_csv(tmp_path, ["now", "today", "tonight"]))
    assert corpus["date"].isna().all()
    assert all("not read as the day of the run" in i.problem for i in report.issues)


def test_mixed_formats_in_one_column_are_read_value_by_value(tmp_path):
    values = ["2018-08-29", "8/29/18", "29 Aug 2018", "August 29, 2018", "Wed, 29 Aug 2018 10:00:00 +0000",
              "2018-08-29T10:00:00Z", "20180829", "2018/08/29", "Aug 29 2018 10:00 PM"]
    corpus, report = load_corpus(_csv(tmp_path, values))
    assert _iso(corpus["date"]) == ["2018-08-29"] * len(values)
    assert report.issues == []


def test_time_zones_are_turned_to_utc_before_the_day_is_kept(tmp_path):
    values = ["2024-03-05T23:30:00-05:00", "Tue, 05 Mar 2024 23:30:00 -0500", "2024-03-06T01:00:00+05:00"]
    corpus, _ = load_corpus(_csv(tmp_path, values))
    assert _iso(corpus["date"]) == ["2024-03-06", "2024-03-06", "2024-03-05"]


@pytest.mark.parametrize("value, expected", [
    ("8/29/18", "2018-08-29"), ("1/2/68", "2068-01-02"), ("1/2/69", "1969-01-02"), ("12/31/99", "1999-12-31"),
    ("29 Aug 18", "2018-08-29"), ("29 Aug 75", "1975-08-29"),
])
def test_two_digit_years_follow_the_stated_rule(value, expected):
    dates, problems = read_dates(pd.Series([value]), day_first=False)
    assert problems == {} and _iso(dates) == [expected]


def test_two_digit_year_rule_does_not_depend_on_the_run_date():
    assert [two_digit_year(y) for y in (0, 26, 68, 69, 99)] == [2000, 2026, 2068, 1969, 1999]


def test_two_digit_years_are_noted(tmp_path):
    _, report = load_corpus(_csv(tmp_path, ["8/29/18", "9/1/18", "2018-09-02"]))
    (note,) = [n for n in report.notes if "two-digit year" in n]
    assert "2 dates such as '8/29/18'" in note and "00-68 read as 2000-2068" in note


def test_each_distinct_value_is_read_once_with_the_same_result_as_one_by_one():
    values = pd.Series(["8/29/18", "now", None, "8/29/18", "0001-11-30", "5 Mar 2024", "now"])
    dates, problems = read_dates(values, day_first=False)
    alone = [read_dates(pd.Series([v]), day_first=False) for v in values]
    assert _iso(dates) == [_iso(d)[0] for d, _ in alone]
    assert sorted(problems) == [1, 4, 6]


def _score(argv):
    from analysis.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, err.getvalue()


@pytest.mark.parametrize("extra", [(), ("--chunk-size", "7")])
def test_score_on_a_corpus_with_every_broken_date_finishes_and_counts_them(tmp_path, extra):
    facts = write_corpus(tmp_path / "c.csv", n_outlets=12, seed=3, broken_share=0.3)
    code, err = _score(["score", facts["path"], "--out", tmp_path / "o", "--quiet", *extra])
    assert code == 0, err
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text(encoding="utf-8"))
    kinds = prov["load_report"]["issue_kinds"]
    n_bad = sum(v for k, v in kinds.items() if k.startswith("date_"))
    assert n_bad == len(facts["broken_dates"])  # every planted broken date, no other
    issues = pd.read_csv(tmp_path / "o" / "load_report.csv")
    dated = issues[issues["action"] == "date set to unknown (NaT)"]
    assert len(dated) == n_bad
    documents = pd.read_csv(tmp_path / "o" / "documents.csv", keep_default_na=False)
    assert (documents["date"] == "").sum() == n_bad


def test_every_planted_broken_date_is_missing_and_every_good_one_read(tmp_path):
    facts = write_corpus(tmp_path / "c.jsonl", n_outlets=20, seed=8, broken_share=0.25)
    corpus, _report = load_corpus(facts["path"])
    by_id = corpus.set_index("doc_id")["date"]
    broken = facts["broken_dates"]
    assert set(BROKEN_DATES) >= set(broken.values())
    assert by_id[list(broken)].isna().all()
    assert by_id.drop(list(broken)).notna().all()
    assert by_id.drop(list(broken)).dt.year.eq(2026).all()
