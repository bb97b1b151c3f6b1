"""Selection and readable tables on the command line: score, compare and figures take the same options."""
from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest

from analysis import paths
from analysis.cli import main


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    out = tmp_path_factory.mktemp("sel") / "scored"
    rc, stdout, err = _cli("score", paths.SAMPLE_CORPUS, "--out", out, "--exclude-outlets", "Quillon Observer",
                           "--since", "2026-02-01", "--table-format", "markdown", "--summary-top", "3")
    assert rc == 0, err
    return out, stdout, err


def test_score_selects_and_records_it(scored):
    out, _stdout, err = scored
    docs = pd.read_csv(out / "documents.csv")
    corpus = pd.read_csv(paths.SAMPLE_CORPUS)
    expected = corpus[(corpus["outlet"] != "Quillon Observer") & (corpus["date"] >= "2026-02-01")]
    assert sorted(docs["doc_id"]) == sorted(expected["doc_id"])
    sel = json.loads((out / "provenance.json").read_text(encoding="utf-8"))["selection"]
    assert sel["exclude_outlets"] == ["Quillon Observer"] and sel["since"] == "2026-02-01"
    assert sel["rows_before"] == len(corpus) and sel["rows_after"] == len(expected)
    assert sel["removed"]["exclude_outlets"] == 14
    assert f"selection: {len(expected)} of {len(corpus)} documents kept" in err


def test_score_prints_a_compact_markdown_table_and_writes_it(scored):
    out, stdout, _err = scored
    lines = stdout.splitlines()
    header = next(line for line in lines if line.startswith("| category |"))
    assert header.count("|") == 5  # category + the 3 largest outlets
    assert "1 more outlet (" in stdout and "summary.csv" in stdout
    assert (out / "summary_table.md").read_text(encoding="utf-8").count("| hedging |") == 1
    assert max(len(line) for line in lines) < 160


def test_compare_selects_on_the_scored_documents(scored, tmp_path):
    out, _, _ = scored
    rc, _stdout, err = _cli("compare", out, "--out", tmp_path / "cmp", "--until", "2026-03-01",
                            "--outlets", "Halvard Dispatch", "Brackwater Ledger", "--n-resamples", "20",
                            "--categories", "hedging", "--quiet")
    assert rc == 0, err
    rates = pd.read_csv(tmp_path / "cmp" / "rates.csv")
    assert set(rates["outlet"]) == {"Halvard Dispatch", "Brackwater Ledger"}
    prov = json.loads((tmp_path / "cmp" / "provenance.json").read_text(encoding="utf-8"))
    assert prov["compare"]["selection"]["until"] == "2026-03-01"
    assert prov["selection"]["since"] == "2026-02-01"  # what score selected is carried along


def test_unknown_outlet_is_one_line_error(tmp_path):
    rc, _, err = _cli("score", paths.SAMPLE_CORPUS, "--out", tmp_path / "x", "--outlets", "Halvard Dispach")
    assert rc == 2 and err.strip().splitlines() == [
        "error: outlets: 'Halvard Dispach' is not a value of column 'outlet'; did you mean 'Halvard Dispatch'?"]
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_figures_select_and_record(tmp_path):
    rc, _, err = _cli("figures", "--out", tmp_path, "--only", "rates_by_outlet", "--n-resamples", "50",
                      "--pair", "Halvard Dispatch", "Brackwater Ledger", "--quiet")
    assert rc == 0, err
    prov = json.loads((tmp_path / "rates_by_outlet.json").read_text(encoding="utf-8"))
    assert prov["selection"]["pair"] == ["Halvard Dispatch", "Brackwater Ledger"]
    assert prov["selection"]["rows_after"] == 26


def test_compare_prints_the_largest_groups_as_latex(scored, tmp_path):
    out, _, _ = scored
    rc, stdout, err = _cli("compare", out, "--out", tmp_path / "cmp", "--n-resamples", "20", "--categories",
                           "hedging", "--table-format", "latex", "--summary-top", "2")
    assert rc == 0, err
    body = stdout[stdout.index("\\begin{tabular}"):stdout.index("\\end{tabular}")]
    assert body.count(" \\\\") == 3  # header and the two largest groups
    assert "2 more groups not shown" in stdout
