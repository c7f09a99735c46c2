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

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from .errors import DataError, ParameterError

MOVEMENTS = ("new", "reactivated", "expansion", "contraction", "flat", "lost", "new_lost")
_MOVE_CATEGORIES = ("", *MOVEMENTS)
LOST_RULES = ("lost_date_or_revenue", "revenue")
FLOW_COLUMNS = ["start", "new", "reactivated", "lost", "end", "start_revenue", "new_revenue",
                "reactivated_revenue", "expansion", "contraction", "lost_revenue",
                "end_revenue"]


@dataclass(frozen=True)
class Definitions:
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
    """

    lost: str = "lost_date_or_revenue"
    reactivation_gap: int = 1
    reactivation_in_nrr: bool = False

    def __post_init__(self):
        if self.lost not in LOST_RULES:
            raise ParameterError(f"lost must be one of {', '.join(LOST_RULES)}, not "
                                 f"{self.lost!r}")
        if not isinstance(self.reactivation_gap, int) or self.reactivation_gap < 1:
            raise ParameterError(f"reactivation_gap must be a whole number of periods, at "
                                 f"least 1, not {self.reactivation_gap!r}")

    @classmethod
    def from_dict(cls, values: dict | None) -> "Definitions":
        """From the ``definitions`` mapping of ``params/customer_math.yaml``."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
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
            "A customer is new in the first period it has revenue.",
            f"A customer is lost {when}in the first period without revenue"
            + (f" when no revenue follows within {gap - 1} period{'s' if gap > 2 else ''}; "
               "a shorter gap is bridged (contraction to zero, then expansion)."
               if gap > 1 else "."),
            f"A lost customer with revenue again is reactivated"
            + (f" (after {gap} or more periods without revenue)." if gap > 1 else "."),
            "A customer with lower but non-zero revenue has contracted, not left.",
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


def _lost_period_mask(accounts: pd.DataFrame, ids: pd.Index, periods: pd.Index,
                      freq: str) -> np.ndarray:
    """True in the period of each account's lost_date (the account is gone at its end)."""
    from . import periods as per

    mask = np.zeros((len(ids), len(periods)), dtype=bool)
    lost = accounts.loc[accounts["lost_date"].notna(), ["account_id", "lost_date"]]
    label = per.labels(lost["lost_date"], freq)
    row = ids.get_indexer(lost["account_id"])
    col = periods.get_indexer(label)
    ok = (row >= 0) & (col >= 0)
    mask[row[ok], col[ok]] = True
    return mask


