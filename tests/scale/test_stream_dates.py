"""Streaming reads numeric dates as ``load_corpus`` does: one reading per date column, decided from the
whole column (a first pass over it), the same date notes, and ``dayfirst`` honoured.

The files here put the only date that decides the column (``13/02/2024`` can only be day first,
``02/13/2024`` only month first) in a late chunk, where a reader that decides from the chunk it
holds would have read the earlier chunks the other way.
"""
from __future__ import annotations

import filecmp
import json

import pandas as pd
import pytest

from analysis.cli import main
from analysis.scale import stream
from analysis.scale.stream import iter_corpus_chunks, score_stream
from analysis.text.corpus import CorpusError, LoadReport, load_corpus

from .conftest import LEXICON

N_ROWS = 40
CHUNK = 7


def _dates(scenario):
    """Ambiguous dates (both numbers 12 or less), a few ISO, empty and unreadable ones, and the deciding
    dates of ``scenario`` late in the column."""
    dates = [f"{i % 12 + 1:02d}/{(i + 5) % 12 + 1:02d}/2024" for i in range(N_ROWS)]
    dates[4], dates[9], dates[15] = "2024-03-05", "", "not a date"
    if scenario in ("late_day", "mixed"):
        dates[N_ROWS - 3] = "13/02/2024"  # in the last chunk
    if scenario in ("late_month", "mixed"):
        dates[N_ROWS - 9] = "02/13/2024"
    return dates


def _rows(scenario):
    return [{"doc_id": f"d{i:03d}", "date": d, "text": f"It may rain on day {i}."} for i, d in enumerate(_dates(scenario))]


def write(tmp_path, fmt, scenario):
    """The same rows as CSV, TSV, JSONL, Parquet (small row groups) or a folder of .txt files with
    metadata.csv (no outlet column anywhere: its note must come out the same too)."""
    rows = _rows(scenario)
    df = pd.DataFrame(rows)
    if fmt == "csv":
        path = tmp_path / "c.csv"
        df.to_csv(path, index=False)
    elif fmt == "tsv":
        path = tmp_path / "c.tsv"
        df.to_csv(path, index=False, sep="\t")
    elif fmt == "jsonl":
        path = tmp_path / "c.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken\n", encoding="utf-8")
    elif fmt == "parquet":
        path = tmp_path / "c.parquet"
        df.to_parquet(path, row_group_size=5)
    else:
        path = tmp_path / "txt"
        path.mkdir()
        for r in rows:
            (path / f"{r['doc_id']}.txt").write_text(r["text"], encoding="utf-8")
        df.drop(columns=["text"]).to_csv(path / "metadata.csv", index=False)
    return path


def _issues(report):
    return sorted((i.file, str(i.row), i.problem, i.action) for i in report.issues)


def _iso(corpus):
    return [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in corpus["date"]]


def _streamed(path, dayfirst, chunk_size=CHUNK):
    report = LoadReport(str(path))
    chunks = list(iter_corpus_chunks(path, chunk_size, report=report, dayfirst=dayfirst))
    return pd.concat([c.corpus for c in chunks], ignore_index=True), report


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet", "txt"])
@pytest.mark.parametrize("scenario", ["ambiguous", "late_day", "late_month", "mixed"])
@pytest.mark.parametrize("dayfirst", [None, True, False])
def test_streamed_dates_and_notes_equal_load_corpus(tmp_path, fmt, scenario, dayfirst):
    path = write(tmp_path, fmt, scenario)
    ref, ref_report = load_corpus(path, dayfirst=dayfirst)
    got, report = _streamed(path, dayfirst)
    pd.testing.assert_frame_equal(got, ref)
    assert report.notes == ref_report.notes  # same text, same order
    assert _issues(report) == _issues(ref_report)
    assert (report.n_read, report.n_loaded, report.n_skipped) == (ref_report.n_read, ref_report.n_loaded,
                                                                  ref_report.n_skipped)


def test_a_late_day_first_date_makes_every_chunk_day_first(tmp_path):
    path = write(tmp_path, "csv", "late_day")
    got, report = _streamed(path, None)
    # row 2 of the file (first chunk) is 01/06/2024: 1 June read day first, as the whole column says
    assert _iso(got)[:2] == ["2024-06-01", "2024-07-02"]
    (note,) = [n for n in report.notes if n.startswith("date column")]
    assert "dates read day first, because the date '13/02/2024' (row 39) can only be day first" in note
    assert "36 dates such as '01/06/2024' (rows 2, 3, 4, ...), which could be either, read the same way" in note


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_first_pass_in_small_batches_and_its_early_stop(tmp_path, monkeypatch, fmt):
    # batches of 3 cells: the mixed column is settled (month first) once both deciding dates are seen
    monkeypatch.setattr(stream, "DATE_PASS_BATCH", 3)
    for scenario in ("late_day", "mixed"):
        (tmp_path / scenario).mkdir()
        path = write(tmp_path / scenario, fmt, scenario)
        ref, ref_report = load_corpus(path)
        got, report = _streamed(path, None)
        pd.testing.assert_frame_equal(got, ref)
        assert report.notes == ref_report.notes


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_first_pass_stops_once_the_column_is_settled(tmp_path, monkeypatch, fmt):
    # a day-only and a month-only date in the first batch: month first whatever follows, so the pass
    # looks at no further batch; the result is still load_corpus's
    monkeypatch.setattr(stream, "DATE_PASS_BATCH", 4)
    calls = []
    add = stream._DatePass.add
    monkeypatch.setattr(stream._DatePass, "add", lambda self, *a: calls.append(1) or add(self, *a))
    rows = _rows("ambiguous")
    rows[0]["date"], rows[1]["date"] = "13/02/2024", "02/13/2024"
    path = tmp_path / f"c.{fmt}"
    if fmt == "csv":
        pd.DataFrame(rows).to_csv(path, index=False)
    else:
        pd.DataFrame(rows).to_parquet(path)
    ref, ref_report = load_corpus(path)
    got, report = _streamed(path, None)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(got, ref)
    assert report.notes == ref_report.notes
    assert "mixes dates that can only be day first" in report.notes[-1]


