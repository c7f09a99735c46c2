"""Questions every analysis asks of the data model, answered once.

- :func:`driver_columns`: the driver-rating columns of a responses table;
- :func:`names_outcome`: whether a column's name says it is an outcome (loyalty), not a
  driver;
- :func:`rating_scale`: the scale a rating column was read on;
- :func:`data_span`: the first and last period and date the tables hold, and their period
  length;
- :func:`reporting_period`: the period length a report reads (from the labels, checked
  against a declared one);
- :func:`current_accounts`: which accounts are customers at a date or in a period;
- :func:`yearly_revenue`: each account's spend over a year and its growth on the year before;
- :func:`kpi_wide`: long KPI observations as one row per account and period;
- :func:`change_direction`: whether a change is up, down or flat beyond a threshold.

Examples
--------
>>> import pandas as pd
>>> from cxkit.io.datamodel import change_direction, kpi_wide
>>> change_direction(pd.Series([3.0, -0.5, None]), 2.0).tolist()
['up', 'flat', '']
>>> kpi_wide(pd.DataFrame({"account_id": ["A", "A"], "period": ["2025Q1"] * 2,
...                        "kpi": ["csat", "nps"], "value": [80.0, 30.0]}), ["csat", "nps", "x"])
  account_id  period  csat   nps   x
0          A  2025Q1  80.0  30.0 NaN
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import periods
from ..errors import ParameterError
from .folder import DEFAULT_SCALE, Scale
from .schemas import TABLES
from .problems import read_info

DIRECTIONS = ("up", "down", "flat")
#: the tables whose rows are labelled with the reporting period (raw source tables such as
#: ``product_usage`` keep their own)
PERIOD_TABLES = ("revenue", "kpis", "operations")
#: dates that record an observation made while the data was collected; they set the data's
#: span (with the periods of :data:`PERIOD_TABLES`), unless they lie after the day of the run
OBSERVATION_DATES = {"responses": "response_date", "complaints": "complaint_date",
                     "support_tickets": "opened_at", "erp_invoices": "invoice_date",
                     "web_events": "event_date", "crm_opportunities": "created_date"}
#: words that open a word of a column's name that says the rating is an outcome (loyalty,
#: satisfaction, likelihood to recommend), not a driver
OUTCOME_WORDS = ("recommend", "loyal", "satisf", "likel", "nps", "overall", "repurchase",
                 "continue", "retain", "advoca")


def name_words(name) -> list[str]:
    """The words of a column's name, folded to lower case (``"CUSL3 How likely"`` →
    ``["cusl3", "how", "likely"]``)."""
    return [w for w in re.sub(r"[^a-z0-9]+", "_", str(name).casefold()).split("_") if w]


def names_outcome(name) -> bool:
    """Whether a column's name says it is an outcome: one of its words begins with a
    word of :data:`OUTCOME_WORDS`.

    >>> names_outcome("CUSA1 Overall satisfaction"), names_outcome("loyalty_index")
    (True, True)
    >>> names_outcome("PERQ2 Technical quality of the network"), names_outcome("pm_expertise")
    (False, False)
    """
    return any(w.startswith(k) for w in name_words(name) for k in OUTCOME_WORDS)


def driver_columns(responses: pd.DataFrame) -> list[str]:
    """The driver-rating columns of a responses table.

    Every rating column beyond the core ones, less those the data folder declares
    ``not_drivers``; a loaded table's columns of text or of other numbers (found when it
    was read, :func:`cxkit.io.tables.read_info`) are not ratings.

    >>> driver_columns(pd.DataFrame(columns=["response_id", "ltr", "product_quality"]))
    ['product_quality']
    """
    extra = TABLES["responses"].extra_columns(responses.columns)
    info = read_info(responses)
    if not info:
        return extra
    ratings, left_out = set(info.get("ratings", [])), set(info.get("not_drivers", []))
    return [c for c in extra if c in ratings and c not in left_out]


def rating_scale(table: pd.DataFrame, column: str) -> Scale:
    """The scale a rating column was read on (0–10 unless the data folder declares
    another, ``cxkit.yaml``).

    >>> from cxkit.io import load_table
    >>> rating_scale(load_table("data/sample", "responses"), "ltr")
    Scale(low=0, high=10)
    """
    low_high = read_info(table).get("scales", {}).get(column)
    return Scale(*low_high) if low_high else DEFAULT_SCALE


def scale_declared(table: pd.DataFrame, column: str) -> bool:
    """Whether the data folder declares the scale of ``column`` (or a default one)."""
    info = read_info(table)
    return column in info.get("declared_scales", []) or (
        "default" in info.get("declared_scales", []))


@dataclass(frozen=True)
class DataSpan:
    """What the tables hold: the period length of their labels and the first and last
    period and date.

    ``freq`` is None where no table is labelled with periods; ``first_period`` and
    ``last_period`` are then empty. ``first_date`` and ``last_date`` cover the periods
    (the first one's first day, the last one's last day) and the observations
    (:data:`OBSERVATION_DATES`) up to ``today``; None where the tables hold neither.
    """

    freq: str | None
    first_period: str
    last_period: str
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None
    sources: tuple[str, ...] = ()

    def sentence(self) -> str:
        """The span in words: ``"The data runs from 2023-01-01 to 2025-12-31 (quarters
        2023Q1 to 2025Q4)."``"""
        if self.last_date is None:
            return "The data holds no dated rows."
        text = (f"The data runs from {self.first_date:%Y-%m-%d} to {self.last_date:%Y-%m-%d}")
        if self.freq:
            text += (f" ({periods.unit(self.freq)}s {self.first_period} to "
                     f"{self.last_period})")
        return text + "."


