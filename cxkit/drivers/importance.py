"""Relative importance of drivers: how much of what we can explain each driver explains.

Methods, all computed from the (weighted) correlation matrix, never by refitting a
model per subset of drivers:

- ``"shapley"`` (also ``"lmg"``, ``"dominance"``): the Shapley value of each driver in
  R², which is LMG (Lindeman, Merenda & Gold) and general dominance (Azen & Budescu
  2003): the driver's gain in R² averaged over every order of entering the drivers.
  Exact up to ``exact_limit`` drivers (all 2^p subsets); above it, estimated from random
  orders with a standard error, with a notice.
- ``"relative_weights"`` (also ``"johnson"``): Johnson's (2000) relative weights, an
  approximation that costs one eigendecomposition.

:func:`dominance_analysis` adds conditional and complete dominance tables;
:func:`bootstrap_importance` adds intervals for importances and ranks, resampling
responses or whole accounts.

Examples
--------
>>> from cxkit.io import load_table
>>> from cxkit.drivers import relative_importance
>>> r = load_table("data/sample", "responses")
>>> ri = relative_importance(r, "ltr", ["product_quality", "communication", "pm_expertise"])
>>> ri.table["rank"].to_dict()
{'product_quality': 1, 'communication': 3, 'pm_expertise': 2}
>>> round(ri.r2, 3), ri.counts["n_used"]
(0.471, 8582)
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import CxkitWarning, ParameterError
from . import _subsets
from .prepare import Prepared, driver_corr, prepare

METHODS = {"shapley": "shapley", "lmg": "shapley", "dominance": "shapley",
           "relative_weights": "relative_weights", "johnson": "relative_weights"}
EXACT_LIMIT = 25
BOOTSTRAP_EXACT_LIMIT = 20


def _method(method: str) -> str:
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    return METHODS[method]


def _coefficients(corr: np.ndarray) -> np.ndarray:
    """Standardised coefficients of the full model (least squares, pseudo-inverse)."""
    return np.linalg.pinv(corr[:-1, :-1]) @ corr[:-1, -1]


@dataclass(frozen=True)
class DriverImportance:
    """Relative importance of drivers, and what it rests on.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``driver``; columns as documented by :func:`relative_importance` or
        :func:`bootstrap_importance`.
    outcome : str
    method : str
        ``shapley`` or ``relative_weights``.
    exact : bool
        False for Shapley values estimated from random orders.
    r2 : float
        R² of the model with every driver (the importances add up to it).
    counts : dict
        ``n_total`` rows given, ``n_used`` rows the result rests on, ``n_dropped``, and
        ``n_imputed`` or ``n_pairwise_min`` under those rules for missing ratings.
    missing : str
        The rule for missing ratings.
    notes : list of str
        What was done about problems, in plain sentences.
    n_boot : int
        Bootstrap resamples (0 without a bootstrap).
    cluster : str or None
        Column whose groups were resampled whole.
    confidence : float or None
        Level of the bootstrap intervals.
    """

    table: pd.DataFrame
    outcome: str
    method: str
    exact: bool
    r2: float
    counts: dict
    missing: str
    notes: list
    n_boot: int = 0
    cluster: str | None = None
    confidence: float | None = None

    @property
    def has_intervals(self) -> bool:
        """Whether the table holds bootstrap intervals (not where there were too many
        drivers to resample, :data:`BOOTSTRAP_EXACT_LIMIT`)."""
        return self.n_boot > 0 and "ci_low" in self.table and bool(
            self.table["ci_low"].notna().any())

    def how(self) -> dict:
        """How the importances were made, for the results file: ``method`` (shapley or
        relative_weights), ``exact`` (False: estimated from random orders, with their
        Monte Carlo error in ``se``), ``intervals`` (``bootstrap`` or ``none``),
        ``n_boot`` and ``resampled`` (``accounts`` or ``responses``; None without)."""
        return {"method": self.method, "exact": self.exact,
                "intervals": "bootstrap" if self.has_intervals else "none",
                "n_boot": self.n_boot if self.has_intervals else 0,
                "resampled": (("accounts" if self.cluster else "responses")
                              if self.has_intervals else None)}

    def how_sentence(self) -> str:
        """How the importances were made, in words (for the report's method section)."""
        p = len(self.table)
        what = ("Shapley values of R² (LMG, general dominance)" if self.method == "shapley"
                else "Johnson's relative weights")
        if self.method == "shapley" and not self.exact:
            what += (f", estimated from random orders of the {p} drivers (more than "
                     f"{EXACT_LIMIT} make every subset too many to count; each value's "
                     "Monte Carlo error is in the technical appendix)")
        elif self.method == "shapley":
            what += f", exact over every subset of the {p} drivers"
        if self.has_intervals:
            unit = "accounts" if self.cluster else "responses"
            return (f"Importance: {what}; intervals of importance and rank from "
                    f"{self.n_boot:,} bootstrap resamples of {unit}.")
        return (f"Importance: {what}; no intervals of importance or rank: with more than "
                f"{BOOTSTRAP_EXACT_LIMIT} drivers the bootstrap is not run, as each resample "
                "would count every subset again.")


def _result(prep: Prepared, importance: np.ndarray, corr: np.ndarray, method: str,
            se: np.ndarray | None = None, exact: bool = True, **boot) -> DriverImportance:
    r2 = float(importance.sum())
    out = pd.DataFrame({"importance": importance,
                        "share": importance / r2 if r2 > 0 else np.nan,
                        "sign": np.sign(_coefficients(corr)).astype(int)},
                       index=pd.Index(prep.drivers, name="driver"))
    if se is not None:
        out["se"] = se
    out["rank"] = out["importance"].rank(ascending=False, method="min").astype(int)
    return DriverImportance(out, prep.outcome, method, exact, r2, dict(prep.counts),
                            prep.missing, list(prep.notes), **boot)


def relative_importance(data: pd.DataFrame, outcome: str, drivers, method: str = "shapley",
                        weights=None, missing: str = "listwise",
                        scale: tuple[float, float] | None = (0, 10),
                        exact_limit: int = EXACT_LIMIT, n_permutations: int = 4000,
                        random_state=None) -> DriverImportance:
    """Relative importance of each driver for the outcome.

    Parameters
    ----------
    data : DataFrame
        One row per response.
    outcome : str
        Outcome column, e.g. ``"ltr"``.
    drivers : list of str
        Driver columns (any names; no formulas are built from them).
    method : {"shapley", "lmg", "dominance", "relative_weights", "johnson"}
    weights : str or array-like, optional
        Survey weights (column name or values).
    missing : {"listwise", "pairwise", "impute"}
        See :func:`cxkit.drivers.prepare.prepare`.
    scale : (low, high) or None
        Allowed range of outcome and ratings (0–10); None to skip the check.
    exact_limit : int
        Most drivers for the exact Shapley value; above it, a sampled estimate.
    n_permutations : int
        Random orders for the sampled estimate.
    random_state : int or Generator, optional

    Returns
    -------
    DriverImportance
        Its ``table`` is indexed by ``driver``: ``importance`` (sums to the model's R²),
        ``share`` (sums to 1), ``sign`` (+1/−1, sign of the full-model coefficient),
        ``rank`` (1 = most important), and ``se`` for a sampled estimate; beside it
        ``r2``, ``method``, ``exact``, the ``counts`` used and ``notes``.
    """
    kind = _method(method)
    prep = prepare(data, outcome, drivers, weights, missing, scale)
    corr = driver_corr(prep)
    p = len(prep.drivers)
    if kind == "relative_weights":
        return _result(prep, _subsets.relative_weights(corr), corr, "relative_weights")
    if p <= exact_limit:
        r2 = _subsets.all_subsets_r2(corr)
        return _result(prep, _subsets.shapley_from_r2(r2, p), corr, "shapley")
    rng = np.random.default_rng(random_state)
    text = (f"{p} drivers is above the exact limit of {exact_limit}: Shapley values are "
            f"estimated from {n_permutations:,} random orders of the drivers (standard "
            "error in column se).")
    prep.notes.append(text)
    warnings.warn(text, CxkitWarning, stacklevel=2)
    est, se = _subsets.sampled_shapley(corr, n_permutations, rng)
    return _result(prep, est, corr, "shapley", se=se, exact=False)


@dataclass
class DominanceAnalysis:
    """Dominance analysis (Azen & Budescu 2003) of drivers for an outcome.

    Attributes
    ----------
    general_ : Series
        General dominance (= Shapley value, LMG) of each driver; sums to ``r2_``.
    conditional_ : DataFrame
        Drivers × subset size k: the mean gain in R² from adding the driver to models
        with k other drivers.
    complete_ : DataFrame
        Drivers × drivers: 1 where the row driver completely dominates the column driver
        (adds more to every model holding neither), 0 where it is dominated, 0.5 where
        neither; empty on the diagonal.
    r2_ : float
    counts_ : dict
    notes_ : list of str
    """

    general_: pd.Series
    conditional_: pd.DataFrame
    complete_: pd.DataFrame
    r2_: float
    counts_: dict
    notes_: list

    def summary(self) -> str:
        """A plain-text report of the three levels of dominance."""
        names = list(self.general_.index)
        n = self.counts_.get("n_used")
        lines = [f"Dominance analysis, R² = {self.r2_:.3f}"
                 + (f", n = {n:,}" if n is not None else " (from a correlation matrix)"), "",
                 "General dominance (share of R²):"]
        for d, v in self.general_.sort_values(ascending=False).items():
            lines.append(f"  {d}: {v:.4f} ({v / self.r2_:.1%})")
        winners = [d for d in names
                   if all(self.complete_.loc[d, o] == 1 for o in names if o != d)]
        lines += ["", "Completely dominates every other driver: " + (", ".join(winners) or "none")]
        lines += ["", "Conditional dominance (mean gain in R² by number of other drivers):",
                  self.conditional_.round(4).to_string()]
        return "\n".join(lines)


def dominance_analysis(data: pd.DataFrame, outcome: str, drivers, weights=None,
                       missing: str = "listwise", scale: tuple[float, float] | None = (0, 10),
                       corr: np.ndarray | None = None) -> DominanceAnalysis:
    """Complete, conditional and general dominance of each driver.

    Parameters
    ----------
    data, outcome, drivers, weights, missing, scale
        As for :func:`relative_importance`.
    corr : ndarray, optional
        A correlation matrix (drivers then outcome) to analyse instead of ``data``
        (published examples give only the matrix); ``data`` may then be None.

    Returns
    -------
    DominanceAnalysis
    """
    if corr is not None:
        corr = np.asarray(corr, dtype=float)
        names = list(drivers)
        counts, notes = {"n_used": None}, []
    else:
        prep = prepare(data, outcome, drivers, weights, missing, scale)
        corr = driver_corr(prep)
        names, counts, notes = prep.drivers, prep.counts, prep.notes
    p = len(names)
    if p > 20:
        raise ParameterError(f"dominance analysis of {p} drivers compares 2^{p} models per "
                             "pair; use at most 20 drivers (relative_importance handles more)")
    r2 = _subsets.all_subsets_r2(corr)
    cond = _subsets.conditional_contributions(r2, p)
    comp = _subsets.complete_dominance(r2, p)
    general = pd.Series(_subsets.shapley_from_r2(r2, p), index=pd.Index(names, name="driver"),
                        name="general")
    return DominanceAnalysis(
        general_=general,
        conditional_=pd.DataFrame(cond, index=pd.Index(names, name="driver"),
                                  columns=pd.Index(range(p), name="k")),
        complete_=pd.DataFrame(comp, index=pd.Index(names, name="driver"), columns=names),
        r2_=float(r2[-1]), counts_=counts, notes_=notes)


def _resample_weights(prep: Prepared, n_boot: int, rng: np.random.Generator,
                      cluster: bool) -> np.ndarray:
    n = len(prep.weights)
    if not cluster:
        return rng.multinomial(n, np.full(n, 1 / n), size=n_boot).astype(float)
    codes, uniques = pd.factorize(pd.Series(prep.groups))
    k = len(uniques)
    picks = rng.multinomial(k, np.full(k, 1 / k), size=n_boot).astype(float)
    return picks[:, codes]


def bootstrap_importance(data: pd.DataFrame, outcome: str, drivers, method: str = "shapley",
                         n_boot: int = 1000, cluster: str | None = None, weights=None,
                         missing: str = "listwise", scale: tuple[float, float] | None = (0, 10),
                         confidence: float = 0.95, random_state=None, progress: bool = False
                         ) -> DriverImportance:
    """Bootstrap intervals for each driver's importance and rank.

    Parameters
    ----------
    data, outcome, drivers, method, weights, missing, scale
        As for :func:`relative_importance`. Shapley values of more than
        :data:`BOOTSTRAP_EXACT_LIMIT` (20) drivers are not resampled: they are exact up
        to :data:`EXACT_LIMIT` (25) drivers and estimated from random orders beyond, the
        interval columns are empty (NaN), ``n_boot`` is 0 and a note says so.
    n_boot : int
        Resamples.
    cluster : str, optional
        Column whose groups are resampled whole (``"account_id"``: respondents are
        nested in accounts, so resample accounts).
    confidence : float
    random_state : int or Generator, optional
    progress : bool
        Show a progress bar.

    Returns
    -------
    DriverImportance
        Its ``table`` is indexed by ``driver``: ``importance`` and ``share`` (full data),
        ``ci_low``, ``ci_high`` (percentile interval of the importance), ``sign``,
        ``rank``, ``rank_ci_low``, ``rank_ci_high``, ``p_top`` (share of resamples where
        the driver ranks first); ``n_boot``, ``cluster`` and ``confidence`` are set.

    Examples
    --------
    >>> from cxkit.io import load_table
    >>> r = load_table("data/sample", "responses")
    >>> b = bootstrap_importance(r, "ltr", ["product_quality", "communication"], n_boot=200,
    ...                          cluster="account_id", random_state=1)
    >>> b.table[["rank", "rank_ci_low", "rank_ci_high"]].to_dict("index")["communication"]
    {'rank': 2, 'rank_ci_low': 2, 'rank_ci_high': 2}
    >>> b.n_boot, b.cluster
    (200, 'account_id')
    """
    kind = _method(method)
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must be between 0 and 1, got {confidence}")
    prep = prepare(data, outcome, drivers, weights, missing, scale, groups=cluster)
    p = len(prep.drivers)
    if kind == "shapley" and p > BOOTSTRAP_EXACT_LIMIT:
        return _without_bootstrap(data, outcome, drivers, weights, missing, scale, cluster,
                                  confidence, random_state)
    corr = driver_corr(prep)
    point = (_subsets.shapley_from_r2(_subsets.all_subsets_r2(corr), p) if kind == "shapley"
             else _subsets.relative_weights(corr))
    rng = np.random.default_rng(random_state)
    from tqdm.auto import tqdm
    chunk = max(1, min(n_boot, 4_000_000 // (2 ** p * 4)))
    draws = np.empty((n_boot, p))
    bar = tqdm(total=n_boot, desc="bootstrap", unit="resample", disable=not progress)
    for start in range(0, n_boot, chunk):
        m = min(chunk, n_boot - start)
        counts = _resample_weights(prep, m, rng, cluster is not None)
        mats = np.stack([driver_corr(prep, c) for c in counts])
        mats = np.nan_to_num(mats, nan=0.0)
        if kind == "shapley":
            draws[start:start + m] = _subsets.shapley_from_r2(_subsets.all_subsets_r2(mats), p)
        else:
            draws[start:start + m] = np.stack([_subsets.relative_weights(c) for c in mats])
        bar.update(m)
    bar.close()
    alpha = (1 - confidence) / 2
    ranks = (-draws).argsort(axis=1).argsort(axis=1) + 1
    res = _result(prep, point, corr, kind, n_boot=n_boot, cluster=cluster,
                  confidence=confidence)
    out = res.table
    out["ci_low"] = np.quantile(draws, alpha, axis=0)
    out["ci_high"] = np.quantile(draws, 1 - alpha, axis=0)
    out["rank_ci_low"] = np.quantile(ranks, alpha, axis=0, method="lower").astype(int)
    out["rank_ci_high"] = np.quantile(ranks, 1 - alpha, axis=0, method="higher").astype(int)
    out["p_top"] = (ranks == 1).mean(axis=0)
    table = out[["importance", "share", "ci_low", "ci_high", "sign", "rank", "rank_ci_low",
                 "rank_ci_high", "p_top"]]
    return dataclasses.replace(res, table=table)


def _without_bootstrap(data, outcome, drivers, weights, missing, scale, cluster, confidence,
                       random_state) -> DriverImportance:
    """More than :data:`BOOTSTRAP_EXACT_LIMIT` drivers: exact Shapley values up to
    :data:`EXACT_LIMIT` (sampled orders beyond, with their Monte Carlo error), the
    interval columns empty, and a note saying so."""
    res = relative_importance(data, outcome, drivers, "shapley", weights, missing, scale,
                              random_state=random_state)
    p = len(res.table)
    text = (f"{p} drivers: importance has no bootstrap intervals (beyond "
            f"{BOOTSTRAP_EXACT_LIMIT} drivers each resample would count every subset again); "
            + ("the importances are exact." if res.exact else
               "the importances are estimated from random orders of the drivers."))
    warnings.warn(text, CxkitWarning, stacklevel=3)
    out = res.table.copy()
    for c in ("ci_low", "ci_high", "rank_ci_low", "rank_ci_high", "p_top"):
        out[c] = np.nan
    cols = ["importance", "share", "ci_low", "ci_high", "sign", "rank", "rank_ci_low",
            "rank_ci_high", "p_top"] + (["se"] if "se" in out else [])
    return dataclasses.replace(res, table=out[cols], notes=[*res.notes, text], n_boot=0,
                               cluster=cluster, confidence=confidence)
