"""Output sets under misuse: a kill at every line of the write path, two runs at once, foreign folders,
symlinked and read-only targets, permissions (issue 16 item 1, issue 20 item 2).

Kills are tested two ways. (1) Real kills: the test process forks, the child writes an output set
with a trace function that counts every line executed in :mod:`analysis.outputs` and calls
``os._exit`` at line ``k``; the parent checks that the folder holds exactly the previous set or
exactly the new one, and that the next run completes and removes what the killed one left, for
every ``k`` up to the number of lines a complete write executes. (2) Every instant of a whole
command: a kill leaves on disk exactly what the process had written when it died (nothing runs
after SIGKILL or ``os._exit``), so one ``score`` run traced line by line, with the output folder
read before each line of the watched modules (``analysis.outputs``, ``analysis.csvsafe``, the
command module, the streaming module), sees every state a kill could leave; each must be the old set
or the new one. A few real kills of whole commands (evenly spaced) check the recovery.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pandas as pd
import pytest
from killpoints import killed_at as _killed_at
from killpoints import siblings as _siblings
from killpoints import snapshot as _snapshot

from analysis.cli import main
from analysis.outputs import COMPLETE_MARKER, OutputSetError, lock_path, output_set

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill tests fork")

LEXICON = "hedging"
WATCHED = ("analysis/outputs.py", "analysis/csvsafe.py", "analysis/cli/score.py", "analysis/scale/stream.py")


def _corpus(path: Path, n: int, tag: str) -> Path:
    pd.DataFrame({"doc_id": [f"{tag}{i}" for i in range(n)], "outlet": [f"o{i % 3}" for i in range(n)],
                  "text": [f"{tag} officials said it may possibly rain, sources suggest." for _ in range(n)]}
                 ).to_csv(path, index=False)
    return path


_KILL_LOOP = r"""
import json, os, shutil, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from killpoints import killed_at as _killed_at, siblings as _siblings, snapshot as _snapshot
from analysis.outputs import atomic_write_text, output_set

def write_set(out, tag):
    def fn():
        with output_set(out, "demo") as tmp:
            for name in ("a.csv", "b.csv", "c.json"):
                atomic_write_text(tmp / name, f"{tag} {name}\n" * 50)
        return 0
    return fn

root = Path(sys.argv[1])
report = {}
for first in (True, False):
    out = root / f"first-{first}" / "out"
    out.parent.mkdir()
    saved = out.parent / "saved"
    if not first:
        write_set(out, "old")()
        shutil.copytree(out, saved)
    code, total = _killed_at(10**9, write_set(out, "new"))
    new = _snapshot(out)
    res = report[str(first)] = {"total": total, "code": code, "old": 0, "new": 0, "bad": [], "left": []}
    for k in range(1, total + 1):
        shutil.rmtree(out, ignore_errors=True)
        if not first:
            shutil.copytree(saved, out)  # the previous complete set, as it was
        old = _snapshot(out)
        code, _ = _killed_at(k, write_set(out, "new"))
        now = _snapshot(out)
        if code != 99 or now not in (old, new):
            res["bad"].append([k, code, sorted(now or [])])
        res["old" if now == old else "new"] += 1
        write_set(out, "again")()  # the next run succeeds whatever was left, and cleans up
        left = [n for n in _siblings(out) if n != "saved"]
        if left:
            res["left"].append([k, left])
