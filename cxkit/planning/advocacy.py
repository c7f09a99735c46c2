"""The advocacy ladder and buying-influencer coverage.

Ladder, bottom to top: **not yet satisfied** → **satisfied** (likelihood to recommend at
least ``satisfied_from``) → **reference account** (would recommend when asked: prompted
advocacy) → **advocate** (recommends unprompted). A respondent on a rung counts on every
rung below it; an account stands on the highest rung that at least half of its
respondents reached.

Coverage: which buying-influencer roles (decision maker, influencer, user) an account has
contacts in, and which of them gave feedback in the planning window.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..io.schemas import ROLES

RUNGS = ["not yet satisfied", "satisfied", "reference", "advocate"]


def respondent_rungs(responses: pd.DataFrame, satisfied_from: float = 7) -> pd.Series:
    """The rung of each response (0 to 3, indexing :data:`RUNGS`)."""
    satisfied = responses["ltr"] >= satisfied_from
    prompted = responses["prompted_advocacy"].fillna(False).astype(bool)
    unprompted = responses["unprompted_advocacy"].fillna(False).astype(bool)
    # the rungs are nested: an unprompted advocate is also a reference and satisfied
    rung = np.where(unprompted, 3, np.where(prompted, 2, np.where(satisfied, 1, 0)))
    return pd.Series(rung, index=responses.index, name="rung")


def account_rungs(responses: pd.DataFrame, satisfied_from: float = 7) -> pd.DataFrame:
    """Each account's rung on the ladder from its respondents in the window.

    Returns
    -------
    DataFrame
        Indexed by ``account_id``: ``respondents``, ``satisfied``, ``reference``,
        ``advocate`` (shares of respondents at or above each rung), ``rung`` (name).
    """
    r = respondent_rungs(responses, satisfied_from)
    account = responses["account_id"]
    out = pd.DataFrame({"respondents": r.groupby(account).size()})
    for i, name in enumerate(RUNGS[1:], start=1):
        out[name] = (r >= i).groupby(account).mean()
    level = np.zeros(len(out), dtype=int)
    for i, name in enumerate(RUNGS[1:], start=1):
        level[out[name].to_numpy() >= 0.5] = i
    out["rung"] = pd.Categorical.from_codes(level, categories=RUNGS, ordered=True)
    return out


def _mean_ci(x: pd.Series, confidence: float) -> tuple[float, float, float]:
    x = x.dropna()
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, np.nan, np.nan
    half = stats.t.ppf((1 + confidence) / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return m, m - half, m + half


def ladder(rungs: pd.DataFrame, economics: pd.DataFrame, confidence: float = 0.95
           ) -> pd.DataFrame:
    """Accounts per rung, with spend and revenue growth per rung and their intervals.

    Parameters
    ----------
    rungs : DataFrame
        From :func:`account_rungs`.
    economics : DataFrame
        Indexed by ``account_id``: ``spend`` (revenue of the last 12 months) and
        ``growth`` (its change on the 12 months before, as a fraction).

    Returns
    -------
    DataFrame
        Indexed by ``rung``: ``accounts``, ``share``, ``spend`` with ``spend_low`` /
        ``spend_high``, ``growth`` with ``growth_low`` / ``growth_high`` (means with
        t intervals over the accounts on the rung).
    """
    data = rungs[["rung"]].join(economics[["spend", "growth"]])
    rows = {}
    for name in RUNGS:
        sub = data[data["rung"] == name]
        s, sl, sh = _mean_ci(sub["spend"], confidence)
        g, gl, gh = _mean_ci(sub["growth"], confidence)
        rows[name] = {"accounts": len(sub), "share": len(sub) / max(len(data), 1),
                      "spend": s, "spend_low": sl, "spend_high": sh,
                      "growth": g, "growth_low": gl, "growth_high": gh}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "rung"
    return out


def coverage(contacts: pd.DataFrame | None, responses: pd.DataFrame,
             accounts: pd.Index) -> pd.DataFrame:
    """Which buying-influencer roles each account has, and which gave feedback.

    Returns
    -------
    DataFrame
        Indexed by ``account_id``: per role ``<role> contacts`` and ``<role> responses``
        (counts), ``roles_heard`` (roles that answered), ``missing`` (roles with no
        answer in the window, ``;``-separated) and ``share_heard``.
    """
    out = pd.DataFrame(index=pd.Index(accounts, name="account_id"))
    role_of = pd.Series(dtype=object)
    if contacts is not None:
        role_of = contacts.set_index("contact_id")["role"]
        counts = contacts.groupby(["account_id", "role"]).size().unstack(fill_value=0)
    else:
        counts = pd.DataFrame()
    if "role" in responses.columns:
        resp_role = responses["role"]
    else:
        resp_role = responses["contact_id"].map(role_of)
    heard = (responses.assign(role=resp_role).dropna(subset=["role"])
             .groupby(["account_id", "role"])["contact_id"].nunique().unstack(fill_value=0))
    for role in ROLES:
        out[f"{role} contacts"] = (counts[role].reindex(out.index).fillna(0).astype(int)
                                   if role in counts.columns else 0)
        out[f"{role} responses"] = (heard[role].reindex(out.index).fillna(0).astype(int)
                                    if role in heard.columns else 0)
    got = np.column_stack([out[f"{r} responses"].to_numpy() > 0 for r in ROLES])
    out["roles_heard"] = got.sum(axis=1)
    out["missing"] = ["; ".join(r for r, g in zip(ROLES, row) if not g) for row in got]
    out["share_heard"] = out["roles_heard"] / len(ROLES)
    return out
