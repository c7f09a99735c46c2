"""Getting survey data ready for a driver analysis: checks, missing ratings, correlations.

Every driver analysis starts from the same table: an outcome (likelihood to recommend),
driver ratings and perhaps survey weights. :func:`prepare` checks it and says what it
did: non-numeric ratings, scores off the scale and too few responses are errors; a
driver with no variation is left out and a perfectly collinear one is reported, each
with a :class:`~cxkit.errors.CxkitWarning` and a note kept with the result.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import CxkitWarning, ParameterError

MISSING = ("listwise", "pairwise", "impute")


@dataclass
class Prepared:
    """Checked analysis data.

    Attributes
    ----------
    outcome : str
    drivers : list of str
        Drivers kept (constant ones are left out).
    values : ndarray, shape (n, p + 1)
        Driver ratings then the outcome, NaN where missing (before imputation).
    weights : ndarray, shape (n,)
    groups : ndarray or None
        Cluster label of each row (e.g. account), for cluster bootstrap.
    missing : str
    counts : dict
        ``n_total`` rows given, ``n_used`` rows the result rests on, ``n_dropped``,
        ``n_imputed`` values filled in, ``n_pairwise_min`` smallest pairwise count.
    notes : list of str
        What was done about problems, in plain sentences.
    """

    outcome: str
    drivers: list[str]
    values: np.ndarray
    weights: np.ndarray
    groups: np.ndarray | None
    missing: str
    counts: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def corr(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Weighted correlation matrix (drivers, then the outcome) under the missing rule."""
        w = self.weights if weights is None else weights * self.weights
        return weighted_corr(self.values, w, pairwise=self.missing == "pairwise")


def _note(notes: list, text: str) -> None:
    notes.append(text)
    warnings.warn(text, CxkitWarning, stacklevel=3)


