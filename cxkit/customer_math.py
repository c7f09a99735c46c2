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
    # where the table begins no starting base is known: empty, not zero
    out["start"] = out["start"].astype("Int64").mask(at_first)
    out["start_revenue"] = out["start_revenue"].astype(float).mask(at_first)
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
        items = [f"{a}" + (f" in {p}" if isinstance(p, str) else "")
                 for a, p in zip(g["account_id"], g["period"])]
        shown = ", ".join(items[:limit]) + (f", and {len(g) - limit} more"
                                            if len(g) > limit else "")
        text = {"revenue_after_lost_date": "revenue after the account's lost_date",
                "lost_without_reason": "accounts lost with no row in lost_customers",
                "reason_for_active_account": "lost_customers rows for active accounts"}[kind]
        lines.append(f"the tables do not reconcile: {text} in {len(g)} case"
                     f"{'s' if len(g) != 1 else ''} ({shown}); fix the data, or set "
                     "reconciliation: show to see them as a line of the report")
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
    frame = pd.DataFrame({"reason": reasons,
                          "revenue_lost": lost_customers["revenue_lost"].fillna(0.0)})
    out = frame.groupby("reason").agg(accounts=("reason", "size"),
                                      revenue_lost=("revenue_lost", "sum"))
    out.insert(0, "kind", ["experience" if r in exp else "other" if r in oth else "unsorted"
                           for r in out.index])
    total = out["revenue_lost"].sum()
    out["share"] = out["revenue_lost"] / total if total > 0 else np.nan
    return out.sort_values("revenue_lost", ascending=False)


def churn_by_category(movements: pd.DataFrame, responses: pd.DataFrame, freq: str = "Q",
                      confidence: float = 0.95) -> pd.DataFrame:
    """Does experience predict departure? Losses in a period by NPS category the period before.

    Each account-period with survey answers gets the NPS category of the account's mean
    likelihood to recommend in it; the outcome is whether the account was lost in the next
    period.

    Returns
    -------
    DataFrame
        Indexed by ``category`` (detractor, passive, promoter): ``account_periods``,
        ``lost``, ``churn_rate`` with its Wilson interval ``ci_low``, ``ci_high``
        (the interval R's ``prop.test`` without continuity correction gives),
        ``revenue_lost`` (the period revenue of the accounts lost) and ``revenue_at_risk``
        (the category's revenue in the latest period × its churn rate).
    """
    from statsmodels.stats.proportion import proportion_confint

    from . import periods as per
    from .nps import categories

    period = per.labels(responses["response_date"], freq)
    mean = responses.assign(period=period).groupby(["account_id", "period"])["ltr"].mean()
    cat = categories(mean).set_axis(mean.index).rename("category")
    m = movements.assign(account_id=movements["account_id"].astype(str),
                         period=movements["period"].astype(str))
    nxt = pd.PeriodIndex(m["period"], freq=freq) + 1
    outcome = m.assign(next_period=nxt.astype(str))
    lost_next = m[m["movement"].isin(["lost", "new_lost"])].set_index(
        ["account_id", "period"]).index
    frame = outcome[outcome["active"]].join(cat, on=["account_id", "period"], how="inner")
    frame = frame[frame["next_period"].isin(set(m["period"]))]
    frame["lost"] = pd.MultiIndex.from_arrays([frame["account_id"], frame["next_period"]]
                                              ).isin(lost_next)
    order = ["detractor", "passive", "promoter"]
    g = frame.groupby("category")
    out = pd.DataFrame({"account_periods": g.size(), "lost": g["lost"].sum(),
                        "revenue_lost": frame["revenue"].where(frame["lost"], 0.0)
                        .groupby(frame["category"]).sum()}).reindex(order).fillna(0)
    out["account_periods"] = out["account_periods"].astype(int)
    out["lost"] = out["lost"].astype(int)
    n = out["account_periods"].where(out["account_periods"] > 0)
    out["churn_rate"] = out["lost"] / n
    lo, hi = proportion_confint(out["lost"], out["account_periods"].clip(lower=1),
                                alpha=1 - confidence, method="wilson")
    out["ci_low"] = np.where(n.notna(), lo, np.nan)
    out["ci_high"] = np.where(n.notna(), hi, np.nan)
    # revenue at risk: each current customer's latest revenue, by its most recent category
    now = m[(m["period"] == m["period"].max()) & m["active"]]
    recent = cat.reset_index().sort_values("period").groupby("account_id")["category"].last()
    base = now.groupby(now["account_id"].map(recent))["revenue"].sum()
    out["revenue_at_risk"] = base.reindex(order).fillna(0.0) * out["churn_rate"].fillna(0.0)
    out.index.name = "category"
    return out[["account_periods", "lost", "churn_rate", "ci_low", "ci_high", "revenue_lost",
                "revenue_at_risk"]]


