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
    """The rung of each response (0 to 3, indexing :data:`RUNGS`); NaN where the
    respondent left the recommend question empty and is no reference or advocate (how
    satisfied they are is not known)."""
    satisfied = responses["ltr"] >= satisfied_from
    prompted = responses["prompted_advocacy"].fillna(False).astype(bool)
    unprompted = responses["unprompted_advocacy"].fillna(False).astype(bool)
    # the rungs are nested: an unprompted advocate is also a reference and satisfied
    rung = np.where(unprompted, 3, np.where(prompted, 2, np.where(satisfied, 1, 0))).astype(
        float)
    rung[responses["ltr"].isna().to_numpy() & (rung < 2)] = np.nan
    return pd.Series(rung, index=responses.index, name="rung")


def account_rungs(responses: pd.DataFrame, satisfied_from: float = 7) -> pd.DataFrame:
    """Each account's rung on the ladder from its respondents in the window.

    A respondent is a person: one who answered several times counts once, on the rung of
    their latest answer (a response without a contact counts as its own respondent).

    Returns
    -------
    DataFrame
        Indexed by ``account_id``: ``respondents`` (people), ``responses``, ``satisfied``,
        ``reference``, ``advocate`` (shares of respondents at or above each rung),
        ``rung`` (name; missing where no respondent answered the recommend question or
        said they would be a reference).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"account_id": ["A"] * 3, "contact_id": ["c1", "c1", "c2"],
    ...                   "response_date": pd.to_datetime(["2025-01-01", "2025-06-01",
    ...                                                    "2025-03-01"]),
    ...                   "ltr": [3, 9, 8], "prompted_advocacy": [False, True, False],
    ...                   "unprompted_advocacy": [False, False, False]})
    >>> account_rungs(r)[["respondents", "responses", "satisfied", "reference"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                respondents  responses  satisfied  reference
    account_id
    A                     2          3        1.0        0.5
    """
    responses = responses.copy()
    responses["_rung"] = respondent_rungs(responses, satisfied_from)
    who = (responses["contact_id"].astype(object) if "contact_id" in responses
           else pd.Series(np.nan, index=responses.index, dtype=object))
    responses["_who"] = who.where(who.notna(), pd.Series(
        [f"_response {i}" for i in range(len(responses))], index=responses.index))
    order = ["response_date"] if "response_date" in responses else []
    rated = responses[responses["_rung"].notna()]  # each person's latest answer that says
    people = (rated.sort_values(order, kind="stable") if order else rated
              ).drop_duplicates(["account_id", "_who"], keep="last")
    r, account = people["_rung"], people["account_id"]
    out = pd.DataFrame({"respondents": r.groupby(account).size(),
                        "responses": responses.groupby("account_id").size()})
    for i, name in enumerate(RUNGS[1:], start=1):
        out[name] = (r >= i).groupby(account).mean()
    level = np.zeros(len(out), dtype=int)
    for i, name in enumerate(RUNGS[1:], start=1):
        level[out[name].to_numpy() >= 0.5] = i
    level[out["respondents"].isna().to_numpy()] = -1  # nobody said: the rung is not known
    out["respondents"] = out["respondents"].fillna(0).astype(int)
    out["rung"] = pd.Categorical.from_codes(level, categories=RUNGS, ordered=True)
    out.index.name = "account_id"
    return out


def mean_interval(x: pd.Series, confidence: float = 0.95, lower: float = -np.inf,
                  upper: float = np.inf, min_count: int = 5) -> tuple[float, float, float]:
    """A mean with its Student's t interval, kept within the values the mean can take.

    The interval is the t interval (as R's ``t.test`` and Stata's ``ci means`` give it)
    intersected with ``[lower, upper]``: a mean spend cannot be negative, a growth cannot
    be below -100 %. The intersection covers the true mean at least as often as the t
    interval does. With fewer than ``min_count`` values the interval is NaN: too few to
    tell.

    Returns
    -------
    tuple of float
        Mean, low, high.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.Series([9.9, 10.0, 5.1, 10.0, 9.4])
    >>> m, lo, hi = mean_interval(x, lower=0, upper=10)
    >>> round(m, 2), round(lo, 2), hi   # the t interval is 6.24 to 11.52: above 10
    (8.88, 6.24, 10.0)
    >>> mean_interval(x[:3], min_count=5)[1:]
    (nan, nan)
    """
    x = x.dropna()
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    m = float(x.mean())
    if len(x) < max(min_count, 2):
        return m, np.nan, np.nan
    half = stats.t.ppf((1 + confidence) / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return m, float(max(m - half, lower)), float(min(m + half, upper))


def ladder(rungs: pd.DataFrame, economics: pd.DataFrame, confidence: float = 0.95,
           min_count: int = 5) -> pd.DataFrame:
    """Accounts per rung, with spend and revenue growth per rung and their intervals.

    Parameters
    ----------
    rungs : DataFrame
        From :func:`account_rungs`.
    economics : DataFrame
        Indexed by ``account_id``: ``spend`` (revenue of the last 12 months) and
        ``growth`` (its change on the 12 months before, as a fraction).
    min_count : int
        Fewest accounts on a rung for an interval; fewer: NaN (too few to tell).

    Returns
    -------
    DataFrame
        Indexed by ``rung``: ``accounts``, ``share``, ``spend`` with ``spend_low`` /
        ``spend_high`` (never below 0), ``growth`` with ``growth_low`` / ``growth_high``
        (never below -100 %): means over the accounts on the rung with t intervals
        (:func:`mean_interval`).
    """
    data = rungs[["rung"]].join(economics[["spend", "growth"]])
    rows = {}
    for name in RUNGS:
        sub = data[data["rung"] == name]
        s, sl, sh = mean_interval(sub["spend"], confidence, lower=0, min_count=min_count)
        g, gl, gh = mean_interval(sub["growth"], confidence, lower=-1, min_count=min_count)
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
