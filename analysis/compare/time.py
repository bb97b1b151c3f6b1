"""Rates over time: per-period, per-outlet rates with document-bootstrap intervals, plus event markers.

Framing shifts around events (a leak, a strike, an election debate). :func:`rates_over_time` bins the
Documents table by a pandas frequency (``"W"``, ``"MS"``, ``"QS"``, ...), computes the rate per 1,000
tokens and the share of documents with a match in every period and group with the document bootstrap of
:func:`analysis.compare.rates.group_rates`, and returns, alongside, the event markers you passed,
placed in the same periods, ready to draw as vertical lines.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.compare.columns import as_list, require_columns, resolve_categories
from analysis.compare.rates import group_rates

__all__ = ["TimeRates", "rates_over_time"]


class TimeRates(NamedTuple):
    """Result of :func:`rates_over_time`: ``rates`` and ``events`` tables (unpack as a tuple)."""

    rates: pd.DataFrame
    events: pd.DataFrame


def _period_labels(dates: pd.Series, freq: str) -> tuple[pd.Series, list]:
    """Bin label of each date under pandas' resampling rules for ``freq``, and every bin in range."""
    s = pd.Series(np.arange(len(dates)), index=pd.DatetimeIndex(dates))
    try:
        grouped = s.groupby(pd.Grouper(freq=freq))
        labels = np.empty(len(dates), dtype="datetime64[ns]")
        bins = []
        for label, sub in grouped:
            bins.append(pd.Timestamp(label))
            labels[sub.to_numpy()] = np.datetime64(pd.Timestamp(label), "ns")
    except (ValueError, TypeError) as err:
        raise ValueError(f"unknown or unsupported pandas frequency {freq!r}: {err}") from err
    return pd.Series(labels, index=dates.index), bins


def rates_over_time(
    documents: pd.DataFrame,
    freq: str = "MS",
    by: str | Sequence[str] | None = "outlet",
    categories: str | Sequence[str] | None = None,
    events: pd.DataFrame | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int | None = 0,
    weights: str | Sequence[float] | None = None,
    method: str = "BCa",
    on_small_group: str = "nan",
    date_col: str = "date",
    cluster: str | None = None,
) -> TimeRates:
    """Rate per 1,000 tokens per period and group, with document-bootstrap intervals per period.

    Parameters
    ----------
    documents : DataFrame
        Documents table with ``date``, ``n_tokens``, ``c:count`` and the ``by`` column(s). Documents
        without a date are left out (a warning says how many; ``attrs["undated"]`` counts them).
    freq : str, default "MS"
        A pandas frequency: ``"W"`` (weeks ending Sunday), ``"MS"`` (month start), ``"QS"``, ``"D"``...
        Periods follow pandas resampling rules and are labelled as pandas labels them.
    by : str, list of str or None, default "outlet"
        Grouping column(s) within each period (one series per outlet by default); None gives one
        series for the whole corpus.
    categories : str or list of str, optional
        Default: every category.
    events : DataFrame, optional
        Event markers with columns ``date`` and ``label`` (extra columns are kept).
    n_resamples, confidence, seed, weights, method
        As in :func:`analysis.compare.rates.group_rates`: each (group, period) is bootstrapped on its
        own documents, rate = sum(counts) / sum(tokens) * 1000.
    on_small_group : {"nan", "raise", "drop"}, default "nan"
        A period with a single document for a group gets the point estimate and a NaN interval
        (default), raises, or is dropped. Periods with no documents appear with ``documents = 0`` and
        NaN rates so that plotted lines break instead of bridging gaps.
    date_col : str, default "date"
    cluster : str, optional
        Resample these clusters (e.g. ``"outlet"``) within each (group, period), as in
        :func:`analysis.compare.rates.group_rates`.

    Returns
    -------
    TimeRates
        ``rates``: the ``by`` column(s), ``period`` (bin label), then the columns of ``group_rates``;
        ``events``: the events sorted by date with an added ``period`` column (the bin each falls in).

    Examples
    --------
    >>> import pandas as pd
    >>> dates = pd.to_datetime(["2016-01-03", "2016-01-20", "2016-03-02", "2016-03-09"])
    >>> docs = pd.DataFrame({"outlet": ["X"] * 4, "n_tokens": [100] * 4,
    ...                      "hedging:count": [1, 2, 0, 1], "date": dates})
    >>> rates, events = rates_over_time(docs, freq="MS", n_resamples=200,
    ...     events=pd.DataFrame({"date": ["2016-03-05"], "label": ["debate"]}))
    >>> rates["period"].dt.strftime("%Y-%m").tolist(), rates["documents"].tolist()
    (['2016-01', '2016-02', '2016-03'], [2, 0, 2])
    >>> rates["rate_per_1k"].tolist()
    [15.0, nan, 5.0]
    >>> events["period"].astype(str).tolist()
    ['2016-03-01']
    """
    by_list = [] if by is None else as_list(by)
    require_columns(documents, [*by_list, date_col, "n_tokens"], "documents")
    cats = resolve_categories(documents, categories)
    if "period" in by_list:
        raise ValueError("'period' is the name of the time column added here; rename that grouping column")
    docs, weights, bins, undated = _dated(documents, date_col, weights, freq)
    rates = group_rates(docs, cats, by=[*by_list, "period"], n_resamples=n_resamples, confidence=confidence,
                        seed=seed, weights=weights, method=method, on_small_group=on_small_group, cluster=cluster)
    if on_small_group != "drop":
        rates = _complete_grid(rates, docs[by_list] if by_list else None, bins, cats, confidence)
    out = _in_order(rates, by_list, cats)
    out.attrs["undated"] = undated
    out.attrs["freq"] = freq
    return TimeRates(out, _events_table(events, freq))


