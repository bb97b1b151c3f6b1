"""Notebook 02 runs top to bottom on a long-tailed corpus (issue 13 item 5): a real-shaped CSV with 40
outlets, about a third with one article, grouped by lean (clustered by outlet by default), with stories
and an explicit pair, under papermill."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from analysis import paths


@pytest.mark.slow
@pytest.mark.checkout  # the repository's notebooks/, not part of the package
def test_notebook_02_on_a_long_tailed_corpus(tmp_path):
    pytest.importorskip("papermill")
    from realshaped import write_corpus

    facts = write_corpus(tmp_path / "longtail.csv", n_outlets=40, seed=21, max_docs=10)
    assert len(facts["single_outlets"]) >= 10
    out = tmp_path / "out.ipynb"
    params = {"CORPUS": str(facts["path"]), "OUTPUT_DIR": str(tmp_path / "figures"), "N_RESAMPLES": 50,
              "BY": "lean", "PAIR": ["left", "right"], "MIN_DOCS": 1, "STORIES": True}
    cmd = [sys.executable, "-m", "papermill", str(paths.NOTEBOOKS_DIR / "02_comparing_outlets.ipynb"), str(out),
           "--cwd", str(paths.NOTEBOOKS_DIR), "-k", "python3", "--no-progress-bar", "-y", json.dumps(params)]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "clustered by outlet by default" in text
    assert "have a single document" not in text or "kept" in text
    for fid in ("rates_by_outlet", "term_decomposition", "keyness"):
        assert (tmp_path / "figures" / f"{fid}.png").is_file()
