"""Byte-compile the package before a benchmark times start-up.

A user's second run of a command imports every module from its cached bytecode (``__pycache__``). A
checkout whose modules were edited since their bytecode was written, or a machine that sets
``PYTHONDONTWRITEBYTECODE`` (this one does), compiles them again on every run: 38 modules of ``score``,
0.1 s of its CPU time. The benchmarks call :func:`compile_package` first so that they time what a user
repeating a command waits for.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "analysis"


def compile_package(python: str = sys.executable) -> None:
    """``python -m compileall -q analysis`` (writes the bytecode whatever ``PYTHONDONTWRITEBYTECODE`` says)."""
    subprocess.run([python, "-m", "compileall", "-q", str(PACKAGE)], check=True, stdout=subprocess.DEVNULL)
