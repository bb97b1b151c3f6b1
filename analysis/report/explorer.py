"""An interactive explorer for JupyterLab: pick outlet, category and entry; read the concordance and the article.

:class:`Explorer` wires ipywidgets dropdowns to :func:`analysis.compare.kwic` and
:func:`analysis.report.highlight.highlight_document`. All content is rendered into ``HTML`` widgets
from escaped strings, so the explorer builds, updates and can be tested without a browser or a
running kernel (``Explorer(...).select(outlet=..., category=..., entry=...)`` drives it from code);
in JupyterLab it is displayed by leaving it as the last expression of a cell.
"""
from __future__ import annotations

import html

import pandas as pd

from .highlight import highlight_document

__all__ = ["Explorer", "concordance_html"]

ALL = "(all outlets)"
ANY_ENTRY = "(any entry)"


def concordance_html(lines: pd.DataFrame, max_lines: int = 40) -> str:
    """An escaped HTML table of KWIC lines (``doc_id, left, match, right``), right-aligned left context.

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"doc_id": ["d"], "left": ["<b>"], "match": ["may"], "right": ["rain"]})
    >>> "&lt;b&gt;" in concordance_html(lines)
    True
    """
    if lines.empty:
        return '<div class="mfa-kwic" style="color:#555">no concordance lines</div>'
    rows = []
    for r in lines.head(max_lines).itertuples(index=False):
        rows.append(
            "<tr>"
            f'<td style="color:#777;font-size:0.8em;padding-right:0.8em">{html.escape(str(r.doc_id))}</td>'
            f'<td style="text-align:right;white-space:nowrap;overflow:hidden;max-width:28em">{html.escape(r.left[-90:])}</td>'
            f'<td style="font-weight:bold;white-space:nowrap;padding:0 0.4em">{html.escape(r.match)}</td>'
            f'<td style="white-space:nowrap;overflow:hidden;max-width:28em">{html.escape(r.right[:90])}</td>'
            "</tr>"
        )
    more = (f'<div style="color:#555;font-size:0.8em">{len(lines) - max_lines} more lines not shown</div>'
            if len(lines) > max_lines else "")
    return f'<table class="mfa-kwic" style="font-family:Georgia,serif;font-size:0.9em">{"".join(rows)}</table>{more}'


