"""The driver model: likelihood to recommend regressed on the driver ratings.

Respondents are nested in accounts, so by default the standard errors are
cluster-robust by account; HC3 (heteroskedasticity-robust) and classical errors are
available.

Inference follows what users compare against. Least squares: cluster-robust errors with
the CR1 small-sample factor ``G/(G−1)·(N−1)/(N−K)`` and p-values and intervals from
Student's t with ``G − 1`` degrees of freedom (G clusters), as Stata's
``regress, vce(cluster)`` and R's ``sandwich::vcovCL`` with ``lmtest::coeftest(df = G − 1)``;
HC3 and classical errors use t with ``N − K``. The logistic model uses the normal
distribution, as Stata's ``logit`` and R's ``coeftest`` on a ``glm`` do. Survey weights make it weighted least squares. ``kind="logit"`` models
promoter (9–10) against not instead. Collinearity is diagnosed with variance inflation
factors; a driver that is an exact linear combination of the ones before it is taken
out of the regression, with a note.

Examples
--------
>>> from cxkit.io import load_table
>>> from cxkit.drivers import DriverModel
>>> r = load_table("data/sample", "responses")
>>> m = DriverModel(["product_quality", "shipping_confidence"]).fit(r)
>>> list(m.coef_.columns)[:4]
['coef', 'se', 'ci_low', 'ci_high']
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ..errors import CxkitWarning, ParameterError
from .prepare import prepare

KINDS = ("ols", "logit")
COVS = ("cluster", "hc3", "classical")


def vif(corr: np.ndarray) -> np.ndarray:
    """Variance inflation factors from the drivers' correlation matrix: diag(R⁻¹)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.diag(np.linalg.pinv(corr))


