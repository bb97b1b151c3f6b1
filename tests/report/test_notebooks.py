"""The notebooks: paired with their py:percent twins, stored without outputs, parameterised, and every one
executes headless on the sample corpus (papermill, one kernel per notebook, in parallel).

A smoke test opens notebook 1's highlighted article in headless Chromium (skipped when no browser is
installed; ``apt-get install -y chromium`` on Debian).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from analysis import paths

pytestmark = pytest.mark.checkout  # the repository's notebooks/, not part of the package

NOTEBOOKS = sorted(p.stem for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
OURS = ["01_reading_one_article", "02_comparing_outlets", "03_over_time", "04_extending_a_lexicon", "07_sourcing"]


def test_the_four_notebooks_exist():
    assert set(OURS) <= set(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_pair_in_sync(name):
    jupytext = pytest.importorskip("jupytext")
    ipynb = jupytext.read(paths.NOTEBOOKS_DIR / f"{name}.ipynb")
    twin = paths.NOTEBOOKS_DIR / f"{name}.py"
    assert twin.is_file(), f"{name}.ipynb has no py:percent twin"
    py = jupytext.read(twin)
    assert "py:percent" in ipynb.metadata.get("jupytext", {}).get("formats", ""), "pairing metadata missing"
    a = [(c.cell_type, c.source) for c in ipynb.cells]
    b = [(c.cell_type, c.source) for c in py.cells]
    assert a == b, f"{name}.ipynb and {name}.py differ: run `jupytext --sync notebooks/{name}.py`"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_outputs_stripped(name):
    nb = nbformat.read(paths.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "run nbstripout on the notebook"
    assert "widgets" not in nb.metadata, "saved widget state: strip it"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_nbstripout_verify(name):
    if shutil.which("nbstripout") is None and not (Path(sys.executable).parent / "nbstripout").exists():
        pytest.skip("nbstripout is not installed")
    exe = shutil.which("nbstripout") or str(Path(sys.executable).parent / "nbstripout")
    proc = subprocess.run([exe, "--verify", str(paths.NOTEBOOKS_DIR / f"{name}.ipynb")],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"run `nbstripout notebooks/{name}.ipynb`: {proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("name", OURS)
def test_first_code_cell_is_parameters_and_paths_come_from_the_library(name):
    nb = nbformat.read(paths.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    names = re.findall(r"^([A-Z_]+) = ", code[0].source, flags=re.MULTILINE)
    assert {"CORPUS", "OUTPUT_DIR"} <= set(names) and ({"LEXICONS", "LEXICON"} & set(names))
    source = "\n".join(c.source for c in code)
    for bad in ("../", "os.getcwd", "Path.cwd", "os.chdir", "Path(\"data", "'data/", "\"data/"):
        assert bad not in source, f"{name} builds a path from the working directory: {bad!r}"


# -- execution -------------------------------------------------------------------------------------
def _execute(name: str, out: Path, extra: dict) -> tuple[str, int, str]:
    params = {"OUTPUT_DIR": str(out / name), **extra}
    cmd = [sys.executable, "-m", "papermill", str(paths.NOTEBOOKS_DIR / f"{name}.ipynb"),
           str(out / f"{name}.ipynb"), "--cwd", str(paths.NOTEBOOKS_DIR), "-k", "python3",
           "--no-progress-bar"]
    for k, v in params.items():
        cmd += ["-p", k, v]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    return name, proc.returncode, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Run every notebook once on the sample corpus, in parallel; outputs go to a temporary folder."""
    pytest.importorskip("papermill")
    out = tmp_path_factory.mktemp("notebooks")
    extra = {"02_comparing_outlets": {"N_RESAMPLES": "100"}, "03_over_time": {"N_RESAMPLES": "100"},
             "04_extending_a_lexicon": {"LEXICON_DIR": str(out / "lexicons")}, "07_sourcing": {"N_RESAMPLES": "100"}}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: _execute(n, out, extra.get(n, {})), NOTEBOOKS))
    return out, {name: (rc, err) for name, rc, err in results}


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes_headless(executed, name):
    out, results = executed
    rc, err = results[name]
    assert rc == 0, f"{name} failed:\n{err}"
    nb = nbformat.read(out / f"{name}.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@pytest.mark.slow
def test_notebook_outputs(executed):
    out, _results = executed
    # notebook 1: the highlighted article is in the outputs and on disk
    nb1 = nbformat.read(out / "01_reading_one_article.ipynb", as_version=4)
    html_outputs = [o["data"]["text/html"] for c in nb1.cells for o in c.get("outputs", [])
                    if "data" in o and "text/html" in o["data"]]
    assert any("mfa-match" in h for h in html_outputs)
    assert any("mfa-attributions" in h and "mfa-source" in h for h in html_outputs)  # sources, cues, content
    assert (out / "01_reading_one_article" / "highlighted_article.html").is_file()
    # notebooks 2-4 save their figures with provenance
    for name, fid in [("02_comparing_outlets", "rates_by_outlet"), ("02_comparing_outlets", "keyness"),
                      ("03_over_time", "rates_over_time"), ("04_extending_a_lexicon", "lexicon_version_shift"),
                      ("07_sourcing", "sourcing_profile")]:
        prov = json.loads((out / name / f"{fid}.json").read_text(encoding="utf-8"))
        assert prov["figure_id"] == fid and len(prov["corpus_sha256"]) == 64
        assert (out / name / f"{fid}.png").stat().st_size > 1000
    nb2 = nbformat.read(out / "02_comparing_outlets.ipynb", as_version=4)
    assert any("image/png" in o.get("data", {}) for c in nb2.cells for o in c.get("outputs", []))
    # notebook 4 wrote the extended lexicon to the folder it was given, never into the package
    written = list((out / "lexicons").glob("*.toml"))
    assert [p.name for p in written] == ["hedging.toml"]
    from analysis.lexicons.model import load_lexicon

    assert load_lexicon(written[0]).version != load_lexicon("hedging").version


# -- a real browser ----------------------------------------------------------------------------------
def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("MFA_REQUIRE_BROWSER") == "1":
        pytest.fail("MFA_REQUIRE_BROWSER=1 but no chromium is installed (.ci/install-browser installs it)")
    return None


def _dump_dom(browser: str, page: Path, profile: Path) -> str:
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--dump-dom",
           page.resolve().as_uri()]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.slow
def test_highlighted_article_in_headless_chromium(executed, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium installed (Debian: apt-get install -y chromium)")
    out, _ = executed
    page = out / "01_reading_one_article" / "highlighted_article.html"
    dom = _dump_dom(browser, page, tmp_path / "profile")
    assert 'class="mfa-article"' in dom and dom.count("<mark") >= 5
    assert 'class="mfa-legend"' in dom and 'class="mfa-footnotes"' in dom


def test_hostile_article_does_not_run_in_chromium(tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium installed (Debian: apt-get install -y chromium)")
    import pandas as pd

    from analysis.report.highlight import highlight_article, html_page

    text = ("It may rain. <script>document.body.setAttribute('data-pwned', '1')</script> "
            "<img src=x onerror=\"document.body.setAttribute('data-pwned', '2')\">")
    m = pd.DataFrame({"start": [3], "end": [6], "category": ["hedging.modal"],
                      "entry": ["<img src=y onerror=\"document.body.setAttribute('data-pwned', '3')\">"]})
    page = tmp_path / "hostile.html"
    page.write_text(html_page(highlight_article(text, m)), encoding="utf-8")
    dom = _dump_dom(browser, page, tmp_path / "profile")
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]  # no script or handler ran
    assert "&lt;script&gt;" in dom and "<mark" in dom
