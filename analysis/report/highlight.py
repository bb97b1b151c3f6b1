"""One article as HTML with every match highlighted in place, for reading the evidence behind a number.

:func:`highlight_article` takes an article's text and its rows of the Matches table and returns an
HTML fragment: the text with each match marked in its category's colour, a ``title`` attribute
(shown on hover) naming category, entry and voice, a numbered footnote after each match, a legend and
the footnote list. Everything that comes from data (article text, title, entries, categories, matched
text, outlet) passes through :func:`html.escape`, so an article containing ``<script>`` shows the
characters and runs nothing. The fragment uses inline styles only, so it renders the same in
JupyterLab, in a saved page and in an e-mail.

Overlapping matches from different categories (``no specific indications`` is evidential absence,
``indications`` inside it is also a hedge) are **split, not nested**: the text is cut at every match
boundary, and each piece becomes one ``<mark>`` listing every match that covers it. A piece covered
by one match has that category's background; a piece covered by several has diagonal stripes in each
of their colours and a title listing all of them. Every footnote marker follows the last piece of its
match. Splitting keeps the markup flat (no overlapping tags, which HTML cannot express) and shows
exactly which characters each category claims.
"""
from __future__ import annotations

import html
import itertools
from collections.abc import Mapping

import pandas as pd

from .style import category_colors

__all__ = ["HighlightedHTML", "highlight_article", "highlight_attributions", "highlight_document", "html_page",
           "legend_html"]

_NEEDED = ("start", "end", "category", "entry")


class HighlightedHTML(str):
    """An HTML string that JupyterLab displays rendered (``_repr_html_``); otherwise a plain ``str``."""

    def _repr_html_(self) -> str:
        return str(self)


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _tint(hex_color: str, alpha: float = 0.35) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def legend_html(categories, colors: Mapping | None = None) -> str:
    """A row of colour swatches, one per category (escaped)."""
    cats = sorted({str(c) for c in categories})
    colors = {**category_colors(cats), **dict(colors or {})}
    items = "".join(
        f'<span class="mfa-legend-item" style="margin-right:1em;white-space:nowrap">'
        f'<span style="display:inline-block;width:0.9em;height:0.9em;vertical-align:middle;'
        f'background:{_tint(colors[c], 0.55)};border-bottom:2px solid {colors[c]};margin-right:0.3em"></span>'
        f"{_esc(c)}</span>"
        for c in cats
    )
    return f'<div class="mfa-legend" style="font-size:0.85em;margin:0.4em 0">{items}</div>'


def _check_matches(matches: pd.DataFrame, text: str) -> pd.DataFrame:
    if not isinstance(matches, pd.DataFrame):
        raise ValueError("matches must be a DataFrame (rows of the Matches table)")  # noqa: TRY004 - bad input is a ValueError in this project
    missing = [c for c in _NEEDED if c not in matches.columns]
    if missing:
        raise ValueError(f"matches needs column(s) {missing} (columns are: {', '.join(map(str, matches.columns))})")
    m = matches.reset_index(drop=True)
    for row in m.itertuples(index=False):
        start, end = int(row.start), int(row.end)
        if not 0 <= start < end <= len(text):
            raise ValueError(f"match offsets {start}:{end} are outside the text ({len(text)} characters)")
        if "matched" in m.columns and text[start:end] != row.matched:
            raise ValueError(
                f"text[{start}:{end}] is {text[start:end]!r}, not the matched {row.matched!r} "
                "(were the matches scored on another version of this text?)"
            )
    return m.sort_values(["start", "end", "category", "entry"], kind="mergesort").reset_index(drop=True)


def _mark_style(colors_here: list[str]) -> str:
    if len(colors_here) == 1:
        c = colors_here[0]
        return f"background:{_tint(c)};border-bottom:2px solid {c};padding:0 1px;border-radius:2px"
    stops = []
    width = 6
    for i, c in enumerate(colors_here):
        stops.append(f"{_tint(c, 0.55)} {i * width}px {(i + 1) * width}px")
    return (
        f"background:repeating-linear-gradient(135deg, {', '.join(stops)});"
        f"border-bottom:2px dashed {colors_here[0]};padding:0 1px;border-radius:2px"
    )


