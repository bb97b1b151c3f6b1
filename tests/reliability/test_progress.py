"""Progress bars (issue 19 item 7): on stderr only when it is a terminal, off with --quiet or
--no-progress, and tqdm is never imported by the library itself."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import pandas as pd
import pytest

from analysis.progress import bar, wanted


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_wanted_only_on_a_terminal_and_not_when_quiet():
    assert wanted(stream=_Tty())
    assert not wanted(stream=io.StringIO())  # a pipe or a log file
    assert not wanted(quiet=True, stream=_Tty())
    assert not wanted(no_progress=True, stream=_Tty())


def test_library_callbacks_advance_once_per_document():
    from analysis.measure.scoring import score

    texts = [f"It may rain {i}." for i in range(37)]
    with bar("scoring", total=len(texts), enabled=False) as b:
        res = score(texts, "hedging", progress=b)
    assert b.n == 37 and len(res.documents) == 37
    calls = []
    from analysis.compare.pipeline import run_all

    docs = res.documents.assign(outlet=["a", "b"] * 18 + ["a"])
    run_all((docs, res.matches.assign(outlet="a"), dict(res.provenance)), steps=["rates"], n_resamples=20,
            progress=calls.append)
    assert calls == [1]


def _corpus(path, n=250):
    pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "outlet": [f"o{i % 3}" for i in range(n)],
                  "text": ["Officials said it may possibly rain."] * n}).to_csv(path, index=False)
    return path


_RUN = ("import sys; from analysis.cli import main; code = main(sys.argv[1:]); "
        "print('tqdm' in sys.modules, file=sys.__stdout__); sys.exit(code)")


def test_no_bar_and_no_tqdm_import_when_stderr_is_not_a_terminal(tmp_path):
    proc = subprocess.run([sys.executable, "-c", _RUN, "score", str(_corpus(tmp_path / "c.csv")), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("False")  # tqdm never imported
    assert "%|" not in proc.stderr and "\r" not in proc.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("quiet", [False, True])
def test_bars_on_a_terminal_unless_quiet(tmp_path, quiet):
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a width
    argv = ["score", str(_corpus(tmp_path / "c.csv")), "--out", str(tmp_path / "out")] + (["--quiet"] if quiet else [])
    proc = subprocess.Popen([sys.executable, "-c", _RUN, *argv], stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    out, _ = proc.communicate(timeout=300)
    os.close(master)
    err = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, err
    if quiet:
        assert "scoring" not in err and out.decode().strip().endswith("False")
    else:
        for step in ("reading", "scoring", "attributions", "bootstrap", "writing"):
            assert step in err, err[-500:]
