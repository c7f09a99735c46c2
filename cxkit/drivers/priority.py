"""The priority matrix: what matters most, against how well we do it.

Each driver is placed by its importance (share of explained variance, from
:func:`~cxkit.drivers.relative_importance` or :func:`~cxkit.drivers.bootstrap_importance`)
and its performance (the mean rating, with an interval). The portfolio medians split
the plane into four quadrants:

- **fix now**: important and rated below the median;
- **maintain**: important and rated well;
- **monitor**: less important and rated below the median;
- **don't over-invest**: less important and rated well.

Given each driver's direction in the driver model (:meth:`DriverAnalysis.directions
<cxkit.drivers.DriverAnalysis.directions>`), a place to act must survive a second look:
a driver is "fix now" only where its effect's whole interval is above zero (else it is
"monitor"), and a driver whose interval is below zero (higher ratings go with lower
likelihood to recommend once the other drivers are held equal) is placed in none of the
quadrants: it is marked **goes against**.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .prepare import survey_weights

QUADRANTS = {(True, False): "fix now", (True, True): "maintain",
             (False, False): "monitor", (False, True): "don't over-invest"}
AGAINST = "goes against"
QUADRANT_COLOURS = {"fix now": "#c00000", "maintain": "#2e75b6", "monitor": "#7f7f7f",
                    "don't over-invest": "#70ad47", AGAINST: "#b4a7d6"}
LABEL_LIMIT = 10  # more drivers than this: labels placed apart (adjustText)


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


def priority_matrix(importance: pd.DataFrame, perf: pd.DataFrame,
                    directions: pd.Series | None = None) -> pd.DataFrame:
    """Combine importance and performance and name each driver's quadrant.

    Parameters
    ----------
    importance : DataFrame
        The ``table`` of :func:`relative_importance` or :func:`bootstrap_importance`
        (``share``, and ``ci_low``/``ci_high`` of the importance when bootstrapped).
    perf : DataFrame
        From :func:`performance`.
    directions : Series, optional
        Each driver's direction once the others are held equal: ``raises``, ``lowers``
        or ``not clear``. ``lowers``: quadrant ``goes against``, whatever the
        importance and rating; "fix now" only for ``raises``, else "monitor".

    Returns
    -------
    DataFrame
        Indexed by ``driver``: ``share`` (of explained variance), ``share_ci_low``,
        ``share_ci_high`` (when bootstrapped), ``performance``, ``performance_ci_low``,
        ``performance_ci_high``, ``quadrant``; most important first. The quadrants
        split at :func:`quadrant_cuts` (of every driver, those going against included).
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
    quadrant = pd.Series([QUADRANTS[(bool(i), bool(p))] for i, p in zip(hi_imp, hi_perf)],
                         index=out.index)
    if directions is not None:
        way = directions.reindex(out.index)
        quadrant[(quadrant == "fix now") & (way != "raises")] = "monitor"
        quadrant[way == "lowers"] = AGAINST
    out["quadrant"] = quadrant
    return out.sort_values("share", ascending=False)


def plot_priority_matrix(matrix: pd.DataFrame, ax=None, scale: str = "0–10"):
    """Importance against performance with interval whiskers and quadrant labels
    (``scale``: the drivers' rating scale, for the axis)."""
    import matplotlib.pyplot as plt

    from ..present.labels import pretty
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5.5) if len(matrix) <= LABEL_LIMIT else (11, 6))
    x, y = matrix["performance"], 100 * matrix["share"]
    xerr = np.vstack([x - matrix["performance_ci_low"], matrix["performance_ci_high"] - x])
    yerr = None
    if "share_ci_low" in matrix and matrix["share_ci_low"].notna().any():
        yerr = np.vstack([y - 100 * matrix["share_ci_low"], 100 * matrix["share_ci_high"] - y])
    colours = [QUADRANT_COLOURS[q] for q in matrix["quadrant"]]
    ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="none", ecolor="#bbbbbb", elinewidth=1, zorder=1)
    ax.scatter(x, y, c=colours, s=70, zorder=2)
    if (matrix["quadrant"] == AGAINST).any():
        ax.scatter([], [], c=QUADRANT_COLOURS[AGAINST], s=70,
                   label="goes against recommendation once the others are held equal")
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1.0), frameon=False, fontsize=8)
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
    _label_points(ax, [pretty(n) for n in matrix.index], x.to_numpy(float), y.to_numpy(float))
    from ..present.show import plain_text
    return plain_text(ax)


def _label_points(ax, names, x, y) -> None:
    """Each point's name beside it. With more than :data:`LABEL_LIMIT` points, each is
    numbered instead (most important first), the numbers moved apart until none
    overlaps (adjustText) and joined to their points by a line, and the names listed
    by number beside the chart."""
    if len(names) <= LABEL_LIMIT:
        for name, xi, yi in zip(names, x, y):
            ax.annotate(name, (xi, yi), xytext=(6, 4), textcoords="offset points", fontsize=9)
        return
    import textwrap

    from adjustText import adjust_text
    texts = [ax.text(xi, yi, str(k), fontsize=8, fontweight="bold")
             for k, (xi, yi) in enumerate(zip(x, y), start=1)]
    adjust_text(texts, x=x, y=y, ax=ax, expand=(1.6, 1.8),
                arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.5})
    key = "\n".join(textwrap.fill(f"{k}  {name}", 46, subsequent_indent="     ")
                    for k, name in enumerate(names, start=1))
    ax.text(1.02, 1.0, key, transform=ax.transAxes, va="top", ha="left", fontsize=8,
            linespacing=1.35)


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
    if {"ci_low", "ci_high"} <= set(data.columns) and data["ci_low"].notna().any():
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