def weighted_corr(values: np.ndarray, weights: np.ndarray, pairwise: bool = False
                  ) -> np.ndarray:
    """Weighted Pearson correlations of the columns of ``values``.

    Rows with a missing value are left out of every correlation (``pairwise=False``;
    the caller passes complete rows), or only of the correlations that need the
    missing column (``pairwise=True``).
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    if not pairwise:
        w = w / w.sum()
        mu = w @ x
        z = x - mu
        cov = (z * w[:, None]).T @ z
        sd = np.sqrt(np.diag(cov))
        return cov / np.outer(sd, sd)
    present = ~np.isnan(x)
    m = present.astype(float)
    x0 = np.where(present, x, 0.0)
    wm = m * w[:, None]
    a = wm.T @ m                          # weight of rows where both i and j are present
    sx = (x0 * w[:, None]).T @ m          # [i, j]: sum of x_i where j is present too
    sxx = (x0 * w[:, None]).T @ x0        # sum of x_i x_j over rows with both
    sx2 = (x0 ** 2 * w[:, None]).T @ m    # sum of x_i^2 where j is present too
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_i = sx / a
        cov = sxx / a - mean_i * mean_i.T
        var_i = sx2 / a - mean_i ** 2
        corr = cov / np.sqrt(var_i * var_i.T)
    np.fill_diagonal(corr, 1.0)
    return corr


def _numeric(data: pd.DataFrame, col: str) -> pd.Series:
    raw = data[col]
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype(float)
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        shown = ", ".join(f"row {i}: {raw[i]!r}" for i in raw.index[bad][:5])
        raise ParameterError(f"column '{col}' has ratings that are not numbers in "
                             f"{int(bad.sum())} rows ({shown})")
    return values.astype(float)


def survey_weights(data: pd.DataFrame, weights=None) -> pd.Series:
    """One weight per row: 1 without weights, else a checked column or array of values."""
    if weights is None:
        return pd.Series(1.0, index=data.index)
    if isinstance(weights, str):
        if weights not in data.columns:
            raise ParameterError(f"weights column '{weights}' is not in the data")
        w = _numeric(data, weights)
    else:
        w = pd.Series(np.asarray(weights, dtype=float), index=data.index)
    if (w < 0).any():
        raise ParameterError("weights must not be negative")
    return w


def prepare(data: pd.DataFrame, outcome: str, drivers, weights=None, missing: str = "listwise",
            scale: tuple[float, float] | None = (0, 10), groups=None) -> Prepared:
    """Check the data of a driver analysis and apply the missing-rating rule.

    Parameters
    ----------
    data : DataFrame
    outcome : str
        Column of the outcome (e.g. ``"ltr"``).
    drivers : list of str
        Columns of driver ratings; any strings (spaces and dots are fine).
    weights : str or array-like, optional
        Survey weights: a column name or one value per row.
    missing : {"listwise", "pairwise", "impute"}
        ``listwise``: only complete responses; ``pairwise``: each correlation from the
        responses that answered both questions; ``impute``: a skipped rating takes the
        driver's (weighted) mean. Responses without an outcome are always left out.
    scale : (low, high) or None
        Allowed range of the outcome and the ratings; None for no check (revenue).
    groups : str or array-like, optional
        Cluster of each row (e.g. ``"account_id"``).

    Returns
    -------
    Prepared
    """
    if missing not in MISSING:
        raise ParameterError(f"missing must be one of {', '.join(MISSING)}, got {missing!r}")
    drivers = list(drivers)
    if not drivers:
        raise ParameterError("name at least one driver")
    dupes = sorted({d for d in drivers if drivers.count(d) > 1})
    if dupes:
        raise ParameterError(f"drivers listed twice: {', '.join(map(repr, dupes))}")
    if outcome in drivers:
        raise ParameterError(f"the outcome '{outcome}' is also listed as a driver")
    absent = [c for c in [outcome, *drivers] if c not in data.columns]
    if absent:
        raise ParameterError(f"columns not in the data: {', '.join(map(repr, absent))}")
    cols = {c: _numeric(data, c) for c in [*drivers, outcome]}
    for c, v in cols.items():
        infinite = np.isinf(v)
        if infinite.any():
            shown = ", ".join(f"row {i}: {v[i]:g}" for i in v.index[infinite][:5])
            raise ParameterError(f"column '{c}' has values that are not finite numbers in "
                                 f"{int(infinite.sum())} rows ({shown})")
    if scale is not None:
        lo, hi = scale
        for c, v in cols.items():
            off = (v < lo) | (v > hi)
            if off.any():
                shown = ", ".join(f"row {i}: {v[i]:g}" for i in v.index[off][:5])
                raise ParameterError(f"column '{c}' has values outside {lo:g}–{hi:g} in "
                                     f"{int(off.sum())} rows ({shown}); for ratings on "
                                     "another scale pass scale=(low, high), e.g. "
                                     "scale=(1, 5), or scale=None for no check")
    w = survey_weights(data, weights)
    g = None
    if groups is not None:
        g = data[groups] if isinstance(groups, str) else pd.Series(np.asarray(groups),
                                                                   index=data.index)
    frame = pd.DataFrame(cols)
    n_total = len(frame)
    keep = frame[outcome].notna() & w.notna() & (w > 0)
    if missing == "listwise":
        keep &= frame[drivers].notna().all(axis=1)
    frame, w = frame[keep], w[keep]
    g = g[keep].to_numpy() if g is not None else None
    notes: list[str] = []
    kept = []
    for d in drivers:
        v = frame[d].dropna()
        if v.nunique() <= 1:
            what = f"all answers {v.iloc[0]:g}" if len(v) else "no answers"
            _note(notes, f"Driver '{d}' has no variation ({what}); it was left out.")
        else:
            kept.append(d)
    if not kept:
        raise ParameterError("no driver varies: nothing to analyse")
    counts = {"n_total": n_total, "n_used": int(len(frame)), "n_dropped": n_total - len(frame),
              "n_imputed": 0, "n_pairwise_min": None}
    values = frame[kept + [outcome]].to_numpy(dtype=float, copy=True)  # writable (pandas 3)
    weights_arr = w.to_numpy(dtype=float)
    if missing == "impute":
        gap = np.isnan(values[:, :-1])
        counts["n_imputed"] = int(gap.sum())
        means = np.array([np.average(values[~gap[:, j], j], weights=weights_arr[~gap[:, j]])
                          for j in range(len(kept))])
        values[:, :-1] = np.where(gap, means, values[:, :-1])
    if missing == "pairwise":
        present = ~np.isnan(values)
        pair_n = present.astype(int).T @ present.astype(int)
        counts["n_pairwise_min"] = int(pair_n.min())
        usable = counts["n_pairwise_min"]
    else:
        usable = counts["n_used"]
    if usable < len(kept) + 2:
        raise ParameterError(f"{usable} usable responses for {len(kept)} drivers: a driver "
                             f"analysis needs at least {len(kept) + 2}")
    prepared = Prepared(outcome, kept, values, weights_arr, g, missing, counts, notes)
    _check_collinearity(prepared)
    return prepared


def _check_collinearity(prep: Prepared) -> None:
    corr = prep.corr()
    if prep.missing == "pairwise" and np.linalg.eigvalsh(corr).min() < -1e-8:
        _note(prep.notes, "The pairwise correlations did not fit together (a matrix no set "
                          "of complete answers could give); the nearest valid one was used.")
    rxx = corr[:-1, :-1]
    names = prep.drivers
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if abs(rxx[i, j]) > 0.9999:
                _note(prep.notes, f"Drivers '{names[i]}' and '{names[j]}' are perfectly "
                                  f"collinear (r = {rxx[i, j]:.2f}): they share their importance "
                                  "and their separate coefficients cannot be told apart.")


def driver_corr(prep: Prepared, weights: np.ndarray | None = None) -> np.ndarray:
    """The correlation matrix to analyse (pairwise ones repaired when needed)."""
    corr = prep.corr(weights)
    if prep.missing == "pairwise" and np.linalg.eigvalsh(corr).min() < -1e-8:
        # a pairwise matrix repaired: eigenvalues clipped, rescaled to a unit diagonal
        from statsmodels.stats.correlation_tools import corr_clipped
        corr = corr_clipped(corr, threshold=1e-8)
    return corr
