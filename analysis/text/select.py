"""Choosing the documents a run looks at: outlets, a date range, a pair of groups.

:func:`select_documents` is the one selection step of the project. ``score``, ``compare`` and
``figures`` (``--outlets``, ``--exclude-outlets``, ``--since``, ``--until``, ``--pair``, ``--by``) and
the notebooks' parameter cells (``OUTLETS``, ``EXCLUDE_OUTLETS``, ``SINCE``, ``UNTIL``, ``PAIR``,
``BY``) all call it with the same names. It works on any table with a group column (a corpus, a
``documents`` table of ``score``) and returns the kept rows with a :class:`SelectionRecord` that says
what was asked and how many rows each step removed; that record goes into ``provenance.json``.

Nothing is removed silently: a name that is not a group of the column is refused (with the closest
names), a selection that keeps nothing is refused, and rows without a date are counted separately
when ``since`` or ``until`` is given (they cannot be placed in the range, so they are left out).
"""
from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["SelectionRecord", "parse_day", "select_documents", "select_groups"]


@dataclass
class SelectionRecord:
    """What a selection asked for and what it removed.

    Attributes
    ----------
    by : str
        The column the group filters (``outlets``, ``exclude_outlets``, ``pair``) apply to.
    outlets, exclude_outlets, pair : list of str or None
    since, until : str or None
        ISO days (``YYYY-MM-DD``), both ends included.
    n_before, n_after : int
        Rows before and after the selection.
    removed : dict of str -> int
        Rows removed by each step, in the order applied (``outlets``, ``exclude_outlets``, ``pair``,
        ``no_date``, ``since``, ``until``); steps not asked for are absent.
    """

    by: str = "outlet"
    outlets: list | None = None
    exclude_outlets: list | None = None
    pair: list | None = None
    since: str | None = None
    until: str | None = None
    n_before: int = 0
    n_after: int = 0
    removed: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """True when any filter was asked for."""
        return any(v for v in (self.outlets, self.exclude_outlets, self.pair, self.since, self.until))

    def provenance(self) -> dict:
        """A JSON-ready dict for ``provenance.json`` (under the key ``selection``)."""
        return {"by": self.by, "outlets": self.outlets, "exclude_outlets": self.exclude_outlets,
                "pair": self.pair, "since": self.since, "until": self.until, "rows_before": self.n_before,
                "rows_after": self.n_after, "removed": dict(self.removed)}

    def summary(self) -> str:
        """One line for the terminal.

        >>> SelectionRecord(since="2020-01-01", n_before=10, n_after=7, removed={"since": 3}).summary()
        'selection: 7 of 10 documents kept (since 2020-01-01: -3)'
        """
        if not self.active:
            return f"selection: all {self.n_before} documents"
        steps = ", ".join(f"{self._label(k)}: -{v}" for k, v in self.removed.items())
        return f"selection: {self.n_after} of {self.n_before} documents kept ({steps})"

    def _label(self, step: str) -> str:
        return {"outlets": f"{self.by} in {_short(self.outlets)}",
                "exclude_outlets": f"{self.by} not in {_short(self.exclude_outlets)}",
                "pair": f"pair {_short(self.pair)}", "no_date": "no date",
                "since": f"since {self.since}", "until": f"until {self.until}"}.get(step, step)


def _short(values, n: int = 3) -> str:
    values = list(values or [])
    head = ", ".join(map(str, values[:n]))
    return head + (f" and {len(values) - n} more" if len(values) > n else "")


