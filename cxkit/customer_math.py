"""Customer math: customers in against customers out, by count and by money.

A retention rate "holding steady at 70 %" hides the leaky bucket: how many customers and
how much revenue came in, and how much went out. This module follows every account
through the periods of the revenue table and classifies each period's change, the way
subscription analytics do (ChartMogul, Stripe: new business, expansion, contraction,
churn, reactivation):

- an account is **active** in a period with revenue in it. With ``reactivation_gap``
  N > 1, a gap of fewer than N periods without revenue between two periods with revenue
  is bridged: the account stays a customer, with zero revenue in the gap (a contraction
  to zero, then an expansion);
- **new**: active for the first time (the first period with revenue);
- **reactivated**: active again after a gap of at least N periods;
- **lost**: active in the period before, not in this one: its revenue stopped, or (with
  ``lost="lost_date_or_revenue"``, the default where the accounts table is given) the
  period holds its ``lost_date``, even if it still booked revenue for part of it. Revenue
  after that period is a contradiction :func:`reconcile` names, never silently dropped;
- an account acquired and lost within one period counts as new and as lost, its revenue
  as new revenue and as lost revenue;
- for accounts active in both periods, **expansion** and **contraction** are the rise
  and the fall of their revenue; a drop to lower but non-zero revenue is contraction,
  never a loss.

Every period reconciles by construction, by count and by revenue::

    start + new + reactivated − lost = end
    start revenue + new + reactivated + expansion − contraction − lost = end revenue

Retention per period (definitions in ``docs/customer-math.md``): logo retention
``(start − lost) / start``; gross revenue retention
``(start revenue − contraction − lost) / start revenue`` (at most 100 %); net revenue
retention adds expansion (and reactivated revenue, where ``reactivation_in_nrr``). New
customers' revenue counts in neither.

Examples
--------
ChartMogul's worked example: start 100, churn 10, contraction 10, expansion 10.

>>> import pandas as pd
>>> revenue = pd.DataFrame({"account_id": list("ABCDABD"), "period": ["2024Q1"] * 4 + ["2024Q2"] * 3,
...                         "revenue": [40, 30, 10, 20, 40, 20, 30]})
>>> r = retention(flows(account_movements(revenue)))
>>> r.loc["2024Q2", ["logo_retention", "gross_revenue_retention", "net_revenue_retention"]].tolist()
[0.75, 0.8, 0.9]
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import field_validator

from . import periods as per
from .analysis import Analysis
from .errors import CxkitWarning, DataError, ParameterError
from .intervals import wilson
from .io.contradictions import revenue_after_lost
from .io.datamodel import reporting_period, yearly_revenue
from .io.folder import CONTRADICTIONS
from .io.problems import read_info
from .io.tables import contradictions_of
from .settings import Annotated, Field, Literal, Options, between

MOVEMENTS = ("new", "reactivated", "expansion", "contraction", "flat", "lost", "new_lost")
_MOVE_CATEGORIES = ("", *MOVEMENTS)
FLOW_COLUMNS = ["start", "new", "reactivated", "lost", "end", "start_revenue", "new_revenue",
                "reactivated_revenue", "expansion", "contraction", "lost_revenue",
                "end_revenue", "in_and_out", "in_and_out_revenue"]
NPS_ORDER = ["detractor", "passive", "promoter"]
BAND_ORDER = ["red", "amber", "green"]
VALUE_TIERS = ["high", "middle", "low"]
EXPERIENCE_ORDER = ["good", "fair", "poor", "unknown"]
EXPERIENCE_OF = {"red": "poor", "amber": "fair", "green": "good", "detractor": "poor",
                 "passive": "fair", "promoter": "good"}


class CustomerMathSettings(Options):
    """The rules of :class:`CustomerMath`'s settings (checked by ``fit``)."""

    contradictions: str = ""
    renewal: str = "Y"
    margin: Annotated[float, between(0, 1)] = 0.3
    discount_rate: Annotated[float, Field(gt=0, le=1)] = 0.1  # as BOUNDS, for the API
    followup_days: Annotated[int, Field(ge=0, le=3650)] = 14
    confidence: Annotated[float, Field(gt=0, lt=1)] = 0.95

    @field_validator("contradictions")
    @classmethod
    def _contradictions(cls, value):
        if value not in ("", *CONTRADICTIONS):
            raise ValueError(f"must be error or show (or empty: the data folder's rule), "
                             f"not {value!r}")
        return value

    @field_validator("renewal")
    @classmethod
    def _renewal(cls, value):
        if value not in per.FREQS:
            raise ValueError(f"must be Y (year), Q (quarter) or M (month), not {value!r}")
        return value


class Definitions(Options):
    """What counts as a customer coming in, going out or coming back.

    Parameters
    ----------
    lost : {"lost_date_or_revenue", "revenue"}
        ``revenue``: lost in the first period without revenue. ``lost_date_or_revenue``:
        also lost in the period of the account's ``lost_date`` (needs the accounts table).
    reactivation_gap : int
        Periods without revenue after which revenue again counts as a reactivation
        (and the stop as a loss). Shorter gaps are bridged. 1: every period without
        revenue is a loss.
    reactivation_in_nrr : bool
        Whether reactivated revenue counts in net revenue retention (vendors differ).
    new : {"first_revenue", "customer_since"}
        ``first_revenue``: new in the first period with revenue. ``customer_since``: new in
        the period of the account's ``customer_since`` when that is inside the table and
        earlier, a customer with zero revenue until its first revenue (needs the accounts
        table); revenue before ``customer_since`` is then a contradiction.
    """

    lost: Literal["lost_date_or_revenue", "revenue"] = "lost_date_or_revenue"
    reactivation_gap: int = 1
    reactivation_in_nrr: bool = False
    new: Literal["first_revenue", "customer_since"] = "first_revenue"

    @field_validator("reactivation_gap", mode="before")
    @classmethod
    def _gap(cls, value):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"must be a whole number of periods, at least 1, not {value!r}")
        return value

    @classmethod
    def from_dict(cls, values: dict | None) -> "Definitions":
        """From the ``definitions`` mapping of ``params/customer_math.yaml``."""
        values = dict(values or {})
        known = list(cls.model_fields)
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ParameterError(f"unknown customer-math definition(s): {', '.join(unknown)} "
                                 f"(known: {', '.join(sorted(known))})")
        return cls(**values)

    def sentences(self) -> list[str]:
        """The definitions in plain words, for a report."""
        gap = self.reactivation_gap
        when = ("in the period of its lost date, or " if self.lost == "lost_date_or_revenue"
                else "")
        return [
            "A customer is new in the first period it has revenue."
            if self.new == "first_revenue" else
            "A customer is new in the period of its customer_since date (with zero revenue "
            "until its first invoice), or in its first period with revenue if that is "
            "earlier in the table.",
            f"A customer is lost {when}in the first period without revenue"
            + (f" when no revenue follows within {gap - 1} period{'s' if gap > 2 else ''}; "
               "a shorter gap is bridged (contraction to zero, then expansion)."
               if gap > 1 else "."),
            f"A lost customer with revenue again is reactivated"
            + (f" (after {gap} or more periods without revenue)." if gap > 1 else "."),
            "A customer with lower but non-zero revenue has contracted, not left.",
            "A period whose net revenue is negative (credit notes larger than invoices) "
            "counts as a period without revenue; the credits are listed.",
            "Net revenue retention " + ("counts" if self.reactivation_in_nrr else
                                        "does not count") + " reactivated revenue.",
        ]


def _matrix(revenue: pd.DataFrame) -> tuple[np.ndarray, pd.Index, pd.Index]:
    """Revenue as an accounts × periods matrix (zero where no row), in period order."""
    acc_codes, accounts = pd.factorize(revenue["account_id"], sort=True)
    per_codes, periods = pd.factorize(revenue["period"], sort=True)
    r = np.zeros((len(accounts), len(periods)))
    np.add.at(r, (acc_codes, per_codes), revenue["revenue"].to_numpy(dtype=float))
    return r, pd.Index(accounts, name="account_id"), pd.Index(periods, name="period")


def _active(r: np.ndarray, gap: int) -> np.ndarray:
    """Active cells: revenue, or a gap shorter than ``gap`` between two revenue periods."""
    paid = r > 0
    if gap <= 1:
        return paid
    n, t = paid.shape
    idx = np.arange(t)
    prev = np.where(paid, idx, -1)
    prev = np.maximum.accumulate(prev, axis=1)  # last period with revenue, up to here
    nxt = np.where(paid, idx, t)
    nxt = np.minimum.accumulate(nxt[:, ::-1], axis=1)[:, ::-1]  # next one, from here on
    bridged = ~paid & (prev >= 0) & (nxt < t) & (nxt - prev - 1 < gap)
    return paid | bridged


def departures(accounts: pd.DataFrame, lost_customers: pd.DataFrame | None = None
               ) -> pd.DataFrame:
    """Every known departure: the accounts' ``lost_date`` and the ``lost_customers`` dates.

    An account lost and won back is active again in the accounts table (no ``lost_date``);
    its earlier departure is in ``lost_customers``. Returns ``account_id``, ``lost_date``,
    one row per distinct departure, in date order.
    """
    parts = [accounts.loc[accounts["lost_date"].notna(), ["account_id", "lost_date"]]]
    if lost_customers is not None and len(lost_customers):
        parts.append(lost_customers.loc[lost_customers["lost_date"].notna(),
                                        ["account_id", "lost_date"]])
    out = pd.concat(parts, ignore_index=True).drop_duplicates()
    return out.sort_values(["lost_date", "account_id"], kind="stable").reset_index(drop=True)


def first_departure(accounts: pd.DataFrame, lost_customers: pd.DataFrame | None = None
                    ) -> pd.Series:
    """Each account's first departure date (NaT if never lost), indexed like ``accounts``."""
    first = departures(accounts, lost_customers).groupby("account_id")["lost_date"].min()
    return pd.Series(pd.to_datetime(first.reindex(accounts["account_id"]).to_numpy()),
                     index=accounts.index, name="lost_date")


def _lost_period_mask(accounts: pd.DataFrame, ids: pd.Index, periods: pd.Index,
                      freq: str, lost_customers: pd.DataFrame | None = None) -> np.ndarray:
    """True in the period of each departure date (the account is gone at its end)."""
    mask = np.zeros((len(ids), len(periods)), dtype=bool)
    lost = departures(accounts, lost_customers)
    label = per.labels(lost["lost_date"], freq)
    row = ids.get_indexer(lost["account_id"])
    col = periods.get_indexer(label)
    ok = (row >= 0) & (col >= 0)
    mask[row[ok], col[ok]] = True
    return mask


def _since_mask(accounts: pd.DataFrame, ids: pd.Index, periods: pd.Index, freq: str,
                active: np.ndarray) -> np.ndarray:
    """Customer from the period of ``customer_since`` up to its first active period."""
    mask = np.zeros_like(active)
    row = ids.get_indexer(accounts["account_id"])
    col = periods.get_indexer(per.labels(accounts["customer_since"], freq))
    has = active.any(axis=1)
    first = np.where(has, active.argmax(axis=1), active.shape[1])
    ok = (row >= 0) & (col >= 0)
    row, col = row[ok], col[ok]
    upto = first[row]
    t = np.arange(active.shape[1])
    inside = (t[None, :] >= col[:, None]) & (t[None, :] < upto[:, None])
    mask[row] = inside
    return mask


def credits(revenue: pd.DataFrame) -> pd.DataFrame:
    """Account-periods whose net revenue is negative (credit notes larger than invoices).

    Customer math counts them as periods without revenue; this lists them so nothing is
    dropped unseen. Returns ``account_id``, ``period``, ``revenue`` (negative).
    """
    neg = revenue[revenue["revenue"] < 0]
    return neg[["account_id", "period", "revenue"]].reset_index(drop=True)