# --------------------------------------------------------------------------- lifetime value
PERIODS_PER_YEAR = {"Q": 4, "M": 12, "Y": 1}


def renewal_cohorts(accounts: pd.DataFrame, start, end) -> pd.DataFrame:
    """Yearly acquisition cohorts, for the shifted-beta-geometric model.

    A cohort is the calendar year of ``customer_since``. Its age t is 1 January of the
    year ``cohort + t``; age 0 is the acquisition year itself (every member). A member is
    active on a date if it became a customer by then and has no ``lost_date`` before it.
    Only dates inside the data window ``[start, end + 1 day]`` are counted, so a cohort
    acquired before the data begins is seen from its first 1 January in the window
    (left-truncated: the fit conditions on its members surviving to it).

    Returns
    -------
    DataFrame
        Indexed by ``cohort`` (year), one column per age (0, 1, ...): customers active,
        empty where not observed.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    since = accounts["customer_since"]
    lost = accounts["lost_date"]
    cohort = since.dt.year
    years = range(start.year + (start > pd.Timestamp(start.year, 1, 1)), end.year + 1)
    rows: dict[int, dict[int, int]] = {}
    for y in sorted(cohort.unique()):
        if pd.Timestamp(int(y), 1, 1) >= end:  # acquired after the window
            continue
        members = cohort == y
        counts = {}
        if pd.Timestamp(int(y), 1, 1) >= start:  # acquired inside the window: its size
            counts[0] = int(members.sum())
        for jan in years:
            day = pd.Timestamp(jan, 1, 1)
            if jan > y:
                alive = members & (since <= day) & (lost.isna() | (lost > day))
                counts[jan - int(y)] = int(alive.sum())
        rows[int(y)] = counts
    out = pd.DataFrame.from_dict(rows, orient="index").sort_index(axis=1)
    out.index.name = "cohort"
    out.columns.name = "age"
    return out.dropna(how="all")


def customer_asset(model, accounts: pd.DataFrame, movements: pd.DataFrame, end,
                   period: str = "Q", margin: float = 0.3, discount_rate: float = 0.1
                   ) -> pd.DataFrame:
    """Each current customer's residual lifetime value: margin × annual revenue × DERL.

    Renewals made are the customer's completed years at the end of the window (its age
    as in :func:`renewal_cohorts`); annual revenue is its revenue over the last twelve
    months of the table; DERL is the fitted model's (:meth:`cxkit.clv.ShiftedBetaGeometric.derl`),
    so the year already paid for is not counted.

    Returns
    -------
    DataFrame
        Indexed by ``account_id``: ``renewals``, ``annual_revenue``, ``derl``, ``value``.
    """
    per_year = PERIODS_PER_YEAR[period]
    last = sorted(movements["period"].astype(str).unique())[-per_year:]
    recent = movements[movements["period"].astype(str).isin(last)]
    annual = recent.groupby(recent["account_id"].astype(str), observed=True)["revenue"].sum()
    day = pd.Timestamp(end) + pd.Timedelta(days=1)
    current = accounts[(accounts["customer_since"] <= day)
                       & (accounts["lost_date"].isna() | (accounts["lost_date"] > day))]
    renewals = (day.year - current["customer_since"].dt.year).clip(lower=0).to_numpy()
    out = pd.DataFrame({"renewals": renewals,
                        "annual_revenue": annual.reindex(current["account_id"]).fillna(0.0)
                        .to_numpy()}, index=pd.Index(current["account_id"], name="account_id"))
    out["derl"] = model.derl(discount_rate, out["renewals"].to_numpy())
    out["value"] = margin * out["annual_revenue"] * out["derl"]
    return out


# --------------------------------------------------------------------------- the analysis
class CustomerMath:
    """Customers in against customers out, retention, cohorts and why revenue leaves.

    Parameters
    ----------
    period : {"Q", "M", "Y"}
        Period length of the revenue table.
    definitions : Definitions or dict, optional
        What counts as new, lost and reactivated (see :class:`Definitions`).
    experience_reasons, other_reasons : list of str
        Departure reasons that are about the experience, and those that are not.
    reconciliation : {"error", "show"}
        Where the tables contradict each other (:func:`reconcile`): stop with an error
        naming the accounts and periods, or go on and show them as a table.
    margin : float
        Share of revenue that is margin, for lifetime value.
    discount_rate : float
        Per year, for lifetime value.
    confidence : float

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
    reconciliation_ : DataFrame
        :func:`reconcile` (empty when the tables agree).
    lost_by_reason_ : DataFrame
        :func:`lost_by_reason` (empty without a ``lost_customers`` table).
    churn_by_category_ : DataFrame
        :func:`churn_by_category` (empty without survey responses).
    renewal_cohorts_ : DataFrame
        :func:`renewal_cohorts` (yearly cohorts from ``customer_since``).
    clv_ : ShiftedBetaGeometric or None
        Fitted to the cohorts seen in at least three years; None where none is.
    asset_ : DataFrame
        :func:`customer_asset` (empty without a fitted model).
    """

    def __init__(self, *, period: str = "Q", definitions=None, experience_reasons=(),
                 other_reasons=(), reconciliation: str = "error", margin: float = 0.3,
                 discount_rate: float = 0.1, confidence: float = 0.95):
        self.period = period
        self.definitions = definitions
        self.experience_reasons = experience_reasons
        self.other_reasons = other_reasons
        self.reconciliation = reconciliation
        self.margin = margin
        self.discount_rate = discount_rate
        self.confidence = confidence

    def fit(self, tables: dict) -> "CustomerMath":
        """Fit on the tables :func:`cxkit.io.load` returns (accounts and revenue needed)."""
        from . import periods as per

        per.check(self.period)
        if self.reconciliation not in ("error", "show"):
            raise ParameterError(f"reconciliation must be error or show, not "
                                 f"{self.reconciliation!r}")
        d = self.definitions
        self.definitions_ = d if isinstance(d, Definitions) else Definitions.from_dict(d)
        if "revenue" not in tables:
            raise DataError("customer math needs the revenue table (revenue.csv)")
        accounts, revenue = tables["accounts"], tables["revenue"]
        lost = tables.get("lost_customers")
        self.reconciliation_ = reconcile(revenue, accounts, self.period, lost)
        if self.reconciliation == "error":
            raise_reconciliation(self.reconciliation_)
        self.movements_ = account_movements(revenue, self.definitions_, accounts, self.period)
        f = flows(self.movements_)
        self.flows_ = f.join(retention(f, self.definitions_))
        segment = accounts.set_index("account_id")["segment"].astype(str)
        b = flows(self.movements_, by="segment", groups=segment)
        self.by_segment_ = b.join(retention(b, self.definitions_))
        self.cohorts_ = cohort_table(self.movements_, "logo")
        self.lost_by_reason_ = (lost_by_reason(lost, self.experience_reasons, self.other_reasons)
                                if lost is not None and len(lost) else
                                pd.DataFrame(columns=["kind", "accounts", "revenue_lost",
                                                      "share"]).rename_axis("reason"))
        responses = tables.get("responses")
        self.churn_by_category_ = (churn_by_category(self.movements_, responses, self.period,
                                                     self.confidence)
                                   if responses is not None and len(responses) else
                                   pd.DataFrame())
        self._fit_lifetime(accounts)
        return self

    def _fit_lifetime(self, accounts: pd.DataFrame) -> None:
        from .clv import ShiftedBetaGeometric

        if not (0 <= self.margin <= 1) or self.discount_rate <= 0:
            raise ParameterError(f"margin must be between 0 and 1 and discount_rate positive, "
                                 f"got {self.margin} and {self.discount_rate}")
        labels = self.flows_.index
        start = pd.Period(labels[0], freq=self.period).start_time
        end = pd.Period(labels[-1], freq=self.period).end_time.normalize()
        self.window_end_ = end
        self.renewal_cohorts_ = renewal_cohorts(accounts, start, end)
        usable = self.renewal_cohorts_[self.renewal_cohorts_.notna().sum(axis=1) >= 3]
        self.clv_, self.lifetime_note_ = None, ""
        try:
            self.clv_ = ShiftedBetaGeometric(confidence=self.confidence, unit="year").fit(usable)
        except ParameterError as exc:
            self.lifetime_note_ = f"No lifetime model: {exc}"
        self.asset_ = (customer_asset(self.clv_, accounts, self.movements_, end, self.period,
                                      self.margin, self.discount_rate)
                       if self.clv_ is not None else
                       pd.DataFrame(columns=["renewals", "annual_revenue", "derl", "value"]))

    # ------------------------------------------------------------------ reading
    def window(self) -> pd.DataFrame:
        """The whole window in one line: flows added up over every period but the first."""
        f = self.flows_.iloc[1:]
        first, last = self.flows_.iloc[0], self.flows_.iloc[-1]
        sums = f[["new", "reactivated", "lost", "new_revenue", "reactivated_revenue",
                  "expansion", "contraction", "lost_revenue"]].sum()
        return pd.DataFrame([{"from": self.flows_.index[0], "to": self.flows_.index[-1],
                              "start": first["end"], **sums.to_dict(), "end": last["end"],
                              "start_revenue": first["end_revenue"],
                              "end_revenue": last["end_revenue"]}])

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
        if self.clv_ is None:
            return [self.lifetime_note_]
        m = self.clv_
        total = self.asset_["value"].sum()
        revenue = self.asset_["annual_revenue"].sum()
        r = float(self.flows_["logo_retention"].iloc[1:].mean()) ** PERIODS_PER_YEAR[self.period]
        flat = self.margin * revenue * (1 + self.discount_rate) * r / (1 + self.discount_rate - r)
        return m.headlines() + [
            f"The customer asset: {len(self.asset_):,} current customers are worth "
            f"{total:,.0f} in margin over the rest of their lifetimes ({self.margin:.0%} "
            f"margin, {self.discount_rate:.0%} discount a year, the year paid for not "
            "counted).",
            f"One constant retention rate ({r:.0%} a year, the mean of the window) would value "
            f"them at {flat:,.0f} ({flat / total - 1:+.0%})." if total > 0 else ""]

    def contradictions(self) -> list[str]:
        """The contradictions between the tables, as sentences (or that there are none)."""
        if self.reconciliation_.empty:
            return ["Revenue, lost dates and departure reasons agree: every period reconciles "
                    "without a correcting line."]
        words = {"revenue_after_lost_date": "revenue after its lost date",
                 "lost_without_reason": "lost, with no departure reason recorded",
                 "reason_for_active_account": "a departure reason, but still active"}
        return [f"{r.account_id}: {words[r.problem]}"
                + (f" ({r.period})" if isinstance(r.period, str) else "")
                for r in self.reconciliation_.itertuples()]

    def headlines(self) -> list[str]:
        """Plain sentences: the leaky bucket by count and money, retention, why revenue left."""
        w = self.window().iloc[0]
        unit = {"Q": "quarter", "M": "month", "Y": "year"}[self.period]
        n = len(self.flows_) - 1
        out = [
            f"From {w['from']} to {w['to']} the base went from {w['start']:,.0f} to "
            f"{w['end']:,.0f} customers: {w['new']:,.0f} came in"
            + (f" and {w['reactivated']:,.0f} came back" if w["reactivated"] else "")
            + f", {w['lost']:,.0f} left.",
            f"Revenue lost with departing customers, {w['lost_revenue']:,.0f}, and lost to "
            f"contraction, {w['contraction']:,.0f}, against {w['new_revenue']:,.0f} from new "
            f"customers and {w['expansion']:,.0f} of expansion over {n} {unit}s.",
        ]
        r = self.flows_[["logo_retention", "gross_revenue_retention",
                         "net_revenue_retention"]].iloc[1:].mean()
        out.append(f"Per {unit}, on average, {r['logo_retention']:.1%} of customers stay, and "
                   f"{r['gross_revenue_retention']:.1%} of their revenue "
                   f"({r['net_revenue_retention']:.1%} with expansion).")
        if len(self.lost_by_reason_):
            exp = self.lost_by_reason_.loc[self.lost_by_reason_["kind"] == "experience",
                                           "revenue_lost"].sum()
            top = self.lost_by_reason_.index[0]
            out.append(f"{exp / self.lost_by_reason_['revenue_lost'].sum():.0%} of the "
                       f"revenue lost left for a reason of experience; the most: {top}.")
        if not self.reconciliation_.empty:
            out.append(f"{len(self.reconciliation_)} contradiction(s) between the tables are "
                       "listed below; the numbers use the revenue as booked.")
        return out

    def summary(self) -> str:
        """Definitions, the flows and retention, in plain text."""
        return "\n".join(["Customer math", ""] + self.definitions_.sentences() + [""]
                         + [self.flows_.round(3).to_string(), ""] + self.headlines())

    def key_results(self) -> dict:
        """JSON-ready numbers: the window's flows, average retention, experience share."""
        from .results import to_jsonable
        w = self.window().iloc[0].to_dict()
        r = self.flows_[["logo_retention", "gross_revenue_retention",
                         "net_revenue_retention"]].iloc[1:].mean().to_dict()
        out = {"period": self.period, **w, **{f"mean_{k}": v for k, v in r.items()},
               "contradictions": int(len(self.reconciliation_))}
        if self.clv_ is not None:
            out.update({"sbg_alpha": self.clv_.alpha_, "sbg_beta": self.clv_.beta_,
                        "customer_asset": float(self.asset_["value"].sum()),
                        "current_customers": int(len(self.asset_))})
        if len(self.lost_by_reason_) and self.experience_reasons:
            lbr = self.lost_by_reason_
            out["experience_share_of_lost_revenue"] = float(
                lbr.loc[lbr["kind"] == "experience", "revenue_lost"].sum()
                / lbr["revenue_lost"].sum())
        return to_jsonable(out)

    def to_excel(self, path):
        """The client workbook: summary, flows and retention, by segment, cohorts, reasons."""
        from .reports import write_workbook
        sheets = {"Summary": self.headlines() + [""] + self.definitions_.sentences(),
                  "Flows": self.flows_, "By segment": self.by_segment_,
                  "Cohorts": self.cohorts_, "Lost by reason": self.lost_by_reason_}
        if len(self.churn_by_category_):
            sheets["Churn by NPS"] = self.churn_by_category_
        if self.clv_ is not None:
            sheets["Lifetime value"] = [s for s in self.lifetime() if s]
            sheets["Renewal cohorts"] = self.renewal_cohorts_
            sheets["Customer asset"] = self.asset_
        if not self.reconciliation_.empty:
            sheets["Contradictions"] = self.reconciliation_
        pct = ["logo_retention", "gross_revenue_retention", "net_revenue_retention"]
        return write_workbook(path, sheets, percent={
            "Flows": pct, "By segment": pct, "Lost by reason": ["share"],
            "Churn by NPS": ["churn_rate", "ci_low", "ci_high"],
            "Cohorts": list(self.cohorts_.columns)})

    # ------------------------------------------------------------------ charts
    def plot_waterfall(self, measure: str = "revenue", ax=None):
        """The window as a waterfall: start, what came in, what went out, end."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from .reports import plain_text
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
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylabel("revenue" if measure == "revenue" else "customers")
        ax.set_title(f"{w['from']} to {w['to']}")
        sns.despine(ax=ax)
        return plain_text(ax)

    def plot_cohorts(self, ax=None):
        """Heat map: share of each acquisition cohort still a customer, by age."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from .reports import plain_text
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

        from .reports import plain_text
        if self.clv_ is not None:
            ax = self.clv_.plot(ax=ax)
            ax.set_xlabel("years since acquisition")
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

        from .reports import plain_text
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