class DriverModel:
    """Regress the outcome on the driver ratings.

    Parameters
    ----------
    drivers : list of str
        Driver columns (any names; no formulas are built from them).
    outcome : str
        Outcome column (0–10).
    kind : {"ols", "logit"}
        ``ols``: the outcome in rating points. ``logit``: promoter (outcome ≥ 9) or not.
    cov : {"cluster", "hc3", "classical"}
        Standard errors: cluster-robust by ``cluster`` (t with G − 1 degrees of freedom),
        HC3 (HC0 sandwich for logit; t with N − K), or classical (t with N − K).
    cluster : str
        Column of the clusters (accounts).
    weights : str or array-like, optional
        Survey weights.
    missing : {"listwise", "impute"}
        Missing ratings (see :func:`cxkit.drivers.prepare.prepare`).
    confidence : float
    vif_threshold : float
        A VIF above this is reported as a collinearity warning.

    Attributes
    ----------
    coef_ : DataFrame
        One row per term (``const`` then drivers): ``coef`` (rating points, or log-odds
        for logit, per rating point), ``se``, ``ci_low``, ``ci_high``, ``p_value``,
        ``vif`` (drivers only), ``beta`` (standardised coefficient, OLS only).
    r2_ : float
        R² (OLS) or McFadden's pseudo R² (logit).
    n_ : int
        Responses used.
    n_clusters_ : int or None
        Clusters (accounts) behind cluster-robust errors; intervals use t with
        ``n_clusters_ - 1`` degrees of freedom. None for other errors.
    counts_ : dict
        Counts of the missing-rating rule.
    dropped_ : list of str
        Drivers taken out of the regression (no variation, or collinear).
    notes_ : list of str
    result_ : statsmodels results
    """

    def __init__(self, drivers, outcome: str = "ltr", kind: str = "ols", cov: str = "cluster",
                 cluster: str = "account_id", weights=None, missing: str = "listwise",
                 confidence: float = 0.95, vif_threshold: float = 5.0):
        self.drivers = list(drivers)
        self.outcome = outcome
        self.kind = kind
        self.cov = cov
        self.cluster = cluster
        self.weights = weights
        self.missing = missing
        self.confidence = confidence
        self.vif_threshold = vif_threshold

    def _check(self, data):
        if self.kind not in KINDS:
            raise ParameterError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.cov not in COVS:
            raise ParameterError(f"cov must be one of {', '.join(COVS)}, got {self.cov!r}")
        if self.missing == "pairwise":
            raise ParameterError("the driver model needs whole responses: use missing='listwise' "
                                 "or 'impute' (pairwise correlations serve relative importance)")
        if self.cov == "cluster" and self.cluster not in data.columns:
            raise ParameterError(f"cluster column '{self.cluster}' is not in the data; "
                                 "use cov='hc3' without clusters")

    def fit(self, data: pd.DataFrame) -> "DriverModel":
        """Fit the model to one row per response; returns self."""
        self._check(data)
        prep = prepare(data, self.outcome, self.drivers, self.weights, self.missing,
                       groups=self.cluster if self.cov == "cluster" else None)
        notes = list(prep.notes)
        dropped = [d for d in self.drivers if d not in prep.drivers]
        names = list(prep.drivers)
        x = prep.values[:, :-1]
        y = prep.values[:, -1]
        w = prep.weights
        # drop drivers that are exact combinations of the ones before them
        keep = []
        for j, name in enumerate(names):
            cols = x[:, keep + [j]]
            if np.linalg.matrix_rank(cols - cols.mean(axis=0), tol=1e-8 * len(cols)) < len(keep) + 1:
                notes.append(f"Driver '{name}' is a linear combination of the drivers before it; "
                             "it was taken out of the regression.")
                warnings.warn(notes[-1], CxkitWarning, stacklevel=2)
                dropped.append(name)
            else:
                keep.append(j)
        x = x[:, keep]
        names = [names[j] for j in keep]
        corr = np.corrcoef(x, rowvar=False) if len(names) > 1 else np.ones((1, 1))
        vifs = vif(np.atleast_2d(corr))
        for name, v in zip(names, vifs):
            if v > self.vif_threshold:
                notes.append(f"Driver '{name}' has a variance inflation factor of {v:.1f} "
                             f"(above {self.vif_threshold:g}): its coefficient is unstable; "
                             "read its relative importance instead.")
                warnings.warn(notes[-1], CxkitWarning, stacklevel=2)
        exog = sm.add_constant(x, has_constant="add")
        # t(G - 1) for cluster, t(N - K) otherwise, for least squares (Stata, R); the
        # logistic model uses normal quantiles (Stata's logit, R's coeftest on a glm)
        fit_kw = {"use_t": self.kind == "ols"}
        if self.cov == "cluster":
            fit_kw.update(cov_type="cluster",
                          cov_kwds={"groups": pd.factorize(prep.groups)[0]})
        elif self.cov == "hc3":
            fit_kw.update(cov_type="HC3" if self.kind == "ols" else "HC0")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if self.kind == "ols":
                result = sm.WLS(y, exog, weights=w).fit(**fit_kw)
            else:
                promoter = (y >= 9).astype(float)
                if promoter.min() == promoter.max():
                    raise ParameterError("every response is on the same side of 9: a promoter "
                                         "model needs both promoters and others")
                result = sm.GLM(promoter, exog, family=sm.families.Binomial(),
                                var_weights=w).fit(**fit_kw)
        if any("not fully supported" in str(c.message) for c in caught):
            notes.append("Cluster-robust errors of a weighted logistic model use statsmodels' "
                         "approximation (no small-sample correction).")
        alpha = 1 - self.confidence
        ci = np.asarray(result.conf_int(alpha=alpha))
        terms = ["const"] + names
        coef = pd.DataFrame({"coef": result.params, "se": result.bse, "ci_low": ci[:, 0],
                             "ci_high": ci[:, 1], "p_value": result.pvalues},
                            index=pd.Index(terms, name="term"))
        coef["vif"] = np.r_[np.nan, vifs]
        if self.kind == "ols":
            sd_x = np.sqrt(np.cov(x, rowvar=False, aweights=w).reshape(len(names), -1).diagonal())
            sd_y = np.sqrt(np.cov(y, aweights=w))
            coef["beta"] = np.r_[np.nan, result.params[1:] * sd_x / sd_y]
        self.coef_ = coef
        self.r2_ = float(result.rsquared if self.kind == "ols" else result.pseudo_rsquared("mcf"))
        self.n_ = int(len(y))
        self.n_clusters_ = (int(len(np.unique(pd.factorize(prep.groups)[0])))
                            if self.cov == "cluster" else None)
        self.counts_ = prep.counts
        self.dropped_ = dropped
        self.notes_ = notes
        self.result_ = result
        return self

    def summary(self) -> str:
        """Coefficients, fit and notes in plain text."""
        what = ("likelihood to recommend (points)" if self.kind == "ols"
                else "log-odds of being a promoter")
        df = ("normal intervals" if self.kind == "logit" else
              f"t intervals with {self.n_clusters_ - 1:,} df" if self.cov == "cluster" else
              f"t intervals with {self.n_ - len(self.coef_):,} df")
        se = {"cluster": f"cluster-robust by {self.cluster}", "hc3": "heteroskedasticity-robust",
              "classical": "classical"}[self.cov] + f" ({df})"
        fit = "R²" if self.kind == "ols" else "McFadden pseudo R²"
        lines = [f"Driver model of {what}: {fit} = {self.r2_:.3f}, n = {self.n_:,} responses "
                 f"({self.counts_['n_dropped']:,} left out, {self.counts_['n_imputed']:,} "
                 f"ratings imputed); standard errors {se}.", "",
                 self.coef_.round(4).to_string()]
        if self.notes_:
            lines += ["", "Notes:"] + [f"- {n}" for n in self.notes_]
        return "\n".join(lines)
