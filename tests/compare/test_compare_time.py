"""Tests for analysis.compare.time: rates per period with known answers, events alongside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compare.time import rates_over_time

N = 300


@pytest.fixture
def docs():
    # X: January 10 then 20 per 1,000 (mean 15); nothing in February; March 5 per 1,000 twice.
    # Y: one January document (no interval possible), two in March.
    rows = [
        ("x1", "X", "2016-01-04", 100, 1),
        ("x2", "X", "2016-01-20", 100, 2),
        ("x3", "X", "2016-03-02", 200, 1),
        ("x4", "X", "2016-03-30", 200, 1),
        ("y1", "Y", "2016-01-10", 100, 3),
        ("y2", "Y", "2016-03-01", 100, 0),
        ("y3", "Y", "2016-03-15", 300, 2),
    ]
    frame = pd.DataFrame(rows, columns=["doc_id", "outlet", "date", "n_tokens", "hedging:count"])
    return frame.assign(date=pd.to_datetime(frame["date"]))


def test_monthly_rates_known_answers(docs):
    rates, events = rates_over_time(docs, freq="MS", n_resamples=N)
    x = rates[rates.outlet == "X"].set_index("period")
    assert x.index.strftime("%Y-%m").tolist() == ["2016-01", "2016-02", "2016-03"]
    assert x.documents.tolist() == [2, 0, 2]
    assert x.rate_per_1k.iloc[0] == pytest.approx(15.0) and np.isnan(x.rate_per_1k.iloc[1])
    assert x.rate_per_1k.iloc[2] == pytest.approx(5.0)
    assert x.rate_low.iloc[2] == pytest.approx(5.0)  # both March documents at exactly 5 per 1,000
    assert x.method.iloc[1] == "no documents in this period"
    y = rates[rates.outlet == "Y"].set_index("period")
    assert y.rate_per_1k.iloc[0] == pytest.approx(30.0) and np.isnan(
        y.rate_low.iloc[0]
    )  # one document
    assert y.rate_per_1k.iloc[2] == pytest.approx(5.0)  # 2 / 400
    assert events.empty and list(events.columns) == ["date", "label", "period"]


def test_weekly_frequency_and_events(docs):
    events = pd.DataFrame({"date": ["2016-03-03", "2016-01-05"], "label": ["debate", "leak"]})
    rates, ev = rates_over_time(docs, freq="W", by=None, n_resamples=N, events=events)
    assert "outlet" not in rates.columns
    # pandas weekly bins end on Sunday and are labelled by that Sunday
    assert rates.period.iloc[0] == pd.Timestamp("2016-01-10")
    assert rates.documents.sum() == len(docs)
    assert ev.label.tolist() == ["leak", "debate"]  # sorted by date
    assert ev.period.tolist() == [pd.Timestamp("2016-01-10"), pd.Timestamp("2016-03-06")]
    assert set(ev.period) <= set(rates.period)


def test_undated_documents_are_left_out_with_a_warning(docs):
    docs.loc[0, "date"] = pd.NaT
    with pytest.warns(UserWarning, match="1 document"):
        rates, _ = rates_over_time(docs, n_resamples=N)
    assert rates.attrs["undated"] == 1
    assert rates[rates.outlet == "X"].documents.sum() == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"freq": "fortnightly"}, "fortnightly"),
        ({"by": "publisher"}, "publisher"),
        ({"categories": "boosting"}, "boosting"),
        ({"events": pd.DataFrame({"when": ["2016-01-01"]})}, "date"),
        ({"on_small_group": "raise"}, "only one document"),
    ],
)
def test_rates_over_time_bad_requests(docs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        rates_over_time(docs, n_resamples=N, **kwargs)