def highlight_article(
    text: str,
    matches: pd.DataFrame,
    *,
    title: str | None = None,
    meta: str | None = None,
    colors: Mapping | None = None,
    legend: bool = True,
    footnotes: bool = True,
    element_id: str = "mfa-article",
) -> HighlightedHTML:
    """Render one article with its matches highlighted in place.

    Parameters
    ----------
    text : str
        The article text the offsets index (the ``text`` column of the corpus).
    matches : DataFrame
        This article's rows of the Matches table: ``start, end, category, entry`` and optionally
        ``matched`` (checked against the text), ``voice``, ``lexicon``.
    title, meta : str, optional
        Headline and a line such as outlet and date, shown above the text (escaped).
    colors : mapping, optional
        Category -> CSS colour, overriding :data:`analysis.report.style.CATEGORY_COLORS`.
    legend, footnotes : bool
        Show the colour legend above the article, and the numbered list of matches below it.
    element_id : str
        ``id`` of the outer ``<div>`` (footnote anchors are ``{element_id}-fn-N``).

    Returns
    -------
    HighlightedHTML
        A ``str`` of HTML that Jupyter displays rendered. Paragraph breaks (blank lines) become
        ``<p>``; single newlines become ``<br>``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"start": [4], "end": [7], "category": ["hedging.modal"], "entry": ["may"]})
    >>> out = highlight_article("<b> may", m, footnotes=False, legend=False)
    >>> "&lt;b&gt;" in out and "<b>" not in out
    True
    >>> 'title="hedging.modal: may"' in out
    True
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")  # noqa: TRY004 - bad input is a ValueError in this project
    if not isinstance(element_id, str) or not element_id.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"element_id must be letters, digits, '-' or '_', got {element_id!r}")
    m = _check_matches(matches, text)
    cats = sorted(set(m["category"].astype(str)))
    palette = {**category_colors(cats), **dict(colors or {})}

    body_html = _marked_text(text, m, palette, footnotes, element_id)
    head = []
    if title:
        head.append(f'<h3 class="mfa-title" style="margin:0 0 0.2em 0">{_esc(title)}</h3>')
    if meta:
        head.append(f'<div class="mfa-meta" style="color:#555;font-size:0.85em;margin-bottom:0.4em">{_esc(meta)}</div>')
    if legend:
        head.append(legend_html(cats, palette) if cats else
                    '<div class="mfa-legend" style="font-size:0.85em;color:#555">no matches</div>')
    notes = _footnotes(text, m, palette, element_id) if footnotes and len(m) else ""
    return HighlightedHTML(
        f'<div class="mfa-article" id="{element_id}" style="max-width:46em;line-height:1.55;'
        f'font-family:Georgia,serif">{"".join(head)}<div class="mfa-text">{body_html}</div>{notes}</div>'
    )


def _segments(cuts: list, starts: list, ends: list):
    """``(a, b, covering)`` for each pair of consecutive cut points ``a < b``: ``covering`` holds, in index
    order, the spans ``i`` with ``starts[i] <= a`` and ``b <= ends[i]``. One sweep over the sorted spans (the
    spans open at ``a`` are kept in a set), so a long text with thousands of matches is not read once per
    piece."""
    order = sorted(range(len(starts)), key=starts.__getitem__)
    active: set = set()
    p = 0
    for a, b in itertools.pairwise(cuts):
        if a == b:
            continue
        while p < len(order) and starts[order[p]] <= a:
            active.add(order[p])
            p += 1
        if active:
            active = {i for i in active if ends[i] > a}
        yield a, b, sorted(i for i in active if b <= ends[i])


def _marked_text(text: str, m: pd.DataFrame, palette: dict, footnotes: bool, element_id: str) -> str:
    """The article's paragraphs as HTML, every stretch covered by matches inside one ``<mark>`` (with a
    footnote number after each match's end when ``footnotes``)."""
    # cut points: every match boundary and every paragraph/line break
    cuts = {0, len(text)}
    for row in m.itertuples(index=False):
        cuts.update((int(row.start), int(row.end)))
    bounds = sorted(cuts)

    voices = m["voice"].tolist() if "voice" in m.columns else [None] * len(m)
    hovers = [f"{c}: {e}" + (f" ({v})" if pd.notna(v) else "")
              for c, e, v in zip(m["category"].tolist(), m["entry"].tolist(), voices)]
    cats = [str(c) for c in m["category"].tolist()]

    starts = m["start"].astype(int).tolist()
    ends = m["end"].astype(int).tolist()
    parts = []
    for a, b, covering in _segments(bounds, starts, ends):
        piece = _text_html(text[a:b], paragraphs=not covering)
        if not covering:
            parts.append(piece)
            continue
        cats_here = []
        for i in covering:
            c = cats[i]
            if c not in cats_here:
                cats_here.append(c)
        style = _mark_style([palette[c] for c in cats_here])
        tip = "\n".join(hovers[i] for i in covering)
        classes = " ".join(["mfa-match"] + [f"mfa-cat-{_css_name(c)}" for c in cats_here]
                           + (["mfa-overlap"] if len(covering) > 1 else []))
        parts.append(
            f'<mark class="{classes}" style="{style};color:inherit" title="{_esc(tip)}" '
            f'data-category="{_esc(" ".join(cats_here))}">{piece}</mark>'
        )
        if footnotes:
            for i in covering:
                if ends[i] == b:
                    parts.append(
                        f'<sup class="mfa-fnref" style="font-size:0.7em;color:#555">'
                        f'<a href="#{element_id}-fn-{i + 1}" style="color:inherit;text-decoration:none">'
                        f"{i + 1}</a></sup>"
                    )
    body = "".join(parts)
    paragraphs = [p for p in body.split("\x00P") if p.strip()]
    return "".join(f'<p style="margin:0 0 0.7em 0">{p}</p>' for p in paragraphs)


