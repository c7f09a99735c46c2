"""Dates as exports write them: one format per column, inferred, never guessed.

``03/04/2024`` is the 3rd of April in Europe and March the 4th in the US. pandas reads
such a column month-first without a word, and a column that mixes the two reads as
nonsense. :func:`parse_dates` therefore infers one format per column:

- ISO 8601 (``2024-03-31``, ``2024-03-31 14:05``, ``2024-03-31T14:05:00Z``), and
  ``2024/03/31`` or ``20240331``: unambiguous, always accepted;
- day/month/year with ``/``, ``.`` or ``-`` (``31/03/2024``, ``31.03.24``): day-first if
  some value can only be day-first (a first number above 12), month-first if some value
  can only be month-first, **refused** if every value could be either (unless the
  ``date_format`` parameter says which) or if the column holds both kinds;
- a month written as a word (``31 Mar 2024``, ``March 31, 2024``);
- a number, or a cell Excel stored as a number: an Excel serial day number (days since
  1899-12-30; ``45382`` is 2024-03-31), the way Excel keeps dates whose cell lost its
  date format. Only serials of 1950–2099 (18,264 to 73,050) are read: a year (``2019``)
  or a timestamp in milliseconds would otherwise become a date in 1905 or 9999.

Values that fit none of these, or name a day that does not exist (``31/02/2024``), are
reported with their rows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
SERIAL_RANGE = (18_264, 73_051)  # 1950-01-01 up to 2100-01-01: serials read as dates
_SERIAL_PROBLEM = ("is not a date (a number in a date column is read as an Excel serial day "
                   "number, 18264 to 73050 for 1950-2099; write the date itself)")

# date_format parameter values and what they mean
DAY_FIRST = ("DD/MM/YYYY", "dayfirst", "day-first")
MONTH_FIRST = ("MM/DD/YYYY", "monthfirst", "month-first")
_DAY_FIRST_SPELLED = re.compile(r"^DD([/.\-])MM\1YY(YY)?$", re.IGNORECASE)
_MONTH_FIRST_SPELLED = re.compile(r"^MM([/.\-])DD\1YY(YY)?$", re.IGNORECASE)


def check_format(date_format: str | None) -> str | None:
    """The ``date_format`` parameter in the form :func:`parse_dates` takes, or a clear error.

    ``DD/MM/YYYY`` (also ``DD.MM.YY``, ``dayfirst``) means day first; ``MM/DD/YYYY``
    (``monthfirst``) month first; a text with ``%`` is a ``strftime`` format.

    Examples
    --------
    >>> check_format("dd.mm.yyyy"), check_format("%d %m %Y"), check_format("")
    ('DD/MM/YYYY', '%d %m %Y', None)
    """
    from ..errors import ParameterError

    if not date_format:
        return None
    text = str(date_format).strip()
    if text in DAY_FIRST or _DAY_FIRST_SPELLED.match(text):
        return DAY_FIRST[0]
    if text in MONTH_FIRST or _MONTH_FIRST_SPELLED.match(text):
        return MONTH_FIRST[0]
    if "%" in text:
        return text
    raise ParameterError(f"date_format must be DD/MM/YYYY, MM/DD/YYYY or a strftime format "
                         f"such as %d.%m.%Y, not {text!r}")

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?"
_ISO = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T].*)?$")
_COMPACT = re.compile(r"^\d{8}$")
_DMY = re.compile(r"^(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
                  rf"(?P<time>{_TIME})$")
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_MONTH_WORD = re.compile(r"[A-Za-z]{3,}")


@dataclass
class DateProblem:
    """Why some values of a date column were not read: message and offending labels."""

    message: str
    index: list = field(default_factory=list)


def _serials(numbers: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Excel serial day numbers to timestamps; the mask of numbers out of range."""
    bad = numbers.notna() & ((numbers < SERIAL_RANGE[0]) | (numbers >= SERIAL_RANGE[1]))
    days = numbers.where(~bad)
    return EXCEL_EPOCH + pd.to_timedelta(days, unit="D"), bad


