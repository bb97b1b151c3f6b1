"""Colours and the packaged figure style: one palette for every figure and every highlighted article.

The palette is Okabe and Ito's eight colours, distinguishable with the common colour-vision
deficiencies. Outlets get their colour from their position in the *sorted* list of outlet names of
the corpus, so the same outlet has the same colour in every figure of a run, whichever subset a
figure shows (pass the full outlet list, or the mapping from :func:`outlet_colors`). With more than
eight outlets colours repeat and the marker changes (:func:`outlet_styles`). Categories have fixed
colours by name (:data:`CATEGORY_COLORS`); categories of user lexicons get the remaining colours in
sorted order. The matplotlib style ships as ``mfa.mplstyle`` inside the package and is read through
``importlib.resources`` (never from the working directory).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable
from importlib import resources

__all__ = [
    "CATEGORY_COLORS",
    "MARKERS",
    "OKABE_ITO",
    "OUTLET_ORDER",
    "category_color",
    "category_colors",
    "outlet_colors",
    "outlet_styles",
    "style_context",
    "style_path",
]

#: Okabe & Ito (2008), "Color Universal Design": name -> hex.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Order in which outlets (sorted by name) receive colours: yellow, weak on white, comes last.
OUTLET_ORDER = ("blue", "orange", "bluish_green", "vermillion", "sky_blue", "reddish_purple", "black", "yellow")

#: Marker per round of eight outlets (outlets 9-16 reuse the colours with squares, and so on).
MARKERS = ("o", "s", "^", "D", "v")

#: Fixed category colours: looked up by the full name first, then by the top-level name.
CATEGORY_COLORS = {
    "hedging": OKABE_ITO["orange"],
    "evidence_absent": OKABE_ITO["bluish_green"],
    "sourcing": OKABE_ITO["sky_blue"],
    "sourcing.named": OKABE_ITO["blue"],
    "sourcing.outlet": OKABE_ITO["yellow"],
    "booster": OKABE_ITO["vermillion"],
    "distancing": OKABE_ITO["reddish_purple"],
}
_SPARE = ("#999999", OKABE_ITO["black"], "#666666", "#BBBBBB")


def outlet_styles(outlets: Iterable[str]) -> dict:
    """Outlet -> ``{"color", "marker"}`` from the sorted, de-duplicated outlet names.

    Examples
    --------
    >>> outlet_styles(["b", "a"])["a"]
    {'color': '#0072B2', 'marker': 'o'}
    """
    names = sorted({str(o) for o in outlets})
    out = {}
    for i, name in enumerate(names):
        out[name] = {
            "color": OKABE_ITO[OUTLET_ORDER[i % len(OUTLET_ORDER)]],
            "marker": MARKERS[(i // len(OUTLET_ORDER)) % len(MARKERS)],
        }
    return out


def outlet_colors(outlets: Iterable[str]) -> dict:
    """Outlet -> hex colour, fixed by the position of the name in the sorted outlet list.

    Examples
    --------
    >>> outlet_colors(["Zeta Times", "Alpha Post", "Alpha Post"])
    {'Alpha Post': '#0072B2', 'Zeta Times': '#E69F00'}
    """
    return {k: v["color"] for k, v in outlet_styles(outlets).items()}


def category_color(category: str, extra: dict | None = None) -> str:
    """Colour of a category: ``extra`` or :data:`CATEGORY_COLORS` by full name, then by top-level name.

    Examples
    --------
    >>> category_color("hedging.modal"), category_color("sourcing.named")
    ('#E69F00', '#0072B2')
    """
    for table in (extra or {}, CATEGORY_COLORS):
        if category in table:
            return table[category]
        top = category.split(".")[0]
        if top in table:
            return table[top]
    return _SPARE[0]


def category_colors(categories: Iterable[str]) -> dict:
    """Category -> colour for a set of categories; unknown top-level names get spare colours in sorted order.

    Examples
    --------
    >>> category_colors(["hedging.modal", "mine.x"])
    {'hedging.modal': '#E69F00', 'mine.x': '#999999'}
    """
    cats = sorted({str(c) for c in categories})
    unknown_tops = sorted({c.split(".")[0] for c in cats
                           if c not in CATEGORY_COLORS and c.split(".")[0] not in CATEGORY_COLORS})
    spare = {top: _SPARE[i % len(_SPARE)] for i, top in enumerate(unknown_tops)}
    return {c: category_color(c, spare) for c in cats}


def style_path():
    """A context manager yielding the filesystem path of the packaged ``mfa.mplstyle``."""
    return resources.as_file(resources.files("analysis.report").joinpath("mfa.mplstyle"))


@contextlib.contextmanager
def style_context():
    """Apply the packaged matplotlib style (font, sizes, grid, ``svg.hashsalt``) inside a ``with`` block.

    The style starts from matplotlib's defaults, so a user's ``matplotlibrc`` cannot change the
    figures.
    """
    import matplotlib as mpl
    import matplotlib.style

    with style_path() as path, mpl.rc_context():
        mpl.rcdefaults()
        matplotlib.style.use(str(path))
        yield