def _footnotes(text: str, m: pd.DataFrame, palette: dict, element_id: str) -> str:
    """The numbered list of matches below the article (category, entry, surface, voice)."""
    items = []
    for i, row in enumerate(m.itertuples(index=False)):
        voice = f" · {_esc(row.voice)}" if "voice" in m.columns and pd.notna(row.voice) else ""
        surface = text[int(row.start):int(row.end)]
        items.append(
            f'<li id="{element_id}-fn-{i + 1}"><span style="border-bottom:2px solid '
            f'{palette[str(row.category)]}">{_esc(row.category)}</span> · entry '
            f'<code style="white-space:normal;overflow-wrap:anywhere">{_esc(row.entry)}</code>'
            f" · “{_esc(surface)}”{voice}</li>"
        )
    return ('<ol class="mfa-footnotes" style="font-size:0.8em;color:#333;margin-top:0.8em">'
            + "".join(items) + "</ol>")


def _css_name(category: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in category)


def _text_html(segment: str, paragraphs: bool = True) -> str:
    """Escape a piece of text; blank lines become a paragraph marker (or two ``<br>`` inside a match),
    single newlines ``<br>``."""
    segment = segment.replace("\r\n", "\n").replace("\x00", "\ufffd")
    if not paragraphs:
        return "<br>".join(_esc(line) for line in segment.split("\n"))
    out = []
    paras = segment.split("\n\n")
    for j, para in enumerate(paras):
        if j:
            out.append("\x00P")
        out.append("<br>".join(_esc(line) for line in para.split("\n")))
    return "".join(out)


def highlight_document(doc_id: str, corpus: pd.DataFrame, matches: pd.DataFrame, **kwargs) -> HighlightedHTML:
    """:func:`highlight_article` for one document of a corpus: picks its text, title, outlet, date and matches.

    Examples
    --------
    >>> import pandas as pd
    >>> corpus = pd.DataFrame({"doc_id": ["d1"], "outlet": ["X"], "title": ["T"], "text": ["It may rain."]})
    >>> m = pd.DataFrame({"doc_id": ["d1"], "start": [3], "end": [6], "category": ["hedging.modal"],
    ...                   "entry": ["may"], "matched": ["may"]})
    >>> "mfa-match" in highlight_document("d1", corpus, m)
    True
    """
    rows = corpus[corpus["doc_id"] == doc_id]
    if rows.empty:
        raise ValueError(f"doc_id {doc_id!r} is not in the corpus")
    row = rows.iloc[0]
    meta_bits = [str(row[c]) for c in ("outlet",) if c in rows.columns and pd.notna(row[c])]
    if "date" in rows.columns and pd.notna(row["date"]):
        meta_bits.append(pd.Timestamp(row["date"]).strftime("%Y-%m-%d"))
    meta_bits.append(str(doc_id))
    kwargs.setdefault("title", row["title"] if "title" in rows.columns and pd.notna(row["title"]) else None)
    kwargs.setdefault("meta", " · ".join(meta_bits))
    return highlight_article(row["text"], matches[matches["doc_id"] == doc_id], **kwargs)