def account_movements(revenue: pd.DataFrame, definitions: Definitions | None = None,
                      accounts: pd.DataFrame | None = None, freq: str = "Q",
                      lost_customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """What happened to each account in each period.

    Parameters
    ----------
    revenue : DataFrame
        The validated revenue table: ``account_id``, ``period``, ``revenue`` (periods of
        one length; a missing row is no revenue).
    definitions : Definitions, optional
    accounts : DataFrame, optional
        The accounts table, for ``lost_date`` (rule ``lost_date_or_revenue``) and
        ``customer_since`` (rule ``new="customer_since"``).
    freq : str
        Period length of the revenue table (``Q``, ``M``, ``Y``), to place lost dates.
    lost_customers : DataFrame, optional
        Departures of accounts won back since (their ``lost_date`` is in this table only).

    Returns
    -------
    DataFrame
        One row per account and period from the account's first period with revenue:
        ``account_id``, ``period``, ``revenue``, ``previous_revenue``, ``active`` (a
        customer at the end of the period), ``movement`` (new, reactivated, expansion,
        contraction, flat, lost; ``new_lost`` for an account acquired and lost within
        the period; empty while the account is gone), ``cohort`` (the
        period of its first revenue) and ``age`` (periods since then). The first period
        of the table has no movement for accounts already there: it is the starting base.
        ``account_id``, ``period``, ``movement`` and ``cohort`` are categoricals (built
        from codes, so a table of millions of rows stays fast).
    """
    definitions = definitions or Definitions()
    r, ids, periods = _matrix(revenue)
    r = np.maximum(r, 0.0)  # net credit notes: a period without revenue (listed by credits())
    active = _active(r, definitions.reactivation_gap)
    if definitions.new == "customer_since" and accounts is not None:
        active |= _since_mask(accounts, ids, periods, freq, active)
    gone = np.zeros_like(active)
    if definitions.lost == "lost_date_or_revenue" and accounts is not None:
        gone = _lost_period_mask(accounts, ids, periods, freq, lost_customers)
        active &= ~gone
    prev_active = np.zeros_like(active)
    prev_active[:, 1:] = active[:, :-1]
    prev_r = np.zeros_like(r)
    prev_r[:, 1:] = r[:, :-1]
    seen_before = np.zeros_like(active)
    seen_before[:, 1:] = np.maximum.accumulate(active, axis=1)[:, :-1]
    # acquired and lost within one period: in and out, both counted
    came_went = gone & (r > 0) & ~prev_active & ~seen_before
    present = active | came_went
    # one acquired and lost within a period is back, not new, when it returns
    seen_before[:, 1:] = np.maximum.accumulate(present, axis=1)[:, :-1]
    first = present.argmax(axis=1)
    # movements as codes into _MOVE_CATEGORIES ("" is no movement)
    code = {name: i for i, name in enumerate(_MOVE_CATEGORIES)}
    move = np.zeros(r.shape, dtype=np.int8)
    move[active & ~prev_active & ~seen_before] = code["new"]
    move[active & ~prev_active & seen_before] = code["reactivated"]
    move[~active & prev_active] = code["lost"]
    both = active & prev_active
    move[both & (r > prev_r)] = code["expansion"]
    move[both & (r < prev_r)] = code["contraction"]
    move[both & (r == prev_r)] = code["flat"]
    move[came_went] = code["new_lost"]
    move[:, 0] = np.where(present[:, 0], 0, move[:, 0])  # the starting base
    t_idx = np.arange(len(periods))
    keep = t_idx[None, :] >= first[:, None]
    keep &= present.any(axis=1)[:, None]
    a_i, t_i = np.nonzero(keep)
    prev_kept = prev_r[a_i, t_i]
    moved = move[a_i, t_i]
    prev_kept[~active[a_i, t_i] & (moved != code["lost"])] = 0.0
    labels = pd.Index(periods.astype(str))
    # categorical columns: built from codes, no text is copied per row
    return pd.DataFrame({
        "account_id": pd.Categorical.from_codes(a_i, categories=pd.Index(ids.astype(str))),
        "period": pd.Categorical.from_codes(t_i, categories=labels, ordered=True),
        "revenue": r[a_i, t_i], "previous_revenue": prev_kept,
        "active": active[a_i, t_i],
        "movement": pd.Categorical.from_codes(moved, categories=_MOVE_CATEGORIES),
        "cohort": pd.Categorical.from_codes(first[a_i], categories=labels, ordered=True),
        "age": t_i - first[a_i]})


def flows(movements: pd.DataFrame, by: str | None = None,
          groups: pd.Series | None = None) -> pd.DataFrame:
    """Customers in and out per period, by count and by revenue.

    Parameters
    ----------
    movements : DataFrame
        :func:`account_movements`.
    by : str, optional
        Name of the grouping (e.g. ``"segment"``); ``groups`` maps account ids to it.
    groups : Series, optional
        Group of each account, indexed by ``account_id``.

    Returns
    -------
    DataFrame
        Indexed by ``period`` (and ``by`` first, if given): ``start``, ``new``,
        ``reactivated``, ``lost``, ``end`` (customers) and ``start_revenue``,
        ``new_revenue``, ``reactivated_revenue``, ``expansion``, ``contraction``,
        ``lost_revenue``, ``end_revenue``, and ``in_and_out``, ``in_and_out_revenue``:
        the customers who came and left within the period (counted in ``new`` and
        ``lost``, and their revenue in ``new_revenue`` and ``lost_revenue``, but never in
        the period's starting base). Each period reconciles exactly (see the module
        docstring); the first period's start is empty: it is where the table begins.
    """
    m = movements
    keys = ["period"]
    if by is not None:
        if groups is None:
            raise ParameterError(f"flows by {by!r} need the group of each account")
        m = m.assign(**{by: m["account_id"].map(groups).fillna("(none)").to_numpy()})
        keys = [by, "period"]
    mv = m["movement"]
    rev, prev = m["revenue"], m["previous_revenue"]
    in_out = mv.eq("new_lost")  # in and out within the period, with its revenue
    was = m["active"] & mv.ne("new") & mv.ne("reactivated") | mv.eq("lost")
    cols = pd.DataFrame({
        "start": was.astype(int),
        "new": (mv.eq("new") | in_out).astype(int),
        "reactivated": mv.eq("reactivated").astype(int),
        "lost": (mv.eq("lost") | in_out).astype(int),
        "end": m["active"].astype(int),
        "start_revenue": prev.where(was, 0.0),
        "new_revenue": rev.where(mv.eq("new") | in_out, 0.0),
        "reactivated_revenue": rev.where(mv.eq("reactivated"), 0.0),
        "expansion": (rev - prev).where(mv.eq("expansion"), 0.0),
        "contraction": (prev - rev).where(mv.eq("contraction"), 0.0),
        "lost_revenue": prev.where(mv.eq("lost"), 0.0) + rev.where(in_out, 0.0),
        "end_revenue": rev.where(m["active"], 0.0),
        "in_and_out": in_out.astype(int),
        "in_and_out_revenue": rev.where(in_out, 0.0),
    })
    out = cols.groupby([m[k] for k in keys], sort=True, observed=True).sum()[FLOW_COLUMNS]
    out.index = pd.MultiIndex.from_arrays(
        [out.index.get_level_values(k).astype(str) for k in keys], names=keys) \
        if len(keys) > 1 else pd.Index(out.index.astype(str), name="period")
    first = str(m["period"].min())
    at_first = out.index.get_level_values("period") == first
    # where the table begins no starting base is known: empty, not zero
    out["start"] = out["start"].astype("Int64").mask(at_first)
    out["start_revenue"] = out["start_revenue"].astype(float).mask(at_first)
    return out


def retention(flow: pd.DataFrame, definitions: Definitions | None = None) -> pd.DataFrame:
    """Logo, gross revenue and net revenue retention of each period of :func:`flows`.

    Returns
    -------
    DataFrame
        Same index: ``logo_retention`` ((start − lost from the start) / start),
        ``gross_revenue_retention`` ((start revenue − contraction − revenue lost from the
        start) / start revenue, at most 1), ``net_revenue_retention`` (gross plus
        expansion, plus reactivated revenue where ``definitions.reactivation_in_nrr``);
        shares, empty where nothing started the period. A customer who came and left
        within the period was never in its start: it is not counted as lost from it.
    """
    definitions = definitions or Definitions()
    f = flow
    start = f["start"].where(f["start"] > 0)
    base = f["start_revenue"].where(f["start_revenue"] > 0)
    kept = f["start_revenue"] - f["contraction"] - (f["lost_revenue"] - f["in_and_out_revenue"])
    net = kept + f["expansion"]
    if definitions.reactivation_in_nrr:
        net = net + f["reactivated_revenue"]
    return pd.DataFrame({"logo_retention": (f["start"] - (f["lost"] - f["in_and_out"])) / start,
                         "gross_revenue_retention": kept / base,
                         "net_revenue_retention": net / base}, index=f.index)


def cohort_table(movements: pd.DataFrame, metric: str = "logo") -> pd.DataFrame:
    """Acquisition cohorts × age: what share of each cohort (or of its revenue) is left.

    Parameters
    ----------
    metric : {"logo", "revenue"}
        ``logo``: share of the cohort's customers active at each age. ``revenue``: the
        cohort's revenue at each age against its revenue at age 0 (net revenue
        retention of the cohort).

    Returns
    -------
    DataFrame
        Indexed by ``cohort`` (period of first revenue), one column per ``age``
        (0, 1, ...); empty where the cohort is not that old yet. Accounts already there
        in the first period of the table are left out: their real cohort is unknown.
    """
    if metric not in ("logo", "revenue"):
        raise ParameterError(f"metric must be logo or revenue, got {metric!r}")
    first = movements["period"].min()
    m = movements[movements["cohort"] != first]
    if metric == "logo":
        value = m["active"].astype(float)
    else:
        value = m["revenue"].where(m["active"], 0.0)
    table = value.groupby([m["cohort"], m["age"]], observed=True).sum().unstack("age")
    if table.empty:
        return pd.DataFrame(index=pd.Index([], name="cohort"))
    out = table.div(table[0], axis=0)
    out.index = pd.Index(out.index.astype(str), name="cohort")
    out.columns.name = "age"
    return out


def reconcile(revenue: pd.DataFrame, accounts: pd.DataFrame, freq: str = "Q",
              lost_customers: pd.DataFrame | None = None,
              definitions: Definitions | None = None,
              movements: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where the tables contradict each other about who is a customer.

    Returns
    -------
    DataFrame
        One row per problem: ``account_id``, ``period`` (empty where none applies),
        ``problem`` (``revenue_after_lost_date``: revenue in a period after the one of
        the account's ``lost_date``; ``lost_without_reason``: status lost but no row in
        ``lost_customers``; ``reason_for_active_account``: a ``lost_customers`` row for
        an active account that never stopped paying, i.e. with revenue in the period
        right after its departure's (an account won back after a gap is fine);
        ``revenue_before_customer_since``: with ``new="customer_since"`` only, revenue in
        a period before the one of ``customer_since``; ``departure_without_reason``, with
        ``movements`` (:func:`account_movements`) and ``lost_customers``: a departure the
        flows count that no ``lost_customers`` row explains, dated in its period or the
        one before, e.g. the second departure of an account won back and lost again, whose
        revenue would otherwise leave in no reason and no year), ``detail``. Empty when
        everything agrees.
    """
    definitions = definitions or Definitions()
    rows = []
    if definitions.new == "customer_since":
        since = pd.Series(pd.PeriodIndex(per.labels(accounts["customer_since"], freq),
                                         freq=freq).to_numpy(),
                          index=accounts["account_id"].to_numpy())
        rev = revenue[(revenue["revenue"] > 0) & revenue["account_id"].isin(since.index)]
        early = pd.PeriodIndex(rev["period"], freq=freq) < pd.PeriodIndex(
            since.reindex(rev["account_id"]).to_numpy(), freq=freq)
        for r in rev[early].itertuples():
            rows.append({"account_id": r.account_id, "period": r.period,
                         "problem": "revenue_before_customer_since",
                         "detail": f"revenue {r.revenue:,.2f} before customer_since "
                                   f"{since[r.account_id]}"})
    for r in revenue_after_lost(revenue, accounts, freq).itertuples():
        rows.append({"account_id": r.account_id, "period": r.period,
                     "problem": "revenue_after_lost_date",
                     "detail": f"revenue {r.revenue:,.2f} after lost_date {r.lost_period}"})
    if lost_customers is not None:
        status_lost = set(accounts.loc[accounts["status"].eq("lost"), "account_id"])
        with_reason = set(lost_customers["account_id"])
        for a in sorted(status_lost - with_reason):
            rows.append({"account_id": a, "period": None, "problem": "lost_without_reason",
                         "detail": "status lost, no row in lost_customers"})
        active = set(accounts.loc[accounts["status"].eq("active"), "account_id"])
        rows.extend(_reason_for_active(revenue, lost_customers, active, freq))
        if movements is not None:
            rows.extend(_unexplained_departures(movements, lost_customers, freq,
                                                status_lost - with_reason))
    return pd.DataFrame(rows, columns=["account_id", "period", "problem", "detail"])


def _unexplained_departures(movements, lost_customers, freq: str, said: set) -> list[dict]:
    """Departures in the flows with no ``lost_customers`` row dated in their period or the
    one before (accounts in ``said`` are listed as lost without a reason already)."""
    gone = movements[movements["movement"].isin(["lost", "new_lost"])
                     & ~movements["account_id"].isin(said)]
    if gone.empty:
        return []
    dated = pd.PeriodIndex(per.labels(lost_customers["lost_date"], freq), freq=freq)
    explained = set(zip(lost_customers["account_id"], dated.astype(str))) | set(
        zip(lost_customers["account_id"], (dated + 1).astype(str)))
    rows = []
    for r in gone.itertuples():
        if (r.account_id, str(r.period)) not in explained:
            rows.append({"account_id": r.account_id, "period": str(r.period),
                         "problem": "departure_without_reason",
                         "detail": f"left in {r.period} with revenue {r.previous_revenue or 0:,.2f} "
                                   "the period before; no row in lost_customers explains it"})
    return rows


def _reason_for_active(revenue, lost_customers, active: set, freq: str) -> list[dict]:
    """``lost_customers`` rows of active accounts that kept paying after the departure."""
    rows = []
    lc = lost_customers[lost_customers["account_id"].isin(active)]
    if lc.empty:
        return rows
    after = (pd.PeriodIndex(per.labels(lc["lost_date"], freq), freq=freq) + 1).astype(str)
    paid = revenue.loc[revenue["revenue"] > 0, ["account_id", "period"]].astype(str)
    paid_keys = set(zip(paid["account_id"], paid["period"]))
    for a, nxt in sorted(zip(lc["account_id"], after)):
        if (a, nxt) in paid_keys:
            rows.append({"account_id": a, "period": None, "problem": "reason_for_active_account",
                         "detail": f"a row in lost_customers, status active, revenue in {nxt} "
                                   "right after the departure"})
    return rows


_RULE_FILE = "the data folder's cxkit.yaml"


def raise_reconciliation(problems: pd.DataFrame, where: str = "", limit: int = 5) -> None:
    """Raise one :class:`DataError` per kind of problem, naming accounts and periods.

    ``where`` names the file that sets the rule (the data folder's ``cxkit.yaml``)."""
    if problems.empty:
        return
    lines = []
    for kind, g in problems.groupby("problem", sort=False):
        items = [f"{a}" + (f" in {p}" if isinstance(p, str) else "")
                 for a, p in zip(g["account_id"], g["period"])]
        shown = ", ".join(items[:limit]) + (f", and {len(g) - limit} more"
                                            if len(g) > limit else "")
        text = {"revenue_after_lost_date": "revenue after the account's lost_date",
                "lost_without_reason": "accounts lost with no row in lost_customers",
                "reason_for_active_account": "lost_customers rows for active accounts that "
                                             "kept paying",
                "revenue_before_customer_since": "revenue before customer_since",
                "departure_without_reason": "departures the flows count that no row of "
                                            "lost_customers explains"}[kind]
        lines.append(f"the tables do not reconcile: {text} in {len(g)} case"
                     f"{'s' if len(g) != 1 else ''} ({shown}); fix the data, or set "
                     f"contradictions: show in {where or _RULE_FILE} (or -p contradictions "
                     "show) to see them as a line of the report")
    raise DataError("\n".join(lines))


# --------------------------------------------------------------------------- why revenue leaves
def lost_by_reason(lost_customers: pd.DataFrame, experience: list[str] | tuple = (),
                   other: list[str] | tuple = ()) -> pd.DataFrame:
    """Accounts and annual revenue lost, by the primary reason of the departure conversation.

    Parameters
    ----------
    lost_customers : DataFrame
        The validated ``lost_customers`` table.
    experience, other : list of str
        The reasons that are experience (late shipments, slow support...) and those that
        are not (budget cuts, acquired...). Reasons are compared without case.

    Returns
    -------
    DataFrame
        Indexed by ``reason``: ``kind`` (experience / other), ``accounts``,
        ``revenue_lost``, ``share`` (of all revenue lost), sorted by revenue lost.

    Raises
    ------
    DataError
        If a reason is in neither list (naming it and its rows), when lists are given.
    """
    reasons = lost_customers["primary_reason"].astype(str).str.strip().str.lower()
    exp = {r.strip().lower() for r in experience}
    oth = {r.strip().lower() for r in other}
    if exp or oth:
        unknown = reasons[~reasons.isin(exp | oth)]
        if len(unknown):
            rows = ", ".join(f"row {i + 2}: {v!r}" for i, v in unknown.head(5).items())
            raise DataError(f"lost_customers, column 'primary_reason': a reason that is in "
                            f"neither experience_reasons nor other_reasons in {len(unknown)} "
                            f"row{'s' if len(unknown) != 1 else ''} ({rows}); add it to "
                            "one of them")
    frame = pd.DataFrame({"reason": reasons, "revenue_lost": lost_customers["revenue_lost"]})
    g = frame.groupby("reason")
    out = pd.DataFrame({"accounts": g.size(),
                        "revenue_lost": g["revenue_lost"].sum(min_count=1)})  # unknown: NaN
    out.insert(0, "kind", ["experience" if r in exp else "other" if r in oth else "unsorted"
                           for r in out.index])
    total = out["revenue_lost"].sum(min_count=1)
    out["share"] = out["revenue_lost"] / total if total > 0 else np.nan
    return out.sort_values(["revenue_lost", "accounts"], ascending=False, na_position="last",
                           kind="stable")


def churn_by_group(movements: pd.DataFrame, groups: pd.Series, order, freq: str = "Q",
                   confidence: float = 0.95) -> pd.DataFrame:
    """Losses in the next period by a group the account was in (NPS category, CHI band).

    Parameters
    ----------
    movements : DataFrame
        :func:`account_movements`.
    groups : Series
        The group of an account in a period, indexed by (``account_id``, ``period``).
    order : list of str
        The groups, in the order of the rows.

    Returns
    -------
    DataFrame
        Indexed by ``group``: ``account_periods`` (customers at the end of a period in the
        group), ``lost`` (of them, lost in the next period), ``churn_rate`` with its Wilson
        interval ``ci_low``, ``ci_high`` (R's ``prop.test(correct = FALSE)`` interval),
        ``revenue_lost`` (the period revenue of those lost) and ``revenue_at_risk`` (the
        revenue in the latest period of the customers whose most recent group it is, × the
        group's churn rate).
    """
    g_name = groups.name or "group"
    m = movements.assign(account_id=movements["account_id"].astype(str),
                         period=movements["period"].astype(str))
    nxt = (pd.PeriodIndex(m["period"], freq=freq) + 1).astype(str)
    lost_next = m[m["movement"].isin(["lost", "new_lost"])].set_index(
        ["account_id", "period"]).index
    frame = m.assign(next_period=nxt)[m["active"]].join(groups.rename("_g"),
                                                        on=["account_id", "period"], how="inner")
    frame = frame[frame["next_period"].isin(set(m["period"]))]
    frame["lost"] = pd.MultiIndex.from_arrays([frame["account_id"], frame["next_period"]]
                                              ).isin(lost_next)
    g = frame.groupby("_g")
    out = pd.DataFrame({"account_periods": g.size(), "lost": g["lost"].sum(),
                        "revenue_lost": frame["revenue"].where(frame["lost"], 0.0)
                        .groupby(frame["_g"]).sum()}).reindex(order).fillna(0)
    out["account_periods"] = out["account_periods"].astype(int)
    out["lost"] = out["lost"].astype(int)
    n = out["account_periods"].where(out["account_periods"] > 0)
    out["churn_rate"] = out["lost"] / n
    out["ci_low"], out["ci_high"] = wilson(out["lost"], out["account_periods"], confidence)
    now = m[(m["period"] == m["period"].max()) & m["active"]]
    recent = groups.rename("_g").reset_index().sort_values(groups.index.names[1]) \
        .groupby(groups.index.names[0])["_g"].last()
    base = now.groupby(now["account_id"].map(recent))["revenue"].sum()
    out["revenue_at_risk"] = base.reindex(order).fillna(0.0) * out["churn_rate"].fillna(0.0)
    out.index.name = g_name
    return out[["account_periods", "lost", "churn_rate", "ci_low", "ci_high", "revenue_lost",
                "revenue_at_risk"]]


def nps_categories(responses: pd.DataFrame, freq: str = "Q") -> pd.Series:
    """Each account's NPS category per period, from its respondents' mean likelihood to recommend.

    Returns a Series ``category`` indexed by (``account_id``, ``period``).
    """
    from .nps import categories

    period = per.labels(responses["response_date"], freq)
    mean = responses.assign(period=period).groupby(["account_id", "period"])["ltr"].mean()
    return categories(mean).set_axis(mean.index).rename("category")


def churn_by_category(movements: pd.DataFrame, responses: pd.DataFrame, freq: str = "Q",
                      confidence: float = 0.95) -> pd.DataFrame:
    """Does experience predict departure? Losses in a period by NPS category the period before.

    Each account-period with survey answers gets the NPS category of the account's mean
    likelihood to recommend in it (:func:`nps_categories`); the outcome is whether the
    account was lost in the next period. Columns as :func:`churn_by_group`, indexed by
    ``category`` (detractor, passive, promoter).
    """
    return churn_by_group(movements, nps_categories(responses, freq), NPS_ORDER, freq,
                          confidence)


def chi_bands(kpis: pd.DataFrame, model) -> pd.DataFrame:
    """CHI and its band per account and period (:func:`cxkit.chi.score` on the KPI table).

    Returns ``account_id``, ``period``, ``chi``, ``band`` (text; missing where CHI is).
    """
    from .chi import score
    from .io.datamodel import kpi_wide

    wide = kpi_wide(kpis, model.kpi_names)
    scored = score(wide, model)
    out = wide[["account_id", "period"]].assign(chi=scored["chi"].to_numpy(),
                                                band=scored["band"].astype(object).to_numpy())
    return out.reset_index(drop=True)


def churn_by_band(movements: pd.DataFrame, bands: pd.DataFrame, freq: str = "Q",
                  confidence: float = 0.95) -> pd.DataFrame:
    """Losses in the next period by the account's CHI band (:func:`chi_bands`) in the period.

    Columns as :func:`churn_by_group`, indexed by ``band`` (red, amber, green).
    """
    b = bands.dropna(subset=["band"]).set_index(["account_id", "period"])["band"].rename("band")
    return churn_by_group(movements, b, BAND_ORDER, freq, confidence)


def closed_loop(responses: pd.DataFrame, followups: pd.DataFrame | None, as_of,
                within_days: int = 14) -> pd.DataFrame:
    """Did someone go back to each detractor? One row per detractor response (ltr 0–6).

    A follow-up counts for a response when it names the response, or, where it names only
    the account, when it is for the same account on or after the response date and before
    the account's next response. The first such follow-up is taken.

    Parameters
    ----------
    responses, followups : DataFrame
        The validated tables (``followups`` may be None: nothing was followed up).
    as_of : date
        The day the status is read on (the end of the data).
    within_days : int
        The promise: a follow-up within this many days of the response.

    Returns
    -------
    DataFrame
        ``response_id``, ``account_id``, ``contact_id``, ``response_date``, ``ltr``,
        ``followup_date``, ``days_to_followup``, ``status`` (``in_time``, ``late``, ``due``:
        none yet and the deadline not passed, ``missing``: none and the deadline passed),
        ``outcome``, ``comment``; in response date order.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"response_id": ["R1", "R2", "R3"], "account_id": ["A", "A", "B"],
    ...                   "contact_id": ["C1", "C2", "C3"], "ltr": [3, 9, 5],
    ...                   "response_date": pd.to_datetime(["2024-01-10", "2024-01-11",
    ...                                                    "2024-03-01"])})
    >>> f = pd.DataFrame({"account_id": ["A"], "response_id": ["R1"],
    ...                   "followup_date": pd.to_datetime(["2024-01-30"]), "outcome": ["call"]})
    >>> closed_loop(r, f, "2024-03-05")[["response_id", "days_to_followup", "status"]]
      response_id  days_to_followup status
    0          R1              20.0   late
    1          R3               NaN    due
    """
    as_of = pd.Timestamp(as_of)
    cols = ["response_id", "account_id", "contact_id", "response_date", "ltr"]
    d = responses.loc[responses["ltr"] <= 6, cols].sort_values("response_date", kind="stable")
    d = d.reset_index(drop=True)
    d["comment"] = (responses.set_index("response_id")["comment"].reindex(d["response_id"])
                    .to_numpy() if "comment" in responses else None)
    when = pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns]")
    outcome = pd.Series(None, index=d.index, dtype=object)
    if followups is not None and len(followups):
        f = followups.sort_values("followup_date", kind="stable")
        out = f["outcome"] if "outcome" in f else pd.Series(None, index=f.index, dtype=object)
        named = f[f["response_id"].notna()] if "response_id" in f else f.iloc[:0]
        first = named.groupby("response_id")["followup_date"].min()
        when = d["response_id"].map(first)
        first_out = out[named.index].groupby(named["response_id"]).first()
        outcome = d["response_id"].map(first_out)
        loose = f[f["response_id"].isna()] if "response_id" in f else f
        if len(loose):
            # the next response of the same account closes the window of a loose follow-up
            allr = responses.sort_values("response_date", kind="stable")
            nxt = allr.groupby("account_id")["response_date"].shift(-1)
            next_date = pd.Series(nxt.to_numpy(), index=allr["response_id"].to_numpy())
            until = d["response_id"].map(next_date)
            pairs = d[["response_id", "account_id", "response_date"]].assign(until=until).merge(
                loose[["account_id", "followup_date"]].assign(_o=out[loose.index].to_numpy()),
                on="account_id")
            ok = (pairs["followup_date"] >= pairs["response_date"]) & (
                pairs["until"].isna() | (pairs["followup_date"] < pairs["until"]))
            best = pairs[ok].sort_values("followup_date", kind="stable").groupby(
                "response_id").first()
            loose_when = d["response_id"].map(best["followup_date"])
            take = loose_when.notna() & (when.isna() | (loose_when < when))
            when = when.where(~take, loose_when)
            outcome = outcome.where(~take, d["response_id"].map(best["_o"]))
    d["followup_date"] = when.to_numpy()
    d["days_to_followup"] = (d["followup_date"] - d["response_date"]).dt.days.astype(float)
    deadline = d["response_date"] + pd.Timedelta(days=within_days)
    d["status"] = np.select(
        [d["days_to_followup"] <= within_days, d["followup_date"].notna(), deadline > as_of],
        ["in_time", "late", "due"], "missing")
    d["outcome"] = outcome.to_numpy()
    return d[["response_id", "account_id", "contact_id", "response_date", "ltr",
              "followup_date", "days_to_followup", "status", "outcome", "comment"]]


def complaint_trends(complaints: pd.DataFrame, freq: str | None = "Q") -> pd.DataFrame:
    """Complaints per period by category and severity, with resolution time.

    Parameters
    ----------
    complaints : DataFrame
        The validated ``complaints`` table.
    freq : str or None
        Period length; None: the whole table at once (no ``period`` column).

    Returns
    -------
    DataFrame
        One row per ``period``, ``category`` (lower case) and ``severity`` (``all`` where
        the table has no severity): ``complaints``, ``open`` (no resolution time yet),
        ``median_resolution_days`` and ``mean_resolution_days`` (of the resolved ones).
    """
    c = complaints.assign(category=complaints["category"].astype(str).str.strip().str.lower())
    keys = ["category", "severity"]
    if freq is not None:
        c = c.assign(period=per.labels(complaints["complaint_date"], freq))
        keys = ["period", *keys]
    if "severity" not in c:
        c = c.assign(severity="all")
    res = c["resolution_days"] if "resolution_days" in c else pd.Series(np.nan, index=c.index)
    c = c.assign(_res=res, _open=res.isna())
    g = c.groupby(keys, observed=True)
    out = pd.DataFrame({"complaints": g.size(), "open": g["_open"].sum().astype(int),
                        "median_resolution_days": g["_res"].median(),
                        "mean_resolution_days": g["_res"].mean()})
    return out.reset_index()


def lost_by_reason_trend(lost_customers: pd.DataFrame, experience=(), freq: str = "Y"
                         ) -> pd.DataFrame:
    """Annual revenue lost per period of the departure, experience reasons against the rest.

    Returns
    -------
    DataFrame
        Indexed by ``period`` (of ``lost_date``): ``experience``, ``other`` (revenue lost;
        missing in a period whose departures have no ``revenue_lost``),
        ``experience_share``.
    """
    exp = {r.strip().lower() for r in experience}
    reasons = lost_customers["primary_reason"].astype(str).str.strip().str.lower()
    kind = np.where(reasons.isin(exp), "experience", "other")
    frame = pd.DataFrame({"period": per.labels(lost_customers["lost_date"], freq).to_numpy(),
                          "kind": kind,
                          "revenue": lost_customers["revenue_lost"].to_numpy()})
    known = frame.groupby(["period", "kind"])["revenue"].sum(min_count=1).unstack("kind")
    out = known.reindex(columns=["experience", "other"])
    recorded = frame.groupby("period")["revenue"].count() > 0  # a period's revenue is known
    rows = recorded.reindex(out.index, fill_value=False).to_numpy()
    out.loc[rows] = out.loc[rows].fillna(0.0)
    out.columns.name = None
    total = out.sum(axis=1)
    out["experience_share"] = out["experience"] / total.where(total > 0)
    return out


def value_experience_grid(asset: pd.DataFrame, experience: pd.Series
                          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers on a grid of lifetime value × experience.

    Parameters
    ----------
    asset : DataFrame
        :func:`customer_asset` (``value``, ``annual_revenue`` by ``account_id``).
    experience : Series
        Each account's experience: ``poor``, ``fair`` or ``good`` (CHI red, amber, green;
        or detractor, passive, promoter where CHI is missing); indexed by ``account_id``.

    Returns
    -------
    grid : DataFrame
        One row per ``value_tier`` (high, middle, low: terciles of lifetime value) and
        ``experience`` (good, fair, poor, unknown): ``accounts``, ``annual_revenue``,
        ``asset``.
    accounts : DataFrame
        Every account with its ``value_tier`` and ``experience``, the high-value
        poor-experience ones first, then by value.
    """
    a = asset.copy()
    ranks = a["value"].rank(method="first", pct=True)
    a["value_tier"] = pd.Categorical(np.select([ranks > 2 / 3, ranks > 1 / 3],
                                               ["high", "middle"], "low"),
                                     categories=VALUE_TIERS, ordered=True)
    a["experience"] = pd.Categorical(experience.reindex(a.index).fillna("unknown"),
                                     categories=EXPERIENCE_ORDER, ordered=True)
    g = a.groupby(["value_tier", "experience"], observed=False)
    grid = pd.DataFrame({"accounts": g.size(), "annual_revenue": g["annual_revenue"].sum(),
                         "asset": g["value"].sum()}).reset_index()
    first = (a["value_tier"] == "high") & (a["experience"] == "poor")
    a = a.assign(_first=~first).sort_values(["_first", "value"], ascending=[True, False],
                                            kind="stable").drop(columns="_first")
    return grid, a


# --------------------------------------------------------------------------- lifetime value

def renewal_cohorts(accounts: pd.DataFrame, start, end,
                    lost_customers: pd.DataFrame | None = None, freq: str = "Y"
                    ) -> pd.DataFrame:
    """Acquisition cohorts by renewal period, for the shifted-beta-geometric model.

    A cohort is the renewal period (``freq``: year, quarter or month) of
    ``customer_since``. Its age t is the first day of the period ``cohort + t`` (1 January
    of the year ``cohort + t`` for yearly renewals); age 0 is the acquisition period itself
    (every member). A member is active on a date if it became a customer by then and had
    not left before it: its first departure counts (:func:`first_departure`), so an
    account won back later is not counted as surviving.
    Only dates inside the data window ``[start, end + 1 day]`` are counted, so a cohort
    acquired before the data begins is seen from its first period start in the window
    (left-truncated: the fit conditions on its members surviving to it).

    Returns
    -------
    DataFrame
        Indexed by ``cohort`` (the year as a number for yearly renewals, else the period
        label, ``2025-03``), one column per age (0, 1, ...): customers active, empty where
        not observed.
    """
    per.check(freq)
    start, end = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    since = accounts["customer_since"]
    lost = first_departure(accounts, lost_customers)
    cohort = since.dt.to_period(freq)
    first = pd.Period(start, freq)
    if first.start_time < start:
        first += 1
    days = [(p, p.start_time) for p in pd.period_range(first, pd.Period(end, freq), freq=freq)
            if p.start_time <= end]
    rows: dict = {}
    for c in sorted(cohort.dropna().unique()):
        if c.start_time >= end:  # acquired after the window
            continue
        members = (cohort == c).to_numpy()
        counts = {}
        if c.start_time >= start:  # acquired inside the window: its size
            counts[0] = int(members.sum())
        for p, day in days:
            if p > c:
                alive = members & (since <= day) & (lost.isna() | (lost > day))
                counts[p.ordinal - c.ordinal] = int(alive.sum())
        rows[c.year if freq == "Y" else str(c)] = counts
    out = pd.DataFrame.from_dict(rows, orient="index").sort_index(axis=1)
    out.index.name = "cohort"
    out.columns.name = "age"
    return out.dropna(how="all")


@dataclass(frozen=True)
class _AssetValues:
    """Accounts × periods matrices of the valuation (rows ``ids``, columns ``labels``)."""

    ids: pd.Index
    labels: pd.Index
    active: np.ndarray
    annual: np.ndarray
    renewals: np.ndarray
    derl: np.ndarray
    value: np.ndarray


def _asset_values(model, accounts: pd.DataFrame, movements: pd.DataFrame, period: str,
                  margin: float, discount_rate: float, renewal: str = "Y") -> _AssetValues:
    """Each account's residual lifetime value at the end of each period (accounts × periods).

    With renewals more often than yearly, a renewal's revenue is the annual revenue over
    the renewals in a year, and the yearly discount rate becomes the rate per renewal
    period that compounds to it."""
    ppy = per.per_year(period)
    acc = movements["account_id"].cat.codes.to_numpy()
    col = movements["period"].cat.codes.to_numpy()
    ids = movements["account_id"].cat.categories
    labels = movements["period"].cat.categories
    shape = (len(ids), len(labels))
    active = np.zeros(shape, dtype=bool)
    active[acc, col] = movements["active"].to_numpy()
    rev = np.zeros(shape)
    rev[acc, col] = np.where(movements["active"], movements["revenue"], 0.0)
    # annual revenue: the mean of its active periods among the last year's, times a year
    cum_r = np.cumsum(rev, axis=1)
    cum_n = np.cumsum(active, axis=1)
    lag = np.zeros_like(cum_r)
    lag_n = np.zeros_like(cum_n)
    lag[:, ppy:], lag_n[:, ppy:] = cum_r[:, :-ppy], cum_n[:, :-ppy]
    n_active = cum_n - lag_n
    annual = np.where(n_active > 0, (cum_r - lag) / np.maximum(n_active, 1) * ppy, 0.0)
    # renewals made by the day after each period: whole renewal periods since the
    # acquisition period (years since the acquisition year, for yearly renewals)
    since = accounts.set_index("account_id")["customer_since"].reindex(ids)
    after = pd.PeriodIndex(np.asarray(labels).astype(str), freq=period).end_time.normalize()
    day = (after + pd.Timedelta(days=1)).to_period(renewal).asi8.astype(float)
    joined = np.where(since.isna(), np.nan, since.dt.to_period(renewal).array.asi8)
    renewals = np.clip(day[None, :] - joined[:, None], 0, None)
    renewals = np.nan_to_num(renewals).astype(int)
    k = per.per_year(renewal)
    per_renewal = (1 + discount_rate) ** (1 / k) - 1
    uniq, inv = np.unique(renewals, return_inverse=True)
    derl = model.derl(per_renewal, uniq)[inv].reshape(shape)
    value = np.where(active, margin * annual / k * derl, 0.0)
    return _AssetValues(ids, labels, active, annual, renewals, derl, value)


def customer_asset(model, accounts: pd.DataFrame, movements: pd.DataFrame, period: str = "Q",
                   margin: float = 0.3, discount_rate: float = 0.1, renewal: str = "Y"
                   ) -> pd.DataFrame:
    """Each current customer's residual lifetime value: margin × annual revenue × DERL.

    With ``renewal`` more often than a year (``"Q"``, ``"M"``): margin × the revenue of
    one renewal (annual revenue over the renewals in a year) × DERL in renewals, at the
    discount rate per renewal that compounds to ``discount_rate`` a year.

    Current customers are those active at the end of the last period. Renewals made are
    the customer's completed years on the day after the last period (1 January of the
    next year at a year's end: the age of :func:`renewal_cohorts`); annual revenue is the
    mean revenue of its active periods in the last year, times the periods in a year (so
    a customer acquired in the year is valued at its run rate); DERL is the fitted model's
    (:meth:`cxkit.clv.ShiftedBetaGeometric.derl`), so the year already paid for is not
    counted.

    Returns
    -------
    DataFrame
        Indexed by ``account_id``: ``renewals``, ``annual_revenue``, ``derl``, ``value``.
    """
    return _asset_table(_asset_values(model, accounts, movements, period, margin,
                                      discount_rate, renewal))


def _asset_table(v: _AssetValues) -> pd.DataFrame:
    now = v.active[:, -1]
    return pd.DataFrame({"renewals": v.renewals[now, -1], "annual_revenue": v.annual[now, -1],
                         "derl": v.derl[now, -1], "value": v.value[now, -1]},
                        index=pd.Index(np.asarray(v.ids)[now], name="account_id"))


def asset_change(model, accounts: pd.DataFrame, movements: pd.DataFrame, period: str = "Q",
                 margin: float = 0.3, discount_rate: float = 0.1, renewal: str = "Y"
                 ) -> pd.DataFrame:
    """The customer asset at the end of each period and what changed it.

    Each customer active at a period's end is valued as in :func:`customer_asset`, with the
    renewals and the annual revenue it had then. The change from one period to the next
    splits into what new and reactivated customers added (their value at the end of the
    period), what lost customers took (their value at the end of the period before) and
    the change in the value of those who stayed (the rest)::

        start_asset + added − taken + stayed_change = end_asset

    Returns
    -------
    DataFrame
        Indexed by ``period``: ``start_asset``, ``added``, ``taken``, ``stayed_change``,
        ``end_asset`` (the first period has only ``end_asset``).
    """
    return _asset_change_table(_asset_values(model, accounts, movements, period, margin,
                                             discount_rate, renewal))


def _asset_change_table(v: _AssetValues) -> pd.DataFrame:
    active, value = v.active, v.value
    prev_active = np.zeros_like(active)
    prev_active[:, 1:] = active[:, :-1]
    prev_value = np.zeros_like(value)
    prev_value[:, 1:] = value[:, :-1]
    added = np.where(active & ~prev_active, value, 0.0).sum(axis=0)
    taken = np.where(prev_active & ~active, prev_value, 0.0).sum(axis=0)
    stayed = np.where(active & prev_active, value - prev_value, 0.0).sum(axis=0)
    out = pd.DataFrame({"start_asset": prev_value.sum(axis=0), "added": added, "taken": taken,
                        "stayed_change": stayed, "end_asset": value.sum(axis=0)},
                       index=pd.Index(np.asarray(v.labels).astype(str), name="period"))
    out.iloc[0, :4] = np.nan  # where the table begins, nothing is known before
    return out


# --------------------------------------------------------------------------- the analysis
class CustomerMath(Analysis):
    """Customers in against customers out, retention, cohorts and why revenue leaves.

    Parameters
    ----------
    period : {"", "Q", "M", "Y"}
        Period length of the revenue table; empty: read from its labels (a declared one
        that differs is an error, :func:`cxkit.io.datamodel.reporting_period`).
    definitions : Definitions or dict, optional
        What counts as new, lost and reactivated (see :class:`Definitions`).
    experience_reasons, other_reasons : list of str
        Departure reasons that are about the experience, and those that are not.
    contradictions : {"", "error", "show"}
        Where the tables contradict each other (:func:`reconcile`): stop with an error
        naming the accounts and periods, or go on and show them as a table; empty: the
        rule the tables were loaded with (the data folder's ``cxkit.yaml``; ``error``
        without one).
    renewal : {"Y", "Q", "M"}
        How often a customer renews (or leaves), for the lifetime model: yearly
        contracts, or month-to-month ones (``"M"``). Acquisition cohorts and renewals are
        counted in these periods, whatever the period of the revenue table.
    margin : float
        Share of revenue that is margin, for lifetime value.
    discount_rate : float
        Per year, for lifetime value (per renewal: the rate that compounds to it).
    followup_days : int
        The closed-loop promise: a detractor is followed up within this many days.
    chi_model : str or ChiModel, optional
        The health-index model (default ``params/chi_model.yaml``), for churn by CHI band
        and the value × experience grid, where the tables have KPIs.
    confidence : float
    currency : str
        Shown with amounts of money (``EUR``, ``$``); empty: amounts alone.

    Attributes
    ----------
    movements_ : DataFrame
        :func:`account_movements`.
    flows_ : DataFrame
        :func:`flows`, with :func:`retention` joined.
    by_segment_ : DataFrame
        The same by segment.
    cohorts_ : DataFrame
        :func:`cohort_table` (logo).
    credits_ : DataFrame
        :func:`credits`: account-periods with negative net revenue (counted as none).
    period_ : str
        The period length read (``period``, or the revenue table's labels).
    reconciliation_ : DataFrame
        :func:`reconcile` (empty when the tables agree).
    data_contradictions_ : list
        The contradictions :func:`cxkit.io.load` found in the tables
        (:mod:`cxkit.io.contradictions`; empty for tables that agree, or for a dict built
        by hand that agrees).
    lost_by_reason_ : DataFrame
        :func:`lost_by_reason` (empty without a ``lost_customers`` table).
    lost_trend_ : DataFrame
        :func:`lost_by_reason_trend` by year (empty without ``lost_customers``).
    complaints_ : DataFrame
        :func:`complaint_trends` (empty without a ``complaints`` table).
    closed_loop_ : DataFrame
        :func:`closed_loop` on the window's last day (empty without responses).
    churn_by_category_, churn_by_band_ : DataFrame
        :func:`churn_by_category`, :func:`churn_by_band` (empty without responses, KPIs).
    chi_ : DataFrame
        :func:`chi_bands` (empty without KPIs).
    renewal_cohorts_ : DataFrame
        :func:`renewal_cohorts` (cohorts by renewal period from ``customer_since``).
    snapshot_ : str
        The period label where the tables are a snapshot ("" where they are not): every
        departure they hold falls in their last period, so they hold only the customers
        active at its start (those lost before are not in them). The lifetime model is then fitted from that
        period's start (left-truncated), not from the window's.
    clv_ : ShiftedBetaGeometric or None
        Fitted jointly to the cohorts seen at two period starts or more (a cohort fitted
        alone needs three); None where none is.
    asset_ : DataFrame
        :func:`customer_asset` (empty without a fitted model).
    asset_change_ : DataFrame
        :func:`asset_change` (empty without a fitted model).
    grid_, grid_accounts_ : DataFrame
        :func:`value_experience_grid` (empty without a fitted model).
    experience_known_ : bool
        Whether any current customer has an experience (a CHI band or an NPS category);
        without, the high-value poor-experience count is unknown (None), not 0.
    """

    title = "Customer math"
    settings_model = CustomerMathSettings

    def __init__(self, *, period: str = "", definitions=None, experience_reasons=(),
                 other_reasons=(), contradictions: str = "", renewal: str = "Y",
                 margin: float = 0.3,
                 discount_rate: float = 0.1, followup_days: int = 14, chi_model=None,
                 confidence: float = 0.95, currency: str = ""):
        self.period = period
        self.currency = currency
        self.definitions = definitions
        self.experience_reasons = experience_reasons
        self.other_reasons = other_reasons
        self.contradictions = contradictions
        self.renewal = renewal
        self.margin = margin
        self.discount_rate = discount_rate
        self.followup_days = followup_days
        self.chi_model = chi_model
        self.confidence = confidence

    def fit(self, tables: dict) -> "CustomerMath":
        """Fit on the tables :func:`cxkit.io.load` returns (accounts and revenue needed)."""
        self.period_ = reporting_period(tables, self.period)
        self.check_settings()
        d = self.definitions
        self.definitions_ = d if isinstance(d, Definitions) else Definitions.from_dict(d)
        if "revenue" not in tables:
            raise DataError("customer math needs the revenue table (revenue.csv)")
        accounts, revenue = tables["accounts"], tables["revenue"]
        held = sorted(revenue["period"].dropna().astype(str).unique())
        if len(held) < 2:
            file = read_info(revenue).get("file", "the revenue table")
            raise DataError(f"{file}: customer math needs revenue in two periods at least, "
                            f"to count the customers who came and went between them; the "
                            f"table holds {'only ' + held[0] if held else 'no period'}")
        lost = tables.get("lost_customers")
        self.credits_ = credits(revenue)
        self.movements_ = account_movements(revenue, self.definitions_, accounts, self.period_,
                                            lost)
        self.reconciliation_ = reconcile(revenue, accounts, self.period_, lost, self.definitions_,
                                         self.movements_)
        self.data_contradictions_ = list(contradictions_of(tables))
        rule = self.contradictions or getattr(tables, "rule", "error")
        if rule == "error":
            raise_reconciliation(self.reconciliation_, getattr(tables, "rule_file", ""))
        f = flows(self.movements_)
        self.flows_ = f.join(retention(f, self.definitions_))
        segment = accounts.set_index("account_id")["segment"].astype(str)
        b = flows(self.movements_, by="segment", groups=segment)
        self.by_segment_ = b.join(retention(b, self.definitions_))
        self.cohorts_ = cohort_table(self.movements_, "logo")
        labels = self.flows_.index
        self.window_end_ = pd.Period(labels[-1], freq=self.period_).end_time.normalize()
        has_lost = lost is not None and len(lost)
        self.lost_by_reason_ = (lost_by_reason(lost, self.experience_reasons, self.other_reasons)
                                if has_lost else
                                pd.DataFrame(columns=["kind", "accounts", "revenue_lost",
                                                      "share"]).rename_axis("reason"))
        self.lost_trend_ = (lost_by_reason_trend(lost, self.experience_reasons, "Y")
                            if has_lost else pd.DataFrame(
                                columns=["experience", "other", "experience_share"]))
        complaints = tables.get("complaints")
        self._complaints = complaints
        self.complaints_ = (complaint_trends(complaints, self.period_)
                            if complaints is not None and len(complaints) else pd.DataFrame(
                                columns=["period", "category", "severity", "complaints", "open",
                                         "median_resolution_days", "mean_resolution_days"]))
        responses = tables.get("responses")
        has_resp = responses is not None and len(responses)
        self.churn_by_category_ = (churn_by_category(self.movements_, responses, self.period_,
                                                     self.confidence)
                                   if has_resp else pd.DataFrame())
        self.closed_loop_ = (closed_loop(responses, tables.get("followups"), self.window_end_,
                                         self.followup_days)
                             if has_resp else pd.DataFrame(columns=[
                                 "response_id", "account_id", "contact_id", "response_date",
                                 "ltr", "followup_date", "days_to_followup", "status",
                                 "outcome", "comment"]))
        self.has_followups_ = "followups" in tables
        kpis = tables.get("kpis")
        self.chi_ = pd.DataFrame(columns=["account_id", "period", "chi", "band"])
        self.churn_by_band_ = pd.DataFrame()
        if kpis is not None and len(kpis):
            from .chi import ChiModel, load_model
            model = self.chi_model if isinstance(self.chi_model, ChiModel) else load_model(
                self.chi_model or "params/chi_model.yaml")
            self.chi_ = chi_bands(kpis, model)
            self.churn_by_band_ = churn_by_band(self.movements_, self.chi_, self.period_,
                                                self.confidence)
        self._fit_lifetime(accounts, lost)
        self._fit_grid(responses if has_resp else None)
        self._tables = {k: tables[k] for k in ("accounts", "contacts", "revenue") if k in tables}
        return self

    def _snapshot(self, accounts: pd.DataFrame, lost) -> str:
        """The last period's label where every departure in the window falls in it ("")."""
        labels = self.flows_.index
        first = pd.Period(labels[0], freq=self.period_).start_time
        last = pd.Period(labels[-1], freq=self.period_)
        gone = departures(accounts, lost)["lost_date"]
        inside = gone[(gone >= first) & (gone <= self.window_end_)]
        if inside.empty or (inside < last.start_time).any():
            return ""
        return str(last)

    def _fit_lifetime(self, accounts: pd.DataFrame, lost) -> None:
        from .clv import MIN_JOINT, ShiftedBetaGeometric

        labels = self.flows_.index
        start = pd.Period(labels[0], freq=self.period_).start_time
        self.snapshot_ = self._snapshot(accounts, lost)
        if self.snapshot_:  # only the customers active at its start are here
            start = pd.Period(self.snapshot_, freq=self.period_).start_time
        self.renewal_cohorts_ = renewal_cohorts(accounts, start, self.window_end_, lost,
                                                self.renewal)
        usable = self.renewal_cohorts_[self.renewal_cohorts_.notna().sum(axis=1) >= MIN_JOINT]
        self.clv_, self.lifetime_note_ = None, ""
        unit = per.unit(self.renewal)
        try:
            with warnings.catch_warnings():  # not converged: said in lifetime()
                warnings.simplefilter("ignore", CxkitWarning)
                self.clv_ = ShiftedBetaGeometric(confidence=self.confidence,
                                                 unit=unit).fit(usable)
        except ParameterError as exc:
            hint = (f" Renewals are counted by {unit}: for month-to-month contracts set the "
                    "renewal period to months." if self.renewal != "M" else "")
            why = (f"no cohort of customers is seen at two starts of a {unit} inside the "
                   "tables' dates" if usable.empty else str(exc))
            self.lifetime_note_ = f"No lifetime model: {why}.{hint}"
        if self.clv_ is None:
            self.asset_ = pd.DataFrame(columns=["renewals", "annual_revenue", "derl", "value"])
            self.asset_change_ = pd.DataFrame(columns=["start_asset", "added", "taken",
                                                       "stayed_change", "end_asset"])
            return
        values = _asset_values(self.clv_, accounts, self.movements_, self.period_, self.margin,
                               self.discount_rate, self.renewal)  # once, for both
        self.asset_ = _asset_table(values)
        self.asset_change_ = _asset_change_table(values)

    def _retention(self) -> pd.Series:
        """Logo, gross and net revenue retention per period: the mean over the window, or
        in a snapshot the last period's, the only one whose departures are known."""
        cols = ["logo_retention", "gross_revenue_retention", "net_revenue_retention"]
        if self.snapshot_:
            return self.flows_[cols].iloc[-1]
        return self.flows_[cols].iloc[1:].mean()

    def lifetime_method(self) -> str:
        """How the lifetime model reads the tables, in words (for the report)."""
        unit = per.unit(self.renewal)
        return (f"Contracts renew once a {unit} (the renewal setting). Customers are grouped "
                f"by the {unit} they were acquired in; the share of each group still a "
                f"customer at the start of each {unit} of tenure is fitted with the "
                "shifted-beta-geometric model (Fader & Hardie), which lets each customer have "
                "its own chance of leaving. Groups acquired before the data begins are seen "
                f"from their first {unit} start in the data on. Each current customer is then "
                "valued at its margin over the rest of its expected lifetime, discounted.")

    def snapshot_sentence(self) -> str:
        """What a snapshot table means for the numbers ("" where the tables are not one)."""
        if not self.snapshot_:
            return ""
        unit = per.unit(self.period_)
        return (f"Every customer lost in these tables was lost in {self.snapshot_}, the last "
                f"{unit}, and none before: the tables are a snapshot of the customers active "
                f"at the start of {self.snapshot_}, and those lost earlier are not in them. "
                f"Retention before {self.snapshot_} cannot be seen; the lifetime model is "
                f"fitted to these customers as first seen at the start of {self.snapshot_}, "
                "at their tenure then.")

    def _fit_grid(self, responses) -> None:
        """Each current customer's experience: latest CHI band, else latest NPS category."""
        latest = pd.Series(dtype=object)
        if responses is not None:
            cat = nps_categories(responses, self.period_).reset_index()
            latest = cat.sort_values("period").groupby("account_id")["category"].last()
        if len(self.chi_):
            scored = self.chi_.dropna(subset=["band"]).sort_values("period")
            band = scored.groupby("account_id")["band"].last()
            latest = band.combine_first(latest) if len(latest) else band
        self.experience_ = latest.map(EXPERIENCE_OF).rename("experience")
        self.experience_known_ = bool(self.experience_.notna().any())
        self.experience_source_ = latest.rename("source")
        self.grid_, self.grid_accounts_ = value_experience_grid(self.asset_, self.experience_)

    # ------------------------------------------------------------------ reading
    def _span(self, first: str | None, last: str | None) -> tuple[int, int]:
        """Positions of the periods ``first`` to ``last`` in ``flows_`` (default: every
        period but the first, whose flows come from before the data)."""
        labels = [str(x) for x in self.flows_.index]
        for name, label in (("first", first), ("last", last)):
            if label is not None and str(label) not in labels:
                raise ParameterError(f"{name} period {label!r} is not in the revenue table's "
                                     f"periods ({labels[0]} to {labels[-1]})")
        i = labels.index(str(first)) if first is not None else 1
        j = labels.index(str(last)) if last is not None else len(labels) - 1
        if i < 1 or j < i:
            raise ParameterError(f"periods {labels[i]} to {labels[j]}: the first must come "
                                 f"after {labels[0]} (whose start is not in the data) and "
                                 "before the last")
        return i, j

    def window(self, first: str | None = None, last: str | None = None) -> pd.DataFrame:
        """The periods ``first`` to ``last`` in one line: flows added up over them.

        Parameters
        ----------
        first, last : str, optional
            Period labels of ``flows_`` (``"2025Q1"``); default: the whole window, every
            period but the first (its customers came in before the data begins).

        Returns
        -------
        DataFrame
            One row: ``from``, ``to``, ``start`` (customers at the end of the period
            before ``first``), ``new``, ``reactivated``, ``lost``, ``new_revenue``,
            ``reactivated_revenue``, ``expansion``, ``contraction``, ``lost_revenue``
            (sums), ``end``, ``start_revenue``, ``end_revenue``.
        """
        i, j = self._span(first, last)
        f = self.flows_.iloc[i:j + 1]
        before, end = self.flows_.iloc[i - 1], self.flows_.iloc[j]
        sums = f[["new", "reactivated", "lost", "new_revenue", "reactivated_revenue",
                  "expansion", "contraction", "lost_revenue"]].sum()
        return pd.DataFrame([{"from": self.flows_.index[i - 1], "to": self.flows_.index[j],
                              "start": before["end"], **sums.to_dict(), "end": end["end"],
                              "start_revenue": before["end_revenue"],
                              "end_revenue": end["end_revenue"]}])

    def asset_window(self, first: str | None = None, last: str | None = None
                     ) -> pd.DataFrame:
        """The customer asset's change over the periods ``first`` to ``last``, in one line.

        Returns
        -------
        DataFrame
            One row: ``start_asset`` (at the end of the period before ``first``),
            ``added``, ``taken``, ``stayed_change`` (sums over the periods; see
            :func:`asset_change`), ``end_asset``; empty without a lifetime model.
        """
        cols = ["start_asset", "added", "taken", "stayed_change", "end_asset"]
        if len(self.asset_change_) < 2:
            return pd.DataFrame(columns=cols)
        i, j = self._span(first, last)
        a = self.asset_change_.iloc[i:j + 1]
        return pd.DataFrame([{"start_asset": float(a["start_asset"].iloc[0]),
                              **a[["added", "taken", "stayed_change"]].sum().astype(float),
                              "end_asset": float(a["end_asset"].iloc[-1])}], columns=cols)

    def segments(self) -> pd.DataFrame:
        """The window per segment: customers at start and end, in and out, mean retention.

        Returns
        -------
        DataFrame
            Indexed by ``segment``: ``start``, ``new``, ``reactivated``, ``lost``, ``end``,
            ``start_revenue``, ``end_revenue``, ``logo_retention``,
            ``gross_revenue_retention``, ``net_revenue_retention`` (means over the periods).
        """
        b = self.by_segment_
        first = b.index.get_level_values("period") == self.flows_.index[0]
        last = b.index.get_level_values("period") == self.flows_.index[-1]
        seg = "segment"
        moves = b[~first].groupby(level=seg)[["new", "reactivated", "lost"]].sum()
        rates = b[~first].groupby(level=seg)[["logo_retention", "gross_revenue_retention",
                                              "net_revenue_retention"]].mean()
        out = pd.DataFrame({"start": b[first].droplevel("period")["end"],
                            **{c: moves[c] for c in moves},
                            "end": b[last].droplevel("period")["end"],
                            "start_revenue": b[first].droplevel("period")["end_revenue"],
                            "end_revenue": b[last].droplevel("period")["end_revenue"]})
        return out.join(rates)

    def lifetime(self) -> list[str]:
        """Sentences on retention by tenure and the customer asset (or why there is none)."""
        from .present.formats import money

        snap = [self.snapshot_sentence()] if self.snapshot_ else []
        if self.clv_ is None:
            return snap + [self.lifetime_note_]
        m = self.clv_
        caveat = snap + ([] if m.converged_ else
                  ["Too few customers were lost to tell how churn varies across them: the "
                   "lifetime model did not converge, and the values below are rough."])
        total = self.asset_["value"].sum()
        revenue = self.asset_["annual_revenue"].sum()
        # one constant retention rate per renewal: the window's (a snapshot's last period's)
        k = per.per_year(self.renewal)
        r = float(self._retention()["logo_retention"]) ** (per.per_year(self.period_) / k)
        d = (1 + self.discount_rate) ** (1 / k) - 1
        flat = self.margin * revenue / k * (1 + d) * r / (1 + d - r)
        where = f"that of {self.snapshot_}" if self.snapshot_ else "the mean of the window"
        unit = per.unit(self.renewal)
        return caveat + m.headlines() + [
            f"The customer asset: {len(self.asset_):,} current customers are worth "
            f"{money(total, self.currency)} in margin over the rest of their lifetimes "
            f"({self.margin:.0%} "
            f"margin, {self.discount_rate:.0%} discount a year, the {unit} paid for not "
            "counted).",
            f"One constant retention rate ({r:.0%} a {unit}, {where}) would value "
            f"them at {money(flat, self.currency)} ({flat / total - 1:+.0%})." if total > 0 else ""]

    def leaky_bucket(self) -> pd.DataFrame:
        """The leaky bucket in money, over the window (every period but the first).

        Returns
        -------
        DataFrame
            One row: ``lost_revenue`` and ``contraction`` (period revenue that leaked),
            ``needed_to_stand_still`` (their sum: the new, returning and expansion revenue
            needed to end where the base started), ``new_revenue``,
            ``reactivated_revenue``, ``expansion``, ``start_revenue``, ``end_revenue``,
            ``end_revenue_had_lost_stayed`` (the end revenue plus each lost customer's
            revenue in the period before it left) and the same by count: ``lost``,
            ``end``, ``end_had_lost_stayed``.
        """
        w = self.window().iloc[0]
        needed = w["lost_revenue"] + w["contraction"]
        return pd.DataFrame([{
            "lost_revenue": w["lost_revenue"], "contraction": w["contraction"],
            "needed_to_stand_still": needed, "new_revenue": w["new_revenue"],
            "reactivated_revenue": w["reactivated_revenue"], "expansion": w["expansion"],
            "start_revenue": w["start_revenue"], "end_revenue": w["end_revenue"],
            "end_revenue_had_lost_stayed": w["end_revenue"] + w["lost_revenue"],
            "lost": w["lost"], "end": w["end"], "end_had_lost_stayed": w["end"] + w["lost"]}])

    def _current(self) -> pd.Index:
        m = self.movements_
        last = m[(m["period"] == m["period"].max()) & m["active"]]
        return pd.Index(last["account_id"].astype(str), name="account_id")

    def _annual_revenue(self) -> pd.Series:
        """Each account's revenue over the last year of the table."""
        return yearly_revenue(self._tables["revenue"], str(self.flows_.index[-1]),
                              self.period_)["spend"].fillna(0.0)

    def detractors_to_call(self, days: int = 365) -> pd.DataFrame:
        """Current customers' detractors with no follow-up in time, for action.

        The closed loop (:func:`closed_loop`): detractor responses of the last ``days``
        days before the window's end with no follow-up yet (``missing``: the deadline has
        passed; ``due``: it has not), for accounts still customers.

        Returns
        -------
        DataFrame
            ``response_id``, ``account_id``, ``name``, ``segment``, ``account_manager``,
            ``role``, ``response_date``, ``ltr``, ``status``, ``days_waiting`` (days from
            the response to the window's end), ``annual_revenue`` (last year),
            ``lifetime_value`` (empty without a lifetime model), ``comment``; the largest
            revenue first.
        """
        c = self.closed_loop_
        cols = ["response_id", "account_id", "name", "segment", "account_manager", "role",
                "response_date", "ltr", "status", "days_waiting", "annual_revenue",
                "lifetime_value", "comment"]
        if c.empty:
            return pd.DataFrame(columns=cols)
        since = self.window_end_ - pd.Timedelta(days=days)
        c = c[c["status"].isin(["missing", "due"]) & (c["response_date"] > since)
              & c["account_id"].isin(self._current())]
        acc = self._tables["accounts"].set_index("account_id")
        out = c[["response_id", "account_id"]].copy()
        for col in ("name", "segment", "account_manager"):
            out[col] = acc[col].reindex(c["account_id"]).astype(object).to_numpy()
        role = (self._tables["contacts"].set_index("contact_id")["role"].astype(object)
                if "contacts" in self._tables else pd.Series(dtype=object))
        out["role"] = role.reindex(c["contact_id"]).to_numpy()
        out["response_date"] = c["response_date"].to_numpy()
        out["ltr"] = c["ltr"].to_numpy()
        out["status"] = c["status"].to_numpy()
        out["days_waiting"] = (self.window_end_ - c["response_date"]).dt.days.to_numpy()
        out["annual_revenue"] = self._annual_revenue().reindex(c["account_id"]).fillna(
            0.0).to_numpy()
        out["lifetime_value"] = (self.asset_["value"].reindex(c["account_id"]).to_numpy(
            dtype=float) if len(self.asset_) else np.nan)
        out["comment"] = c["comment"].to_numpy()
        out = out[cols]
        return out.sort_values(["annual_revenue", "response_date"], ascending=[False, True],
                               kind="stable").reset_index(drop=True)

    def followups_by_year(self) -> pd.DataFrame:
        """Detractor responses by follow-up status and year of the response.

        Returns
        -------
        DataFrame
            Indexed by ``year``: ``detractors``, ``in_time``, ``late``, ``due``,
            ``missing``, ``share_in_time`` and ``median_days`` (to the follow-ups made).
        """
        c = self.closed_loop_
        cols = ["in_time", "late", "due", "missing"]
        if c.empty:
            return pd.DataFrame(columns=["detractors", *cols, "share_in_time", "median_days"])
        year = c["response_date"].dt.year.rename("year")
        t = pd.crosstab(year, c["status"]).reindex(columns=cols, fill_value=0)
        t.columns.name = None
        t.insert(0, "detractors", t.sum(axis=1))
        t["share_in_time"] = t["in_time"] / t["detractors"]
        t["median_days"] = c.groupby(year)["days_to_followup"].median()
        return t

    def complaints_by_category(self) -> pd.DataFrame:
        """Complaints over the whole window by category and severity (:func:`complaint_trends`).

        Indexed by ``category`` and ``severity`` (high first); empty without complaints.
        """
        cols = ["complaints", "open", "median_resolution_days", "mean_resolution_days"]
        if self._complaints is None or not len(self._complaints):
            return pd.DataFrame(columns=cols)
        out = complaint_trends(self._complaints, None)
        rank = {"high": 0, "medium": 1, "low": 2}
        out = out.assign(_r=out["severity"].map(rank).fillna(3)).sort_values(
            ["category", "_r"], kind="stable").drop(columns="_r")
        return out.set_index(["category", "severity"])[cols]

    def high_value_poor_experience(self) -> pd.DataFrame:
        """The accounts in the grid's "high value, poor experience" cell, for their managers.

        Returns
        -------
        DataFrame
            ``account_id``, ``name``, ``segment``, ``account_manager``, ``experience_from``
            (the CHI band or NPS category it was placed by), ``annual_revenue``,
            ``lifetime_value``; the most valuable first.
        """
        g = self.grid_accounts_
        g = g[(g["value_tier"] == "high") & (g["experience"] == "poor")]
        acc = self._tables["accounts"].set_index("account_id")
        out = pd.DataFrame({"account_id": g.index.astype(str)})
        for col in ("name", "segment", "account_manager"):
            out[col] = acc[col].reindex(g.index).astype(object).to_numpy()
        out["experience_from"] = self.experience_source_.reindex(g.index).to_numpy()
        out["annual_revenue"] = g["annual_revenue"].to_numpy()
        out["lifetime_value"] = g["value"].to_numpy()
        return out

    def contradiction_sentences(self) -> list[str]:
        """The contradictions between the tables, as sentences (or that there are none)."""
        data = [c.sentence() for c in self.data_contradictions_
                if c.kind != "paying_after_lost"]  # that one is a row of reconciliation_
        if self.reconciliation_.empty and not data:
            return ["Revenue, lost dates and departure reasons agree: every period reconciles "
                    "without a correcting line."]
        words = {"revenue_after_lost_date": "revenue after its lost date",
                 "lost_without_reason": "lost, with no departure reason recorded",
                 "reason_for_active_account": "a departure reason, but it never stopped "
                                              "paying",
                 "revenue_before_customer_since": "revenue before its customer_since date",
                 "departure_without_reason": "left, and no departure reason explains it"}
        return data + [f"{r.account_id}: {words[r.problem]}"
                       + (f" ({r.period})" if isinstance(r.period, str) else "")
                       for r in self.reconciliation_.itertuples()]

    def _experience_share(self) -> float | None:
        """The share of the revenue lost that left for a reason of experience; None where
        no reason is sorted as one, or the revenue lost is not recorded."""
        lbr = self.lost_by_reason_
        total = lbr["revenue_lost"].sum(min_count=1)
        if not len(lbr) or not self.experience_reasons or pd.isna(total) or total <= 0:
            return None
        return float(lbr.loc[lbr["kind"] == "experience", "revenue_lost"].sum() / total)

    def n_contradictions(self) -> int:
        """How many contradictions :meth:`contradiction_sentences` lists."""
        return len(self.reconciliation_) + sum(
            1 for c in self.data_contradictions_ if c.kind != "paying_after_lost")

    def headlines(self) -> list[str]:
        """Plain sentences: the leaky bucket by count and money, retention, why revenue left."""
        from .present.formats import fmt, money
        from .present.labels import plural

        def m(x, signed=False):
            return money(x, self.currency, signed)

        w = self.window().iloc[0]
        unit = {"Q": "quarter", "M": "month", "Y": "year"}[self.period_]
        n = len(self.flows_) - 1
        out = [
            f"From {w['from']} to {w['to']} the base went from {w['start']:,.0f} to "
            f"{w['end']:,.0f} customers: {w['new']:,.0f} came in"
            + (f" and {w['reactivated']:,.0f} came back" if w["reactivated"] else "")
            + f", {w['lost']:,.0f} left.",
            f"Revenue lost with departing customers, {m(w['lost_revenue'])}, and lost to "
            f"contraction, {m(w['contraction'])}, against {m(w['new_revenue'])} from new "
            f"customers and {m(w['expansion'])} of expansion over {n} {unit}"
            f"{'s' if n != 1 else ''}.",
        ]
        r = self._retention()
        if self.snapshot_:
            out.append(self.snapshot_sentence())
            out.append(f"In {self.snapshot_}, the only {unit} whose departures the tables hold, "
                       f"{fmt(r['logo_retention'], 'rate')} of customers stayed, and "
                       f"{fmt(r['gross_revenue_retention'], 'rate')} of their revenue "
                       f"({fmt(r['net_revenue_retention'], 'rate')} with expansion).")
        else:
            out.append(f"Per {unit}, on average, {fmt(r['logo_retention'], 'rate')} of "
                       f"customers stay, and {fmt(r['gross_revenue_retention'], 'rate')} of "
                       f"their revenue ({fmt(r['net_revenue_retention'], 'rate')} with "
                       "expansion).")
        if len(self.lost_by_reason_):
            lbr = self.lost_by_reason_
            top = lbr.index[0]
            share = self._experience_share()
            if pd.isna(lbr["revenue_lost"].sum(min_count=1)):
                out.append(f"The revenue lost with departed customers is not recorded "
                           f"in the lost-customers table; the reason given most: "
                           f"{top} ({plural(int(lbr['accounts'].iloc[0]), 'departure')} of "
                           f"{int(lbr['accounts'].sum()):,}).")
            elif share is None:
                out.append(f"The reason that took the most revenue: {top}.")
            else:
                out.append(f"{fmt(share, 'share')} of the revenue lost left for a reason of "
                           f"experience; the most: {top}.")
        b = self.leaky_bucket().iloc[0]
        came = b["new_revenue"] + b["reactivated_revenue"] + b["expansion"]
        out.append(f"The leaky bucket: over {n} {unit}{'s' if n != 1 else ''}, "
                   f"{m(b['needed_to_stand_still'])} "
                   f"of {unit}ly revenue leaked out (lost customers and contraction), so "
                   f"standing still took as much new revenue; {m(came)} came in (new, "
                   f"returning, expansion). Had the lost customers stayed, the base would end "
                   f"at {m(b['end_revenue_had_lost_stayed'])} a {unit}, not "
                   f"{m(b['end_revenue'])}.")
        if len(self.asset_change_) > 1:
            a = self.asset_change_.iloc[1:]
            out.append(f"The customer asset moved from {m(a['start_asset'].iloc[0])} to "
                       f"{m(a['end_asset'].iloc[-1])}: new and returning customers added "
                       f"{m(a['added'].sum())}, lost customers took {m(a['taken'].sum())}, "
                       "and those who stayed changed it by "
                       f"{m(a['stayed_change'].sum(), signed=True)}.")
        if len(self.closed_loop_):
            c = self.closed_loop_
            closed = (c["status"] == "in_time").sum()
            todo = self.detractors_to_call()
            out.append(
                f"{closed / len(c):.0%} of {len(c):,} detractor answers were followed up within "
                f"{self.followup_days} days" + ("" if self.has_followups_ else
                                                " (no follow-up table was given)")
                + f"; {len(todo):,} from the last year wait for a call, at accounts with "
                f"{m(todo.drop_duplicates('account_id')['annual_revenue'].sum())} of annual "
                "revenue.")
        if len(self.churn_by_band_) and self.churn_by_band_["account_periods"].sum():
            t = self.churn_by_band_

            def rate(band):
                low, high = fmt(t.loc[band, "ci_low"], "rate"), fmt(t.loc[band, "ci_high"], "rate")
                return f"{fmt(t.loc[band, 'churn_rate'], 'rate')} ({low}–{high})"

            out.append(f"Accounts in the CHI red band were lost in the next {unit} at "
                       f"{rate('red')}, green ones at {rate('green')}.")
        if len(self.grid_accounts_) and self.experience_known_:
            hp = self.high_value_poor_experience()
            out.append(f"{len(hp):,} high-value customers have a poor experience; together "
                       f"{m(hp['lifetime_value'].sum())} of lifetime value. They are listed "
                       "first, with their account managers.")
        elif len(self.grid_accounts_):
            out.append("No survey answers or health-index KPIs: the customers' experience is "
                       "unknown, so no customer is placed as high value and poor experience.")
        if len(self.credits_):
            out.append(f"{plural(len(self.credits_), 'account-period')} had more credit notes than "
                       f"invoices ({m(self.credits_['revenue'].sum())}); they count as "
                       "periods without revenue and are listed.")
        if self.n_contradictions():
            n = self.n_contradictions()
            out.append(f"{plural(n, 'contradiction')} in the data "
                       f"{'is' if n == 1 else 'are'} listed below; the numbers use the data "
                       "as it is.")
        return out

    def summary_tables(self) -> dict:
        return {"Customers and revenue in and out, per period": self.flows_}

    def key_results(self) -> dict:
        """JSON-ready numbers: the window's flows, average retention, experience share."""
        from .results import to_jsonable
        w = self.window().iloc[0].to_dict()
        r = self._retention().to_dict()
        out = {"period": self.period_, "renewal": self.renewal, **w,
               **{f"mean_{k}": v for k, v in r.items()},
               "contradictions": self.n_contradictions(),
               "snapshot": self.snapshot_ or None}
        if self.clv_ is not None:
            out.update({"sbg_alpha": self.clv_.alpha_, "sbg_beta": self.clv_.beta_,
                        "customer_asset": float(self.asset_["value"].sum()),
                        "current_customers": int(len(self.asset_))})
        if len(self.asset_change_) > 1:
            a = self.asset_window().iloc[0]
            out.update({"asset_start": float(a["start_asset"]),
                        "asset_added": float(a["added"]), "asset_taken": float(a["taken"]),
                        "asset_stayed_change": float(a["stayed_change"])})
        if len(self.lost_by_reason_) and self.experience_reasons:
            out["experience_share_of_lost_revenue"] = self._experience_share()
        b = self.leaky_bucket().iloc[0]
        out["needed_to_stand_still"] = float(b["needed_to_stand_still"])
        out["end_revenue_had_lost_stayed"] = float(b["end_revenue_had_lost_stayed"])
        if len(self.closed_loop_):
            c = self.closed_loop_["status"].value_counts()
            out.update({"detractor_answers": int(c.sum()),
                        **{f"followup_{k}": int(c.get(k, 0))
                           for k in ("in_time", "late", "due", "missing")},
                        "detractors_to_call": int(len(self.detractors_to_call()))})
        if len(self.grid_accounts_):  # unknown without any experience data, not 0
            out["high_value_poor_experience"] = (int(len(self.high_value_poor_experience()))
                                                 if self.experience_known_ else None)
        out["credit_periods"] = int(len(self.credits_))
        return to_jsonable(out)

    def to_excel(self, path):
        """The client workbook: summary, flows and retention, by segment, cohorts, reasons."""
        from .present.excel import write_workbook
        interval = {"ci_low": "churn_rate_low", "ci_high": "churn_rate_high"}  # 95% bounds
        # cohort ages as headers a reader can read: "quarter 0", "year 3", not "0", "3"
        cohorts = self.cohorts_.rename(columns=lambda k: f"{per.unit(self.period_)} {k}")
        sheets = {"Summary": self.headlines() + [""] + self.definitions_.sentences(),
                  "Flows": self.flows_, "By segment": self.by_segment_,
                  "Cohorts": cohorts, "Lost by reason": self.lost_by_reason_}
        if len(self.churn_by_category_):
            sheets["Churn by NPS"] = self.churn_by_category_.rename(columns=interval)
        if self.clv_ is not None:
            sheets["Lifetime value"] = [s for s in self.lifetime() if s]
            sheets["Renewal cohorts"] = self.renewal_cohorts_.rename(
                columns=lambda k: f"{per.unit(self.renewal)} {k}")
            sheets["Customer asset"] = self.asset_
            sheets["Asset change"] = self.asset_change_
            sheets["Value x experience"] = self.grid_
            sheets["High value poor exp"] = self.high_value_poor_experience()
        sheets["Leaky bucket"] = self.leaky_bucket()
        if len(self.lost_trend_):
            sheets["Lost by year"] = self.lost_trend_
        if len(self.churn_by_band_):
            sheets["Churn by CHI band"] = self.churn_by_band_.rename(columns=interval)
        if len(self.closed_loop_):
            sheets["Detractors to call"] = self.detractors_to_call()
            sheets["Closed loop"] = self.followups_by_year()
        if len(self.complaints_):
            sheets["Complaints"] = self.complaints_
        if len(self.credits_):
            sheets["Credit notes"] = self.credits_
        if not self.reconciliation_.empty:
            sheets["Contradictions"] = self.reconciliation_
        # retention and churn per period with one decimal (97.8%, 1.7%), shares whole
        retention = dict.fromkeys(["logo_retention", "gross_revenue_retention",
                                   "net_revenue_retention"], "rate")
        churn = dict.fromkeys(["churn_rate", *interval.values()], "rate")
        return write_workbook(path, sheets, percent={
            "Lost by reason": ["share"], "Lost by year": ["experience_share"],
            "Closed loop": ["share_in_time"], "Cohorts": list(cohorts.columns)},
            kinds={"Flows": retention, "By segment": retention, "Churn by NPS": churn,
                   "Churn by CHI band": churn})

    # ------------------------------------------------------------------ charts
    def plot_waterfall(self, measure: str = "revenue", ax=None):
        """The window as a waterfall: start, what came in, what went out, end."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from .present.show import plain_text
        w = self.window().iloc[0]
        if measure == "revenue":
            steps = [("start", w["start_revenue"]), ("new", w["new_revenue"]),
                     ("reactivated", w["reactivated_revenue"]), ("expansion", w["expansion"]),
                     ("contraction", -w["contraction"]), ("lost", -w["lost_revenue"])]
            end = w["end_revenue"]
        elif measure == "count":
            steps = [("start", w["start"]), ("new", w["new"]),
                     ("reactivated", w["reactivated"]), ("lost", -w["lost"])]
            end = w["end"]
        else:
            raise ParameterError(f"measure must be revenue or count, not {measure!r}")
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3.5))
        from matplotlib.ticker import FuncFormatter

        level = 0.0
        for i, (name, v) in enumerate(steps + [("end", end)]):
            last = name == "end"
            bottom = 0.0 if i == 0 or last else (level if v >= 0 else level + v)
            colour = "#4c72b0" if i == 0 or last else "#55a868" if v >= 0 else "#c44e52"
            ax.bar(name, abs(v), bottom=bottom, color=colour)
            text = f"{v:,.0f}" if i == 0 or last else f"{v:+,.0f}"
            ax.annotate(text, (i, bottom + abs(v)), ha="center", va="bottom", fontsize=8,
                        xytext=(0, 2), textcoords="offset points")
            level = v if i == 0 else level + v
        ax.set_ylim(top=ax.get_ylim()[1] * 1.1)  # room for the labels under the title
        ax.tick_params(axis="x", labelrotation=20)  # "reactivated expansion contraction"
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
            label.set_rotation_mode("anchor")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylabel("revenue" if measure == "revenue" else "customers")
        ax.set_title(f"{w['from']} to {w['to']}")
        sns.despine(ax=ax)
        return plain_text(ax)

    def plot_cohorts(self, ax=None):
        """Heat map: share of each acquisition cohort still a customer, by age."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from .present.show import plain_text
        table = self.cohorts_
        if ax is None:
            _, ax = plt.subplots(figsize=(min(2 + 0.6 * max(table.shape[1], 1), 12),
                                          0.35 * max(len(table), 1) + 1.5))
        if table.empty:
            ax.text(0.5, 0.5, "no cohort acquired inside the window", ha="center",
                    transform=ax.transAxes)
            ax.set_axis_off()
            return plain_text(ax)
        sns.heatmap(100 * table, vmin=0, vmax=100, cmap="RdYlGn", annot=True, fmt=".0f",
                    cbar=False, linewidths=0.5, ax=ax)
        ax.set_xlabel("periods since the first revenue")
        ax.set_ylabel("cohort")
        return plain_text(ax)

    def plot_lifetime(self, ax=None):
        """The yearly cohorts' survival against the fitted model and its projection."""
        import matplotlib.pyplot as plt

        from .present.show import plain_text
        if self.clv_ is not None:
            ax = self.clv_.plot(ax=ax)
            ax.set_xlabel(f"{per.unit(self.renewal)}s since acquisition")
            return ax
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 1.5))
        ax.text(0.5, 0.5, self.lifetime_note_, ha="center", va="center", wrap=True,
                transform=ax.transAxes)
        ax.set_axis_off()
        return plain_text(ax)

    def plot_lost_by_reason(self, ax=None):
        """Bars: revenue lost by departure reason, experience reasons coloured."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from .present.show import plain_text
        t = self.lost_by_reason_.iloc[::-1]
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.35 * max(len(t), 1) + 1.2))
        colours = ["#c44e52" if k == "experience" else "#8c8c8c" for k in t["kind"]]
        from matplotlib.ticker import FuncFormatter

        ax.barh(t.index.astype(str), t["revenue_lost"], color=colours)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel("annual revenue lost")
        ax.plot([], [], "s", color="#c44e52", label="experience")
        ax.plot([], [], "s", color="#8c8c8c", label="other")
        ax.legend(frameon=False, loc="lower right")
        sns.despine(ax=ax)
        return plain_text(ax)

    def plot_asset_change(self, ax=None):
        """Bars per period: what new customers added, lost ones took, and the stayers' change."""
        import matplotlib.pyplot as plt
        import seaborn as sns
        from matplotlib.ticker import FuncFormatter

        from .present.show import plain_text
        a = self.asset_change_.iloc[1:]
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3.5))
        if a.empty:
            ax.text(0.5, 0.5, self.lifetime_note_ or "no change to show", ha="center",
                    transform=ax.transAxes)
            ax.set_axis_off()
            return plain_text(ax)
        x = np.arange(len(a))
        ax.bar(x - 0.27, a["added"], 0.27, color="#55a868", label="added by new customers")
        ax.bar(x, -a["taken"], 0.27, color="#c44e52", label="taken by lost customers")
        ax.bar(x + 0.27, a["stayed_change"], 0.27, color="#4c72b0",
               label="change in those who stayed")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(x, a.index.astype(str), rotation=45, ha="right")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylabel("lifetime value")
        ax.legend(frameon=False, fontsize=8, ncol=3, loc="upper center",
                  bbox_to_anchor=(0.5, 1.15))
        sns.despine(ax=ax)
        return plain_text(ax)

    def plot_grid(self, ax=None):
        """Heat map: accounts and lifetime value in each cell of value tier × experience."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from .present.show import plain_text
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3))
        g = self.grid_
        if g.empty or not g["accounts"].sum():
            ax.text(0.5, 0.5, self.lifetime_note_ or "no accounts to place", ha="center",
                    transform=ax.transAxes)
            ax.set_axis_off()
            return plain_text(ax)
        asset = g.pivot(index="value_tier", columns="experience", values="asset")
        count = g.pivot(index="value_tier", columns="experience", values="accounts")
        share = asset / asset.to_numpy().sum()
        labels = np.vectorize(lambda n, v: f"{n:.0f} account{'' if n == 1 else 's'}\n{v:,.0f}")(
            count.to_numpy(), asset.to_numpy())
        sns.heatmap(100 * share, annot=labels, fmt="", cmap="Blues", cbar=False,
                    linewidths=0.5, ax=ax, annot_kws={"fontsize": 8})
        ax.set_xlabel("experience (CHI band, or NPS category where CHI is missing)")
        ax.set_ylabel("lifetime value tier")
        ax.add_patch(plt.Rectangle((list(asset.columns).index("poor"), 0), 1, 1, fill=False,
                                   edgecolor="#c44e52", linewidth=2.5))
        return plain_text(ax)

    def plot_lost_trend(self, ax=None):
        """Stacked bars by year: revenue lost for experience reasons and for other reasons."""
        import matplotlib.pyplot as plt
        import seaborn as sns
        from matplotlib.ticker import FuncFormatter

        from .present.show import plain_text
        t = self.lost_trend_
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3))
        x = t.index.astype(str)
        ax.bar(x, t["experience"], color="#c44e52", label="experience")
        ax.bar(x, t["other"], bottom=t["experience"], color="#8c8c8c", label="other")
        for i, v in enumerate(t["experience_share"]):
            if np.isfinite(v):
                ax.annotate(f"{v:.0%}", (i, t["experience"].iloc[i] / 2), ha="center",
                            va="center", color="white", fontsize=8)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylabel("annual revenue lost")
        ax.legend(frameon=False)
        sns.despine(ax=ax)
        return plain_text(ax)

    def plot_complaints(self, ax=None):
        """Lines per period: complaints by category, high-severity ones marked."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from .present.show import plain_text
        c = self.complaints_
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3.5))
        if c.empty:
            ax.text(0.5, 0.5, "no complaints table", ha="center", transform=ax.transAxes)
            ax.set_axis_off()
            return plain_text(ax)
        wide = c.pivot_table(index="period", columns="category", values="complaints",
                             aggfunc="sum", fill_value=0)
        for col in wide.columns:
            ax.plot(wide.index.astype(str), wide[col], marker="o", markersize=3, label=col)
        ax.set_ylabel("complaints")
        ax.tick_params(axis="x", rotation=45)
        ax.legend(frameon=False, fontsize=8, ncol=2)
        sns.despine(ax=ax)
        return plain_text(ax)
