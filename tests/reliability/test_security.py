"""Security: nothing in a load path executes data; HTML outputs escape everything from data; output
paths never come from the data; a killed run never leaves a truncated or mixed set of outputs."""
from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis.outputs import COMPLETE_MARKER, atomic_folder, atomic_write_text, safe_child

PACKAGE = Path(__file__).resolve().parents[2] / "analysis"
OUTPUT_NAMES = ["matches.csv", "documents.csv", "summary.csv", "load_report.csv", "provenance.json",
                "attributions.csv", "attributions_provenance.json"]


# -- nothing is executed -------------------------------------------------------------------------------
def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
            yield node, owner, name


def test_no_unsafe_deserialisation_or_code_execution_in_the_package():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(m.split(".")[0] in ("pickle", "cPickle", "dill", "shelve", "marshal") for m in mods):
                    problems.append(f"{path}:{node.lineno}: imports {mods}")
        for node, owner, name in _calls(tree):
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            kwargs = {k.arg: k.value for k in node.keywords}
            if name in ("eval", "exec") and owner == "":
                problems.append(f"{where}: {name}()")
            if owner == "yaml" and name in ("load", "load_all", "unsafe_load", "full_load"):
                loader = kwargs.get("Loader")
                if not (isinstance(loader, ast.Attribute) and loader.attr in ("SafeLoader", "CSafeLoader")):
                    problems.append(f"{where}: yaml.{name} without SafeLoader")
            if owner in ("pickle", "joblib", "dill", "torch") and name in ("load", "loads"):
                problems.append(f"{where}: {owner}.{name}")
            if owner == "np" and name == "load" and not (
                    isinstance(kwargs.get("allow_pickle"), ast.Constant) and kwargs["allow_pickle"].value is False):
                problems.append(f"{where}: np.load without allow_pickle=False")
            if owner == "pd" and name == "read_pickle":
                problems.append(f"{where}: pd.read_pickle")
            if owner == "subprocess" or name in ("system", "popen"):
                shell = kwargs.get("shell")
                if (owner == "os" and name in ("system", "popen")) or (
                        isinstance(shell, ast.Constant) and shell.value is True):
                    problems.append(f"{where}: shell command")
    assert problems == []


# -- HTML outputs escape data --------------------------------------------------------------------------
HOSTILE = '<script>alert("x")</script> and <img src=x onerror="alert(1)"> may &amp; “quoted”'


def _assert_inert(html_text):
    low = html_text.lower()
    assert "<script" not in low and "<img" not in low and "onerror=\"alert" not in low, html_text[:500]


def test_highlight_escapes_article_entry_title_and_meta():
    highlight = pytest.importorskip("analysis.report.highlight")
    text = "Officials said " + HOSTILE + " it may rain."
    start = text.index("may rain")
    matches = pd.DataFrame({
        "doc_id": ["<img src=x onerror=alert(3)>"], "start": [start], "end": [start + 3],
        "category": ["hedging.modal"], "entry": ['<script>alert("entry")</script>'], "matched": ["may"],
        "voice": ["<img src=x onerror=alert(4)>"], "lexicon": ["<script>lex</script>"],
    })
    out = highlight.highlight_article(text, matches, title=HOSTILE, meta=HOSTILE)
    _assert_inert(out)
    assert "&lt;script&gt;" in out and "&lt;img src=x onerror=" in out
    _assert_inert(out._repr_html_())
    _assert_inert(highlight.html_page(out, title=HOSTILE).replace(str(out), ""))
    corpus = pd.DataFrame({"doc_id": ["<img src=x onerror=alert(3)>"], "outlet": [HOSTILE], "title": [HOSTILE],
                           "text": [text], "date": [pd.NaT]})
    _assert_inert(highlight.highlight_document("<img src=x onerror=alert(3)>", corpus, matches))
    _assert_inert(highlight.legend_html(["hedging.modal"]))


def test_concordance_escapes():
    explorer = pytest.importorskip("analysis.report.explorer")
    lines = pd.DataFrame({"doc_id": [HOSTILE], "left": [HOSTILE], "match": ["<img src=x onerror=alert(1)>"],
                          "right": [HOSTILE]})
    _assert_inert(explorer.concordance_html(lines))


