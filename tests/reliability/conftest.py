"""Helpers for the reliability suite: write bad inputs, run the CLI in-process, check the accounting.

Every corpus test ends with :func:`check_accounting`: no input row is ever lost, so
``report.n_read == len(corpus) + report.n_skipped`` whatever the input.
"""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def check_accounting(corpus, report):
    """The accounting identity, plus: every skipped row is listed with a file and a row."""
    assert report.n_read == len(corpus) + report.n_skipped, report.summary()
    assert report.n_loaded == len(corpus)
    for issue in report.issues:
        assert issue.file and issue.row not in (None, ""), issue
    if len(corpus):
        assert corpus["doc_id"].is_unique
        assert corpus["text"].map(lambda t: isinstance(t, str) and t.strip() != "").all()
        assert list(corpus.columns[:5]) == ["doc_id", "outlet", "date", "title", "text"]


def run_cli(argv):
    """Run ``python -m analysis`` in-process; returns (exit status, stdout, stderr).

    An exception that escapes ``main`` is a traceback for the user: it propagates and fails the test.
    """
    from analysis.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse errors
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def run_cli_subprocess(argv, timeout=120, **kw):
    """Run ``python -m analysis`` in a fresh interpreter (what a user sees, tracebacks included)."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([PYTHON, "-m", "analysis", *map(str, argv)], check=False, capture_output=True,
                          text=True, cwd=REPO, timeout=timeout, env=env, **kw)


def assert_one_line_error(code, stderr, *needles):
    """Exit status 2 and exactly one stderr line, starting ``error:``, naming what went wrong."""
    assert code == 2, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture
def h():
    """The helpers above as one namespace (test modules cannot import conftest under importlib mode)."""
    from types import SimpleNamespace

    return SimpleNamespace(check_accounting=check_accounting, run_cli=run_cli,
                           run_cli_subprocess=run_cli_subprocess,
                           assert_one_line_error=assert_one_line_error, REPO=REPO, PYTHON=PYTHON)


@pytest.fixture
def write(tmp_path):
    """``write(name, data)`` -> path of a new file in a fresh folder (bytes or str, str as UTF-8)."""

    def _write(name, data):
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return p

    return _write