def _iso(text: pd.Series) -> pd.Series:
    """ISO-like dates (``-``, ``/`` or ``.`` between year, month and day); NaT if not."""
    normal = text.str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3", regex=True)
    out = pd.to_datetime(normal, format="ISO8601", errors="coerce", utc=True)
    return out.dt.tz_localize(None)


def _dmy(parts: pd.DataFrame, day_first: bool) -> pd.Series:
    """Day/month/year parts (columns a, b, y, time) read day-first or month-first."""
    day, month = (parts["a"], parts["b"]) if day_first else (parts["b"], parts["a"])
    year = parts["y"].where(parts["y"].str.len() == 4, "20" + parts["y"])
    text = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + parts["time"].fillna("")
    return pd.to_datetime(text, format="mixed", errors="coerce")


def _explicit(text: pd.Series, date_format: str) -> pd.Series:
    return pd.to_datetime(text, format=date_format, errors="coerce")


def parse_dates(values: pd.Series, date_format: str | None = None
                ) -> tuple[pd.Series, list[DateProblem]]:
    """Read a column of dates written one way (see the module docstring).

    Parameters
    ----------
    values : Series
        The column as read: text (CSV), timestamps or numbers (Excel, Parquet).
    date_format : str, optional
        How ambiguous day/month dates are written: ``"DD/MM/YYYY"`` (day first),
        ``"MM/DD/YYYY"`` (month first), or a ``strftime`` format such as ``"%d.%m.%Y"``
        that every text value not written in ISO 8601 must follow. Default: inferred from
        the column.

    Returns
    -------
    dates : Series of datetime64[ns]
        Missing where the value was empty or could not be read.
    problems : list of DateProblem
        What could not be read, with the index labels of the offending values.

    Examples
    --------
    >>> s = pd.Series(["31/03/2024", "01/04/2024", ""])
    >>> dates, problems = parse_dates(s)
    >>> dates.dt.strftime("%Y-%m-%d").tolist(), problems
    (['2024-03-31', '2024-04-01', nan], [])
    >>> parse_dates(pd.Series(["03/04/2024"]))[1][0].message[:42]
    'could be day-first or month-first (03/04/2'
    >>> parse_dates(pd.Series(["03/04/2024"]), "DD/MM/YYYY")[0].dt.strftime("%d %b").tolist()
    ['03 Apr']
    >>> parse_dates(pd.Series([45382, 45383.5]))[0].astype(str).tolist()
    ['2024-03-31 00:00:00', '2024-04-01 12:00:00']
    """
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    problems: list[DateProblem] = []
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(None).astype("datetime64[ns]"), problems
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype("datetime64[ns]"), problems
    if pd.api.types.is_bool_dtype(values.dtype):
        return out, [DateProblem("is not a date", list(values.index[values.notna()]))]
    if pd.api.types.is_numeric_dtype(values.dtype):
        dates, bad = _serials(pd.to_numeric(values, errors="coerce").astype(float))
        out[:] = dates
        if bad.any():
            problems.append(DateProblem(_SERIAL_PROBLEM, list(values.index[bad])))
        return out, problems

    # a mix of text, timestamps and numbers (Excel), or all text (CSV)
    obj = values.astype(object)
    if isinstance(values.dtype, pd.StringDtype):  # CSV: all text, no per-value look
        is_stamp = is_num = pd.Series(False, index=values.index)
    else:
        is_stamp = obj.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64))
                           or (hasattr(v, "year") and hasattr(v, "month")))
        is_num = obj.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                         and not isinstance(v, (bool, np.bool_)) and not pd.isna(v))
    if is_stamp.any():
        out[is_stamp] = pd.to_datetime(obj[is_stamp].astype(str), errors="coerce")
    text = obj.where(~(is_stamp | is_num)).astype("string").str.strip()
    text = text.where(text.ne(""))
    is_num |= text.str.fullmatch(_NUMBER.pattern).fillna(False).astype(bool) \
        & ~text.str.fullmatch(_COMPACT.pattern).fillna(False).astype(bool)
    if is_num.any():
        numbers = pd.to_numeric(obj[is_num].astype(str).str.strip(), errors="coerce")
        dates, bad = _serials(numbers.astype(float))
        out[is_num] = dates
        if bad.any():
            problems.append(DateProblem(_SERIAL_PROBLEM, list(bad.index[bad])))
    text = text.where(~is_num)
    todo = text.notna()
    if not todo.any():
        return out, problems
    iso = text[todo].str.fullmatch(_ISO.pattern).fillna(False).astype(bool)
    if date_format and date_format not in DAY_FIRST + MONTH_FIRST:
        # a strftime format for the exports' own dates; ISO dates stay ISO in any table
        idx = iso[~iso].index
        parsed = _explicit(text[idx], date_format)
        out[idx] = parsed
        if iso.any():
            out[iso[iso].index] = _iso(text[iso[iso].index])
        bad = out[todo].isna()
        if bad.any():
            problems.append(DateProblem(f"is not a date in the format {date_format}",
                                        list(bad.index[bad])))
        return out, problems

    compact = text[todo].str.fullmatch(_COMPACT.pattern).fillna(False).astype(bool)
    if iso.any():
        out[iso[iso].index] = _iso(text[iso[iso].index])
    if compact.any():
        idx = compact[compact].index
        out[idx] = pd.to_datetime(text[idx], format="%Y%m%d", errors="coerce")
    rest = text[todo][~(iso | compact)]
    unread = list(iso[iso].index[out[iso[iso].index].isna()]) \
        + list(compact[compact].index[out[compact[compact].index].isna()])
    if len(rest):
        parts = rest.str.extract(_DMY.pattern)
        dmy = parts["a"].notna()
        words = ~dmy & rest.str.contains(_MONTH_WORD.pattern, regex=True).fillna(False)
        if words.any():
            idx = words[words].index
            out[idx] = pd.to_datetime(rest[idx], format="mixed", errors="coerce")
            unread += list(idx[out[idx].isna()])
        unread += list(rest.index[~dmy & ~words])
        if dmy.any():
            p = parts[dmy]
            a, b = p["a"].astype(int), p["b"].astype(int)
            only_day_first = a > 12
            only_month_first = b > 12
            if date_format in DAY_FIRST:
                day_first = True
            elif date_format in MONTH_FIRST:
                day_first = False
            elif only_day_first.any() and only_month_first.any():
                minority = only_month_first if only_month_first.sum() <= only_day_first.sum() \
                    else only_day_first
                day_like = rest[only_day_first[only_day_first].index[0]]
                month_like = rest[only_month_first[only_month_first].index[0]]
                problems.append(DateProblem(
                    f"mixes day-first dates ({int(only_day_first.sum())} like {day_like}) and "
                    f"month-first dates ({int(only_month_first.sum())} like {month_like}); "
                    "write every date one way", list(minority[minority].index)))
                return out, problems
            elif only_day_first.any():
                day_first = True
            elif only_month_first.any():
                day_first = False
            else:
                problems.append(DateProblem(
                    f"could be day-first or month-first ({rest[p.index[0]]} is "
                    f"{_both(p.iloc[0])}); set the parameter date_format to DD/MM/YYYY or "
                    "MM/DD/YYYY", list(p.index)))
                return out, problems
            parsed = _dmy(p, day_first)
            out[p.index] = parsed
            unread += list(parsed.index[parsed.isna()])
    if unread:
        problems.append(DateProblem("is not a date", sorted(unread, key=values.index.get_loc)))
    return out, problems


def _both(parts) -> str:
    a, b, y = int(parts["a"]), int(parts["b"]), parts["y"]
    year = y if len(y) == 4 else f"20{y}"
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{a} {months[b - 1]} {year} day-first, {b} {months[a - 1]} {year} month-first"