def data_span(tables, today=None) -> DataSpan:
    """The data's span: the one definition every check of dates and periods reads.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Validated tables by name (those not there are left out).
    today : date, optional
        The day of the run; observations after it are not part of the span (they are
        contradictions). Default: today.

    Returns
    -------
    DataSpan

    Examples
    --------
    >>> rev = pd.DataFrame({"account_id": ["A", "A"], "period": ["2024Q4", "2025Q1"],
    ...                     "revenue": [1.0, 1.0]})
    >>> resp = pd.DataFrame({"response_date": pd.to_datetime(["2024-11-02", "2099-01-01"])})
    >>> span = data_span({"revenue": rev, "responses": resp}, today="2026-01-01")
    >>> span.freq, span.first_period, span.last_period, str(span.last_date.date())
    ('Q', '2024Q4', '2025Q1', '2025-03-31')
    >>> span.sentence()
    'The data runs from 2024-10-01 to 2025-03-31 (quarters 2024Q4 to 2025Q1).'
    """
    today = pd.Timestamp(today if today is not None else pd.Timestamp.today()).normalize()
    freq, labels, sources = None, [], []
    for name in PERIOD_TABLES:
        df = tables.get(name)
        if df is None or "period" not in df.columns or df.empty:
            continue
        own = df["period"].dropna().astype(str)
        if own.empty:
            continue
        freq = freq or periods.freq_of(own)
        if periods.freq_of(own) != freq:
            continue  # said by reporting_period
        labels += [own.min(), own.max()]
        sources.append(name)
    dates = []
    if labels:
        dates += [pd.Period(min(labels), freq=freq).start_time,
                  pd.Period(max(labels), freq=freq).end_time.normalize()]
    for name, column in OBSERVATION_DATES.items():
        df = tables.get(name)
        if df is None or column not in df.columns:
            continue
        seen = pd.to_datetime(df[column], errors="coerce").dropna()
        seen = seen[seen.dt.normalize() <= today]
        if len(seen):
            dates += [seen.min().normalize(), seen.max().normalize()]
            sources.append(name)
    return DataSpan(freq, min(labels) if labels else "", max(labels) if labels else "",
                    min(dates) if dates else None, max(dates) if dates else None,
                    tuple(sources))


def reporting_period(tables, declared: str = "") -> str:
    """The period length a report reads: the one its tables' labels are written in.

    Parameters
    ----------
    tables : mapping of str to DataFrame
    declared : {"", "Q", "M", "Y"}
        The ``period`` setting; empty: from the labels (quarters where no table is
        labelled).

    Raises
    ------
    ParameterError
        If a declared period differs from the labels, or two tables are labelled with
        different period lengths: reading monthly revenue as quarters would call a
        monthly rate quarterly and drop the departures that match no quarter.

    Examples
    --------
    >>> rev = pd.DataFrame({"period": ["2025-01", "2025-02"]})
    >>> reporting_period({"revenue": rev}), reporting_period({"revenue": rev}, "M")
    ('M', 'M')
    >>> reporting_period({"revenue": rev}, "Q")
    Traceback (most recent call last):
    ...
    cxkit.errors.ParameterError: parameter 'period' is 'Q' (quarters), but the revenue table is labelled in months (2025-01); leave period empty to read it from the labels, or set it to M
    """
    found = {}
    for name in PERIOD_TABLES:
        df = tables.get(name)
        if df is not None and "period" in df.columns:
            freq = periods.freq_of(df["period"].dropna().astype(str))
            if freq:
                found[name] = (freq, str(df["period"].dropna().iloc[0]))
    lengths = sorted({f for f, _ in found.values()})
    if len(lengths) > 1:
        said = ", ".join(f"{n} in {periods.unit(f)}s ({label})" for n, (f, label)
                         in found.items())
        raise ParameterError(f"the tables are labelled with different periods ({said}); "
                             "label them with one period length")
    if declared:
        periods.check(declared)
        if lengths and lengths[0] != declared:
            name, (freq, label) = next(iter(found.items()))
            raise ParameterError(
                f"parameter 'period' is '{declared}' ({periods.unit(declared)}s), but the "
                f"{name} table is labelled in {periods.unit(freq)}s ({label}); leave period "
                f"empty to read it from the labels, or set it to {freq}")
        return declared
    return lengths[0] if lengths else "Q"