def account_movements(revenue: pd.DataFrame, definitions: Definitions | None = None,
                      accounts: pd.DataFrame | None = None, freq: str = "Q") -> pd.DataFrame:
    """What happened to each account in each period.

    Parameters
    ----------
    revenue : DataFrame
        The validated revenue table: ``account_id``, ``period``, ``revenue`` (periods of
        one length; a missing row is no revenue).
    definitions : Definitions, optional
    accounts : DataFrame, optional
        The accounts table, for ``lost_date`` (rule ``lost_date_or_revenue``).
    freq : str
        Period length of the revenue table (``Q``, ``M``, ``Y``), to place lost dates.

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
    active = _active(r, definitions.reactivation_gap)
    gone = np.zeros_like(active)
    if definitions.lost == "lost_date_or_revenue" and accounts is not None:
        gone = _lost_period_mask(accounts, ids, periods, freq)
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
        ``lost_revenue``, ``end_revenue``. Each period reconciles exactly (see the module
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
    })
    out = cols.groupby([m[k] for k in keys], sort=True, observed=True).sum()[FLOW_COLUMNS]
    out.index = pd.MultiIndex.from_arrays(
        [out.index.get_level_values(k).astype(str) for k in keys], names=keys) \
        if len(keys) > 1 else pd.Index(out.index.astype(str), name="period")
    first = str(m["period"].min())
    at_first = out.index.get_level_values("period") == first
    for c in ("start", "start_revenue"):  # where the table begins: no starting base known
        out[c] = out[c].astype(float)
        out.loc[at_first, c] = np.nan
    return out


def retention(flow: pd.DataFrame, definitions: Definitions | None = None) -> pd.DataFrame:
    """Logo, gross revenue and net revenue retention of each period of :func:`flows`.

    Returns
    -------
    DataFrame
        Same index: ``logo_retention`` ((start − lost) / start),
        ``gross_revenue_retention`` ((start revenue − contraction − lost revenue) / start
        revenue, at most 1), ``net_revenue_retention`` (gross plus expansion, plus
        reactivated revenue where ``definitions.reactivation_in_nrr``); shares, empty
        where nothing started the period.
    """
    definitions = definitions or Definitions()
    f = flow
    start = f["start"].where(f["start"] > 0)
    base = f["start_revenue"].where(f["start_revenue"] > 0)
    kept = f["start_revenue"] - f["contraction"] - f["lost_revenue"]
    net = kept + f["expansion"]
    if definitions.reactivation_in_nrr:
        net = net + f["reactivated_revenue"]
    return pd.DataFrame({"logo_retention": (f["start"] - f["lost"]) / start,
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
              lost_customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where the tables contradict each other about who is a customer.

    Returns
    -------
    DataFrame
        One row per problem: ``account_id``, ``period`` (empty where none applies),
        ``problem`` (``revenue_after_lost_date``: revenue in a period after the one of
        the account's ``lost_date``; ``lost_without_reason``: status lost but no row in
        ``lost_customers``; ``reason_for_active_account``: a ``lost_customers`` row for
        an account whose status is active), ``detail``. Empty when everything agrees.
    """
    from . import periods as per

    rows = []
    lost = accounts.loc[accounts["lost_date"].notna(), ["account_id", "lost_date"]]
    if len(lost):
        lost_period = per.labels(lost["lost_date"], freq)
        last = pd.Series(pd.PeriodIndex(lost_period, freq=freq).to_numpy(),
                         index=lost["account_id"].to_numpy())
        rev = revenue[revenue["revenue"] > 0]
        rev = rev[rev["account_id"].isin(last.index)]
        after = pd.PeriodIndex(rev["period"], freq=freq) > pd.PeriodIndex(
            last.reindex(rev["account_id"]).to_numpy(), freq=freq)
        for _, r in rev[after].iterrows():
            rows.append({"account_id": r["account_id"], "period": r["period"],
                         "problem": "revenue_after_lost_date",
                         "detail": f"revenue {r['revenue']:,.2f} after lost_date "
                                   f"{last[r['account_id']]}"})
    if lost_customers is not None:
        status_lost = set(accounts.loc[accounts["status"].eq("lost"), "account_id"])
        with_reason = set(lost_customers["account_id"])
        for a in sorted(status_lost - with_reason):
            rows.append({"account_id": a, "period": None, "problem": "lost_without_reason",
                         "detail": "status lost, no row in lost_customers"})
        active = set(accounts.loc[accounts["status"].eq("active"), "account_id"])
        for a in sorted(with_reason & active):
            rows.append({"account_id": a, "period": None,
                         "problem": "reason_for_active_account",
                         "detail": "a row in lost_customers, status active"})
    return pd.DataFrame(rows, columns=["account_id", "period", "problem", "detail"])


def raise_reconciliation(problems: pd.DataFrame, limit: int = 5) -> None:
    """Raise one :class:`DataError` per kind of problem, naming accounts and periods."""
    if problems.empty:
        return
    lines = []
    for kind, g in problems.groupby("problem", sort=False):
        shown = ", ".join(f"{a}" + (f" in {p}" if isinstance(p, str) else "")
                          for a, p in zip(g["account_id"], g["period"]))
        shown = ", ".join(shown.split(", ")[:limit]) + (
            f", and {len(g) - limit} more" if len(g) > limit else "")
        text = {"revenue_after_lost_date": "revenue after the account's lost_date",
                "lost_without_reason": "accounts lost with no row in lost_customers",
                "reason_for_active_account": "lost_customers rows for active accounts"}[kind]
        lines.append(f"the tables do not reconcile: {text} in {len(g)} case"
                     f"{'s' if len(g) != 1 else ''} ({shown}); fix the data, or set "
                     "reconciliation: show to see them as a line of the report")
    raise DataError("\n".join(lines))
