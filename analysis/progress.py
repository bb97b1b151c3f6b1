"""Progress bars for the command line: tqdm on stderr, only when someone is watching.

Library functions take an optional progress object with tqdm's ``update(n)`` (or a plain callable
taking ``n``) and never import tqdm themselves; the commands make one with :func:`bar`, which is
a real tqdm bar only when :func:`wanted` says so (not ``--quiet``, not ``--no-progress``, and stderr
is a terminal: a log file or a pipe gets no bar), and otherwise a silent stand-in with the same
methods. tqdm is imported only when a bar is shown.

Examples
--------
>>> with bar("writing", total=3, enabled=False) as b:
...     for _ in range(3):
...         b.update(1)
>>> b.n
3
"""
from __future__ import annotations

import sys

__all__ = ["Progress", "bar", "wanted"]


def wanted(quiet: bool = False, no_progress: bool = False, stream=None) -> bool:
    """True when a bar should be shown: not quiet, not turned off, and ``stream`` (stderr) is a terminal."""
    stream = sys.stderr if stream is None else stream
    if quiet or no_progress:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


class Progress:
    """A tqdm bar (``enabled``) or a silent counter with the same ``update``/``close``/``set_postfix_str``."""

    def __init__(self, desc: str, total=None, unit: str = "it", enabled: bool = True, unit_scale: bool = False):
        self.n = 0
        self._bar = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, mininterval=0.5,
                             file=sys.stderr, leave=False)

    def update(self, n: int = 1) -> None:
        self.n += n
        if self._bar is not None:
            self._bar.update(n)

    __call__ = update

    def set_postfix_str(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def bar(desc: str, total=None, unit: str = "it", *, enabled: bool, unit_scale: bool = False) -> Progress:
    """A :class:`Progress` for one step (``desc``: reading, scoring, near-duplicates, bootstrap, writing)."""
    return Progress(desc, total=total, unit=unit, enabled=enabled, unit_scale=unit_scale)