def _dated(documents: pd.DataFrame, date_col: str, weights, freq: str):
    """The dated documents with their ``period`` column, their weights, every period in range, and the undated count.

    Documents without a date are left out with a warning (for the caller of :func:`rates_over_time`).
    """
    dates = _read_dates(documents[date_col], f"column {date_col!r}")
    dated = dates.notna().to_numpy()
    undated = int((~dated).sum())
    if not dated.any():
        raise ValueError(f"no document has a {date_col!r}: cannot compute rates over time")
    if undated:
        warnings.warn(
            f"{undated} document(s) without a date left out of rates_over_time",
            UserWarning,
            stacklevel=3,
        )
    docs = documents[dated].copy()
    if weights is not None and not isinstance(weights, str):
        weights = np.asarray(weights, dtype=float)[dated]
    period, bins = _period_labels(dates[dated], freq)
    docs["period"] = period.to_numpy()
    return docs, weights, bins, undated


def _read_dates(values: pd.Series, what: str) -> pd.Series:
    """``values`` as datetimes; a column that cannot be read is one error naming ``what``."""
    try:
        return pd.to_datetime(values)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what} cannot be read as dates: {err}") from err


def _complete_grid(rates: pd.DataFrame, groups: pd.DataFrame | None, bins, cats, confidence: float) -> pd.DataFrame:
    """Every group x every period in range x category: a period without documents gets 0 documents, NaN rates."""
    grid = pd.DataFrame({"period": bins}).merge(pd.DataFrame({"category": cats}), how="cross")
    by_list = [] if groups is None else list(groups.columns)
    if by_list:
        grid = groups.drop_duplicates().dropna().merge(grid, how="cross")
    grid["period"] = pd.to_datetime(grid["period"])
    rates["period"] = pd.to_datetime(rates["period"])
    out = grid.merge(rates, on=[*by_list, "period", "category"], how="left")
    empty = out["documents"].isna()
    out.loc[empty, ["documents", "tokens", "matches"]] = 0
    out["documents"] = out["documents"].astype(int)
    out.loc[empty, "method"] = "no documents in this period"
    out.loc[empty, "confidence"] = confidence
    return out


def _in_order(out: pd.DataFrame, by_list: list, cats: list) -> pd.DataFrame:
    """Rows sorted by group, period, then category in the order asked for."""
    out["period"] = pd.to_datetime(out["period"])
    cat_order = {c: i for i, c in enumerate(cats)}
    return out.sort_values(
        [*by_list, "period", "category"],
        kind="mergesort",
        key=lambda s: s.map(cat_order) if s.name == "category" else s,
    ).reset_index(drop=True)


def _events_table(events, freq: str) -> pd.DataFrame:
    """The event markers sorted by date, each with the ``period`` it falls in (an empty table for None)."""
    if events is None:
        return pd.DataFrame(
            {
                "date": pd.Series([], dtype="datetime64[ns]"),
                "label": pd.Series([], dtype=str),
                "period": pd.Series([], dtype="datetime64[ns]"),
            }
        )
    if not isinstance(events, pd.DataFrame):
        raise ValueError("events must be a DataFrame with columns 'date' and 'label'")  # noqa: TRY004
    require_columns(events, ["date", "label"], "events")
    ev = events.copy()
    ev["date"] = _read_dates(ev["date"], "events column 'date'")
    if ev["date"].isna().any():
        raise ValueError("every event needs a date")
    ev = ev.sort_values("date", kind="mergesort").reset_index(drop=True)
    ev_period, _ = _period_labels(ev["date"], freq)
    ev["period"] = ev_period.to_numpy()
    return ev