def current_accounts(accounts: pd.DataFrame, at=None, freq: str | None = None) -> pd.Series:
    """Whether each account is a customer at ``at``: one boolean per row of ``accounts``.

    Parameters
    ----------
    accounts : DataFrame
        The accounts table (``status``, ``lost_date``, ``customer_since``).
    at : date or period label, optional
        Without it: the accounts active now (``status`` active). A date: customers since
        that date or before and not lost by it (lost after it). A period label (with
        ``freq``): not lost before that period, so an account lost during it still counts
        for it, as its KPIs and revenue do.
    freq : {"Q", "M", "Y"}, optional
        The period of a label ``at``.

    Returns
    -------
    Series of bool
        Indexed like ``accounts``.

    Examples
    --------
    >>> acc = pd.DataFrame({"status": ["active", "lost", "lost"],
    ...                     "customer_since": pd.to_datetime(["2020-01-01"] * 3),
    ...                     "lost_date": pd.to_datetime([None, "2025-02-10", "2025-08-01"])})
    >>> current_accounts(acc).tolist()
    [True, False, False]
    >>> current_accounts(acc, at="2025-06-30").tolist()
    [True, False, True]
    >>> current_accounts(acc, at="2025Q1", freq="Q").tolist()
    [True, True, True]
    """
    if at is None:
        return accounts["status"].eq("active")
    if freq is not None:
        return accounts["lost_date"].isna() | (periods.labels(accounts["lost_date"], freq)
                                               >= str(at))
    at = pd.Timestamp(at)
    return ((accounts["lost_date"].isna() | (accounts["lost_date"] > at))
            & (accounts["customer_since"] <= at))


def yearly_revenue(revenue: pd.DataFrame, end_period: str, freq: str = "Q") -> pd.DataFrame:
    """Each account's revenue over the year to ``end_period`` and its growth on the year before.

    The one definition of an account's yearly spend: the planning portfolio, the advocacy
    ladder and customer math's detractors-to-call all read it.

    Parameters
    ----------
    revenue : DataFrame
        The validated revenue table (``account_id``, ``period``, ``revenue``).
    end_period : str
        The last period of the year (``2025Q4``).
    freq : str
        Period of the revenue table: Q, M or Y.

    Returns
    -------
    DataFrame
        Indexed by ``account_id`` (every account in ``revenue``): ``spend`` (revenue in
        the year's periods; missing with none), ``previous`` (the year before), ``growth``
        (``spend / previous - 1``; missing unless both years have every period and
        ``previous`` is above 0).

    Examples
    --------
    >>> rev = pd.DataFrame({"account_id": ["A"] * 8 + ["B"] * 3,
    ...                     "period": [f"2024Q{q}" for q in range(1, 5)]
    ...                     + [f"2025Q{q}" for q in range(1, 5)] + ["2025Q2", "2025Q3", "2025Q4"],
    ...                     "revenue": [10.0] * 4 + [12.0] * 4 + [5.0] * 3})
    >>> yearly_revenue(rev, "2025Q4", "Q")
                spend  previous  growth
    account_id
    A            48.0      40.0     0.2
    B            15.0       NaN     NaN
    """
    n = periods.per_year(freq)
    end = pd.Period(end_period, freq=freq)
    this = [str(end - i) for i in range(n)]
    before = [str(end - n - i) for i in range(n)]
    rev = revenue.pivot_table(index="account_id", columns="period", values="revenue",
                              aggfunc="sum")
    a, b = rev.reindex(columns=this), rev.reindex(columns=before)
    out = pd.DataFrame({"spend": a.sum(axis=1, min_count=1),
                        "previous": b.sum(axis=1, min_count=1)})
    complete = a.notna().all(axis=1) & b.notna().all(axis=1) & (out["previous"] > 0)
    out["growth"] = (out["spend"] / out["previous"] - 1).where(complete)
    return out


def kpi_wide(kpis: pd.DataFrame, names=()) -> pd.DataFrame:
    """Long KPI observations (account_id, period, kpi, value) as one row per account and period.

    Every KPI in ``names`` gets a column, missing everywhere if it was never observed (its
    stage then scores on its other KPIs). Repeated observations are averaged.

    Returns
    -------
    DataFrame
        ``account_id``, ``period`` and one column per KPI.
    """
    wide = kpis.pivot_table(index=["account_id", "period"], columns="kpi", values="value",
                            aggfunc="mean")
    wide.columns.name = None
    wide = wide.reset_index()
    for k in names:
        if k not in wide.columns:
            wide[k] = np.nan
    return wide


def change_direction(change, threshold: float):
    """``"up"``, ``"down"`` or ``"flat"`` for a change beyond ``threshold`` either way.

    A missing change gives ``""``. Takes a number (returns a str) or a Series (returns a
    Series of str with the same index).

    >>> change_direction(-3.0, 2.0), change_direction(1.0, 2.0), change_direction(np.nan, 2.0)
    ('down', 'flat', '')
    """
    if isinstance(change, pd.Series):
        x = pd.to_numeric(change, errors="coerce").to_numpy(dtype=float)
        out = np.select([np.isnan(x), x > threshold, x < -threshold], ["", "up", "down"],
                        default="flat")
        return pd.Series(out, index=change.index, dtype=object)
    if change is None or np.isnan(change):
        return ""
    return "up" if change > threshold else "down" if change < -threshold else "flat"
