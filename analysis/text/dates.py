"""Reading the date column of a corpus: every value is read on its own rules, or becomes missing with a reason.

A date cell never stops a run. Each distinct value is read once (a column of 37,000 articles usually
holds a few thousand distinct dates) by the first rule that fits it:

========================  ==========================================  ==============================
form                      examples                                    how it is read
========================  ==========================================  ==============================
ISO, year first           ``2024-03-05``, ``2024/3/5``,               year, month, day; a time with
                          ``2024-03-05T23:30:00-05:00``               an offset is turned to UTC
compact ISO               ``20240305``                                year, month, day
numbers, year last        ``05/03/2024``, ``5.3.24``, ``8/29/18``     day or month first, decided
                                                                      for the column (below)
RFC 2822 (e-mail, RSS)    ``Wed, 29 Aug 2018 10:00:00 +0000``         as e-mail headers, to UTC
month names               ``29 Aug 2018``, ``March 04, 2026``         dateutil, without guessing
========================  ==========================================  ==============================

and then the date only (``normalize``: 00:00, no time zone) is kept, as before.

Refused (missing, with a load-report issue naming the file, row and value):

- **relative words** (``now``, ``today``, ``yesterday``, ``3 days ago``, ``last week``, weekday names
  without a year): pandas reads ``now`` and ``today`` as the moment the run starts, which would date
  an article by the day it was scored;
- **out of range**: a year outside 1678-2261, what a nanosecond timestamp can hold (``0001-11-30``,
  ``9999-12-31``);
- **impossible** dates and times (``31/02/2020``, ``2026-13-45``, ``0000-00-00``, ``25:61``);
- **bare numbers** (``1e9``, ``1535500800``): epoch seconds, milliseconds and spreadsheet serial
  numbers cannot be told apart, so none is guessed;
- anything else dateutil cannot read, or reads only by borrowing a part it was not given (a value
  with no year).

**Two-digit years** follow one stated rule, the POSIX ``strptime`` one, whatever the date of the run:
``00``-``68`` are 2000-2068 and ``69``-``99`` are 1969-1999 (``8/29/18`` is 2018-08-29, ``1/2/75`` is
1975). pandas and dateutil instead use a window around the current year, so the same file would be
read differently in a few years. The load report notes how many dates had a two-digit year.

**Day or month first** for ``N/N/YYYY``: see :func:`read_day_first` (the column decides, or
``dayfirst``). A value that can be read only one way (``13/02/2024``) is always read that way.
"""
from __future__ import annotations

import datetime as _dt
import email.utils
import math
import re

import numpy as np
import pandas as pd

__all__ = ["MAX_YEAR", "MIN_YEAR", "DateColumns", "DateKinds", "date_values", "numeric_dates", "read_dates",
           "read_day_first", "two_digit_year"]

MIN_YEAR, MAX_YEAR = 1678, 2261  # whole years a datetime64[ns] can hold (1677-09-21 .. 2262-04-11)

# a date written with numbers only, the year last: 05/03/2024, 5.3.2024, 05-03-24 (a time may follow)
NUMERIC_DATE_RE = re.compile(
    r"^(?P<first>[0-9]{1,2})(?P<sep>[/.-])(?P<second>[0-9]{1,2})(?P=sep)(?:[0-9]{4}|[0-9]{2})(?![0-9])"
)
_NUMERIC_FULL = re.compile(
    r"^(?P<a>[0-9]{1,2})(?P<sep>[/.-])(?P<b>[0-9]{1,2})(?P=sep)(?P<y>[0-9]{4}|[0-9]{2})"
    r"(?:[ T,]+(?P<time>[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?))?$"
)
_ISO_RE = re.compile(
    r"^(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"(?:[T ](?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:[.,][0-9]+)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$",
    re.IGNORECASE,
)
_COMPACT_RE = re.compile(r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})$")
_NUMBER_RE = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_RFC2822_RE = re.compile(r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?[0-9]{1,2}\s+[a-z]{3}[a-z]*\s+[0-9]{2,4}\s+"
                         r"[0-9]{1,2}:[0-9]{2}", re.IGNORECASE)
