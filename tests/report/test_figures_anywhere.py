"""``python -m analysis figures`` with no --corpus reads the bundled sample wherever it runs: from a
checkout (``data/sample``) and from an installed wheel (its ``analysis/sample`` package data; .ci/run
runs this file against the wheel from a folder outside the source tree)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from analysis import paths
from analysis.provenance import corpus_sha256
from analysis.text.corpus import load_corpus


def test_the_sample_corpus_is_where_paths_says():
    assert paths.SAMPLE_CORPUS.is_file() and paths.SAMPLE_EVENTS.is_file()
    if not paths.IN_CHECKOUT:  # an installed package: its own copy, never the working directory's data/
        assert paths.SAMPLE_DIR == paths.PACKAGED_SAMPLE_DIR
        assert paths.PACKAGE_DIR in paths.SAMPLE_CORPUS.resolve().parents


def test_figures_without_a_corpus_from_an_empty_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MFA_PROJECT_ROOT"}
    run = subprocess.run([sys.executable, "-m", "analysis", "figures", "--out", "X", "--only", "rates_by_outlet",
                          "--only", "rates_over_time", "--n-resamples", "50", "--quiet"],
                         check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "X").iterdir() if not p.name.startswith(".")) == [
        f"{f}.{ext}" for f in ("rates_by_outlet", "rates_over_time") for ext in ("json", "png", "svg")]
    prov = json.loads((tmp_path / "X" / "rates_by_outlet.json").read_text(encoding="utf-8"))
    assert prov["corpus_documents"] == 65 and prov["corpus_source"] == "articles.csv"
    # the corpus hash is that of the copy paths resolves (the checkout's or the wheel's: the same bytes)
    assert prov["corpus_sha256"] == corpus_sha256(load_corpus(paths.SAMPLE_CORPUS)[0])
    # rates_over_time drew the sample's events, found beside the sample corpus
    over_time = json.loads((tmp_path / "X" / "rates_over_time.json").read_text(encoding="utf-8"))
    assert over_time["events_source"] == "events.csv"
