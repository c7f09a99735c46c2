"""Closing the planning loop: did the objectives of an earlier plan move their measures?

An objective (:func:`~cxkit.planning.objectives`) names a measure, where it stood on the
plan date (``current``) and a target. A later plan of the same portfolio reads the same
measure again. Each objective of the earlier plan is then:

- ``met``: the measure now reaches the target (or passes it);
- ``moving``: not met, but it covered at least ``moving_share`` of the way from where it
  stood to the target;
- ``not moving``: new evidence came in, and the measure covered less of the way (or went
  the wrong way);
- ``too soon``: no new evidence on the measure since the earlier plan: no survey answer
  from the account (lens scores, advocacy, buying-role coverage), no CHI period after
  the earlier plan's, or a measure the data keeps no history of (interaction frequency
  is today's value in the accounts table), or an account that is no longer a customer.

What "new evidence" is, per rule: ``lens_lower``, ``advocacy_play`` and ``coverage`` read
survey answers, so an answer from the account after the earlier plan date; ``chi_falling``
reads CHI, so a KPI period after the earlier plan's period; ``engagement`` has none.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .objectives import CONTACTS_A_YEAR

#: the statuses, best first
STATUSES = ("met", "moving", "not moving", "too soon", "lost with the account")
#: an objective whose account is no longer a customer on the later plan's date
LOST = STATUSES[-1]
#: the columns of :func:`track_objectives`
COLUMNS = ["account_id", "rule", "objective", "owner", "measure", "unit", "before", "target",
           "now", "progress", "new_answers", "new_periods", "status", "due"]


def objective_status(before, target, now, new_evidence, moving_share: float = 0.25
                     ) -> np.ndarray:
    """The status of each objective from its measure before, its target and now.

    Parameters
    ----------
    before, target, now : array-like of float
        The measure on the earlier plan date, its target, and the measure now (NaN where
        it could not be read).
    new_evidence : array-like of bool
        Whether evidence on the measure came in since the earlier plan.
    moving_share : float
        Share of the way from ``before`` to ``target`` that counts as moving.

    Returns
    -------
    ndarray of str
        One of :data:`STATUSES` per objective.

    Examples
    --------
    >>> objective_status([40, 40, 40, 40, 3], [50, 50, 50, 50, 1], [52, 44, 41, 30, 3],
    ...                  [True, True, True, True, False]).tolist()
    ['met', 'moving', 'not moving', 'not moving', 'too soon']
    """
    before, target, now = (np.asarray(x, dtype=float) for x in (before, target, now))
    fresh = np.asarray(new_evidence, dtype=bool) & ~np.isnan(now)
    # a target equal to where the measure stood is met while the measure stays there
    share = np.where(target != before, progress(before, target, now),
                     np.where(now == target, 1.0, 0.0))
    out = np.where(share >= 1, "met", np.where(share >= moving_share, "moving",
                                               "not moving"))
    return np.where(fresh, out, "too soon").astype(object)


def progress(before, target, now) -> np.ndarray:
    """Share of the way from ``before`` to ``target`` that ``now`` covers (1: reached;
    negative: the wrong way; NaN where the target is where the measure stood).

    >>> progress([40, 40, 10], [50, 50, 10], [45, 30, 10]).tolist()
    [0.5, -1.0, nan]
    """
    before, target, now = (np.asarray(x, dtype=float) for x in (before, target, now))
    way = target - before
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(way != 0, (now - before) / np.where(way != 0, way, 1.0), np.nan)


def _lens_value(lenses: pd.DataFrame, account_id, item) -> float:
    if account_id not in lenses.index:
        return np.nan
    rows = lenses.loc[[account_id]]
    for _, r in rows.iterrows():
        if r["value"] == item:
            return float(r["value_pct_weighted"])
        if r["obstacle"] == item:
            return float(r["obstacle_pct_weighted"])
    return np.nan


def measure_now(objectives: pd.DataFrame, planner, since, since_period: str) -> pd.DataFrame:
    """Each objective's measure read from a later plan, with the evidence that came in.

    Parameters
    ----------
    objectives : DataFrame
        Objectives of the earlier plan (:data:`~cxkit.planning.objectives.COLUMNS`).
    planner : KeyAccountPlanner
        Fitted on the later plan date.
    since : date-like
        The earlier plan date: answers after it are new.
    since_period : str
        The earlier plan's period (``2025Q2``): CHI periods after it are new.

    Returns
    -------
    DataFrame
        Indexed as ``objectives``: ``now`` (the measure, NaN where the later plan cannot
        read it), ``new_answers`` (survey answers from the account since the earlier plan
        date; 0 for measures not read from answers), ``new_periods`` (CHI periods since
        the earlier plan's; 0 for measures not read from CHI), ``new_evidence`` (bool).
    """
    since = pd.Timestamp(since)
    answers = planner.answers_
    fresh = answers[answers["response_date"] > since].groupby("account_id").size()
    chi = planner.chi_.dropna(subset=["chi"])
    chi = chi[chi["period"].astype(str) > str(since_period)].sort_values("period")
    chi_now = chi.groupby("account_id")["chi"].last()
    chi_periods = chi.groupby("account_id").size()
    rows = []
    for _, o in objectives.iterrows():
        a, rule, item = o["account_id"], o["rule"], o.get("item", "")
        customer = a in planner.accounts_.index
        new_answers = int(fresh.get(a, 0))
        new_periods, now = 0, np.nan
        if rule == "lens_lower":
            now = _lens_value(planner.lenses_, a, item)
        elif rule == "advocacy_play":
            if a in planner.rungs_.index:
                now = 100 * float(planner.rungs_.at[a, "advocate"])
        elif rule == "coverage":
            column = f"{item} responses"
            if a in planner.coverage_.index and column in planner.coverage_.columns:
                now = float(planner.coverage_.at[a, column])
        elif rule == "chi_falling":
            new_answers, new_periods = 0, int(chi_periods.get(a, 0))
            now = float(chi_now.get(a, np.nan))
        elif rule == "engagement":
            new_answers = 0  # today's frequency only: no dated evidence
            if customer:
                now = float(CONTACTS_A_YEAR.get(
                    planner.accounts_.at[a, "interaction_frequency"], np.nan))
        rows.append({"now": now, "new_answers": new_answers,
                     "new_periods": new_periods,
                     "new_evidence": customer and (new_answers > 0 or new_periods > 0)})
    return pd.DataFrame(rows, index=objectives.index,
                        columns=["now", "new_answers", "new_periods", "new_evidence"])


def track_objectives(before, now, moving_share: float = 0.25) -> pd.DataFrame:
    """The objectives of an earlier plan, read again on a later plan's data.

    Parameters
    ----------
    before, now : KeyAccountPlanner
        The same portfolio fitted on the earlier and on the later plan date.
    moving_share : float
        Share of the way to the target that counts as moving (default a quarter).

    Returns
    -------
    DataFrame
        One row per objective of ``before``: :data:`COLUMNS`. ``before`` is the measure on
        the earlier plan date, ``now`` on the later one, ``progress`` the share of the way
        to the target covered (1 is the target reached; negative: the wrong way),
        ``status`` one of :data:`STATUSES` (see the module's notes): ``lost with the
        account`` where the account is no longer a customer on the later plan's date, so
        that every objective of the earlier plan is counted.

    Examples
    --------
    >>> from cxkit import io
    >>> from cxkit.planning import KeyAccountPlanner
    >>> tables = io.load("data/sample", optional=["kpis"])
    >>> earlier = KeyAccountPlanner(plan_date="2025-06-30").fit(tables)
    >>> later = KeyAccountPlanner(plan_date="2025-12-31").fit(tables)
    >>> t = track_objectives(earlier, later)
    >>> len(t) == len(earlier.objectives_), set(t["status"]) <= set(STATUSES)
    (True, True)
    """
    o = before.objectives_
    read = measure_now(o, now, before.plan_date_, before.plan_period_)
    out = pd.DataFrame({
        "account_id": o["account_id"], "rule": o["rule"], "objective": o["objective"],
        "owner": o["owner"], "measure": o["measure"], "unit": o["unit"],
        "before": o["current"], "target": o["target"], "now": read["now"],
        "progress": progress(o["current"], o["target"], read["now"]),
        "new_answers": read["new_answers"],
        "new_periods": read["new_periods"],
        "status": objective_status(o["current"], o["target"], read["now"],
                                   read["new_evidence"], moving_share),
        "due": o["due"]})
    out.loc[~o["account_id"].isin(now.accounts_.index), "status"] = LOST
    return out[COLUMNS].reset_index(drop=True)
