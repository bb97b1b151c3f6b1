"""Tables a person reads: a compact terminal summary, and the same table as Markdown or LaTeX for a paper.

:func:`compact_summary` turns the long ``summary`` table of ``score`` (one row per outlet and category)
into categories x the largest outlets, at most ``top`` columns wide, and says how many outlets it left
to ``summary.csv``. :func:`format_table` writes any small table as plain text, GitHub Markdown or a
LaTeX ``tabular`` (booktabs rules); both escape what their format treats as markup, so an outlet called
``A|B`` or ``R&D_News`` cannot break the table.
"""
from __future__ import annotations

import pandas as pd

__all__ = ["TABLE_FORMATS", "compact_summary", "format_table", "table_suffix"]

TABLE_FORMATS = ("text", "markdown", "latex")
_SUFFIX = {"text": ".txt", "markdown": ".md", "latex": ".tex"}


def table_suffix(fmt: str) -> str:
    """File suffix of a table format (``markdown`` -> ``.md``)."""
    if fmt not in _SUFFIX:
        raise ValueError(f"unknown table format {fmt!r}; use one of {', '.join(TABLE_FORMATS)}")
    return _SUFFIX[fmt]


def _cut(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def compact_summary(summary: pd.DataFrame, top: int = 6, value: str = "rate_per_1k", name_width: int = 16,
                    with_intervals: bool = False) -> tuple[pd.DataFrame, str]:
    """Categories (rows) x the ``top`` outlets with most documents (columns), and a line on the rest.

    Parameters
    ----------
    summary : DataFrame
        ``score``'s summary: ``outlet, category, documents`` and ``value`` (``rate_low``/``rate_high``
        too for ``with_intervals``).
    top : int
        Outlet columns shown; the others are named in the returned note (they are all in summary.csv).
    value : str
        The number shown in each cell (rounded to 2 decimals).
    name_width : int
        Outlet names longer than this are cut with ``…`` (the full name is in summary.csv).
    with_intervals : bool
        Cells read ``12.30 [10.10, 14.20]``.

    Returns
    -------
    (DataFrame, str)
        The table (strings; a last row ``(documents)``) and a note ("" when every outlet is shown).

    Examples
    --------
    >>> s = pd.DataFrame({"outlet": ["A", "B", "C"] * 2, "category": ["x"] * 3 + ["y"] * 3,
    ...                   "documents": [5, 9, 1] * 2, "rate_per_1k": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    >>> table, note = compact_summary(s, top=2)
    >>> list(table.columns), note
    (['B', 'A'], '1 more outlet (1 document) not shown: every outlet is in summary.csv')
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    missing = [c for c in ("outlet", "category", "documents", value) if c not in summary.columns]
    if missing:
        raise ValueError(f"summary needs column(s) {missing}")
    s = summary.assign(outlet=summary["outlet"].astype(str))
    sizes = s.groupby("outlet")["documents"].max()
    order = sorted(sizes.index, key=lambda o: (-int(sizes[o]), o))
    shown, rest = order[:top], order[top:]
    sub = s[s["outlet"].isin(shown)]

    def cell(r) -> str:
        v = r[value]
        if pd.isna(v):
            return "–"
        text = f"{float(v):.2f}"
        if with_intervals and "rate_low" in r and pd.notna(r["rate_low"]):
            text += f" [{float(r['rate_low']):.2f}, {float(r['rate_high']):.2f}]"
        return text

    cells = sub.assign(_cell=[cell(r) for _, r in sub.iterrows()])
    cats = list(dict.fromkeys(s["category"].astype(str)))
    table = cells.pivot(index="category", columns="outlet", values="_cell").reindex(index=cats, columns=shown)
    table = table.fillna("–")
    table.loc["(documents)"] = [str(int(sizes[o])) for o in shown]
    names = [_cut(o, name_width) for o in shown]
    if len(set(names)) < len(names):  # two long names cut to the same text: keep them apart
        names = [f"{n} ({i + 1})" for i, n in enumerate(names)]
    table.columns = names
    table.index.name = "category"
    note = ""
    if rest:
        docs = int(sizes[rest].sum())
        note = (f"{len(rest)} more outlet{'s' if len(rest) != 1 else ''} ({docs} document{'s' if docs != 1 else ''}) "
                "not shown: every outlet is in summary.csv")
    return table, note


def _md(text) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
          "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "–": "--",
          "…": r"\ldots{}"}


def _tex(text) -> str:
    return "".join(_LATEX.get(ch, ch) for ch in " ".join(str(text).split()))


def format_table(table: pd.DataFrame, fmt: str = "text", caption: str | None = None, index: bool = True) -> str:
    """``table`` as plain text, GitHub Markdown or a LaTeX ``tabular`` (booktabs), ending with a newline.

    Parameters
    ----------
    table : DataFrame
        A small table (every cell is written with ``str``).
    fmt : {"text", "markdown", "latex"}
    caption : str, optional
        Markdown: a line above the table; LaTeX: a ``% caption`` comment line (put the tabular in your own
        ``table`` float).
    index : bool
        Write the index as the first column.

    Examples
    --------
    >>> t = pd.DataFrame({"R&D": ["1.5"]}, index=pd.Index(["a|b"], name="category"))
    >>> print(format_table(t, "markdown"), end="")
    | category | R&D |
    | --- | ---: |
    | a\\|b | 1.5 |
    >>> print(format_table(t, "latex").splitlines()[2])
    category & R\\&D \\\\
    """
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"unknown table format {fmt!r}; use one of {', '.join(TABLE_FORMATS)}")
    t = table.reset_index() if index else table
    header = [str(c) for c in t.columns]
    rows = [[str(v) for v in r] for r in t.itertuples(index=False)]
    if fmt == "text":
        with pd.option_context("display.width", 200, "display.max_columns", 60, "display.max_colwidth", 40):
            return (f"{caption}\n" if caption else "") + table.to_string(index=index) + "\n"
    if fmt == "markdown":
        align = ["---"] + ["---:"] * (len(header) - 1) if index else ["---:"] * len(header)
        lines = [f"{caption}", ""] if caption else []
        lines.append("| " + " | ".join(_md(h) for h in header) + " |")
        lines.append("| " + " | ".join(align) + " |")
        lines += ["| " + " | ".join(_md(v) for v in r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    spec = ("l" + "r" * (len(header) - 1)) if index else "r" * len(header)
    lines = [f"% {_tex(caption)}"] if caption else []
    lines += [f"\\begin{{tabular}}{{{spec}}}", "\\toprule", " & ".join(_tex(h) for h in header) + r" \\",
              "\\midrule"]
    lines += [" & ".join(_tex(v) for v in r) + r" \\" for r in rows]
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"