print(json.dumps(report))
"""


def test_real_kill_at_every_line_of_output_set(tmp_path):
    """A real kill at each line of the protocol, with and without a previous set (in a small process:
    forking the test process itself would take minutes)."""
    import subprocess

    proc = subprocess.run([sys.executable, "-c", _KILL_LOOP, str(tmp_path), str(Path(__file__).parents[1])],
                          check=False, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    for first, res in report.items():
        assert res["code"] == 0 and res["total"] > 40, res
        assert not res["bad"], (first, res["bad"][:3])
        assert not res["left"], (first, res["left"][:3])
        assert res["old"] + res["new"] == res["total"]
        assert res["new"] > 0 and res["old"] > 0, res  # kills fell on both sides of the swap


def _every_instant(tmp_path, extra_args, real_kills=6):
    old_corpus = _corpus(tmp_path / "old.csv", 6, "old")
    new_corpus = _corpus(tmp_path / "new.csv", 9, "new")
    out = tmp_path / "out"
    base = ["--out", str(out), "--lexicon", LEXICON, "--quiet", "--no-progress", *extra_args]
    assert main(["score", str(new_corpus), *base]) == 0
    new = _snapshot(out)
    assert main(["score", str(old_corpus), *base]) == 0
    old = _snapshot(out)
    saved = tmp_path / "saved-old"
    shutil.copytree(out, saved)
    seen = {"old": 0, "new": 0}
    bad = []

    def tracer(frame, event, arg):
        if not frame.f_code.co_filename.endswith(WATCHED):
            return None
        if event == "line":
            now = _snapshot(out)
            if now == old:
                seen["old"] += 1
            elif now == new:
                seen["new"] += 1
            else:
                bad.append((frame.f_code.co_filename, frame.f_lineno, sorted(now or [])))
        return tracer

    sys.settrace(tracer)
    try:
        code = main(["score", str(new_corpus), *base])
    finally:
        sys.settrace(None)
    assert code == 0
    assert not bad, bad[:3]
    assert seen["old"] > 50 and seen["new"] > 0, seen
    # real kills of the whole command at evenly spaced lines of the write path; the next run recovers
    shutil.rmtree(out)
    shutil.copytree(saved, out)
    code, total = _killed_at(10**9, lambda: main(["score", str(new_corpus), *base]))
    assert code == 0
    for k in range(total // real_kills, total + 1, total // real_kills):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(saved, out)
        code, _ = _killed_at(k, lambda: main(["score", str(new_corpus), *base]))
        assert code == 99 and _snapshot(out) in (old, new), k
    assert main(["score", str(new_corpus), *base]) == 0
    assert _snapshot(out) == new
    assert _siblings(out) == ["new.csv", "old.csv", "saved-old"], _siblings(out)
    return seen


def test_every_instant_of_an_in_memory_score_shows_the_old_or_the_new_set(tmp_path):
    _every_instant(tmp_path, ["--format", "csv"])


def test_every_instant_of_a_streamed_score_shows_the_old_or_the_new_set(tmp_path):
    _every_instant(tmp_path, ["--format", "csv", "--chunk-size", "4"])


# -- two runs, foreign folders, symlinks, read-only ---------------------------------------------------
def test_a_second_run_on_a_locked_folder_refuses_and_changes_nothing(tmp_path, capsys):
    corpus = _corpus(tmp_path / "c.csv", 5, "a")
    out = tmp_path / "out"
    assert main(["score", str(corpus), "--out", str(out), "--quiet"]) == 0
    before = _snapshot(out)
    with output_set(out, "score"):  # a first run, still writing
        for extra in ([], ["--chunk-size", "2"]):
            assert main(["score", str(corpus), "--out", str(out), "--quiet", *extra]) == 2
            err = capsys.readouterr().err
            assert err.startswith("error: another run is writing") and err.count("\n") == 1, err
            assert f"(process {os.getpid()})" in err
        assert _snapshot(out) == before
    assert not lock_path(out).exists()  # a finished run removes its lock file


def test_streamed_run_never_deletes_user_files(tmp_path, capsys):
    corpus = _corpus(tmp_path / "c.csv", 5, "a")
    out = tmp_path / "out"
    (out / ".partial").mkdir(parents=True)
    (out / ".partial" / "notes.txt").write_text("mine")
    (out / "matches.csv").write_text("my own matches\n")
    before = _snapshot(out)
    assert main(["score", str(corpus), "--out", str(out), "--chunk-size", "2", "--quiet"]) == 2
    assert "refusing to replace" in capsys.readouterr().err
    assert _snapshot(out) == before and (out / ".partial" / "notes.txt").read_text() == "mine"


def test_another_commands_outputs_are_refused(tmp_path, capsys):
    corpus = _corpus(tmp_path / "c.csv", 5, "a")
    out = tmp_path / "out"
    with output_set(out, "compare") as tmp:
        (tmp / "rates.csv").write_text("x\n")
    assert main(["score", str(corpus), "--out", str(out), "--quiet"]) == 2
    assert "holds the outputs of `compare`, not `score`" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [COMPLETE_MARKER, "rates.csv"]


def test_a_file_added_to_a_previous_set_is_kept_and_the_run_refused(tmp_path, capsys):
    corpus = _corpus(tmp_path / "c.csv", 5, "a")
    out = tmp_path / "out"
    assert main(["score", str(corpus), "--out", str(out), "--quiet"]) == 0
    (out / "my_notes.txt").write_text("keep me")
    assert main(["score", str(corpus), "--out", str(out), "--quiet"]) == 2
    assert "my_notes.txt" in capsys.readouterr().err
    assert (out / "my_notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("stream", [False, True])
def test_symlinked_out_is_followed_and_kept(tmp_path, stream):
    corpus = _corpus(tmp_path / "c.csv", 5, "a")
    real = tmp_path / "disk" / "results"
    real.mkdir(parents=True)
    link = tmp_path / "out"
    link.symlink_to(real, target_is_directory=True)
    extra = ["--chunk-size", "2"] if stream else []
    for _ in range(2):  # first into the empty folder, then over the previous set
        assert main(["score", str(corpus), "--out", str(link), "--quiet", *extra]) == 0
        assert link.is_symlink() and os.readlink(link) == str(real)
        assert (real / "provenance.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "disk", "out"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["results"]


def test_read_only_out_is_refused_untouched(tmp_path, capsys):
    corpus = _corpus(tmp_path / "c.csv", 5, "a")
    out = tmp_path / "out"
    assert main(["score", str(corpus), "--out", str(out), "--quiet"]) == 0
    before = _snapshot(out)
    out.chmod(0o555)
    try:
        for extra in ([], ["--chunk-size", "2"]):
            assert main(["score", str(corpus), "--out", str(out), "--quiet", *extra]) == 2
            err = capsys.readouterr().err
            assert "is read-only (mode 0555)" in err and err.count("\n") == 1, err
    finally:
        out.chmod(0o755)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "out"]


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    corpus = _corpus(tmp_path / "c.csv", 5, "a")
    (tmp_path / "out").write_text("a file")
    assert main(["score", str(corpus), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert (tmp_path / "out").read_text() == "a file"


def test_leftover_staging_folders_are_removed_only_when_ours(tmp_path):
    out = tmp_path / "out"
    ours = tmp_path / ".out.abc123.partial"
    ours.mkdir()
    (ours / ".building").write_text("{}")
    theirs = tmp_path / ".out.mine.partial"
    theirs.mkdir()
    (theirs / "thesis.docx").write_text("years of work")
    with output_set(out, "demo") as tmp:
        (tmp / "a.txt").write_text("x")
    assert not ours.exists()
    assert (theirs / "thesis.docx").read_text() == "years of work"


def test_figures_out_is_an_output_set(tmp_path, capsys):
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs" / "thesis.docx").write_text("years of work")
    assert main(["figures", "--out", str(tmp_path / "figs"), "--only", "rates_by_outlet", "--quiet"]) == 2
    assert "refusing to replace" in capsys.readouterr().err


def test_output_set_refuses_unknown_folder_content_before_any_work(tmp_path):
    (tmp_path / "x.csv").write_text("mine")
    with pytest.raises(OutputSetError, match="holds files this command did not write"), \
            output_set(tmp_path, "score"):
        pytest.fail("the body must not run")


# -- permissions ---------------------------------------------------------------------------------------
@pytest.fixture
def umask():
    def set_mask(mask):
        os.umask(mask)

    old = os.umask(0o022)
    yield set_mask
    os.umask(old)


def _modes(root: Path):
    out = {}
    for p in [root, *sorted(root.rglob("*"))]:
        out[str(p.relative_to(root))] = stat.S_IMODE(p.stat().st_mode)
    return out


@pytest.mark.parametrize("mask,file_mode,dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
@pytest.mark.parametrize("extra", [[], ["--chunk-size", "2"], ["--format", "parquet"]])
def test_score_outputs_get_the_umask_permissions(tmp_path, umask, mask, file_mode, dir_mode, extra):
    corpus = _corpus(tmp_path / "c.csv", 5, "a")
    umask(mask)
    out = tmp_path / "out"
    assert main(["score", str(corpus), "--out", str(out), "--quiet", *extra]) == 0
    modes = _modes(out)
    assert modes.pop(".") == dir_mode
    assert set(modes.values()) == {file_mode}, modes


def test_every_writing_command_gets_the_umask_permissions(tmp_path, umask):
    corpus = _corpus(tmp_path / "c.csv", 12, "a")
    umask(0o022)
    scored = tmp_path / "scored"
    assert main(["score", str(corpus), "--out", str(scored), "--quiet"]) == 0
    assert main(["compare", str(scored), "--corpus", str(corpus), "--out", str(tmp_path / "cmp"),
                 "--n-resamples", "20", "--quiet"]) == 0
    assert main(["code", "sample", str(corpus), "--out", str(tmp_path / "sheet.csv"), "--nonmatch", "2"]) == 0
    lexicon = tmp_path / "lex.dic"
    lexicon.write_text("%\n1\tposemo\n%\nhappy*\t1\n", encoding="utf-8")
    assert main(["lexicon", "convert", str(lexicon), str(tmp_path / "lex.toml"), "--quiet"]) == 0
    modes = _modes(tmp_path)
    for name, mode in modes.items():
        if name == "." or name.endswith(".csv") and "/" not in name and name.startswith("c."):
            continue
        path = tmp_path / name
        want = 0o755 if path.is_dir() else 0o644
        assert mode == want, (name, oct(mode))
    assert json.loads((scored / COMPLETE_MARKER).read_text())["command"] == "score"
    assert json.loads((tmp_path / "cmp" / COMPLETE_MARKER).read_text())["command"] == "compare"


def test_fallback_swap_without_rename_exchange_and_its_repair(tmp_path, monkeypatch):
    """Where ``renameat2`` is missing the swap is two renames; a run killed between them (the target
    absent, the previous set in ``.NAME.XXXX.old``) is repaired by the next run."""
    from analysis import outputs

    monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    for tag in ("old", "new"):
        with output_set(out, "demo") as tmp:
            (tmp / "a.csv").write_text(tag)
    assert (out / "a.csv").read_text() == "new" and _siblings(out) == []
    # the state a kill between the two renames leaves
    os.rename(out, tmp_path / ".out.k1ll3d.old")
    with pytest.raises(RuntimeError), output_set(out, "demo"):
        assert (out / "a.csv").read_text() == "new"  # put back before anything else happens
        raise RuntimeError("this run fails too")
    assert (out / "a.csv").read_text() == "new" and _siblings(out) == []


def test_the_current_folder_is_never_an_output_set(tmp_path, monkeypatch, capsys):
    corpus = _corpus(tmp_path / "c.csv", 5, "a")
    work = tmp_path / "empty"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["score", str(corpus), "--out", ".", "--quiet"]) == 2
    assert "is the current folder" in capsys.readouterr().err
    assert main(["score", str(corpus), "--out", "results", "--quiet"]) == 0
    assert (work / "results" / "provenance.json").is_file()
