"""From drivers to measures a team can move.

"Improve shipping confidence" is still not an instruction; "raise on-time shipments"
is. Given a mapping from drivers to the operational measures thought to move them
(``{"shipping_confidence": ["on_time_shipment_pct", "expedited_shipment_pct"]}``),
:func:`measure_links` checks each pair at account level: the account's mean driver
rating in a period against its measure in the same period, with errors clustered by
account. It reports the correlation, the rise in the rating per unit of the measure,
and the change in the measure that goes with a one-point rise in the rating: the
target a team can be given.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from .. import periods
from ..errors import ParameterError

COLUMNS = ["n", "accounts", "r", "r_ci_low", "r_ci_high", "rating_per_unit",
           "rating_per_unit_ci_low", "rating_per_unit_ci_high", "measure_per_point",
           "measure_per_point_ci_low", "measure_per_point_ci_high", "p_value"]


def driver_periods(responses: pd.DataFrame, drivers, freq: str = "Q") -> pd.DataFrame:
    """Mean rating of each driver per account and period (and the responses behind it)."""
    period = periods.labels(responses["response_date"], freq)
    frame = responses[["account_id", *drivers]].assign(period=period)
    g = frame.groupby(["account_id", "period"])
    out = g[list(drivers)].mean()
    out["responses"] = g.size()
    return out.reset_index()


def _slope(y, x, groups, confidence):
    """Slopes of y on the columns of x (with an intercept), cluster-robust.

    CR1 errors by account; intervals and p-values from t with G − 1 degrees of freedom
    (G accounts), as Stata's ``vce(cluster)`` and R's ``coeftest(vcovCL, df = G − 1)``.
    """
    X = sm.add_constant(x, has_constant="add")
    res = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    ci = res.conf_int(alpha=1 - confidence)
    if x.shape[1] == 1:
        return res.params[1], ci[1, 0], ci[1, 1], res.pvalues[1]
    return {j: (res.params[j + 1], ci[j + 1, 0], ci[j + 1, 1], res.pvalues[j + 1])
            for j in range(x.shape[1])}


def _joint(panel, driver, measures, confidence, min_n):
    """The driver's mean rating on all its measures at once: each holding the others fixed."""
    d = panel[["account_id", driver, *measures]].dropna()
    if len(d) < max(min_n, len(measures) + 3) or d[driver].nunique() < 2:
        return {}
    fits = _slope(d[driver].to_numpy(float), d[measures].to_numpy(float),
                  pd.factorize(d["account_id"])[0], confidence)
    if len(measures) == 1:
        return {measures[0]: fits}
    return {m: fits[j] for j, m in enumerate(measures)}


def measure_links(responses: pd.DataFrame, operations: pd.DataFrame,
                  mapping: Mapping[str, list], freq: str = "Q", confidence: float = 0.95,
                  min_n: int = 20) -> pd.DataFrame:
    """How each mapped operational measure moves with its driver, account by account.

    Parameters
    ----------
    responses : DataFrame
        Responses with the driver ratings.
    operations : DataFrame
        Measures by ``account_id`` and ``period``.
    mapping : dict of str to list of str
        Driver → measures thought to move it.
    freq : str
        Period of the operations table.
    confidence : float
    min_n : int
        Fewest account-periods for a pair to be estimated (fewer: empty row).

    Returns
    -------
    DataFrame
        Indexed by (``driver``, ``measure``): ``n`` account-periods, ``accounts``,
        ``r`` (correlation, with Fisher-z interval ``r_ci_low``, ``r_ci_high``),
        ``rating_per_unit`` (rise in the mean rating per unit of the measure, holding
        the driver's other mapped measures fixed, with interval and its ``p_value``),
        ``measure_per_point`` (change in the measure that goes with a one-point rise in
        the rating, with interval); intervals cluster-robust by account.

    Examples
    --------
    >>> from cxkit.io import load
    >>> t = load("data/sample", optional=["operations"])
    >>> lk = measure_links(t["responses"], t["operations"],
    ...                    {"shipping_confidence": ["on_time_shipment_pct"]})
    >>> lk[["n", "r", "measure_per_point"]].round(2)
                                                 n     r  measure_per_point
    driver              measure
    shipping_confidence on_time_shipment_pct  6134  0.39               1.06
    """
    unknown_d = [d for d in mapping if d not in responses.columns]
    if unknown_d:
        raise ParameterError(f"measure mapping names drivers not in the responses: "
                             f"{', '.join(map(repr, unknown_d))}")
    measures = sorted({m for ms in mapping.values() for m in ms})
    unknown_m = [m for m in measures if m not in operations.columns]
    if unknown_m:
        raise ParameterError(f"measure mapping names measures not in the operations table: "
                             f"{', '.join(map(repr, unknown_m))} (it has: "
                             f"{', '.join(c for c in operations.columns if c not in ('account_id', 'period'))})")
    panel = driver_periods(responses, list(mapping), freq).merge(
        operations, on=["account_id", "period"], how="inner")
    rows = {}
    for driver, ms in mapping.items():
        joint = _joint(panel, driver, list(ms), confidence, min_n)
        for measure in ms:
            d = panel[["account_id", driver, measure]].dropna()
            key = (driver, measure)
            if len(d) < min_n or d[driver].nunique() < 2 or d[measure].nunique() < 2:
                rows[key] = {"n": len(d), "accounts": d["account_id"].nunique()}
                continue
            groups = pd.factorize(d["account_id"])[0]
            pr = stats.pearsonr(d[driver], d[measure])
            r, ci = float(pr.statistic), pr.confidence_interval(confidence)  # Fisher z
            up, up_lo, up_hi, p = joint.get(measure, (np.nan,) * 4)
            per, per_lo, per_hi, _ = _slope(d[measure].to_numpy(float),
                                            d[driver].to_numpy(float)[:, None], groups,
                                            confidence)
            rows[key] = {"n": len(d), "accounts": d["account_id"].nunique(), "r": r,
                         "r_ci_low": ci.low, "r_ci_high": ci.high,
                         "rating_per_unit": up, "rating_per_unit_ci_low": up_lo,
                         "rating_per_unit_ci_high": up_hi, "measure_per_point": per,
                         "measure_per_point_ci_low": per_lo, "measure_per_point_ci_high": per_hi,
                         "p_value": p}
    out = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=COLUMNS)
    out.index = pd.MultiIndex.from_tuples(out.index, names=["driver", "measure"])
    return out


def plot_measure_link(responses: pd.DataFrame, operations: pd.DataFrame, driver: str,
                      measure: str, freq: str = "Q", ax=None):
    """Accounts' mean driver rating against an operational measure, with a fitted line."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from ..present.labels import pretty, sentence_start

    panel = driver_periods(responses, [driver], freq).merge(
        operations[["account_id", "period", measure]], on=["account_id", "period"]).dropna()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    sns.regplot(data=panel, x=measure, y=driver, ax=ax, scatter_kws={"s": 10, "alpha": 0.3},
                line_kws={"color": "#c00000"})
    ax.set_xlabel(pretty(measure))
    ax.set_ylabel(f"mean {pretty(driver)} rating")
    ax.set_title(f"{sentence_start(pretty(driver))} against {pretty(measure)} (account-periods)")
    sns.despine(ax=ax)
    from ..present.show import plain_text
    return plain_text(ax)
