"""A rating on any scale: its mean and its top-two-box share, with intervals.

NPS is defined on the 0–10 recommend question. A survey on a 1–7 or 1–5 scale has no
NPS (cutting a 7-point scale at 9–10 and 0–6 gives "NPS −79, 0 % promoters", which
means nothing); what it does have is a mean rating and the share of answers in the top
two boxes (6–7 on 1–7), the figures a survey tool shows. Both come with intervals:

- the mean: Student's t with Kish's effective sample size ``(Σw)² / Σw²`` where answers
  are weighted (R's ``t.test`` without weights), kept within the scale;
- the top-two share: Wilson's score interval on the effective sample size
  (:func:`cxkit.intervals.wilson`).

Examples
--------
>>> from cxkit.io.folder import Scale
>>> e = estimate([7, 6, 5, 7, 2, 4], scale=Scale(1, 7))
>>> round(e.mean, 2), round(e.top_two, 2), e.n
(5.17, 0.5, 6)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import periods
from .errors import ParameterError
from .intervals import wilson
from .io.folder import DEFAULT_SCALE, Scale

COLUMNS = ["mean", "ci_low", "ci_high", "top_two", "top_two_low", "top_two_high", "n", "n_eff"]


@dataclass(frozen=True)
class RatingEstimate:
    """A mean rating and its top-two-box share (:func:`estimate`).

    ``mean`` with ``ci_low``, ``ci_high``; ``top_two`` (share 0–1 of answers in the top
    two boxes) with ``top_two_low``, ``top_two_high``; ``n`` answers, ``n_eff`` their
    effective number; ``scale`` (``"1–7"``) and ``confidence``.
    """

    mean: float
    ci_low: float
    ci_high: float
    top_two: float
    top_two_low: float
    top_two_high: float
    n: int
    n_eff: float
    scale: str
    confidence: float

    def as_dict(self) -> dict:
        return asdict(self)


def clean(scores, weights=None, scale: Scale = DEFAULT_SCALE) -> tuple[np.ndarray, np.ndarray]:
    """Scores on ``scale`` and their weights, without the missing or zero-weighted ones
    (shared by NPS and the mean rating).

    Raises
    ------
    ParameterError
        A score off the scale, a negative weight, or weights of another length.
    """
    s = np.asarray(pd.Series(scores, dtype="float64"), dtype=float)
    w = np.ones_like(s) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != s.shape:
        raise ParameterError(f"weights has {w.size} values for {s.size} scores")
    off = ~np.isnan(s) & ((s < scale.low) | (s > scale.high))
    if off.any():
        raise ParameterError(f"scores must be on the {scale} scale; got "
                             f"{s[off][:5].tolist()}")
    if np.any(w[~np.isnan(w)] < 0):
        raise ParameterError("weights must not be negative")
    keep = ~np.isnan(s) & ~np.isnan(w) & (w > 0)
    return s[keep], w[keep]


def estimate(scores, weights=None, scale: Scale = DEFAULT_SCALE,
             confidence: float = 0.95) -> RatingEstimate:
    """The mean rating and the top-two-box share of ``scores``, with intervals.

    Parameters
    ----------
    scores : array-like
        Ratings on ``scale``; missing answers are left out.
    weights : array-like, optional
        Survey weights (zero or missing: left out).
    scale : Scale
        The rating scale; the top two boxes are its two highest points.
    confidence : float

    Returns
    -------
    RatingEstimate
    """
    s, w = clean(scores, weights, scale)
    n = len(s)
    if n == 0:
        return RatingEstimate(*([np.nan] * 6), 0, 0.0, str(scale), confidence)
    total = w.sum()
    mean = float(np.dot(w, s) / total)
    n_eff = float(total ** 2 / np.dot(w, w))
    top = float(np.dot(w, s >= scale.top_two[0]) / total)
    lo = hi = np.nan
    if n >= 2 and n_eff > 1:
        var = float(np.dot(w, (s - mean) ** 2) / total) * n_eff / (n_eff - 1)
        half = stats.t.ppf(0.5 + confidence / 2, n_eff - 1) * np.sqrt(var / n_eff)
        lo, hi = max(scale.low, mean - half), min(scale.high, mean + half)
    t_lo, t_hi = (float(v[0]) for v in wilson([top * n_eff], [n_eff], confidence))
    return RatingEstimate(mean, float(lo), float(hi), top, t_lo, t_hi, n, n_eff, str(scale),
                          confidence)


def group_table(data: pd.DataFrame, by, estimate_one, columns) -> pd.DataFrame:
    """``estimate_one(group)`` for each group of ``data`` by ``by``: a row per group with
    the estimate's ``columns`` (shared by the NPS and the rating tables)."""
    rows = {}
    for key, g in data.groupby(by, sort=True, observed=True):
        e = estimate_one(g)
        rows[key] = {c: getattr(e, c) for c in columns}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    out.index.names = [by] if isinstance(by, str) else list(by)
    return out


def period_changes(frame: pd.DataFrame, table: pd.DataFrame, compare_one,
                   alpha: float = 0.05) -> pd.DataFrame:
    """``table`` (one row per period of ``frame["period"]``) with each period's ``change``
    from the one before, its ``p_value`` and ``significant`` (``p_value < alpha``);
    ``compare_one(this, before)`` gives the change and its p-value."""
    changes, pvals = [np.nan], [np.nan]
    for prev, cur in zip(table.index[:-1], table.index[1:]):
        change, p = compare_one(frame[frame["period"] == cur], frame[frame["period"] == prev])
        changes.append(change)
        pvals.append(p)
    table["change"] = changes
    table["p_value"] = pvals
    table["significant"] = table["p_value"] < alpha
    return table