def test_a_column_that_changed_after_the_first_pass_is_an_error(tmp_path, monkeypatch):
    # the first pass found nothing deciding (as if the file was rewritten in between): say so, never
    # finish with chunks read two ways
    path = write(tmp_path, "csv", "late_day")
    monkeypatch.setattr(stream, "_decide_dates", lambda *a, **k: {"date": False})
    with pytest.raises(CorpusError, match=r"c\.csv: date column 'date': the first pass .* month first, but "):
        _streamed(path, None)


def test_malformed_csv_fails_before_any_chunk_is_scored(tmp_path):
    path = write(tmp_path, "csv", "ambiguous")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('d999,01/02/2024,"unterminated\n')
    scored = []
    with pytest.raises(CorpusError, match=r"c\.csv: line 42: malformed CSV quoting"):
        score_stream(path, tmp_path / "out", LEXICON, chunk_size=CHUNK, fmt="csv",
                     on_chunk=lambda i, s: scored.append(i))
    assert scored == []  # the first pass over the dates read the whole file first


def _cli(*argv):
    return main([str(a) for a in argv])


@pytest.mark.parametrize("flag", [[], ["--dayfirst"], ["--no-dayfirst"]])
def test_score_streamed_equals_in_memory_with_notes_saved(tmp_path, flag):
    path = write(tmp_path, "csv", "late_day")
    assert _cli("score", path, "--out", tmp_path / "mem", "--quiet", "--lexicon", LEXICON, *flag) == 0
    assert _cli("score", path, "--out", tmp_path / "st", "--quiet", "--lexicon", LEXICON, "--chunk-size", CHUNK,
                *flag) == 0
    for name in ("documents.csv", "matches.csv", "summary.csv", "load_report.csv", "provenance.json"):
        assert filecmp.cmp(tmp_path / "mem" / name, tmp_path / "st" / name, shallow=False), name
    docs = pd.read_csv(tmp_path / "st" / "documents.csv")
    first = {(): "2024-06-01", ("--dayfirst",): "2024-06-01", ("--no-dayfirst",): "2024-01-06"}[tuple(flag)]
    assert docs["date"].iloc[0] == first
    notes = json.loads((tmp_path / "st" / "provenance.json").read_text())["load_report"]["notes"]
    assert notes[0] == "no outlet column: outlet set to 'unknown'"
    assert notes[1].startswith("date column 'date': ")
    dayfirst = {(): None, ("--dayfirst",): True, ("--no-dayfirst",): False}[tuple(flag)]
    assert notes == load_corpus(path, dayfirst=dayfirst)[1].notes


def test_resume_with_another_dayfirst_starts_again(tmp_path):
    path = write(tmp_path, "csv", "ambiguous")
    out = tmp_path / "out"

    def stop(index, scored):
        if index == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_stream(path, out, LEXICON, chunk_size=CHUNK, fmt="csv", dayfirst=True, on_chunk=stop)
    res = score_stream(path, out, LEXICON, chunk_size=CHUNK, fmt="csv", resume=True)
    assert res.chunks_reused == 0  # the finished chunks were read day first: not reused
    docs = pd.read_csv(out / "documents.csv")
    assert docs["date"].iloc[0] == "2024-01-06"  # month first, as load_corpus reads this column


def test_stream_refuses_a_dayfirst_that_is_not_a_boolean(tmp_path):
    path = write(tmp_path, "csv", "ambiguous")
    with pytest.raises(ValueError, match="dayfirst must be True, False or None"):
        list(iter_corpus_chunks(path, CHUNK, dayfirst="yes"))


class _Bar:
    """What iter_corpus_chunks uses of a tqdm bar."""

    def __init__(self):
        self.desc, self.n, self.descs = "scoring", 0, []

    def update(self, k):
        self.n += k

    def reset(self):
        self.n = 0

    def set_description_str(self, desc):
        self.desc = desc
        self.descs.append(desc)


def test_the_first_pass_shows_on_the_progress_bar_and_hands_it_back(tmp_path):
    path = write(tmp_path, "csv", "late_day")
    bar = _Bar()
    list(iter_corpus_chunks(path, CHUNK, progress=bar))
    assert bar.descs == ["reading dates", "scoring"]
    assert bar.n == path.stat().st_size  # the scoring pass counted from zero again, up to the whole file
