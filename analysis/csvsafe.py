"""Spreadsheet-safe CSV cells: a documented, reversible escaping of cells a spreadsheet would run.

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some versions, a tab or a carriage return) as a formula: a doc_id, outlet or concordance line such as
``=HYPERLINK("http://x", "click")`` would run when a researcher opens ``matches.csv``. Every CSV the
project writes therefore escapes such text cells by putting an apostrophe in front (``'=HYPERLINK(...``),
which spreadsheets show as the plain text and never evaluate. ``--no-csv-escape`` turns it off.

The escaping is reversible. A cell is escaped when it starts with a trigger character, or with one
or more apostrophes followed by a trigger character (so that ``'=x`` written by a user comes back as
``'=x``, not ``=x``); :func:`unescape_cell` removes exactly one leading apostrophe from a cell of that
shape and leaves every other cell alone (``'tis`` is never touched). Numbers are never escaped: a
negative number is a number column, not text. The project's readers of its own CSVs (``compare``
reading a scored folder, ``code evaluate`` reading a coding sheet) reverse it.

Examples
--------
>>> escape_cell("=SUM(A1:A3)"), escape_cell("'=x"), escape_cell("'tis"), escape_cell("plain")
("'=SUM(A1:A3)", "''=x", "'tis", 'plain')
>>> [unescape_cell(escape_cell(c)) for c in ["=1", "'=1", "-", "'tis", "@home"]]
['=1', "'=1", '-', "'tis", '@home']
"""
from __future__ import annotations

import re

__all__ = ["TRIGGERS", "escape_cell", "escape_frame", "needs_escape", "unescape_cell", "unescape_frame"]

TRIGGERS = "=+-@\t\r"
_ESCAPED = re.compile(r"'*[=+\-@\t\r]")  # what escape_cell prefixes with an apostrophe
_FIRST = frozenset(TRIGGERS + "'")


def needs_escape(cell: str) -> bool:
    """True when :func:`escape_cell` changes ``cell``."""
    return bool(cell) and cell[0] in _FIRST and _ESCAPED.match(cell) is not None


def escape_cell(cell):
    """``cell`` with a leading apostrophe if a spreadsheet would read it as a formula; non-strings unchanged."""
    if isinstance(cell, str) and needs_escape(cell):
        return "'" + cell
    return cell


def unescape_cell(cell):
    """Reverse :func:`escape_cell`: drop the apostrophe it added (non-strings and other cells unchanged)."""
    if isinstance(cell, str) and cell.startswith("'") and _ESCAPED.match(cell, 1) is not None:
        return cell[1:]
    return cell


def _is_text(s) -> bool:
    import pandas as pd

    return s.dtype == object or isinstance(s.dtype, pd.StringDtype)


def _text_columns(df):
    return [c for c in df.columns if _is_text(df[c])]


def escape_frame(df):
    """A copy of ``df`` with every text cell escaped (the same frame when nothing needs it).

    Vectorised: a column is scanned with one ``str`` operation on its first character and only the
    cells that start with a trigger or an apostrophe are tested further.
    """
    changed = {}
    for col in _text_columns(df):
        s = df[col]
        try:
            first = s.str[:1]
        except AttributeError:  # an object column without strings (dates, numbers)
            continue
        maybe = first.isin(_FIRST)
        if not maybe.any():
            continue
        cand = s[maybe]
        hit = cand.str.match(_ESCAPED.pattern).fillna(False).astype(bool)
        if hit.any():
            new = s.copy()
            idx = cand.index[hit.to_numpy()]
            new.loc[idx] = "'" + s.loc[idx]
            changed[col] = new
    if not changed:
        return df
    out = df.copy()
    for col, s in changed.items():
        out[col] = s
    return out


def unescape_frame(df, columns=None):
    """Reverse :func:`escape_frame` on ``columns`` (default: every text column), in place; returns ``df``."""
    for col in columns if columns is not None else _text_columns(df):
        if col not in df.columns:
            continue
        s = df[col]
        if not _is_text(s):
            continue
        try:
            mask = s.str.startswith("'")
        except AttributeError:
            continue
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            continue
        cand = s[mask]
        hit = cand.str[1:].str.match(_ESCAPED.pattern).fillna(False).astype(bool)
        if hit.any():
            idx = cand.index[hit.to_numpy()]
            s = s.copy()
            s.loc[idx] = s.loc[idx].str[1:]
            df[col] = s
    return df