class Explorer:
    """Outlet, category and entry dropdowns -> concordance lines and one highlighted article.

    Parameters
    ----------
    corpus : DataFrame
        The Corpus table (``doc_id, outlet, text``; ``title``, ``date`` shown when present).
    matches : DataFrame
        The Matches table of the same corpus (``ScoreResult.matches``).
    max_lines : int
        Concordance lines shown at most.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole explorer; ``outlet``, ``category``, ``entry``, ``document`` (dropdowns),
        ``concordance`` and ``article`` (HTML widgets) are also attributes.

    Examples
    --------
    >>> import pandas as pd
    >>> corpus = pd.DataFrame({"doc_id": ["d1"], "outlet": ["X"], "text": ["It may rain."]})
    >>> m = pd.DataFrame({"doc_id": ["d1"], "outlet": ["X"], "category": ["hedging.modal"], "entry": ["may"],
    ...                   "matched": ["may"], "start": [3], "end": [6]})
    >>> ex = Explorer(corpus, m)
    >>> "mfa-match" in ex.article.value
    True
    """

    def __init__(self, corpus: pd.DataFrame, matches: pd.DataFrame, max_lines: int = 40):
        import ipywidgets as w

        for name, df, cols in (("corpus", corpus, ("doc_id", "outlet", "text")),
                               ("matches", matches, ("doc_id", "category", "entry", "start", "end"))):
            if not isinstance(df, pd.DataFrame):
                raise ValueError(f"{name} must be a DataFrame")  # noqa: TRY004 - bad input is a ValueError in this project
            missing = [c for c in cols if c not in df.columns]
            if missing:
                raise ValueError(f"{name} needs column(s) {missing}")
        if matches.empty:
            raise ValueError("there are no matches to explore")
        self.corpus = corpus
        self.matches = matches if "outlet" in matches.columns else matches.merge(
            corpus[["doc_id", "outlet"]], on="doc_id", how="left")
        self.max_lines = max_lines
        outlets = sorted(self.matches["outlet"].astype(str).unique())
        self.outlet = w.Dropdown(options=[ALL, *outlets], value=ALL, description="outlet")
        self.category = w.Dropdown(options=[], description="category")
        self.entry = w.Dropdown(options=[], description="entry")
        self.document = w.Dropdown(options=[], description="document")
        self.concordance = w.HTML()
        self.article = w.HTML()
        self.status = w.HTML()
        self._busy = False
        self._refresh_categories()
        self.outlet.observe(lambda _: self._refresh_categories(), names="value")
        self.category.observe(lambda _: self._refresh_entries(), names="value")
        self.entry.observe(lambda _: self._refresh_lines(), names="value")
        self.document.observe(lambda _: self._refresh_article(), names="value")
        self.widget = w.VBox([
            w.HBox([self.outlet, self.category, self.entry]),
            self.status,
            self.concordance,
            self.document,
            self.article,
        ])

    # ipywidgets displays the VBox; in a plain console, the repr says what it is
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _subset(self) -> pd.DataFrame:
        m = self.matches
        if self.outlet.value != ALL:
            m = m[m["outlet"].astype(str) == self.outlet.value]
        return m

    def _refresh_categories(self):
        cats = sorted(self._subset()["category"].astype(str).unique())
        keep = self.category.value if self.category.value in cats else (cats[0] if cats else None)
        self._busy = True
        self.category.options = cats
        self.category.value = keep
        self._busy = False
        self._refresh_entries()

    def _refresh_entries(self):
        if self._busy:
            return
        m = self._subset()
        m = m[m["category"].astype(str) == str(self.category.value)]
        counts = m["entry"].astype(str).value_counts()
        entries = [ANY_ENTRY] + sorted(counts.index, key=lambda e: (-counts[e], e))
        keep = self.entry.value if self.entry.value in entries else ANY_ENTRY
        self._busy = True
        self.entry.options = entries
        self.entry.value = keep
        self._busy = False
        self._refresh_lines()

    def _lines(self) -> pd.DataFrame:
        from ..compare import kwic

        m = self._subset()
        m = m[m["category"].astype(str) == str(self.category.value)]
        if self.entry.value not in (None, ANY_ENTRY):
            m = m[m["entry"].astype(str) == self.entry.value]
        if m.empty:
            return pd.DataFrame(columns=["doc_id", "left", "match", "right"])
        return kwic(m, self.corpus)

    def _refresh_lines(self):
        if self._busy:
            return
        lines = self._lines()
        self.status.value = (f'<div class="mfa-status" style="color:#555;font-size:0.85em">{len(lines)} matches of '
                             f"{html.escape(str(self.category.value))} · {html.escape(str(self.entry.value))}"
                             f" · {html.escape(str(self.outlet.value))}</div>")
        self.concordance.value = concordance_html(lines, self.max_lines)
        docs = list(dict.fromkeys(lines["doc_id"].astype(str)))
        keep = self.document.value if self.document.value in docs else (docs[0] if docs else None)
        self._busy = True
        self.document.options = docs
        self.document.value = keep
        self._busy = False
        self._refresh_article()

    def _refresh_article(self):
        if self._busy:
            return
        if self.document.value is None:
            self.article.value = ""
            return
        self.article.value = str(highlight_document(self.document.value, self.corpus, self.matches,
                                                    element_id="mfa-explorer-article"))

    def select(self, outlet: str | None = None, category: str | None = None, entry: str | None = None,
               document: str | None = None) -> Explorer:
        """Set the dropdowns from code (what a click does in JupyterLab); returns self."""
        for widget, value in ((self.outlet, outlet), (self.category, category), (self.entry, entry),
                              (self.document, document)):
            if value is None:
                continue
            if value not in widget.options:
                raise ValueError(f"{value!r} is not one of the {widget.description} options: {list(widget.options)[:10]}")
            widget.value = value
        return self
