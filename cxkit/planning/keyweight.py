"""Key weight: how long and how often a customer experiences us, and what it is used for.

Feedback from a customer who has known us for years and talks to us weekly is surer than
feedback from a new customer we see monthly: not more important, surer. The key weight
says how sure, in (0, 1]::

    key_weight     = tenure_factor * frequency_factor
    tenure_factor  = floor + (1 - floor) * min(tenure_years, cap) / cap
    frequency_factor from the account's interaction frequency (weekly 1, monthly 0.6, ...)

It is used two ways (``params/planning.yaml`` holds the caps and factors):

- as a **weight** when feedback is pooled across accounts (a manager's or a segment's
  score): :func:`weighted_mean`;
- as **credibility** that shrinks an account's own mean toward its segment's
  (:func:`shrink`, Bühlmann–Straub empirical Bayes): an account with few answers and a
  low key weight is pulled toward its segment; a long, frequent relationship with many
  answers keeps its own score.

Examples
--------
>>> import pandas as pd
>>> from cxkit.planning import key_weight, load_config
>>> acc = pd.DataFrame({"account_id": ["A", "B"],
...                     "customer_since": pd.to_datetime(["2015-01-01", "2024-07-01"]),
...                     "interaction_frequency": ["weekly", "monthly"]})
>>> key_weight(acc, "2025-01-01", load_config())["key_weight"].round(2).tolist()
[1.0, 0.17]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from .config import PlanningConfig

COLUMNS = ["tenure_years", "interaction_frequency", "tenure_factor", "frequency_factor",
           "key_weight"]


def key_weight(accounts: pd.DataFrame, as_of, config: PlanningConfig) -> pd.DataFrame:
    """Key weight of each account at a date.

    Parameters
    ----------
    accounts : DataFrame
        ``account_id``, ``customer_since``, ``interaction_frequency``.
    as_of : date-like
        The plan date: tenure is counted up to it.
    config : PlanningConfig
        From :func:`cxkit.planning.load_config`.

    Returns
    -------
    DataFrame
        Indexed by ``account_id``: ``tenure_years``, ``interaction_frequency``,
        ``tenure_factor``, ``frequency_factor``, ``key_weight``.

    Raises
    ------
    DataError
        If an account's frequency has no factor in the configuration (names the accounts).
    """
    kw = config.key_weight
    as_of = pd.Timestamp(as_of)
    acc = accounts.set_index("account_id")
    years = ((as_of - acc["customer_since"]).dt.days / 365.25).clip(lower=0)
    cap, floor = kw.tenure_cap_years, kw.tenure_floor
    tenure = floor + (1 - floor) * years.clip(upper=cap) / cap
    freq = acc["interaction_frequency"].astype(str)
    factor = freq.map(kw.frequency)
    unknown = factor.isna()
    if unknown.any():
        values = ", ".join(map(repr, sorted(set(freq[unknown]))))
        rows = ", ".join(map(str, freq[unknown].index[:5]))
        raise DataError(f"accounts, column 'interaction_frequency': no key-weight factor for "
                        f"{values} in {config.source} (accounts {rows})")
    out = pd.DataFrame({"tenure_years": years, "interaction_frequency": freq,
                        "tenure_factor": tenure, "frequency_factor": factor.astype(float)})
    out["key_weight"] = out["tenure_factor"] * out["frequency_factor"]
    return out[COLUMNS]


def weighted_mean(values: pd.Series, weights: pd.Series, by: pd.Series | None = None):
    """Mean of ``values`` weighted by ``weights`` (missing values left out), per ``by``."""
    frame = pd.DataFrame({"v": values, "w": weights}).dropna()
    frame = frame[frame["w"] > 0]
    if by is None:
        return float(np.average(frame["v"], weights=frame["w"])) if len(frame) else np.nan
    frame["g"] = by.reindex(frame.index)
    frame["vw"] = frame["v"] * frame["w"]
    g = frame.groupby("g")
    return g["vw"].sum() / g["w"].sum()


def structure(answers: pd.DataFrame, value: str, account: str = "account_id",
              weight: str = "key_weight") -> dict:
    """Bühlmann–Straub structure parameters of one question across accounts.

    Each answer *j* of account *a* is taken to vary around the account's true mean with
    variance ``s2 / w_aj`` (``w_aj`` the answer's weight, the account's key weight), so
    the weighted account mean ``Σ w_aj x_aj / m_a`` has variance ``s2 / m_a`` with
    exposure ``m_a = Σ_j w_aj`` (``n_a * key_weight_a`` when the weight is the same for
    every answer of the account). Weights that differ within an account are used as
    they are, answer by answer (Bühlmann & Gisler 2005, section 4.2).

    Returns
    -------
    dict
        ``s2`` (within-account variance at key weight 1), ``tau2`` (between-account
        variance of the true means, 0 if the estimate is negative), ``k`` (``s2 / tau2``,
        inf when ``tau2`` is 0) and ``accounts``.
    """
    return _structure(answers, value, account, weight)[0]


def _structure(answers, value, account, weight) -> tuple[dict, pd.DataFrame]:
    """:func:`structure`, and the per-account ``n``, ``key_weight``, ``mean`` it rests on."""
    d = answers[[account, value, weight]].dropna()
    d = d[d[weight] > 0]
    g = d.groupby(account)
    m = g[weight].sum()  # exposure: the account's answers' weights added up
    mean = (d[value] * d[weight]).groupby(d[account]).sum() / m
    n = g.size()
    per = pd.DataFrame({"n": n, "key_weight": m / n, "mean": mean})
    dev = (d[value] - d[account].map(mean)) ** 2 * d[weight]
    dof = (n - 1).sum()
    s2 = float(dev.sum() / dof) if dof > 0 else np.nan
    total = m.sum()
    grand = float((m * mean).sum() / total)
    c = total - (m ** 2).sum() / total
    tau2 = float(((m * (mean - grand) ** 2).sum() - (len(m) - 1) * s2) / c) if c > 0 else np.nan
    tau2 = max(tau2, 0.0) if not np.isnan(tau2) else np.nan
    k = s2 / tau2 if tau2 and tau2 > 0 else np.inf
    return {"s2": s2, "tau2": tau2, "k": k, "accounts": int(len(m))}, per


def shrink(answers: pd.DataFrame, value: str, group: pd.Series, account: str = "account_id",
           weight: str = "key_weight", prior_strength="auto") -> pd.DataFrame:
    """Each account's mean of one question, and the same shrunk toward its group's mean.

    ``shrunk = Z * mean + (1 - Z) * group mean`` with credibility
    ``Z = m / (m + k)``, ``m = answers * key weight``. ``k`` is estimated from the
    portfolio (:func:`structure`) when ``prior_strength`` is ``"auto"``. The group mean is
    the credibility-weighted mean of its accounts' means (Bühlmann–Straub).

    Parameters
    ----------
    answers : DataFrame
        One row per answer: ``account``, ``value`` and ``weight`` (the account's key weight).
    value : str
    group : Series
        Group (e.g. segment) of each account, indexed by account.
    prior_strength : "auto" or float
        ``k``; 0 keeps every account's own mean.

    Returns
    -------
    DataFrame
        Indexed by account: ``n``, ``key_weight`` (mean weight of its answers: its key
        weight), ``mean`` (weighted), ``group``, ``group_mean``,
        ``credibility`` (Z) and ``shrunk``; :func:`structure` gives the estimate of ``k``.
    """
    info, out = _structure(answers, value, account, weight)  # one pass over the answers
    k = info["k"] if prior_strength == "auto" else float(prior_strength)
    out["group"] = group.reindex(out.index).to_numpy()
    m = out["n"] * out["key_weight"]
    out["credibility"] = 0.0 if np.isinf(k) else m / (m + k)
    z = out["credibility"]
    zsum = z.groupby(out["group"]).transform("sum")
    # the group mean weighted by credibility; with no credibility at all, by exposure
    zmean = (z * out["mean"]).groupby(out["group"]).transform("sum") / zsum
    mmean = (m * out["mean"]).groupby(out["group"]).transform("sum") / m.groupby(
        out["group"]).transform("sum")
    out["group_mean"] = zmean.where(zsum > 0, mmean)
    out["shrunk"] = z * out["mean"] + (1 - z) * out["group_mean"]
    out.index.name = account
    return out
