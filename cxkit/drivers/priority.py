"""The priority matrix: what matters most, against how well we do it.

Each driver is placed by its importance (share of explained variance, from
:func:`~cxkit.drivers.relative_importance` or :func:`~cxkit.drivers.bootstrap_importance`)
and its performance (the mean rating, with an interval). The portfolio medians split
the plane into four quadrants:

- **fix now**: important and rated below the median;
- **maintain**: important and rated well;
- **monitor**: less important and rated below the median;
- **don't over-invest**: less important and rated well.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .prepare import survey_weights

QUADRANTS = {(True, False): "fix now", (True, True): "maintain",
             (False, False): "monitor", (False, True): "don't over-invest"}
QUADRANT_COLOURS = {"fix now": "#c00000", "maintain": "#2e75b6", "monitor": "#7f7f7f",
                    "don't over-invest": "#70ad47"}


def quadrant_cuts(matrix: pd.DataFrame) -> tuple[float, float]:
    """Where the quadrants split: the median ``share`` and the median ``performance``.

    >>> quadrant_cuts(pd.DataFrame({"share": [0.5, 0.3, 0.2], "performance": [6.0, 8, 7]}))
    (0.3, 7.0)
    """
    return float(matrix["share"].median()), float(matrix["performance"].median())


def performance(data: pd.DataFrame, drivers, weights=None, confidence: float = 0.95
                ) -> pd.DataFrame:
    """Mean rating of each driver with a t interval (weighted mean if weights are given).

    Returns
    -------
    DataFrame
        Indexed by ``driver``: ``mean``, ``ci_low``, ``ci_high``, ``n`` (answers).
    """
    rows = {}
    weight = survey_weights(data, weights)
    for d in drivers:
        x = pd.to_numeric(data[d], errors="coerce")
        ok = x.notna() & weight.notna() & (weight > 0)
        x, w = x[ok].to_numpy(float), weight[ok].to_numpy(float)
        mean = np.average(x, weights=w)
        n_eff = w.sum() ** 2 / (w ** 2).sum()
        sd = np.sqrt(np.average((x - mean) ** 2, weights=w) * len(x) / max(len(x) - 1, 1))
        half = stats.t.ppf(0.5 + confidence / 2, max(n_eff - 1, 1)) * sd / np.sqrt(n_eff)
        rows[d] = {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": len(x)}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "driver"
    return out


def priority_matrix(importance: pd.DataFrame, perf: pd.DataFrame) -> pd.DataFrame:
    """Combine importance and performance and name each driver's quadrant.

    Parameters
    ----------
    importance : DataFrame
        The ``table`` of :func:`relative_importance` or :func:`bootstrap_importance`
        (``share``, and ``ci_low``/``ci_high`` of the importance when bootstrapped).
    perf : DataFrame
        From :func:`performance`.

    Returns
    -------
    DataFrame
        Indexed by ``driver``: ``share`` (of explained variance), ``share_ci_low``,
        ``share_ci_high`` (when bootstrapped), ``performance``, ``performance_ci_low``,
        ``performance_ci_high``, ``quadrant``; most important first. The quadrants
        split at :func:`quadrant_cuts`.
    """
    total = importance["importance"].sum()
    out = pd.DataFrame({"share": importance["share"]})
    if {"ci_low", "ci_high"} <= set(importance.columns):
        out["share_ci_low"] = importance["ci_low"] / total
        out["share_ci_high"] = importance["ci_high"] / total
    out["performance"] = perf["mean"].reindex(out.index)
    out["performance_ci_low"] = perf["ci_low"].reindex(out.index)
    out["performance_ci_high"] = perf["ci_high"].reindex(out.index)
    share_cut, performance_cut = quadrant_cuts(out)
    hi_imp = out["share"] >= share_cut
    hi_perf = out["performance"] >= performance_cut
    out["quadrant"] = [QUADRANTS[(bool(i), bool(p))] for i, p in zip(hi_imp, hi_perf)]
    return out.sort_values("share", ascending=False)


def plot_priority_matrix(matrix: pd.DataFrame, ax=None, scale: str = "0–10"):
    """Importance against performance with interval whiskers and quadrant labels
    (``scale``: the drivers' rating scale, for the axis)."""
    import matplotlib.pyplot as plt

    from ..present.labels import pretty
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5.5))
    x, y = matrix["performance"], 100 * matrix["share"]
    xerr = np.vstack([x - matrix["performance_ci_low"], matrix["performance_ci_high"] - x])
    yerr = None
    if "share_ci_low" in matrix:
        yerr = np.vstack([y - 100 * matrix["share_ci_low"], 100 * matrix["share_ci_high"] - y])
    colours = [QUADRANT_COLOURS[q] for q in matrix["quadrant"]]
    ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="none", ecolor="#bbbbbb", elinewidth=1, zorder=1)
    ax.scatter(x, y, c=colours, s=70, zorder=2)
    for name, xi, yi in zip(matrix.index, x, y):
        ax.annotate(pretty(name), (xi, yi), xytext=(6, 4), textcoords="offset points", fontsize=9)
    share_cut, xc = quadrant_cuts(matrix)
    yc = 100 * share_cut
    ax.axvline(xc, color="#999999", lw=0.8, ls="--")
    ax.axhline(yc, color="#999999", lw=0.8, ls="--")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    ax.set_xlim(x0 - 0.05 * (x1 - x0), x1 + 0.25 * (x1 - x0))
    x0, x1 = ax.get_xlim()
    for label, (hx, hy) in {"fix now": (0, 1), "maintain": (1, 1), "monitor": (0, 0),
                            "don't over-invest": (1, 0)}.items():
        ax.text(x0 + (0.02 if hx == 0 else 0.98) * (x1 - x0), y0 + (0.03 if hy == 0 else 0.97) * (y1 - y0),
                label.upper(), ha="left" if hx == 0 else "right", va="bottom" if hy == 0 else "top",
                color=QUADRANT_COLOURS[label], fontsize=9, fontweight="bold")
    ax.set_xlabel(f"performance: mean rating ({scale})" if scale else
                  "performance: mean rating")
    ax.set_ylabel("importance: share of explained variance (%)")
    ax.set_title("Priority matrix")
    from ..present.show import plain_text
    return plain_text(ax)


def plot_importance(importance: pd.DataFrame, ax=None):
    """Horizontal bars of each driver's share of explained variance, with intervals."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from ..present.labels import pretty
    data = importance.sort_values("share")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * len(data) + 1))
    share = 100 * data["share"]
    xerr = None
    if {"ci_low", "ci_high"} <= set(data.columns):
        total = importance["importance"].sum()
        xerr = np.vstack([share - 100 * data["ci_low"] / total,
                          100 * data["ci_high"] / total - share])
    ax.barh([pretty(d) for d in data.index], share, xerr=xerr, color="#2e75b6",
            error_kw={"ecolor": "#555555", "elinewidth": 1, "capsize": 3})
    ax.set_xlabel("share of explained variance in likelihood to recommend (%)")
    ax.set_title("What drives likelihood to recommend")
    sns.despine(ax=ax)
    from ..present.show import plain_text
    return plain_text(ax)