def test_every_module_that_builds_html_escapes():
    """A module that emits HTML tags must import html.escape (or markupsafe): a cheap guard for new outputs."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        src = path.read_text(encoding="utf-8")
        if ("_repr_html_" in src or "<div" in src or "<span" in src or "<table" in src) and not (
                "html.escape" in src or "from html import escape" in src or "_esc(" in src or "markupsafe" in src):
            offenders.append(str(path.relative_to(PACKAGE.parent)))
    assert offenders == []


# -- output paths never come from the data -------------------------------------------------------------
@pytest.mark.parametrize("name", ["../x", "../../etc/x", "/etc/passwd", "a/../../x", "", ".", "..", "a/b/../../../x"])
def test_safe_child_refuses_names_outside_the_folder(tmp_path, name):
    with pytest.raises(ValueError, match="outside the output folder|refusing"):
        safe_child(tmp_path / "out", name)


def test_safe_child_refuses_symlinks_out_and_accepts_plain_names(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "link").symlink_to(tmp_path)
    with pytest.raises(ValueError):
        safe_child(out, "link/x")
    assert safe_child(out, "matches.csv") == (out / "matches.csv").resolve()
    assert safe_child(out, "sub/ok.csv") == (out / "sub" / "ok.csv").resolve()


def test_doc_ids_and_outlets_never_name_files(tmp_path, h):
    corpus = tmp_path / "in" / "c.csv"
    corpus.parent.mkdir()
    evil = ["../../etc/x", "/tmp/abs", "..\\\\..\\\\win", "a/../../b", "<script>x</script>", "CON", "nul\x00x"]
    pd.DataFrame({"doc_id": evil, "outlet": evil, "text": ["It may rain."] * len(evil)}).to_csv(corpus, index=False)
    before = {p for p in tmp_path.rglob("*")}
    code, _out, err = h.run_cli(["score", corpus, "--out", tmp_path / "out" / "run", "--quiet"])
    assert code == 0, err
    created = {p for p in tmp_path.rglob("*")} - before
    allowed = {tmp_path / "out", tmp_path / "out" / "run"} | {tmp_path / "out" / "run" / n for n in OUTPUT_NAMES}
    assert created <= allowed | {tmp_path / "out" / "run" / COMPLETE_MARKER}, created - allowed
    assert not Path("/tmp/abs").exists() or Path("/tmp/abs").stat().st_mtime < time.time() - 60


# -- atomic outputs -----------------------------------------------------------------------------------
def test_atomic_folder_keeps_the_previous_set_on_error(tmp_path):
    out = tmp_path / "out"
    with atomic_folder(out, replaceable=["a.csv", "b.csv"]) as tmp:
        atomic_write_text(tmp / "a.csv", "old a\n")
        atomic_write_text(tmp / "b.csv", "old b\n")
    with pytest.raises(RuntimeError), atomic_folder(out, replaceable=["a.csv", "b.csv"]) as tmp:
        atomic_write_text(tmp / "a.csv", "new a\n")
        raise RuntimeError("killed between two files")
    assert {p.name: p.read_text() for p in out.iterdir() if p.name != COMPLETE_MARKER} == {
        "a.csv": "old a\n", "b.csv": "old b\n"}
    assert json.loads((out / COMPLETE_MARKER).read_text())["files"] == ["a.csv", "b.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_atomic_folder_never_deletes_foreign_files(tmp_path):
    (tmp_path / "thesis.docx").write_text("years of work")
    with pytest.raises(ValueError, match="refusing to replace .*thesis.docx"), \
            atomic_folder(tmp_path, replaceable=OUTPUT_NAMES):
        pass
    assert (tmp_path / "thesis.docx").read_text() == "years of work"


_WRITER = """
import sys, time
from analysis.outputs import atomic_folder, atomic_write_text
out, tag = sys.argv[1], sys.argv[2]
with atomic_folder(out, replaceable=["a.txt", "b.txt", "c.txt"]) as tmp:
    for name in ("a.txt", "b.txt", "c.txt"):
        atomic_write_text(tmp / name, (tag + "\\n") * 200_000)
        print(name, flush=True)
        time.sleep(float(sys.argv[3]))
print("done", flush=True)
"""


@pytest.mark.parametrize("kill_after", ["b.txt"])
def test_atomic_folder_survives_sigkill(tmp_path, kill_after):
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-c", _WRITER, str(out), "old", "0"], check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(out), "new", "5"], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.strip() == kill_after:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    files = {p.name: p.read_text() for p in out.iterdir() if p.name != COMPLETE_MARKER}
    assert files == {"a.txt": "old\n" * 200_000, "b.txt": "old\n" * 200_000, "c.txt": "old\n" * 200_000}
    assert (out / COMPLETE_MARKER).is_file()


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")} if folder.exists() else {}


_KILLED = {}


def _killed_run(tmp_path_factory, h):
    """One experiment shared by the two tests below (scoring takes a while)."""
    if "result" not in _KILLED:
        _KILLED["result"] = _kill_score_run(tmp_path_factory.mktemp("kill"), h)
    return _KILLED["result"]


def _kill_score_run(tmp_path, h):
    """Score a small corpus, then SIGKILL a run on a big one right after its first output file changed."""
    small = tmp_path / "small.csv"
    pd.DataFrame({"doc_id": ["a", "b"], "text": ["It may rain.", "No."]}).to_csv(small, index=False)
    big = tmp_path / "big.csv"
    n = 8_000
    pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "outlet": [f"o{i % 7}" for i in range(n)],
                  "text": ["Officials said it may possibly rain, one official told CNN."] * n}).to_csv(big, index=False)
    out = tmp_path / "out"
    proc = h.run_cli_subprocess(["score", small, "--out", out, "--quiet"])
    assert proc.returncode == 0, proc.stderr
    previous = _snapshot(out)
    first = out / "matches.csv"
    stamp = first.stat().st_ino, first.stat().st_mtime_ns
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "score", str(big), "--out", str(out), "--quiet",
                             "--no-progress"], cwd=h.REPO, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            st = first.stat()
            if (st.st_ino, st.st_mtime_ns) != stamp:
                break
        except FileNotFoundError:  # the folder is being swapped
            break
        time.sleep(0.002)
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return previous, _snapshot(out), killed


@pytest.mark.slow
def test_killed_score_run_leaves_no_truncated_file(tmp_path_factory, h):
    previous, now, _killed = _killed_run(tmp_path_factory, h)
    for name, data in now.items():
        if data == previous.get(name):
            continue
        if name.endswith(".csv"):
            assert data.endswith(b"\n"), name
            pd.read_csv(__import__("io").BytesIO(data))  # parses completely
        else:
            json.loads(data)


@pytest.mark.slow
def test_killed_score_run_leaves_the_previous_set_or_a_complete_new_one(tmp_path_factory, h):
    previous, now, _killed = _killed_run(tmp_path_factory, h)  # killed or finished: the same must hold
    if now and now != previous:
        prov = json.loads(now["provenance.json"])
        docs = pd.read_csv(__import__("io").BytesIO(now["documents.csv"]))
        assert prov["corpus_documents"] == len(docs) == 8_000
        assert set(now) == set(OUTPUT_NAMES)
    else:
        assert now in (previous, {})
