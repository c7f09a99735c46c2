"""Objectives (MBOs) from the data, by rules in ``params/planning.yaml``.

Each rule that fires for an account gives one measurable objective: who owns it, what is
measured, where it stands, the target, the due date, and the evidence that triggered it.

Rules:

- ``lens_lower``: the lower side of a lens (key-weighted) is below ``below`` % → raise it
  by ``gain_points`` (owner: the lens's owner, e.g. the project manager); at most
  ``per_account`` objectives per account (default 1), the lowest scores first;
- ``engagement``: an account of ``segments`` seen less often than ``target`` → move it
  to ``target`` engagement;
- ``advocacy_play``: a reference account that is not yet an advocate → advocacy play,
  to ``target`` % of respondents recommending unprompted;
- ``chi_falling``: CHI fell ``periods`` periods in a row → recovery plan back to where it
  was before the fall, at most ``gain_points`` above where it is (a reachable step);
- ``coverage``: no feedback from ``roles`` in the window → get it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.schemas import FREQUENCIES
from .config import PlanningConfig

COLUMNS = ["account_id", "rule", "objective", "owner_role", "owner", "measure", "item",
           "current", "target", "unit", "due", "evidence"]
#: what ``current`` and ``target`` count, per rule: % points, CHI points, answers, contacts
UNITS = ("%", "CHI", "responses", "contacts a year")
#: an interaction frequency as contacts a year (the engagement rule's current and target)
CONTACTS_A_YEAR = {"weekly": 52, "monthly": 12, "quarterly": 4}


def _owner(accounts: pd.DataFrame, account_id, column: str) -> str:
    if column in accounts.columns and pd.notna(accounts.at[account_id, column]):
        return str(accounts.at[account_id, column])
    return ""


def objectives(accounts: pd.DataFrame, config: PlanningConfig, plan_date, lenses: pd.DataFrame | None = None,
               rungs: pd.DataFrame | None = None, chi: pd.DataFrame | None = None,
               coverage: pd.DataFrame | None = None, key_weights: pd.DataFrame | None = None
               ) -> pd.DataFrame:
    """Objectives for each account, from the rules of the configuration.

    Parameters
    ----------
    accounts : DataFrame
        Indexed by ``account_id``: ``segment``, ``interaction_frequency`` and the owner
        columns (``account_manager``, ``project_manager``).
    config : PlanningConfig
    plan_date : date-like
        Objectives are due ``objectives.horizon_months`` after it.
    lenses, rungs, coverage, key_weights : DataFrame, optional
        From :func:`account_lenses`, :func:`account_rungs`, :func:`coverage` and
        :func:`key_weight`; a rule whose input is missing does not fire.
    chi : DataFrame, optional
        ``account_id``, ``period``, ``chi``.

    Returns
    -------
    DataFrame
        One row per objective: :data:`COLUMNS`. ``owner_role`` is the accounts column
        naming the owner (``account_manager``, ``project_manager``); ``item`` what the
        measure reads, where a rule has several (``lens_lower``: the driver column,
        ``coverage``: the role; "" otherwise); ``objective``,
        ``measure`` and ``evidence`` are the objective in cxkit's words (like
        ``headlines``); ``current`` and ``target`` are numbers (float) in ``unit``, one of
        :data:`UNITS`: a % score (0-100), CHI points, responses from a role, or contacts
        a year (:data:`CONTACTS_A_YEAR`: weekly 52, monthly 12, quarterly 4).

    Examples
    --------
    >>> import pandas as pd
    >>> from cxkit.planning import load_config
    >>> cfg = load_config("params/planning.yaml")
    >>> accounts = pd.DataFrame({"segment": ["key"], "interaction_frequency": ["quarterly"],
    ...                          "account_manager": ["Dana Lee"]},
    ...                         index=pd.Index(["A1"], name="account_id"))
    >>> o = objectives(accounts, cfg, "2025-12-31")
    >>> o[["rule", "objective", "owner_role", "owner", "due"]].to_dict("records")
    [{'rule': 'engagement', 'objective': 'Move to weekly engagement', 'owner_role': 'account_manager', 'owner': 'Dana Lee', 'due': datetime.date(2026, 6, 30)}]
    """
    from ..present.labels import plural, pretty  # names in the objective's words

    due = (pd.Timestamp(plan_date) + pd.DateOffset(months=config.objectives.horizon_months)).date()
    window = config.window_months
    rows = []

    def add(account_id, rule, objective, owner_role, measure, current, target, unit, evidence,
            item=""):
        rows.append({"account_id": account_id, "rule": rule, "objective": objective,
                     "owner_role": owner_role,
                     "owner": _owner(accounts, account_id, owner_role), "measure": measure,
                     "item": item, "current": float(current), "target": float(target),
                     "unit": unit, "due": due, "evidence": evidence})

    lens_owner = {lens.name: lens.owner for lens in config.lenses}
    for rule in config.objectives.rules:
        kind = rule.rule
        if kind == "lens_lower" and lenses is not None:
            below, gain = rule.below, rule.gain_points
            low = lenses[lenses["act_on"] != ""].copy()
            low["side"] = np.where(low["act_on"] == low["value"], "value", "obstacle")
            low["lower"] = np.where(low["side"] == "value", low["value_pct_weighted"],
                                    low["obstacle_pct_weighted"])
            low = low[(low["lower"] < below) & low.index.isin(accounts.index)]
            low = (low.rename_axis("account_id").reset_index()
                   .sort_values(["account_id", "lower"], kind="stable")
                   .groupby("account_id").head(rule.per_account)
                   .set_index("account_id"))
            for account_id, r in low.iterrows():
                side, cur = r["side"], r["lower"]
                other = "obstacle" if side == "value" else "value"
                add(account_id, kind,
                    f"Raise {pretty(r['act_on'])} from {cur:.0f}% to {min(100, cur + gain):.0f}%",
                    rule.owner or lens_owner.get(r["lens"], "account_manager"),
                    f"% score: {pretty(r['act_on'])} (key-weighted)", cur,
                    round(min(100, cur + gain)), "%",
                    f"Lens {r['lens']}: {pretty(r[side])} {cur:.0f}% against "
                    f"{pretty(r[other])} {r[f'{other}_pct_weighted']:.0f}% (key-weighted; raw "
                    f"{r[f'{side}_pct']:.0f}% and {r[f'{other}_pct']:.0f}%), "
                    f"{int(r['answers'])} answers in {window} months", item=r["act_on"])
        elif kind == "engagement":
            target, segments = rule.target, rule.segments
            rank = {f: i for i, f in enumerate(FREQUENCIES)}  # weekly first
            for account_id, a in accounts.iterrows():
                freq = a.get("interaction_frequency")
                if segments and a.get("segment") not in segments:
                    continue
                if freq not in rank or target not in rank or rank[freq] <= rank[target]:
                    continue
                evidence = f"{pretty(str(a.get('segment', '')))} account with {freq} contact"
                if key_weights is not None and account_id in key_weights.index:
                    k = key_weights.loc[account_id]
                    factors = config.key_weight.frequency
                    now = k["key_weight"]
                    then = k["tenure_factor"] * factors.get(target, np.nan)
                    evidence += f"; key weight {now:.2f}, {then:.2f} once {target}"
                add(account_id, kind, f"Move to {target} engagement",
                    rule.owner, "Interaction frequency", CONTACTS_A_YEAR[freq],
                    CONTACTS_A_YEAR[target], "contacts a year", evidence)
        elif kind == "advocacy_play" and rungs is not None:
            for account_id, r in rungs.iterrows():
                if r["rung"] != "reference" or account_id not in accounts.index:
                    continue
                add(account_id, kind, "Advocacy play: turn this reference account into an "
                    "advocate", rule.owner,
                    "Share of respondents recommending unprompted",
                    100 * r["advocate"], round(max(rule.target, 100 * r["advocate"])), "%",
                    f"{r['reference']:.0%} of {int(r['respondents'])} respondents would "
                    f"recommend us when asked, {r['advocate']:.0%} do so unprompted")
        elif kind == "chi_falling" and chi is not None:
            n = rule.periods
            for account_id, hist in chi.dropna(subset=["chi"]).groupby("account_id"):
                if account_id not in accounts.index or len(hist) < n + 1:
                    continue
                tail = hist.sort_values("period").tail(n + 1)
                values = tail["chi"].to_numpy()
                if not np.all(np.diff(values) < 0):
                    continue
                path = " → ".join(f"{v:.0f}" for v in values)
                # a reachable step: back to where it was, at most gain_points up
                target = min(values[0], values[-1] + rule.gain_points)
                add(account_id, kind,
                    f"Recovery plan: raise CHI from {values[-1]:.0f} to {target:.0f}",
                    rule.owner, "Customer Health Index",
                    values[-1], round(target), "CHI",
                    f"CHI fell {n} periods in a row: {path} "
                    f"({tail['period'].iloc[0]} to {tail['period'].iloc[-1]})")
        elif kind == "coverage" and coverage is not None:
            for account_id, c in coverage.iterrows():
                if account_id not in accounts.index:
                    continue
                for role in rule.roles:
                    if c.get(f"{role} responses", 0) > 0:
                        continue
                    k = int(c.get(f"{role} contacts", 0))
                    evidence = (f"{plural(k, role + ' contact')} on file, none answered in "
                                f"the last {window} months" if k else
                                f"no {role} contact on file")
                    add(account_id, kind, f"Get feedback from a {role}",
                        rule.owner, f"{role[:1].upper()}{role[1:]} responses", 0, 1, "responses",
                        evidence, item=role)
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values("account_id", kind="stable").reset_index(drop=True)
