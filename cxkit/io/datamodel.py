"""Questions every analysis asks of the data model, answered once.

- :func:`driver_columns`: the driver-rating columns of a responses table;
- :func:`names_outcome`: whether a column's name says it is an outcome (loyalty), not a
  driver;
- :func:`rating_scale`: the scale a rating column was read on;
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

import numpy as np
import pandas as pd

from .. import periods
from .folder import DEFAULT_SCALE, Scale
from .schemas import TABLES
from .tables import read_info

DIRECTIONS = ("up", "down", "flat")
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