def html_page(fragment: str, title: str = "media-framing-analysis") -> str:
    """Wrap an HTML fragment in a complete UTF-8 page (for saving or opening in a browser)."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{_esc(title)}</title></head><body style=\"margin:2em\">\n{fragment}\n</body></html>\n"
    )


# -- attributions: sources, cues and content ------------------------------------------------------------

_ROLE_STYLE = {
    "content": "background:rgba(241, 196, 15, 0.22)",
    "cue": "font-weight:bold;outline:1px solid #333333;outline-offset:1px",
}


def highlight_attributions(text: str, attributions: pd.DataFrame, title: str | None = None) -> HighlightedHTML:
    """One article with its attributions marked: the **source** underlined in the colour of its source
    type, the **cue** in bold with a frame, the **content** on a light yellow background; hover any
    piece for what it is (role, attribution number, source type). Everything from data is escaped.

    ``attributions``: the document's rows of the attribution table (``cue_start``, ``cue_end``,
    ``source_start``, ``source_end``, ``content_start``, ``content_end``, ``source_type``,
    ``attribution``). Pieces are split at every boundary, as in :func:`highlight_article`.

    >>> import pandas as pd
    >>> a = pd.DataFrame({"attribution": [0], "cue_start": [4], "cue_end": [8], "source_start": [0],
    ...     "source_end": [3], "content_start": [9], "content_end": [16], "source_type": ["pronoun"]})
    >>> out = highlight_attributions("<b> said it <i>.", a)
    >>> "&lt;b&gt;" in out and "mfa-source" in out and "mfa-cue" in out and "<b>" not in out
    True
    """
    from .sourcing import SOURCE_TYPE_COLORS

    spans = []  # (start, end, role, attribution, source type)
    for r in attributions.itertuples(index=False):
        stype = str(getattr(r, "source_type", "") or "")
        k = int(getattr(r, "attribution", 0))
        for role in ("source", "cue", "content"):
            s, e = int(getattr(r, f"{role}_start")), int(getattr(r, f"{role}_end"))
            if s < 0 or e <= s:
                continue
            if e > len(text):
                raise ValueError(f"attribution {k}: {role} offsets {s}:{e} are outside the text ({len(text)} characters)")
            spans.append((s, e, role, k, stype))
    cuts = sorted({0, len(text), *[s for s, *_ in spans], *[e for _, e, *_ in spans]})
    out = []
    for a, b, covering in _segments(cuts, [sp[0] for sp in spans], [sp[1] for sp in spans]):
        here = [spans[i] for i in covering]
        piece = _text_html(text[a:b]).replace("\x00P", "<br><br>")
        if not here:
            out.append(piece)
            continue
        roles = {sp[2] for sp in here}
        style = [_ROLE_STYLE[r] for r in ("content", "cue") if r in roles]
        src = [sp for sp in here if sp[2] == "source"]
        if src:
            color = SOURCE_TYPE_COLORS.get(src[0][4] or "none", "#333333")
            style.append(f"text-decoration:underline;text-decoration-color:{color};text-decoration-thickness:3px")
        tip = "; ".join(f"{sp[2]} of attribution {sp[3]}" + (f" ({sp[4]})" if sp[2] == "source" and sp[4] else "")
                        for sp in here)
        classes = " ".join(f"mfa-{r}" for r in sorted(roles))
        out.append(f'<span class="{classes}" style="{";".join(style)}" title="{_esc(tip)}">{piece}</span>')
    legend = ('<div class="mfa-legend" style="font-size:0.85em;margin:0.4em 0">'
              '<span style="text-decoration:underline;text-decoration-thickness:3px;margin-right:1em">source '
              '(underline colour: source type)</span>'
              f'<span style="{_ROLE_STYLE["cue"]};margin-right:1em">cue</span>'
              f'<span style="{_ROLE_STYLE["content"]}">attributed content</span>'
              + "".join(f'<span style="margin-left:1em;white-space:nowrap"><span style="display:inline-block;'
                        f'width:1.2em;height:0.25em;vertical-align:middle;background:{c}"></span> {_esc(t)}</span>'
                        for t, c in SOURCE_TYPE_COLORS.items()) + "</div>")
    head = f"<h3>{_esc(title)}</h3>" if title else ""
    body = "".join(out).replace("\n", "")
    return HighlightedHTML(f'<div class="mfa-attributions">{head}{legend}<div style="line-height:1.7">{body}'
                           "</div></div>")