_RELATIVE_RE = re.compile(
    r"^(?:just\s+)?(?:now|today|tonight|yesterday|tomorrow|recently|soon|earlier|later|this\s+(?:morning|"
    r"afternoon|evening))\b|\bago$|^(?:last|this|next|past)\s+(?:week|month|year|night|weekend|"
    r"mon|tue|wed|thu|fri|sat|sun)",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])")


class _Years:
    """dateutil's parser with the two-digit-year rule of this module (not a window around today)."""

    def __init__(self):
        from dateutil import parser

        class Info(parser.parserinfo):
            def convertyear(self, year, century_specified=False):
                if year < 100 and not century_specified:
                    return two_digit_year(year)
                return year

        self.parser = parser.parser(Info())


_PARSER: _Years | None = None


def two_digit_year(yy: int) -> int:
    """The year a two-digit year stands for: 00-68 are 2000-2068, 69-99 are 1969-1999 (POSIX ``%y``).

    >>> two_digit_year(18), two_digit_year(68), two_digit_year(69), two_digit_year(99)
    (2018, 2068, 1969, 1999)
    """
    return 2000 + yy if yy <= 68 else 1900 + yy


def _build(y, m, d, value, H=0, M=0, S=0, tz=None):
    """A day as ``(Timestamp, None)`` or ``(NaT, (kind, problem))``."""
    if not (1 <= m <= 12) or not (1 <= d <= 31) or H > 24 or M > 59 or S > 61:
        return pd.NaT, ("impossible", f"impossible date {value!r}")
    try:
        _dt.date(max(y, 1), m, d)  # the day exists in that month (year 0 checked below)
        _dt.time(min(H, 23), M, min(S, 59))
    except ValueError:
        return pd.NaT, ("impossible", f"impossible date {value!r}")
    if H == 24 and (M or S):
        return pd.NaT, ("impossible", f"impossible date {value!r}")
    if not (MIN_YEAR <= y <= MAX_YEAR):
        return pd.NaT, ("out_of_range", (f"out-of-range date {value!r} (year {y}; dates must fall in "
                                        f"{MIN_YEAR}-{MAX_YEAR})"))
    moment = _dt.datetime(y, m, d) + _dt.timedelta(hours=H, minutes=M, seconds=S)
    if tz is not None:
        moment = moment - tz
    return _day(moment, value)


def _day(moment, value):
    if not (MIN_YEAR <= moment.year <= MAX_YEAR):
        return pd.NaT, ("out_of_range", (f"out-of-range date {value!r} (year {moment.year}; dates must fall in "
                                        f"{MIN_YEAR}-{MAX_YEAR})"))
    return pd.Timestamp(moment.year, moment.month, moment.day), None


def _offset(tz: str | None) -> _dt.timedelta | None:
    if not tz or tz.upper() in ("Z", "UTC", "GMT"):
        return None if not tz else _dt.timedelta(0)
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * _dt.timedelta(hours=hours, minutes=minutes)


def _read_one(value: str, day_first: bool):
    """One stripped, non-empty date cell -> ``(Timestamp or NaT, None or (kind, problem))``."""
    m = _ISO_RE.match(value)
    if m:
        g = m.groupdict()
        return _build(int(g["y"]), int(g["m"]), int(g["d"]), value, int(g["H"] or 0), int(g["M"] or 0),
                      int(g["S"] or 0), _offset(g["tz"]))
    m = _NUMERIC_FULL.match(value)
    if m:
        a, b, y = int(m["a"]), int(m["b"]), m["y"]
        year = two_digit_year(int(y)) if len(y) == 2 else int(y)
        if a > 12 and b <= 12:
            day, month = a, b
        elif b > 12 and a <= 12:
            day, month = b, a
        else:
            day, month = (a, b) if day_first else (b, a)
        return _build(year, month, day, value)
    if NUMERIC_DATE_RE.match(value):  # numbers, then something that is not a time
        return pd.NaT, ("unreadable", f"unreadable date {value!r}")
    m = _COMPACT_RE.match(value)
    if m:
        return _build(int(m["y"]), int(m["m"]), int(m["d"]), value)
    if _NUMBER_RE.match(value):
        return pd.NaT, ("number", (f"a bare number {value!r} is not read as a date (epoch seconds, milliseconds "
                                  "and spreadsheet serial days cannot be told apart)"))
    if _RELATIVE_RE.search(value):
        return pd.NaT, ("relative", f"relative date {value!r} (not read as the day of the run)")
    if _RFC2822_RE.match(value):
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            moment = None
        if moment is not None:
            if moment.tzinfo is not None:
                moment = moment.astimezone(_dt.UTC).replace(tzinfo=None)
            return _day(moment, value)
    return _read_words(value)


