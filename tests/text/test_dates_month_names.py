"""The month-name fast path of the date reader reads exactly what dateutil reads (issue 19: a 40M-word
corpus of real-shaped dates spent over a second in dateutil)."""
from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from analysis.text import dates as D


def _through_dateutil(value, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(D, "_read_month_name", lambda v: None)
        return D._read_words(value)


def _same(a, b):
    return a[1] == b[1] and ((a[0] is pd.NaT and b[0] is pd.NaT) or a[0] == b[0])


FORMATS = ["%d %b %Y", "%d %B %Y", "%B %d, %Y", "%b %d %Y", "%A, %d %B %Y", "%a %d %b %Y", "%b. %d, %Y",
           "%A %B %d, %Y", "%d %b. %Y", "%e %B %Y", "%a, %B %d %Y", "%d %B, %Y"]
ODD = ["31 Feb 2020", "30 February 2021", "29 Feb 2024", "29 Feb 2023", "Sept 5, 2020", "5 Sept 2020",
       "32 Jan 2020", "0 Jan 2020", "1 Foo 2020", "May 5, 1500", "May 5, 2300", "Mayo 5, 2020", "Monday 5 May 2020",
       "Mon, 5 May 2020", "Sun 31 Dec 2023", "Tues, 4 Jan 2022", "Thur 4 Jan 2022", "wednesday, 4 jan 2022",
       "Jun 1,2020", "1 jun, 2020", "march 4,  2026", "Mon. 4 Jan 2021", "4 Janvier 2021", "4 Jan 21",
       "Friday, 3 December 1677", "1 January 1678", "31 December 2261", "1 Jan 2262", "Dec. 25, 2025"]


def test_month_name_days_read_as_dateutil_reads_them(monkeypatch):
    rnd = random.Random(7)
    values = list(ODD)
    start = dt.date(1998, 12, 25)
    for k in range(0, 11000, 41):
        day = start + dt.timedelta(days=k)
        for fmt in FORMATS:
            text = day.strftime(fmt).strip()
            values.append(rnd.choice([text, text.upper(), text.lower()]))
    quick = 0
    for value in values:
        got = D._read_words(value)
        assert _same(got, _through_dateutil(value, monkeypatch)), value
        quick += D._read_month_name(value) is not None
    assert quick > 0.9 * len(values)  # the fast path takes nearly all of them


@pytest.mark.parametrize("value", ["31 Feb 2020", "Tues, 4 Jan 2022", "4 Jan 21", "1 Jan 2262", "4 Janvier 2021"])
def test_what_the_fast_path_does_not_take_goes_to_dateutil(value):
    assert D._read_month_name(value) is None
