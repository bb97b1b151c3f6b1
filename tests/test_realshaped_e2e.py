"""Proof on a real-shaped corpus: every CLI command and every notebook, top to bottom, as a user would.

The corpus (tests/realshaped.py) has a long tail of outlets (a third with one article), mixed and broken
dates, extra columns (lean, country, topic, url), HTML entities, every kind of quote and awkward outlet
names. Each step checks what a user would look at: nothing lost or doubled, every outlet kept, selection
recorded, outputs complete, tracked files untouched. Small corpus and few resamples keep it fast.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.cli import main
from analysis.csvsafe import unescape_frame


def _read(path) -> pd.DataFrame:
    """A CSV the project wrote, read back as a user's spreadsheet-safe reader would (escapes reversed)."""
    return unescape_frame(pd.read_csv(path, keep_default_na=False, dtype=str))

pytestmark = [pytest.mark.slow, pytest.mark.checkout]  # the repository's notebooks/, not part of the package


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    assert rc == 0, f"{argv[0]} failed: {err.getvalue()[-2000:]}"
    return out.getvalue(), err.getvalue()


def _tracked_digest() -> str:
    """Hash of the files a run must never change: data/, the notebooks, the committed figures."""
    h = hashlib.sha256()
    for folder in (paths.DATA_DIR, paths.NOTEBOOKS_DIR, paths.FIGURES_DIR):
        for p in sorted(folder.rglob("*")):
            if p.is_file() and ".ipynb_checkpoints" not in p.parts:
                h.update(str(p.relative_to(paths.PROJECT_ROOT)).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from realshaped import write_corpus

    root = tmp_path_factory.mktemp("e2e")
    facts = write_corpus(root / "corpus.csv", n_outlets=24, seed=11, max_docs=8, sentences=(3, 5))
    return root, facts, _tracked_digest()


@pytest.fixture(scope="module")
def scored(world):
    root, facts, _ = world
    out, err = _cli("score", facts["path"], "--out", root / "scored", "--table-format", "latex", "--no-progress")
    return root / "scored", out, err


def test_score_keeps_every_row_and_outlet(world, scored):
    _root, facts, _ = world
    folder, out, _err = scored
    docs = _read(folder / "documents.csv")
    assert len(docs) == facts["n_rows"] and docs["doc_id"].is_unique
    assert docs["outlet"].value_counts().to_dict() == facts["outlet_docs"]
    meta = _read(folder / "metadata.csv")
    assert {"lean", "country", "topic", "url"} <= set(meta.columns)
    report = pd.read_csv(folder / "load_report.csv", keep_default_na=False)
    assert len(report) >= len(facts["broken_dates"])  # every broken date is reported, none aborts the run
    # the terminal summary stays readable: 6 outlets, the other 24 said to be in summary.csv
    assert "18 more outlets" in out and max(len(line) for line in out.splitlines()) < 200
    assert (folder / "summary_table.tex").read_text(encoding="utf-8").startswith("% Matches per 1,000")


def test_score_selection_by_lean(world):
    root, facts, _ = world
    _cli("score", facts["path"], "--out", root / "left", "--outlets", "left", "--by", "lean", "--quiet")
    docs = _read(root / "left" / "documents.csv")
    expected = sum(n for o, n in facts["outlet_docs"].items() if facts["outlet_lean"][o] == "left")
    assert len(docs) == expected
    prov = json.loads((root / "left" / "provenance.json").read_text(encoding="utf-8"))
    assert prov["selection"]["by"] == "lean" and prov["selection"]["rows_after"] == expected


def test_compare_by_outlet_and_by_lean(world, scored):
    root, facts, _ = world
    folder, _, _ = scored
    _cli("compare", folder, "--out", root / "cmp", "--corpus", facts["path"], "--n-resamples", "20",
         "--categories", "hedging", "--quiet")
    rates = _read(root / "cmp" / "rates.csv")
    assert set(rates["outlet"]) == set(facts["outlet_docs"])  # one-article outlets kept
    _cli("compare", folder, "--out", root / "cmp_lean", "--by", "lean", "--n-resamples", "20",
         "--categories", "hedging", "--since", "2020-01-01", "--quiet")
    rates = pd.read_csv(root / "cmp_lean" / "rates.csv")
    assert set(rates["lean"]) <= {"left", "centre", "right"}


def test_figures_on_the_long_tail(world):
    root, facts, _ = world
    _cli("figures", "--corpus", facts["path"], "--out", root / "figs", "--n-resamples", "50", "--top", "10",
         "--only", "rates_by_outlet", "--only", "rates_over_time", "--only", "term_decomposition", "--quiet")
    prov = json.loads((root / "figs" / "rates_by_outlet.json").read_text(encoding="utf-8"))
    assert prov["groups"] == {"drawn": 10, "summarised": 14, "rule": prov["groups"]["rule"]}
    for fid in ("rates_by_outlet", "rates_over_time", "term_decomposition"):
        assert (root / "figs" / f"{fid}.png").stat().st_size > 5000


def test_lexicon_commands(world):
    root, _, _ = world
    _cli("lexicon", "validate", "hedging")
    out, _ = _cli("lexicon", "show", "hedging")
    assert "hedging" in out
    _cli("lexicon", "convert", "hedging", root / "hedging.dic", "--approximate", "--quiet")
    assert (root / "hedging.dic").stat().st_size > 100


@pytest.fixture(scope="module")
def coded_sheet(world):
    """A two-coder sheet from `code sample --coders 2`, filled by two simulated coders who disagree at times."""
    from analysis.validate.coding import read_coded, write_coding_sheet

    root, facts, _ = world
    _cli("code", "sample", facts["path"], "--out", root / "sheet.csv", "--lexicon", "hedging",
         "--n-per-stratum", "2", "--strata", "outlet,category", "--coders", "2", "--nonmatch", "20")
    sheet = read_coded(root / "sheet.csv", allow_blank=True)
    rng = np.random.default_rng(3)
    first = (rng.random(len(sheet)) < 0.8).astype(int)
    second = np.where(rng.random(len(sheet)) < 0.85, first, 1 - first)
    sheet["code_1"], sheet["code_2"] = first, second
    sheet.loc[sheet["kind"] == "nonmatch", ["code_1", "code_2"]] = 0
    write_coding_sheet(sheet, root / "coded.csv")
    return root / "coded.csv"


def test_code_evaluate_and_evaluate_gold(world, coded_sheet):
    from analysis.text.corpus import load_corpus
    from analysis.validate.coding import coded_to_gold, read_coded

    root, facts, _ = world
    out, _ = _cli("code", "evaluate", coded_sheet, "--json")
    result = json.loads(out.strip().splitlines()[-1])
    agree = result["agreement"]["all"]
    assert agree["n_items"] > 10 and 0 < agree["cohen_kappa"] < 1 and agree["coders"] == ["code_1", "code_2"]
    corpus, _ = load_corpus(facts["path"])
    gold = coded_to_gold(read_coded(coded_sheet), corpus)
    gold[["text", "label"]].rename(columns={"text": "sentence"}).to_csv(root / "gold.csv", index=False)
    out, _ = _cli("evaluate", root / "gold.csv", "--format", "csv", "--lexicon", "hedging", "--json")
    scores = json.loads(out.strip().splitlines()[-1])
    assert 0 <= scores["f1"] <= 1 and scores["n_sentences"] == len(gold)


def _papermill(name: str, out, params: dict) -> tuple[str, int, str]:
    cmd = [sys.executable, "-m", "papermill", str(paths.NOTEBOOKS_DIR / f"{name}.ipynb"),
           str(out / f"{name}.ipynb"), "--cwd", str(paths.NOTEBOOKS_DIR), "-k", "python3", "--no-progress-bar"]
    for k, v in params.items():
        cmd += ["-p", k, str(v)]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    return name, proc.returncode, proc.stderr[-3000:]


def test_every_notebook_runs_on_the_real_shaped_corpus(world, coded_sheet):
    pytest.importorskip("papermill")
    root, facts, before = world
    out = root / "notebooks"
    out.mkdir()
    corpus = str(facts["path"])
    names = sorted(p.stem for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    params = {name: {"CORPUS": corpus, "OUTPUT_DIR": str(out / name)} for name in names}
    extra = {"02_comparing_outlets": {"N_RESAMPLES": 20}, "03_over_time": {"N_RESAMPLES": 20, "SINCE": "2020-01-01"},
             "04_extending_a_lexicon": {"LEXICON_DIR": str(out / "lexicons")},
             "05_validating_against_hand_coding": {"CODED": str(coded_sheet)}}
    for name, more in extra.items():
        if name in params:
            params[name].update(more)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda n: _papermill(n, out, params[n]), names))
    failed = {n: err for n, rc, err in results if rc != 0}
    assert not failed, failed
    # 04 wrote its copy where it was told, with a new version; 05 read both coders
    from analysis.lexicons.model import load_lexicon

    assert load_lexicon(out / "lexicons" / "hedging.toml").version != load_lexicon("hedging").version
    nb5 = (out / "05_validating_against_hand_coding.ipynb").read_text(encoding="utf-8")
    assert "code_2" in nb5 and "kappa" in nb5
    assert (out / "05_validating_against_hand_coding" / "corrected_rates.png").is_file()
    assert _tracked_digest() == before  # nothing tracked was touched by any command or notebook