_MONTHS = {name: k for k, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")], 1) for name in names}
# the weekday names dateutil knows (its parserinfo): three letters or the whole name
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+"
# the two shapes of a day written with its month's name that news files use most ("04 Mar 2026",
# "March 04, 2026", a weekday in front or not): read here, exactly as dateutil reads them, without its
# tokenizer (a 40M-word corpus spent over a second in dateutil); anything else goes to dateutil
_DAY_MONTH_YEAR = re.compile(rf"^(?:{_WEEKDAY})?(?P<d>[0-9]{{1,2}})\s+(?P<mon>[a-z]+)\.?,?\s+(?P<y>[0-9]{{4}})$",
                             re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"^(?:{_WEEKDAY})?(?P<mon>[a-z]+)\.?\s+(?P<d>[0-9]{{1,2}}),?\s+(?P<y>[0-9]{{4}})$",
                             re.IGNORECASE)


def _read_month_name(value: str):
    """``(Timestamp, None)`` for a day in one of the two common month-name shapes that exists and lies in
    range, else None (the caller asks dateutil, which also words the problems)."""
    m = _DAY_MONTH_YEAR.match(value) or _MONTH_DAY_YEAR.match(value)
    if m is None:
        return None
    month = _MONTHS.get(m["mon"].lower())
    year, day = int(m["y"]), int(m["d"])
    if month is None or not (MIN_YEAR <= year <= MAX_YEAR):
        return None
    try:
        moment = _dt.datetime(year, month, day)
    except ValueError:
        return None
    return _day(moment, value)


def _read_words(value: str):
    """Dates with month names, through dateutil; a value it can read only by borrowing a part is refused."""
    global _PARSER
    quick = _read_month_name(value)
    if quick is not None:
        return quick
    if len(value) > 100 or not re.search(r"[0-9]", value):
        kind = "relative" if re.fullmatch(r"(?i)(mon|tues|wednes|thurs|fri|satur|sun)day", value) else "unreadable"
        problem = (f"relative date {value!r} (not read as the day of the run)" if kind == "relative"
                   else f"unreadable date {value!r}")
        return pd.NaT, (kind, problem)
    if _PARSER is None:
        _PARSER = _Years()
    try:
        one = _PARSER.parser.parse(value, default=_dt.datetime(2000, 1, 1))
        two = _PARSER.parser.parse(value, default=_dt.datetime(2004, 2, 2))
    except (ValueError, OverflowError, TypeError, ArithmeticError):
        if _YEAR_RE.search(value) and any(not (MIN_YEAR <= int(y) <= MAX_YEAR) for y in _YEAR_RE.findall(value)):
            return pd.NaT, ("out_of_range", f"out-of-range date {value!r} (dates must fall in {MIN_YEAR}-{MAX_YEAR})")
        return pd.NaT, ("unreadable", f"unreadable date {value!r}")
    years = _YEAR_RE.findall(value)
    if years and f"{one.year:04d}" not in years:  # '30 November 0001': dateutil took 0001 for a short year
        bad = [y for y in years if not (MIN_YEAR <= int(y) <= MAX_YEAR)]
        if bad:
            return pd.NaT, ("out_of_range", (f"out-of-range date {value!r} (year {int(bad[0])}; dates must fall in "
                                            f"{MIN_YEAR}-{MAX_YEAR})"))
        return pd.NaT, ("unreadable", f"unreadable date {value!r}")
    if one.year != two.year or one.month != two.month:
        return pd.NaT, ("no_year", f"date {value!r} has no year (or no month): not read")
    if one.day != two.day:
        return pd.NaT, ("no_day", f"date {value!r} has no day: not read")
    if one.tzinfo is not None:
        try:
            one = one.astimezone(_dt.UTC).replace(tzinfo=None)
        except (OverflowError, ValueError):
            return pd.NaT, ("out_of_range", f"out-of-range date {value!r} (dates must fall in {MIN_YEAR}-{MAX_YEAR})")
    return _day(one, value)


def date_values(series: pd.Series) -> pd.Series:
    """The date cells as stripped strings, None when empty or missing (what the date readers look at)."""
    def clean(v):
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
            return None
        if isinstance(v, pd.Timestamp | _dt.datetime | _dt.date):
            return v.isoformat()
        s = str(v).strip()
        return s or None
    return series.map(clean)


def read_dates(values: pd.Series, day_first: bool) -> tuple[pd.Series, dict]:
    """Read date cells (from :func:`date_values`: stripped strings or None).

    Returns the dates (``datetime64[ns]``, NaT for missing and refused cells) and, for each refused
    cell's index, ``(kind, problem)``; ``kind`` is one of ``relative``, ``out_of_range``,
    ``impossible``, ``number``, ``no_year``, ``no_day``, ``unreadable``.

    >>> import pandas as pd
    >>> dates, problems = read_dates(pd.Series(["8/29/18", "0001-11-30", "now", None]), day_first=False)
    >>> [str(d.date()) if pd.notna(d) else None for d in dates]
    ['2018-08-29', None, None, None]
    >>> sorted(kind for kind, _ in problems.values())
    ['out_of_range', 'relative']
    """
    present = values.dropna()
    cache: dict = {}
    for v in pd.unique(present.to_numpy(dtype=object)):
        cache[v] = _read_one(v, day_first)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    problems: dict = {}
    positions = values.index.get_indexer(present.index)
    for pos, (i, v) in zip(positions, present.items()):
        ts, problem = cache[v]
        if problem is None:
            out[pos] = ts.to_datetime64()
        else:
            problems[i] = problem
    return pd.Series(out, index=values.index), problems


def numeric_dates(values: pd.Series) -> pd.DataFrame:
    """The dates written ``N/N/YYYY`` (or with ``.`` or ``-``, or a two-digit year), with their two first
    numbers (``first``, ``second``), how they can be read (``kind``): ``ambiguous`` (both 1-12 and
    different), ``day`` (only day first: 13-31 then 1-12), ``month`` (only month first), ``same`` (both
    readings give one date) or ``invalid``, and whether the year has two digits (``short_year``)."""
    parts = values.dropna().astype(str).str.extract(NUMERIC_DATE_RE).dropna()
    first, second = parts["first"].astype(int), parts["second"].astype(int)
    is_month1, is_month2 = first.between(1, 12), second.between(1, 12)
    kind = np.select(
        [is_month1 & is_month2 & (first == second), is_month1 & is_month2,
         first.between(13, 31) & is_month2, is_month1 & second.between(13, 31)],
        ["same", "ambiguous", "day", "month"], default="invalid",
    )
    vals = values[parts.index]
    short = vals.astype(str).str.match(r"^[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}(?![0-9])")
    return pd.DataFrame({"value": vals, "first": first, "second": second, "kind": kind,
                         "short_year": short.to_numpy(dtype=bool)}, index=parts.index)


class DateKinds:
    """The numeric dates of one date column, by how they can be read (``ambiguous``, ``day``, ``month``):
    how many, the first value and the first rows of each kind, and how many have a two-digit year.
    Filled from the whole column at once or chunk by chunk (in file order) with the same result, which
    is what the load report's date notes are written from.

    >>> import pandas as pd
    >>> kinds = DateKinds("date")
    >>> for part, rows in ((["05/03/2024"], [2]), (["2024-01-01", "13/02/2024"], [3, 4])):
    ...     values = pd.Series(part, index=range(len(part)))
    ...     kinds.add(numeric_dates(values), dict(enumerate(rows)))
    >>> kinds.counts["ambiguous"], kinds.counts["day"], kinds.day_first(None)
    (1, 1, True)
    """

    KINDS = ("ambiguous", "day", "month")
    N_ROWS = 3  # example rows named in a note

    def __init__(self, column):
        self.column = column
        self.counts = dict.fromkeys(self.KINDS, 0)
        self.first: dict = {}
        self.rows: dict = {k: [] for k in self.KINDS}
        self.short_years = 0
        self.first_short = ""

    def add(self, numeric: pd.DataFrame, rows):
        """Count the dates of ``numeric`` (from :func:`numeric_dates`); ``rows[i]`` is the row number of index ``i``."""
        for kind in self.KINDS:
            sub = numeric.index[numeric["kind"].to_numpy() == kind]
            if len(sub) == 0:
                continue
            self.counts[kind] += len(sub)
            self.first.setdefault(kind, str(numeric.at[sub[0], "value"]))
            room = self.N_ROWS + 1 - len(self.rows[kind])  # one more than shown, to know whether to add "..."
            self.rows[kind] += [rows[i] for i in sub[:max(room, 0)]]
        if "short_year" in numeric.columns:
            short = numeric.index[numeric["short_year"].to_numpy(dtype=bool)]
            if len(short):
                self.short_years += len(short)
                if not self.first_short:
                    self.first_short = str(numeric.at[short[0], "value"])

    def day_first(self, dayfirst) -> bool:
        """How the ambiguous dates are read: ``dayfirst`` when it is a bool, otherwise day first when
        some date can only be day first and none can only be month first."""
        if isinstance(dayfirst, bool):
            return dayfirst
        return bool(self.counts["day"]) and not self.counts["month"]

    def describe(self, kind: str) -> tuple[int, str, str]:
        """(count, first value, description): "the date '13/02/2024' (row 5)", "4 dates such as
        '05/03/2024' (rows 2, 3, 7, ...)"."""
        n = self.counts[kind]
        if n == 0:
            return 0, "", ""
        first = self.first[kind]
        shown = ", ".join(str(r) for r in self.rows[kind][: self.N_ROWS]) + (", ..." if n > self.N_ROWS else "")
        if n == 1:
            return 1, first, f"the date {first!r} (row {shown})"
        return n, first, f"{n} dates such as {first!r} (rows {shown})"


def short_year_note(kinds: DateKinds) -> str | None:
    """The note on two-digit years of one column (None when it has none)."""
    if not kinds.short_years:
        return None
    n = kinds.short_years
    what = f"the date {kinds.first_short!r}" if n == 1 else f"{n} dates such as {kinds.first_short!r}"
    return (f"date column {str(kinds.column)!r}: {what} with a two-digit year: 00-68 read as 2000-2068, "
            "69-99 as 1969-1999")


class DateColumns:
    """Date reading for a corpus read chunk by chunk (see :func:`analysis.scale.stream.iter_corpus_chunks`).

    ``dayfirst`` is as for :func:`analysis.text.corpus.load_corpus`. When it is None, ``decided`` maps
    each date column to the reading decided beforehand from the whole column (a first pass over it);
    chunks are read that way, and :meth:`add` collects the counts the notes need. :meth:`report` then
    writes the notes ``load_corpus`` writes, from the counts of every chunk, and checks that the whole
    column, as the chunks saw it, leads to the reading that was used.
    """

    def __init__(self, dayfirst=None, decided: dict | None = None):
        if dayfirst is not None and not isinstance(dayfirst, bool):
            raise ValueError(f"dayfirst must be True, False or None (the date column decides), got {dayfirst!r}")
        self.dayfirst = dayfirst
        self.decided = dict(decided or {})
        self.columns: dict = {}

    def day_first(self, column) -> bool:
        if self.dayfirst is not None:
            return self.dayfirst
        return self.decided.get(column, False)

    def add(self, column, numeric, rows):
        self.columns.setdefault(column, DateKinds(column)).add(numeric, rows)

    def report(self, report, path, at: int | None = None):
        """Write the date notes into ``report`` (at position ``at`` of its notes, by default at the end).

        Raises CorpusError when the chunks, taken together, call for another reading than the one
        decided beforehand (the file changed between the two passes).
        """
        from .loadreport import CorpusError, LoadReport

        notes = LoadReport(report.source)
        for column, kinds in self.columns.items():
            used = self.day_first(column)
            if read_day_first(kinds, self.dayfirst, notes) != used:
                raise CorpusError(
                    f"{path}: date column {str(column)!r}: the first pass over the column read its numeric dates "
                    f"{'day' if used else 'month'} first, but the rows read afterwards call for the other "
                    "reading (did the file change while it was read?); run again, or choose with "
                    "--dayfirst/--no-dayfirst")
            note = short_year_note(kinds)
            if note:
                notes.notes.append(note)
        at = len(report.notes) if at is None else at
        report.notes[at:at] = notes.notes


def read_day_first(kinds: DateKinds, dayfirst, report) -> bool:
    """Decide how the numeric dates of one column are read and say so in ``report``; True: day first."""
    n_amb, amb, ambiguous = kinds.describe("ambiguous")
    n_day, day, day_only = kinds.describe("day")
    n_mon, mon, month_only = kinds.describe("month")
    col = f"date column {str(kinds.column)!r}"
    if dayfirst is True:
        if n_amb or n_day:
            report.notes.append(f"{col}: numeric dates read day first (dayfirst=True), "
                                f"e.g. {amb or day!r} as {_iso(amb or day, True)}")
        if n_mon:
            report.notes.append(f"{col}: {month_only} cannot be day first (the second number is above 12): "
                                "read month first")
        return True
    if dayfirst is False:
        if n_amb or n_mon:
            report.notes.append(f"{col}: numeric dates read month first (dayfirst=False), "
                                f"e.g. {amb or mon!r} as {_iso(amb or mon, False)}")
        if n_day:
            report.notes.append(f"{col}: {day_only} cannot be month first (the first number is above 12): "
                                "read day first")
        return False
    # dayfirst=None: the column decides
    if n_day and n_mon:
        report.notes.append(
            f"{col} mixes dates that can only be day first, {day_only}, and dates that can only be month "
            f"first, {month_only}: each is read the only way it can be"
            + (f", and {ambiguous}, which could be either, month first" if n_amb else "")
            + "; check the column, or choose with dayfirst=True/False (--dayfirst/--no-dayfirst)")
        return False
    if n_day:
        report.notes.append(
            f"{col}: dates read day first, because {day_only} can only be day first (the first number "
            "is above 12)"
            + (f"; {ambiguous}, which could be either, read the same way ({amb!r} as {_iso(amb, True)}); "
               "pass dayfirst=False (--no-dayfirst) to read those month first" if n_amb else ""))
        return True
    if n_mon and n_amb:
        report.notes.append(
            f"{col}: dates read month first, because {month_only} can only be month first (the second "
            f"number is above 12); {ambiguous}, which could be either, read the same way "
            f"({amb!r} as {_iso(amb, False)})")
    elif n_amb:
        report.notes.append(
            f"{col}: ambiguous dates: {ambiguous} can be read day first or month first, and no date in the "
            f"column decides (none has a first number above 12): read month first ({amb!r} as "
            f"{_iso(amb, False)}); pass dayfirst=True (--dayfirst) if the column is day first")
    return False


def _iso(value: str, dayfirst: bool) -> str:
    """How ``value`` is read, as an ISO date (for the notes)."""
    ts, problem = _read_one(value, dayfirst)
    return "an unreadable date" if problem is not None else ts.strftime("%Y-%m-%d")