def parse_day(value, what: str = "date") -> pd.Timestamp | None:
    """A ``since``/``until`` value as a day (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``); None stays None.

    ``YYYY`` and ``YYYY-MM`` mean the first day of that year or month.

    >>> parse_day("2020-03")
    Timestamp('2020-03-01 00:00:00')
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, pd.Timestamp):
        return value.normalize().tz_localize(None) if value.tzinfo else value.normalize()
    text = str(value).strip()
    try:
        day = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        day = None
    if day is None or pd.isna(day) or not (1 <= len(text.split("-")[0]) <= 4 and text[:4].isdigit()):
        raise ValueError(f"{what}: {value!r} is not a day; write YYYY-MM-DD (or YYYY-MM, YYYY)")
    return day.tz_localize(None).normalize() if day.tzinfo else day.normalize()


def _as_list(values, what: str) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out = [str(v) for v in values]
    if not out:
        return None
    if any(not v.strip() for v in out):
        raise ValueError(f"{what}: empty group name")
    return out


def _check_known(names: list[str], known: set, by: str, what: str) -> None:
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else f" ({len(known)} groups)"
            raise ValueError(f"{what}: {name!r} is not a value of column {by!r}{hint}")


def _dates(frame: pd.DataFrame) -> pd.Series:
    d = frame["date"]
    if not pd.api.types.is_datetime64_any_dtype(d):
        d = pd.to_datetime(d.astype("string"), errors="coerce", utc=True, format="mixed")
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_convert(None)
    return d


def select_documents(frame: pd.DataFrame, *, outlets: Sequence[str] | str | None = None,
                     exclude_outlets: Sequence[str] | str | None = None, since=None, until=None,
                     pair: Sequence[str] | None = None, by: str = "outlet",
                     ) -> tuple[pd.DataFrame, SelectionRecord]:
    """Keep the rows of ``frame`` a run should look at.

    Parameters
    ----------
    frame : DataFrame
        A corpus or a ``documents`` table: the ``by`` column and, for ``since``/``until``, a
        ``date`` column (datetimes or ISO strings; missing dates are allowed).
    outlets : list of str, optional
        Keep only these values of ``by``.
    exclude_outlets : list of str, optional
        Leave these values of ``by`` out.
    since, until : str or Timestamp, optional
        First and last day kept (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``; ``until`` includes its whole
        day). Rows without a date are left out and counted under ``no_date``.
    pair : (A, B), optional
        Keep only these two values of ``by`` (a pairwise comparison).
    by : str, default "outlet"
        The column ``outlets``, ``exclude_outlets`` and ``pair`` name values of.

    Returns
    -------
    (DataFrame, SelectionRecord)
        The kept rows (original order, index reset) and what was removed at each step.

    Raises
    ------
    ValueError
        For a missing column, a name that is not a value of ``by``, a pair that is not two different
        groups, ``since`` after ``until``, or a selection that keeps no row.

    Examples
    --------
    >>> docs = pd.DataFrame({"outlet": ["A", "B", "C"], "date": ["2020-01-05", None, "2021-02-01"]})
    >>> kept, rec = select_documents(docs, exclude_outlets=["C"])
    >>> list(kept["outlet"]), rec.removed
    (['A', 'B'], {'exclude_outlets': 1})
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"select_documents needs a DataFrame, got {type(frame).__name__}")  # noqa: TRY004
    outlets = _as_list(outlets, "outlets")
    exclude = _as_list(exclude_outlets, "exclude_outlets")
    pair = _as_list(pair, "pair")
    rec = SelectionRecord(by=by, outlets=outlets, exclude_outlets=exclude, pair=pair, n_before=len(frame))
    lo, hi = parse_day(since, "since"), parse_day(until, "until")
    rec.since = None if lo is None else f"{lo:%Y-%m-%d}"
    rec.until = None if hi is None else f"{hi:%Y-%m-%d}"
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"since ({rec.since}) is after until ({rec.until}): nothing can be kept")
    if pair is not None and (len(pair) != 2 or pair[0] == pair[1]):
        raise ValueError(f"pair needs two different groups, got {pair}")
    keep = pd.Series(True, index=frame.index)
    if outlets or exclude or pair:
        if by not in frame.columns:
            raise ValueError(f"no column {by!r} to select groups from (columns: {', '.join(map(str, frame.columns))})")
        groups = frame[by].astype("string").fillna("")
        known = set(groups.unique())
        for what, names in (("outlets", outlets), ("exclude_outlets", exclude), ("pair", pair)):
            if names:
                _check_known(names, known, by, what)
                step = groups.isin(names) if what != "exclude_outlets" else ~groups.isin(names)
                rec.removed[what] = int((keep & ~step).sum())
                keep &= step
    if lo is not None or hi is not None:
        if "date" not in frame.columns:
            raise ValueError("since/until: the table has no date column")
        d = _dates(frame)
        undated = d.isna()
        rec.removed["no_date"] = int((keep & undated).sum())
        keep &= ~undated
        if lo is not None:
            step = d >= lo
            rec.removed["since"] = int((keep & ~step).sum())
            keep &= step
        if hi is not None:
            step = d < hi + pd.Timedelta(days=1)
            rec.removed["until"] = int((keep & ~step).sum())
            keep &= step
    out = frame[keep.to_numpy()].reset_index(drop=True)
    rec.n_after = len(out)
    if rec.active and rec.n_after == 0:
        raise ValueError(f"the selection keeps none of the {rec.n_before} documents ({rec.summary().split('(', 1)[-1]}")
    return out, rec


def select_groups(frame: pd.DataFrame, *, by: str = "outlet", **selection) -> tuple[pd.DataFrame, SelectionRecord]:
    """:func:`select_documents`, then the ``by`` column copied into ``outlet`` so that code grouping by
    outlet (figures, notebooks) groups by ``by`` instead; missing values become ``"(none)"``.

    The original outlet stays in ``outlet_original`` when ``by`` is another column.

    >>> docs = pd.DataFrame({"outlet": ["A", "B", "C"], "lean": ["left", None, "right"]})
    >>> kept, rec = select_groups(docs, by="lean", exclude_outlets=["right"])
    >>> kept["outlet"].tolist(), kept["outlet_original"].tolist()
    (['left', '(none)'], ['A', 'B'])
    """
    if by not in frame.columns:
        raise ValueError(f"by: no column {by!r} (columns: {', '.join(map(str, frame.columns))})")
    kept, rec = select_documents(frame, by=by, **selection)
    if by != "outlet":
        kept = kept.assign(outlet_original=kept["outlet"],
                           outlet=kept[by].astype("string").fillna("(none)").astype(str))
    return kept, rec
