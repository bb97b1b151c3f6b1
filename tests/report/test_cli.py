"""``python -m analysis figures``: every registered figure, byte-identical across runs, clean errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from analysis import paths
from analysis.lexicons.model import load_lexicon
from analysis.report.figures import FIGURES


def _run(out, *args, hashseed="0"):
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    return subprocess.run([sys.executable, "-m", "analysis", "figures", "--out", str(out), "--quiet", *args],
                          check=False, capture_output=True, text=True, timeout=900, env=env,
                          cwd=str(out.parent))


@pytest.fixture(scope="module")
def extended_lexicon(tmp_path_factory):
    base = load_lexicon("hedging")
    major, minor = (int(x) for x in base.version.split(".")[:2])
    lex = base.add_entries("hedging.possibility", ["not clear"], version=f"{major}.{minor + 1}.0")
    path = tmp_path_factory.mktemp("lexicons") / "hedging.toml"
    path.write_text(lex.to_toml(), encoding="utf-8")
    return path


@pytest.mark.checkout
@pytest.mark.slow
def test_two_runs_give_identical_files(tmp_path, extended_lexicon):
    args = ["--n-resamples", "100", "--compare-lexicon", str(extended_lexicon)]
    # two processes with different hash seeds: set and dict order must not leak into the files
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda a: _run(tmp_path / a[0], *args, hashseed=a[1]), [("a", "1"), ("b", "2")]))
    for proc in runs:
        assert proc.returncode == 0, proc.stderr
    files_a = sorted(p.name for p in (tmp_path / "a").iterdir() if not p.name.startswith("."))  # .complete: the set marker
    expected = sorted(f"{fid}.{ext}" for fid in FIGURES for ext in ("svg", "png", "json"))
    assert files_a == expected
    assert files_a == sorted(p.name for p in (tmp_path / "b").iterdir() if not p.name.startswith("."))
    for name in files_a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    prov = json.loads((tmp_path / "a" / "lexicon_version_shift.json").read_text(encoding="utf-8"))
    assert prov["compare_lexicon"]["name"] == "hedging" and prov["notebook"] == "04_extending_a_lexicon"
    assert {lx["name"] for lx in prov["lexicons"]} >= {"hedging", "sourcing"}
    assert prov["corpus_source"] == "articles.csv" and prov["n_resamples"] == 100


@pytest.mark.parametrize(
    "args, message",
    [
        (["--only", "no_such_figure"], "unknown figure id 'no_such_figure'"),
        (["--corpus", "/nonexistent/corpus.csv"], "no such file"),
        (["--n-resamples", "3"], "at least 50"),
        (["--compare-lexicon", "/nonexistent/x.toml"], "no such lexicon file"),
    ],
)
@pytest.mark.checkout
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    proc = _run(tmp_path / "out", *args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and message in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.checkout
def test_only_one_figure_and_skipped_version_shift(tmp_path):
    from analysis.report.run import make_figures

    messages = []
    written = make_figures(tmp_path, only=["term_decomposition", "lexicon_version_shift"], compare_lexicon="none",
                           n_resamples=50, log=messages.append)
    assert [p.name for p in written] == ["term_decomposition.svg", "term_decomposition.png",
                                         "term_decomposition.json"]
    assert any("lexicon_version_shift: skipped" in m for m in messages)


def test_events_file_must_have_date_and_label(tmp_path):
    from analysis.report.run import load_events

    bad = tmp_path / "events.csv"
    bad.write_text("when,what\n2026-01-01,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="date and label"):
        load_events(bad)


@pytest.mark.shared
@pytest.mark.slow
def test_polnear_corpus(shared_dir, tmp_path):
    polnear = shared_dir / "data" / "polnear"
    if not (polnear / "metadata.tsv").is_file():
        pytest.skip("PolNeAR is not in ../shared/data")
    from analysis.report.run import make_figures

    written = make_figures(tmp_path, polnear, only=["rates_by_outlet", "keyness"], n_resamples=100,
                           compare_lexicon="none")
    assert len(written) == 6
    prov = json.loads((tmp_path / "rates_by_outlet.json").read_text(encoding="utf-8"))
    assert prov["corpus_documents"] > 500 and prov["corpus_source"] == "polnear"
    assert paths.POLNEAR_DIR.name == "polnear"


def test_a_figure_without_data_is_skipped_not_a_stop(tmp_path):
    """Outlets of two articles each: no word is in three articles of an outlet, so keyness has nothing to
    draw. That figure is skipped and said so; the others are written."""
    from analysis.report.run import make_figures

    rows = [{"doc_id": f"d{i}", "outlet": f"Outlet {i % 4}", "date": f"2024-01-{i % 9 + 1:02d}",
             "text": f"Officials said attacks may come soon in region {i}. Critics warned it was likely."}
            for i in range(8)]
    corpus = tmp_path / "corpus.csv"
    pd.DataFrame(rows).to_csv(corpus, index=False)
    said = []
    written = make_figures(tmp_path / "figs", corpus, only=["rates_by_outlet", "keyness"], n_resamples=50,
                           log=said.append)
    assert sorted(p.name for p in written) == ["rates_by_outlet.json", "rates_by_outlet.png", "rates_by_outlet.svg"]
    assert any(m.startswith("  keyness: skipped (no outlet has a word in 3 or more of its articles") for m in said)