def by_group(data: pd.DataFrame, by, score: str, weights: str | None = None,
             scale: Scale = DEFAULT_SCALE, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`estimate` for each group: a row per group with :data:`COLUMNS`."""
    return group_table(data, by, lambda g: estimate(
        g[score], None if weights is None else g[weights], scale, confidence), COLUMNS)


def by_period(data: pd.DataFrame, date: str = "response_date", freq: str = "Q",
              score: str = "ltr", weights: str | None = None, scale: Scale = DEFAULT_SCALE,
              alpha: float = 0.05, confidence: float = 0.95) -> pd.DataFrame:
    """The mean rating per period, and its change from the period before flagged only
    where it is beyond noise (Welch's t test on the effective sample sizes).

    Returns
    -------
    DataFrame
        Indexed by ``period``: :data:`COLUMNS`, ``change`` (points of the scale),
        ``p_value`` and ``significant``.
    """
    frame = data.assign(period=periods.labels(data[date], freq))
    out = by_group(frame, "period", score, weights, scale, confidence)

    def compare_one(a, b):
        return (estimate(a[score], None if weights is None else a[weights], scale).mean
                - estimate(b[score], None if weights is None else b[weights], scale).mean,
                _welch_p(a, b, score, weights))
    return period_changes(frame, out, compare_one, alpha)


def _moments(g: pd.DataFrame, score: str, weights: str | None) -> tuple[float, float, float]:
    s = g[score].astype(float)
    w = pd.Series(1.0, index=g.index) if weights is None else g[weights].astype(float)
    keep = s.notna() & w.notna() & (w > 0)
    s, w = s[keep].to_numpy(), w[keep].to_numpy()
    if len(s) < 2:
        return np.nan, np.nan, 0.0
    m = np.dot(w, s) / w.sum()
    n_eff = w.sum() ** 2 / np.dot(w, w)
    var = np.dot(w, (s - m) ** 2) / w.sum() * n_eff / max(n_eff - 1, 1e-12)
    return float(m), float(var), float(n_eff)


def _welch_p(a: pd.DataFrame, b: pd.DataFrame, score: str, weights: str | None) -> float:
    ma, va, na = _moments(a, score, weights)
    mb, vb, nb = _moments(b, score, weights)
    if na < 2 or nb < 2 or not (va > 0 or vb > 0):
        return np.nan
    se2 = va / na + vb / nb
    df = se2 ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    return float(2 * stats.t.sf(abs(ma - mb) / np.sqrt(se2), df))


def estimate_sentence(e: RatingEstimate, label: str = "The mean rating") -> str:
    """``The mean rating is 5.2 of 7 (95% interval 5.0 to 5.4) ...``."""
    high = e.scale.split("–")[-1]
    low, top = int(high) - 1, high
    return (f"{label} is {e.mean:.1f} on the {e.scale} scale ({e.confidence:.0%} interval "
            f"{e.ci_low:.1f} to {e.ci_high:.1f}) from {e.n:,} answers; {e.top_two:.0%} "
            f"answered {low} or {top} (the top two boxes, {e.top_two_low:.0%} to "
            f"{e.top_two_high:.0%}).")


def trend_sentence(trend: pd.DataFrame, column: str = "mean", name: str = "the mean rating",
                   number: str = "{:.1f}", change: str = "{:+.1f}") -> str:
    """The latest period of a trend (:func:`by_period`, :func:`cxkit.nps.by_period`) in
    words, its change called noise or not. ``column`` holds the score, ``name`` says what
    it is, ``number`` and ``change`` how its value and its change are written.
    """
    last = trend.iloc[-1]
    value = number.format(last[column])
    if len(trend) < 2 or pd.isna(last["change"]):
        return f"In {trend.index[-1]} {name} was {value}."
    move = f"{change.format(last['change'])} on {trend.index[-2]}"
    if last["significant"]:
        return (f"In {trend.index[-1]} {name} was {value}, {move}: a change larger than "
                f"sampling noise (p = {last['p_value']:.3f}).")
    return (f"In {trend.index[-1]} {name} was {value} ({move}), a change within sampling "
            "noise: no reason to act on it alone.")


def plot_trend(trend: pd.DataFrame, scale: Scale | None = None, column: str = "mean",
               ylabel: str = "", title: str = "Mean likelihood to recommend per period",
               label: str = "mean rating", ax=None):
    """A score per period with its interval, significant changes circled; returns the axis.

    With ``scale`` the axis spans the rating scale; without, a line marks zero (NPS).
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .present.show import plain_text
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    x = list(trend.index)
    ax.fill_between(x, trend["ci_low"], trend["ci_high"], color="#2e75b6", alpha=0.15,
                    label="interval")
    ax.plot(x, trend[column], marker="o", color="#2e75b6", label=label)
    sig = trend["significant"].fillna(False).astype(bool)
    if sig.any():
        ax.scatter([i for i, s in zip(x, sig) if s], trend.loc[sig, column], s=140,
                   facecolors="none", edgecolors="#c00000", linewidths=2,
                   label="significant change", zorder=3)
    if scale is not None:
        ax.set_ylim(scale.low, scale.high)
    else:
        ax.axhline(0, color="#999999", lw=0.8)
    ax.set_ylabel(ylabel or (f"mean rating ({scale})" if scale is not None else column))
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=45)
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    sns.despine(ax=ax)
    return plain_text(ax)


__all__ = ["RatingEstimate", "COLUMNS", "clean", "estimate", "group_table", "period_changes", "by_group", "by_period",
           "estimate_sentence", "trend_sentence", "plot_trend"]
