"""A real browser: JupyterLab in headless Chromium runs notebook 1 and a person's clicks drive the explorer.

The test starts a JupyterLab server on 127.0.0.1 (random port and token) over a copy of notebook 1,
opens it in headless Chromium, runs every cell from JupyterLab's own "run all" command, then picks an
outlet and a category in the explorer's dropdowns the way a person does (selecting an option fires the
browser's change event, the widget sends it to the kernel) and reads what appears: concordance lines of
that category and outlet, and the highlighted article with its ``<mark>`` elements.

Chromium is driven through its DevTools protocol (websocket-client, already a dependency of Jupyter's
server); no chromedriver is needed. Without Chromium the test skips, unless ``MFA_REQUIRE_BROWSER=1``
(set by ``.ci/run``, which installs Debian's ``chromium``), when it fails.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from analysis import paths

pytestmark = [pytest.mark.slow, pytest.mark.checkout]  # the repository's notebooks/, not part of the package
NOTEBOOK = "01_reading_one_article"


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _need_browser() -> str:
    found = _browser()
    if found is None:
        if os.environ.get("MFA_REQUIRE_BROWSER") == "1":
            pytest.fail("MFA_REQUIRE_BROWSER=1 but no chromium is installed (.ci/install-browser installs it)")
        pytest.skip("no chromium installed (Debian: apt-get install -y chromium)")
    pytest.importorskip("websocket")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str, interval: float = 0.5):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


class Page:
    """The few DevTools calls the test needs: evaluate JavaScript in one tab."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def js(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise AssertionError(f"javascript failed: {res['exceptionDetails']}")
        return res.get("result", {}).get("value")

    def close(self):
        self.ws.close()


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server over a folder holding a copy of notebook 1 (the repository stays untouched)."""
    pytest.importorskip("jupyterlab")
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copy(paths.NOTEBOOKS_DIR / f"{NOTEBOOK}.ipynb", work / f"{NOTEBOOK}.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jcfg"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "jrt"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "jws"), "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}", "--allow-root", "--LabApp.expose_app_in_browser=True",
           "--ServerApp.open_browser=False", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        _wait(up, 90, "the JupyterLab server")
        yield base, token, work
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def browser(tmp_path):
    exe = _need_browser()
    profile = tmp_path / "profile"
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--disable-background-networking", "--disable-extensions", "--remote-debugging-port=0",
           "--remote-debugging-address=127.0.0.1", f"--user-data-dir={profile}", "--window-size=1400,1000",
           "about:blank"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        _wait(lambda: port_file.is_file() and port_file.read_text().strip(), 60, "chromium's DevTools port")
        port = int(port_file.read_text().split()[0])
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _open(devtools: str, url: str) -> Page:
    req = urllib.request.Request(f"{devtools}/json/new?{url}", method="PUT")
    with urllib.request.urlopen(req, timeout=30) as r:
        target = json.loads(r.read())
    return Page(target["webSocketDebuggerUrl"])


# JavaScript run in the page: pick an option of the explorer dropdown with this description, as a click does
_PICK = """
(() => {
  const boxes = [...document.querySelectorAll('.jp-OutputArea .widget-dropdown')];
  const box = boxes.find(b => (b.querySelector('label') || {}).textContent === %(label)s);
  if (!box) return 'no dropdown ' + %(label)s;
  const sel = box.querySelector('select');
  const opt = [...sel.options].find(o => %(pick)s);
  if (!opt) return 'no option in ' + [...sel.options].map(o => o.textContent).join('|');
  sel.value = opt.value;
  sel.dispatchEvent(new Event('change', {bubbles: true}));
  return 'picked ' + opt.textContent;
})()
"""


def test_explorer_in_jupyterlab(lab, browser):
    t0 = time.monotonic()
    base, token, _work = lab
    page = _open(browser, f"{base}/lab/tree/{NOTEBOOK}.ipynb?token={token}")
    try:
        _wait(lambda: page.js("!!(window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell'))"), 120,
              "JupyterLab and the notebook to load")
        _wait(lambda: page.js("(() => { const k = document.querySelector('.jp-Notebook-ExecutionIndicator');"
                              " return !!window.jupyterapp.shell.currentWidget"
                              " && window.jupyterapp.shell.currentWidget.sessionContext"
                              " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                              " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                              " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                              ".connectionStatus === 'connected'; })()"), 120, "the kernel")
        page.js("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # every code cell ran: no cell waits ("[*]") or is unrun, and the explorer's dropdowns are there
        done = ("(() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]"
                ".map(e => e.textContent.trim()); return p.length > 0 && p.every(t => /^\\[\\d+\\]:$/.test(t))"
                " && document.querySelectorAll('.jp-OutputArea .widget-dropdown select').length >= 3; })()")
        _wait(lambda: page.js(done), 240, "every cell to run and the explorer to appear")
        errors = page.js("document.querySelectorAll('.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"] .jp-RenderedText, .jp-OutputArea-output .ansi-red-fg').length")
        tracebacks = page.js("[...document.querySelectorAll('.jp-OutputArea-output')].filter(e => "
                             "/Traceback|Error:/.test(e.textContent) && e.querySelector('.ansi-red-fg')).length")
        assert tracebacks == 0, f"a cell failed ({errors} stderr outputs)"
        # a person picks an outlet, then a category
        outlet = page.js(_PICK % {"label": json.dumps("outlet"), "pick": "!o.textContent.startsWith('(')"})
        assert outlet.startswith("picked "), outlet
        outlet = outlet.removeprefix("picked ").replace("\xa0", " ")  # the widget shows spaces as no-break spaces
        time.sleep(1.0)
        category = page.js(_PICK % {"label": json.dumps("category"),
                                    "pick": "o.textContent.startsWith('hedging')"})
        assert category.startswith("picked "), category
        category = category.removeprefix("picked ").replace("\xa0", " ")

        def shown():
            return page.js("""(() => {
              const k = document.querySelector('.jp-OutputArea .mfa-kwic');
              const a = document.querySelector('.jp-OutputArea .widget-html .mfa-article');
              const s = document.querySelector('.jp-OutputArea .mfa-status');
              if (!k || !a || !s) return null;
              return {rows: k.querySelectorAll('tr').length, kwic: k.textContent, status: s.textContent,
                      marks: a.querySelectorAll('mark').length,
                      cats: [...a.querySelectorAll('mark')].map(m => m.className + ' ' + (m.title || '')),
                      article: a.textContent.slice(0, 400)};
            })()""")

        # what the page must show for that choice, computed here from the library
        from analysis.measure.scoring import score
        from analysis.text.corpus import load_corpus

        corpus, _ = load_corpus(paths.SAMPLE_CORPUS)
        res = score(corpus)
        m = res.matches[(res.matches["outlet"] == outlet) & (res.matches["category"] == category)]
        assert len(m) > 0, (outlet, category)
        expected_rows = min(len(m), 40)  # one concordance line per match, at most 40 shown

        # the page has caught up with both picks: the status line names them, the concordance has their
        # lines, and the article (a separate widget, updated after the concordance) marks the category;
        # waiting on the concordance alone raced the article's update
        status = f"{len(m)} matches of {category} · (any entry) · {outlet}"

        def updated():
            s = shown()
            return (s if s and s["status"].replace("\xa0", " ").strip() == status
                    and s["rows"] == expected_rows and any(category in c for c in s["cats"]) else None)

        state = _wait(updated, 60, f"{expected_rows} concordance lines and the article for {outlet!r} / {category!r}")
        shown_ids = {d for d in m["doc_id"] if d in state["kwic"]}
        other_ids = set(corpus.loc[corpus["outlet"] != outlet, "doc_id"])
        assert shown_ids, state["kwic"][:300]
        assert not {d for d in other_ids if d in state["kwic"]}, "concordance lines of another outlet"
        # the highlighted article is one of that outlet's articles, with the category among its marks
        titles = corpus.loc[corpus["outlet"] == outlet, "title"].astype(str)
        assert any(t[:40] in state["article"].replace("\xa0", " ") for t in titles), state["article"][:200]
        assert not (paths.NOTEBOOKS_DIR / "outputs").exists()
    finally:
        page.close()
    assert time.monotonic() - t0 < 240
