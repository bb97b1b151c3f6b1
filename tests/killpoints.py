"""Kill points for the output-set tests: fork, trace lines, exit at line k (no heavy imports: the
kill loop forks hundreds of times in a small process)."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def snapshot(folder: Path):
    """Every entry under ``folder`` with its bytes (None when the folder does not exist)."""
    if not os.path.lexists(folder):
        return None
    return {str(p.relative_to(folder)): (b"<folder>" if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


def siblings(folder: Path):
    return sorted(p.name for p in folder.parent.iterdir() if p.name != folder.name)


def killed_at(k: int, fn, watched=("analysis/outputs.py",)) -> tuple[int, int]:
    """Fork; the child runs ``fn()`` and exits with status 99 at the k-th watched line.

    Returns (exit status, lines a child that was not killed executed)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        count = [0]

        def tracer(frame, event, arg):
            if not frame.f_code.co_filename.endswith(watched):
                return None
            if event == "line":
                count[0] += 1
                if count[0] == k:
                    os._exit(99)
            return tracer

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        code = 98
        try:
            sys.settrace(tracer)
            code = fn()
        finally:
            sys.settrace(None)
            os.write(write, str(count[0]).encode())
            os._exit(code or 0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    data = b""
    while chunk := os.read(read, 64):
        data += chunk
    os.close(read)
    return os.waitstatus_to_exitcode(status), int(data or 0)