def test_notebook_05_refuses_a_sheet_of_another_corpus(world):
    """The bundled sheet (coded on the sample corpus) against the real-shaped corpus: refused, and said why."""
    from analysis.text.corpus import load_corpus
    from analysis.validate.coding import check_sheet_corpus, read_coded

    _root, facts, _ = world
    corpus, _ = load_corpus(facts["path"])
    sample_sheet = paths.DATA_DIR / "coding" / "sample_hedging_coded.csv"
    with pytest.raises(ValueError, match="drawn from another corpus; draw a sheet from this corpus"):
        check_sheet_corpus(read_coded(sample_sheet), corpus, sample_sheet.name)


def test_articles_without_full_stops(tmp_path):
    """Three articles of 20,000 words without a full stop (transcripts, lists, scraped text): score,
    compare and the sourcing figure run, keep every row, and the attribution table grows with the
    text (each content span within a piece of MAX_SENTENCE_TOKENS tokens), not with its square: before
    the pieces such an article gave every cue a content span to its end, gigabytes for one article."""
    from realshaped import write_corpus

    from analysis.measure.attribution import MAX_SENTENCE_TOKENS, TOKEN_RE

    facts = write_corpus(tmp_path / "c.jsonl", n_outlets=12, seed=5, max_docs=5, sentences=(3, 5), long_texts=3)
    corpus_bytes = (tmp_path / "c.jsonl").stat().st_size
    _cli("score", facts["path"], "--out", tmp_path / "s", "--quiet")
    att = _read(tmp_path / "s" / "attributions.csv")
    long = att[att["doc_id"].isin(facts["long_ids"])]
    assert set(long["doc_id"]) == set(facts["long_ids"]) and len(long) > 1000
    assert max(len(TOKEN_RE.findall(c)) for c in long["content"]) <= MAX_SENTENCE_TOKENS
    assert (tmp_path / "s" / "attributions.csv").stat().st_size < 40 * corpus_bytes
    assert len(_read(tmp_path / "s" / "documents.csv")) == facts["n_rows"]
    _cli("compare", tmp_path / "s", "--out", tmp_path / "cmp", "--corpus", facts["path"], "--by", "lean",
         "--n-resamples", "20", "--quiet")
    shares = pd.read_csv(tmp_path / "cmp" / "sourcing_shares.csv")
    assert shares["n_attributions"].max() >= len(long) // 3
    _cli("figures", "--corpus", facts["path"], "--out", tmp_path / "figs", "--n-resamples", "50",
         "--only", "sourcing_profile", "--quiet")
    assert (tmp_path / "figs" / "sourcing_profile.png").stat().st_size > 5000
