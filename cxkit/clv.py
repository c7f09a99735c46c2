"""Customer lifetime value in a contractual setting: the shifted-beta-geometric model.

A B2B customer renews (or not) once per period. Retention looks like it rises with
tenure, but mostly the customers likely to leave leave early. The shifted-beta-geometric
(sBG) model of Fader & Hardie (2007) says so with two numbers: each customer has a
constant churn probability θ per period, and θ varies across customers as Beta(α, β).

- survival ``S(t) = B(α, β + t) / B(α, β)``: the share of a cohort still a customer at
  the start of period t (``S(0) = 1``);
- churn in period t ``P(T = t) = B(α + 1, β + t − 1) / B(α, β)``, t ≥ 1;
- retention ``r(t) = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1)``, rising with t;
- discounted expected residual lifetime (Fader & Hardie 2010) of a customer who has
  made ``renewals`` renewals, so is at the start of period ``n = renewals + 1``:
  ``DERL(d) = (β + n − 1) / (α + β + n − 1) · ₂F₁(1, β + n; α + β + n; 1 / (1 + d))``
  ``= Σ_{k≥1} S(n − 1 + k) / S(n − 1) / (1 + d)^(k − 1)``: the expected number of
  further payments, each discounted by its wait after the first;
- residual lifetime value = margin per period × DERL.

:class:`ShiftedBetaGeometric` fits α and β by maximum likelihood to the number of a
cohort's customers still active at the start of each period (several cohorts of
different ages jointly), following scikit-learn and lifelines: settings in the
constructor, ``fit`` returns the model, fitted attributes end in ``_``.

Examples
--------
Fader & Hardie (2007), "regular" customers, years 0-7:

>>> m = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
>>> round(m.alpha_, 3), round(m.beta_, 3)
(0.704, 1.182)
>>> round(1000 * m.survival(12))  # held out: 173 were still customers
170
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .errors import CxkitWarning, ParameterError

MIN_PERIODS = 3  # a cohort fitted alone needs its size and at least two later counts
MIN_JOINT = 2  # in a joint fit, its size and one later count are information too


@dataclass(frozen=True)
class Cohort:
    """Customers of one cohort still active at the start of each period observed.

    ``active[0]`` is the number at the start of period ``first_age`` (0: the cohort's size
    when it was acquired). A cohort first seen later (``first_age`` > 0, e.g. customers
    acquired before the data begins) is *left-truncated*: its likelihood is conditional on
    surviving to ``first_age``.
    """

    name: str
    active: np.ndarray
    first_age: int = 0

    @property
    def ages(self) -> np.ndarray:
        return self.first_age + np.arange(len(self.active))


def _as_cohorts(active) -> list[Cohort]:
    """One cohort (array), several (list of arrays or dict), or a cohort table.

    A cohort table is a DataFrame with one row per cohort and one column per period since
    acquisition (0, 1, 2, ...); empty where the cohort is not that old yet, and empty at
    the start where it was not observed yet (left-truncated).
    """
    if isinstance(active, pd.DataFrame):
        cohorts = []
        for name, row in active.iterrows():
            seen = row.notna().to_numpy()
            if not seen.any():
                cohorts.append(Cohort(str(name), np.array([])))
                continue
            first, last = int(np.argmax(seen)), len(seen) - int(np.argmax(seen[::-1]))
            values = row.to_numpy(float)[first:last]
            if np.isnan(values).any():
                raise ParameterError(f"{name}: a cohort's counts must be consecutive periods "
                                     "(a gap in the middle)")
            cohorts.append(Cohort(str(name), values, int(active.columns[first])))
        return cohorts
    elif isinstance(active, dict):
        items = [(str(k), np.asarray(v, dtype=float)) for k, v in active.items()]
    elif isinstance(active, (list, tuple)) and active and all(isinstance(c, Cohort)
                                                               for c in active):
        return list(active)
    else:
        arr = np.asarray(active, dtype=object)
        nested = arr.ndim == 2 or (arr.ndim == 1 and len(arr) and np.ndim(arr[0]) > 0)
        seq = list(active) if nested else [active]
        items = [(f"cohort {i + 1}", np.asarray(a, dtype=float)) for i, a in enumerate(seq)]
    cohorts = []
    for name, a in items:
        a = a[~np.isnan(a)] if a.size else a
        cohorts.append(Cohort(name, a))
    return cohorts


def _check(cohort: Cohort, alone: bool = True) -> None:
    a = cohort.active
    if alone and (a.ndim != 1 or len(a) < MIN_PERIODS):
        raise ParameterError(f"{cohort.name}: {len(a)} periods of active counts; a cohort "
                             f"fitted alone needs at least {MIN_PERIODS} (its size and two "
                             "later counts)")
    if a.ndim != 1 or len(a) < MIN_JOINT:
        raise ParameterError(f"{cohort.name}: {len(a)} periods of active counts; a cohort "
                             f"needs at least {MIN_JOINT} (its size and one later count), "
                             "beside other cohorts")
    if (a < 0).any() or not np.isfinite(a).all():
        raise ParameterError(f"{cohort.name}: active counts must be finite and not negative")
    if np.any(a != np.round(a)):
        raise ParameterError(f"{cohort.name}: active counts must be whole numbers of customers")
    rise = np.flatnonzero(np.diff(a) > 0)
    if rise.size:
        t = int(rise[0]) + 1 + cohort.first_age
        i = t - cohort.first_age
        raise ParameterError(f"{cohort.name}: active customers rise from {a[i - 1]:g} to "
                             f"{a[i]:g} in period {t}; a cohort can only shrink (count "
                             "reactivated customers as a new cohort)")
    if a[0] <= 0:
        raise ParameterError(f"{cohort.name}: the cohort has no customers in period "
                             f"{cohort.first_age}")


@dataclass(frozen=True)
class _Terms:
    """The cohorts' log-likelihood as a weighted sum of log-Beta functions.

    Every term of Fader & Hardie's (2007) eq. 4 is ``w · ln B(α + dx, β + dy)``: ``lost_t``
    customers lost in period t give ``ln B(α + 1, β + t − 1)``, the survivors of a cohort of
    age T give ``ln B(α, β + T)``, and the condition on surviving to the period first seen,
    ``a0``, gives ``−(all of the cohort) · ln B(α, β + a0)``. Held as arrays, so the value,
    the gradient and the Hessian are three vectorised sums.
    """

    w: np.ndarray
    dx: np.ndarray
    dy: np.ndarray

    @classmethod
    def of(cls, cohorts: list[Cohort]) -> "_Terms":
        w, dx, dy = [], [], []
        for c in cohorts:
            a0, age = c.first_age, c.first_age + len(c.active) - 1
            lost = -np.diff(c.active)
            w += [lost, [c.active[-1]], [-c.active[0]]]
            dx += [np.ones(len(lost)), [0.0], [0.0]]
            dy += [np.arange(a0 + 1, age + 1) - 1.0, [float(age)], [float(a0)]]
        return cls(*(np.concatenate(v).astype(float) for v in (w, dx, dy)))

    @classmethod
    def of_durations(cls, durations: np.ndarray, lost: np.ndarray, entry: np.ndarray
                     ) -> "_Terms":
        """One customer's terms: lost at the end of period d, ``ln B(α + 1, β + d − 1)``;
        still a customer after d periods, ``ln B(α, β + d)``; first seen at age e,
        ``−ln B(α, β + e)`` (the ``ln B(α, β)`` of P(T = d) or S(d) and of S(e) cancel).
        Equal terms are summed."""
        n = len(durations)
        dx = np.r_[lost.astype(float), np.zeros(n)]
        dy = np.r_[np.where(lost, durations - 1.0, durations), entry.astype(float)]
        w = np.r_[np.ones(n), -np.ones(n)]
        key, inverse = np.unique(np.c_[dx, dy], axis=0, return_inverse=True)
        weight = np.bincount(inverse.ravel(), weights=w, minlength=len(key))
        keep = weight != 0
        return cls(weight[keep], key[keep, 0], key[keep, 1])

    def loglik(self, a: float, b: float) -> float:
        return float(np.dot(self.w, special.betaln(a + self.dx, b + self.dy)))

    def derivatives(self, a: float, b: float) -> tuple[float, np.ndarray, np.ndarray]:
        """Log-likelihood, gradient and Hessian in (ln α, ln β), analytically.

        ∂ ln B(x, y)/∂x = ψ(x) − ψ(x + y) and ∂²/∂x² = ψ'(x) − ψ'(x + y) (likewise in y,
        and ∂²/∂x∂y = −ψ'(x + y)); the chain rule to u = ln α, v = ln β adds α ∂/∂α to
        the diagonal.
        """
        x, y = a + self.dx, b + self.dy
        w = self.w
        psi_xy, tri_xy = special.digamma(x + y), special.polygamma(1, x + y)
        ga = float(np.dot(w, special.digamma(x) - psi_xy))
        gb = float(np.dot(w, special.digamma(y) - psi_xy))
        haa = float(np.dot(w, special.polygamma(1, x) - tri_xy))
        hbb = float(np.dot(w, special.polygamma(1, y) - tri_xy))
        hab = -float(np.dot(w, tri_xy))
        grad = np.array([a * ga, b * gb])
        hess = np.array([[a * a * haa + a * ga, a * b * hab],
                         [a * b * hab, b * b * hbb + b * gb]])
        return self.loglik(a, b), grad, hess


BOUND = 12.0  # |ln α|, |ln β| at most: beyond, the base is one constant rate
XTOL = 1e-9  # converged: the Newton step to the maximum is below this in ln α and ln β,
#              so α and β are within about 1e-9 relative of the maximum
DTOL = 1e-9  # or the Newton decrement (how much the log-likelihood could still rise) is
#              below this: on a flat ridge (nearly one constant rate) the gradient's rounding
#              noise moves the step, not the likelihood


def _newton_step(g: np.ndarray, h: np.ndarray) -> np.ndarray | None:
    """The Newton step to the maximum, or None where the Hessian is not negative definite."""
    if not np.all(np.linalg.eigvalsh(h) < 0):
        return None
    step = -np.linalg.solve(h, g)
    return step if np.all(np.isfinite(step)) else None


def _maximise(terms: _Terms) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, bool]:
    """The maximum of the log-likelihood in (ln α, ln β): L-BFGS-B with the analytic
    gradient to get close, then Newton steps with the analytic Hessian until a step is
    below :data:`XTOL` or the Newton decrement below :data:`DTOL` (Boyd & Vandenberghe,
    *Convex Optimization*, 9.5: half the step times the gradient, the rise in the
    log-likelihood the quadratic model predicts).

    Returns the point, the log-likelihood, its gradient and Hessian there, and whether
    that stopping rule was met (never where the likelihood is not concave there).
    """
    def negative(x):
        ll, g, _ = terms.derivatives(*np.exp(x))
        return -ll, -g

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = optimize.minimize(negative, np.zeros(2), jac=True, method="L-BFGS-B",
                                bounds=[(-BOUND, BOUND)] * 2,
                                options={"maxiter": 1000})  # close; Newton finishes
        x = np.clip(res.x, -BOUND, BOUND)
        ll, g, h = terms.derivatives(*np.exp(x))
        met = False
        for _ in range(50):
            step = _newton_step(g, h)
            if step is None:
                break
            if np.max(np.abs(step)) < XTOL or 0.5 * float(np.dot(step, g)) < DTOL:
                met = True  # one last step: Newton's error squares with each one
                trial = np.clip(x + step, -BOUND, BOUND)
                ll_t, g_t, h_t = terms.derivatives(*np.exp(trial))
                if ll_t >= ll - DTOL:
                    x, ll, g, h = trial, ll_t, g_t, h_t
                break
            # as far along the step as the bounds allow (a ridge runs out to them), then
            # halved until the likelihood does not fall
            room = np.where(step > 0, BOUND - x, -BOUND - x) / np.where(step == 0, 1, step)
            t = min(1.0, float(np.min(np.where(step == 0, np.inf, room))))
            while t > 1e-6:
                trial = x + t * step
                ll_t, g_t, h_t = terms.derivatives(*np.exp(trial))
                if ll_t >= ll - DTOL:
                    break
                t /= 2
            else:
                break  # no step helps: the quadratic model does not hold here
            x, ll, g, h = trial, ll_t, g_t, h_t
            if np.any(np.abs(x) >= BOUND - 1e-9):
                break  # the maximum lies beyond the bound: one constant rate
    return x, ll, g, h, met


class ShiftedBetaGeometric:
    """The shifted-beta-geometric model of contractual retention (Fader & Hardie 2007).

    Parameters
    ----------
    confidence : float
        Level of the intervals of α, β and the projected survival.
    unit : str
        What a period is, for the sentences (``"year"``).

    Attributes
    ----------
    alpha_, beta_ : float
        Maximum-likelihood estimates of the Beta(α, β) distribution of churn
        probabilities.
    loglik_ : float
        Log-likelihood at the estimate.
    converged_ : bool
        Newton's stopping rule was met at the estimate (analytic gradient and Hessian of
        the log-likelihood in ln α, ln β): the step to the maximum below 1e-9 (α and β
        within about 1e-9 relative of it), or the rise still possible in the
        log-likelihood below 1e-9 (a flat ridge). Also true at the bound (``at_bound_``),
        where the maximum is at infinity.
    gradient_ : ndarray
        The analytic gradient at the estimate, for the record.
    at_bound_ : bool
        ln α or ln β reached ±12: no heterogeneity to speak of, one constant rate.
    se_ : dict
        Standard errors of ``alpha`` and ``beta`` (delta method from the observed
        information of log α and log β).
    intervals_ : DataFrame
        Indexed by ``parameter`` (alpha, beta): ``estimate``, ``se``, ``ci_low``,
        ``ci_high`` (Wald on the log scale, so both stay positive; the standard errors
        from the analytic observed information).
    cohorts_ : list of Cohort
        The data fitted.
    n_customers_ : int
        Customers in the cohorts at period 0.

    Examples
    --------
    >>> m = ShiftedBetaGeometric.from_params(0.704, 1.182)
    >>> round(m.retention(1), 3), round(m.retention(5), 3)
    (0.627, 0.88)
    """

    def __init__(self, *, confidence: float = 0.95, unit: str = "period"):
        self.confidence = confidence
        self.unit = unit

    # ------------------------------------------------------------------ fit
    @classmethod
    def from_params(cls, alpha: float, beta: float, *, confidence: float = 0.95,
                    unit: str = "period") -> "ShiftedBetaGeometric":
        """A model with given α and β (no data, no standard errors)."""
        if not (alpha > 0 and beta > 0):
            raise ParameterError(f"alpha and beta must be positive, got {alpha}, {beta}")
        m = cls(confidence=confidence, unit=unit)
        m.alpha_, m.beta_ = float(alpha), float(beta)
        m.loglik_ = math.nan
        m.converged_, m.at_bound_ = True, False
        m.gradient_ = np.zeros(2)
        m.se_ = {"alpha": math.nan, "beta": math.nan}
        m._cov = None
        m.cohorts_ = []
        m.n_customers_ = 0
        m.intervals_ = m._interval_table()
        return m

    def fit(self, active) -> "ShiftedBetaGeometric":
        """Fit α and β by maximum likelihood; returns the model.

        Parameters
        ----------
        active : array-like, list of array-like, dict or DataFrame
            Customers still active at the start of each period, ``active[0]`` being the
            cohort's size; several cohorts (of different ages) are fitted jointly.

        Raises
        ------
        ParameterError
            A cohort shorter than three periods, empty, with counts that rise (naming
            the period), or not whole numbers.
        """
        if not 0 < self.confidence < 1:
            raise ParameterError(f"confidence must be between 0 and 1, got {self.confidence}")
        cohorts = _as_cohorts(active)
        if not cohorts:
            raise ParameterError("no cohorts to fit")
        for c in cohorts:
            _check(c, alone=len(cohorts) == 1)
        if sum(float(c.active[0] - c.active[-1]) for c in cohorts) == 0:
            raise ParameterError("no customer was lost in any cohort: churn cannot be "
                                 "estimated yet")
        self._fit_terms(_Terms.of(cohorts))
        self.cohorts_ = cohorts
        self.n_customers_ = int(sum(c.active[0] for c in cohorts))  # when first seen
        return self

    def fit_durations(self, durations, event_observed=None, entry=None
                      ) -> "ShiftedBetaGeometric":
        """Fit α and β to one row per customer, as lifelines' fitters take them.

        Parameters
        ----------
        durations : array-like of int
            Renewal periods each customer was observed for: the period it was lost in
            (lost at its end, so ``T = d``), or the periods it has completed so far.
        event_observed : array-like of bool, optional
            True where the customer was lost; default every customer lost.
        entry : array-like of int, optional
            The age at which each customer was first seen (left truncation: a table of
            the customers active at a date holds only those who survived to their age
            then); default 0, every customer seen from its start. A lost customer was
            seen before it was lost (``entry < d``), one still active by ``d``.

        Raises
        ------
        ParameterError
            Durations or entries that are not whole numbers of periods, negative, a lost
            customer with duration 0 or seen first at or after its loss, or no customer
            lost (naming the rows).

        Examples
        --------
        Fader & Hardie's regular cohort as one row per customer:

        >>> counts = [1000, 631, 468, 382, 326, 289, 262, 241]
        >>> lost = [a - b for a, b in zip(counts, counts[1:])]
        >>> d = [t for t, k in enumerate(lost, start=1) for _ in range(k)] + [7] * 241
        >>> e = [True] * sum(lost) + [False] * 241
        >>> m = ShiftedBetaGeometric().fit_durations(d, e)
        >>> round(m.alpha_, 3), round(m.beta_, 3), m.converged_
        (0.704, 1.182, True)
        """
        if not 0 < self.confidence < 1:
            raise ParameterError(f"confidence must be between 0 and 1, got {self.confidence}")
        d = _whole("durations", durations)
        n = len(d)
        lost = (np.ones(n, dtype=bool) if event_observed is None
                else np.asarray(event_observed, dtype=bool).ravel())
        e = np.zeros(n, dtype=int) if entry is None else _whole("entry", entry)
        if len(lost) != n or len(e) != n:
            raise ParameterError(f"durations ({n}), event_observed ({len(lost)}) and entry "
                                 f"({len(e)}) must have one value per customer")
        if n == 0:
            raise ParameterError("no customers to fit")
        for bad, what in ((lost & (d < 1), "lost with a duration of 0 periods, though a "
                                           "customer is lost at the end of a period it had"),
                          (e > d, "first seen (entry) after its duration"),
                          (lost & (e >= d), "lost in the period it was first seen, or "
                                            "before: its entry must be below its duration")):
            if bad.any():
                rows = np.flatnonzero(bad)
                shown = ", ".join(str(i) for i in rows[:5])
                raise ParameterError(f"{len(rows):,} customers {what} (rows {shown}"
                                     + (", ..." if len(rows) > 5 else "") + ")")
        if not lost.any():
            raise ParameterError("no customer was lost: churn cannot be estimated yet")
        self._fit_terms(_Terms.of_durations(d, lost, e))
        self.cohorts_ = []
        self.n_customers_ = n
        return self

    def _fit_terms(self, terms: "_Terms") -> None:
        """Maximise the likelihood of ``terms`` and set the fitted attributes."""
        x, ll, grad, hess, met = _maximise(terms)
        self.alpha_, self.beta_ = (float(v) for v in np.exp(x))
        self.loglik_ = ll
        self.at_bound_ = bool(np.any(np.abs(x) >= BOUND - 1e-9))
        self.gradient_ = grad
        self.converged_ = met or self.at_bound_
        if not self.converged_:
            warnings.warn(CxkitWarning(
                f"the lifetime model did not converge (no maximum of the likelihood found "
                f"near alpha {self.alpha_:.4g}, beta {self.beta_:.4g}): too few customers "
                "were lost to tell how churn varies across customers"), stacklevel=2)
        self._cov = _covariance(hess)
        sd = np.sqrt(np.diag(self._cov)) if self._cov is not None else np.full(2, np.nan)
        self.se_ = {"alpha": self.alpha_ * float(sd[0]), "beta": self.beta_ * float(sd[1])}
        self.intervals_ = self._interval_table()

    def _interval_table(self) -> pd.DataFrame:
        z = stats.norm.ppf(0.5 + self.confidence / 2)
        rows = {}
        for name, est in (("alpha", self.alpha_), ("beta", self.beta_)):
            se = self.se_[name]
            rel = min(se / est, 700 / z) if est > 0 and se == se else math.nan
            rows[name] = {"estimate": est, "se": se, "ci_low": est * math.exp(-z * rel),
                          "ci_high": est * math.exp(z * rel)}  # huge se: inf, not a crash
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "parameter"
        return out

    # ------------------------------------------------------------------ the model
    def _params(self, alpha=None, beta=None):
        return (self.alpha_ if alpha is None else alpha), (self.beta_ if beta is None else beta)

    def survival(self, t):
        """Share of a cohort still active at the start of period ``t`` (``S(0) = 1``)."""
        a, b = self._params()
        t = np.asarray(t, dtype=float)
        out = np.exp(special.betaln(a, b + t) - special.betaln(a, b))
        return float(out) if out.ndim == 0 else out

    def churn(self, t):
        """Probability that a new customer leaves in period ``t`` (t ≥ 1): P(T = t)."""
        a, b = self._params()
        t = np.asarray(t, dtype=float)
        out = np.exp(special.betaln(a + 1, b + t - 1) - special.betaln(a, b))
        return float(out) if out.ndim == 0 else out

    def retention(self, t):
        """Retention rate from period ``t − 1`` to ``t``: (β + t − 1) / (α + β + t − 1)."""
        a, b = self._params()
        t = np.asarray(t, dtype=float)
        out = (b + t - 1) / (a + b + t - 1)
        return float(out) if out.ndim == 0 else out

    def derl(self, discount_rate: float, renewals=0):
        """Discounted expected residual lifetime (Fader & Hardie 2010, eq. 6).

        Parameters
        ----------
        discount_rate : float
            Per period (0.1: 10 % a period).
        renewals : int or array of int
            Renewals the customer has made. A customer who has made ``renewals`` renewals
            is at the start of period ``n = renewals + 1`` in Fader & Hardie's notation
            (a new customer, 0 renewals, has n = 1).

        Returns
        -------
        float or ndarray
            ``(β + n − 1) / (α + β + n − 1) · ₂F₁(1, β + n; α + β + n; 1 / (1 + d))``:
            the expected number of further payments, the first one undiscounted.
        """
        if discount_rate <= 0:
            raise ParameterError(f"discount_rate must be positive, got {discount_rate}")
        a, b = self._params()
        n = np.asarray(renewals, dtype=float) + 1
        if np.any(n < 1):
            raise ParameterError("renewals must not be negative")
        with np.errstate(all="ignore"):
            out = np.asarray((b + n - 1) / (a + b + n - 1)
                             * special.hyp2f1(1, b + n, a + b + n, 1 / (1 + discount_rate)))
        bad = ~np.isfinite(out)
        if bad.any():  # scipy's 2F1 fails for large a and b (a nearly homogeneous base)
            out = out.copy()
            out[bad] = [_derl_series(a, b, float(m), discount_rate)
                        for m in np.broadcast_to(n, out.shape)[bad]]
        return float(out) if out.ndim == 0 else out

    def value(self, margin, discount_rate: float, renewals=0):
        """Residual lifetime value: margin per period × :meth:`derl`."""
        return np.asarray(margin, dtype=float) * self.derl(discount_rate, renewals) \
            if np.ndim(margin) else float(margin) * self.derl(discount_rate, renewals)

    def survival_interval(self, t, n_draws: int = 4000, random_state=None,
                          method: str = "normal") -> pd.DataFrame:
        """Projected survival with an interval from the estimates' uncertainty.

        ``method="normal"``: α and β are drawn from the normal approximation of
        (log α, log β) at the estimate. ``"bootstrap"``: the cohorts are resampled with
        replacement and refitted (``min(n_draws, 100)`` times); better where the
        likelihood is flat along a ridge (a nearly constant retention rate makes α and β
        large and their standard errors huge). The interval holds the central
        ``confidence`` share of S(t).

        Returns
        -------
        DataFrame
            Indexed by ``period``: ``survival``, ``ci_low``, ``ci_high``.
        """
        t = np.atleast_1d(np.asarray(t, dtype=float))
        est = np.atleast_1d(self.survival(t))
        rng = np.random.default_rng(random_state)
        q = (1 - self.confidence) / 2
        if method == "bootstrap" and len(self.cohorts_) >= 2:
            fits = self._bootstrap_fits(min(n_draws, 100), rng)
            curves = np.exp(special.betaln(fits[:, :1], fits[:, 1:] + t)
                            - special.betaln(fits[:, :1], fits[:, 1:]))
            lo, hi = np.quantile(curves, [q, 1 - q], axis=0)
        elif method not in ("normal", "bootstrap"):
            raise ParameterError(f"method must be normal or bootstrap, not {method!r}")
        elif self._cov is None:
            lo = hi = np.full(t.shape, np.nan)
        else:
            with np.errstate(all="ignore"):  # draws far out on a flat likelihood
                draws = np.exp(rng.multivariate_normal(np.log([self.alpha_, self.beta_]),
                                                       self._cov, size=n_draws))
                s = np.exp(special.betaln(draws[:, :1], draws[:, 1:] + t)
                           - special.betaln(draws[:, :1], draws[:, 1:]))
            s = np.where(np.isfinite(s), np.clip(s, 0, 1), np.nan)
            lo, hi = np.nanquantile(s, [q, 1 - q], axis=0)
        return pd.DataFrame({"survival": est, "ci_low": lo, "ci_high": hi},
                            index=pd.Index(t.astype(int), name="period"))

    def predict_survivors(self, active, ages, n_draws: int = 4000, random_state=None
                          ) -> dict:
        """Customers of the base still there one period later, with a predictive interval.

        Parameters
        ----------
        active, ages : array-like
            Customers active now in each cohort, and the cohorts' ages (periods since
            acquisition; each customer has made ``age`` renewals).

        Returns
        -------
        dict
            ``expected`` (Σ active × r(age + 1)), ``ci_low``, ``ci_high``: the central
            ``confidence`` share of draws of α, β (from their estimated distribution) and
            of who renews (binomial), so it covers both uncertainties.
        """
        n = np.asarray(active, dtype=float)
        t = np.asarray(ages, dtype=float) + 1
        expected = float(np.sum(n * self.retention(t)))
        rng = np.random.default_rng(random_state)
        with np.errstate(all="ignore"):
            draws = self._parameter_draws(n_draws, rng)
            r = (draws[:, 1:] + t - 1) / (draws[:, :1] + draws[:, 1:] + t - 1)
        r = np.where(np.isfinite(r), r, self.retention(t))
        kept = rng.binomial(n.astype(int)[None, :], np.clip(r, 0, 1)).sum(axis=1)
        q = (1 - self.confidence) / 2
        lo, hi = np.quantile(kept, [q, 1 - q])
        return {"expected": expected, "ci_low": float(lo), "ci_high": float(hi)}

    def _parameter_draws(self, n_draws: int, rng) -> np.ndarray:
        """Draws of (α, β): from their normal approximation on the log scale; where the
        observed information is singular (a flat ridge), from refits to resampled cohorts;
        without data, the estimate itself."""
        point = np.array([[self.alpha_, self.beta_]])
        if self._cov is not None:
            return np.exp(rng.multivariate_normal(np.log(point[0]), self._cov, size=n_draws))
        if len(self.cohorts_) < 2:
            return np.repeat(point, n_draws, axis=0)
        fits = self._bootstrap_fits(100, rng)
        return fits[rng.integers(0, len(fits), n_draws)]

    def _bootstrap_fits(self, n: int, rng) -> np.ndarray:
        """(α, β) refitted to ``n`` resamples of the cohorts (with replacement); the
        estimate itself where no resample could be fitted."""
        fits = []
        for _ in range(n):
            pick = rng.integers(0, len(self.cohorts_), len(self.cohorts_))
            try:
                with warnings.catch_warnings():  # a resample may well be flat: kept as it is
                    warnings.simplefilter("ignore", CxkitWarning)
                    refit = ShiftedBetaGeometric().fit([self.cohorts_[i] for i in pick])
            except (ParameterError, ArithmeticError, np.linalg.LinAlgError):
                continue  # a resample that cannot be fitted
            fits.append((refit.alpha_, refit.beta_))
        return np.array(fits) if fits else np.array([[self.alpha_, self.beta_]])

    # ------------------------------------------------------------------ reading
    def fitted(self) -> pd.DataFrame:
        """Actual against fitted active customers, cohort by cohort.

        Returns
        -------
        DataFrame
            One row per cohort and period: ``cohort``, ``period``, ``active``,
            ``expected`` (cohort size × S(period)).
        """
        rows = []
        for c in self.cohorts_:
            t = c.ages
            rows.append(pd.DataFrame({"cohort": c.name, "period": t, "active": c.active,
                                      "expected": c.active[0] * self.survival(t)
                                      / self.survival(c.first_age)}))
        return (pd.concat(rows, ignore_index=True) if rows else
                pd.DataFrame(columns=["cohort", "period", "active", "expected"]))

    def headlines(self) -> list[str]:
        """Plain sentences: retention now and later, what a new customer is worth in periods."""
        r1, r5 = self.retention(1), self.retention(5)
        half = self._median_lifetime()
        if r5 - r1 < 0.01:  # no heterogeneity to speak of: one constant rate
            first = (f"Retention is about the same in every {self.unit} of tenure, {r1:.0%}: in "
                     "these data customers do not become more loyal as they stay, and the "
                     "model comes down to one constant retention rate.")
        else:
            first = (f"Churn probabilities vary across customers as Beta({self.alpha_:.2f}, "
                     f"{self.beta_:.2f}): retention rises from {r1:.0%} in the first {self.unit} "
                     f"to {r5:.0%} in the fifth, because the customers likely to leave leave "
                     "early.")
        return [
            first,
            f"Half of a new cohort is still a customer after {half} {self.unit}"
            f"{'' if half == 1 else 's'}."
            if half is not None else "More than half of a new cohort is still a customer "
            f"after 100 {self.unit}s.",
        ]

    def _median_lifetime(self) -> int | None:
        s = self.survival(np.arange(101))
        below = np.flatnonzero(s <= 0.5)
        return int(below[0]) if below.size else None

    def summary(self) -> str:
        """The estimates, their intervals and the fit, in plain text."""
        lines = [f"Shifted-beta-geometric retention model (Fader & Hardie 2007): "
                 f"{len(self.cohorts_)} cohort(s), {self.n_customers_:,} customers, "
                 f"log-likelihood {self.loglik_:.2f}.", "",
                 self.intervals_.round(4).to_string()]
        return "\n".join(lines + [""] + self.headlines())

    def key_results(self) -> dict:
        """The numbers a report or a downstream job needs (JSON-ready)."""
        return {"alpha": self.alpha_, "beta": self.beta_, "loglik": self.loglik_,
                "se_alpha": self.se_["alpha"], "se_beta": self.se_["beta"],
                "cohorts": len(self.cohorts_), "customers": self.n_customers_,
                "retention_1": self.retention(1), "retention_5": self.retention(5),
                "median_lifetime": self._median_lifetime()}

    def to_excel(self, path):
        """A workbook: the estimates, and actual against fitted survival per cohort."""
        from .present.excel import write_workbook
        return write_workbook(path, {"Summary": self.headlines(),
                                     "Estimates": self.intervals_,
                                     "Fit": self.fitted().set_index(["cohort", "period"])})

    def plot(self, ax=None, horizon: int | None = None):
        """Actual survival of each cohort against the fitted curve and its projection."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from .present.show import plain_text
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3.5))
        longest = max((c.ages[-1] for c in self.cohorts_), default=1)
        horizon = horizon or max(2 * longest, 10)
        band = self.survival_interval(np.arange(horizon + 1), random_state=0,
                                      method="bootstrap" if len(self.cohorts_) >= 5
                                      else "normal")
        ax.fill_between(band.index, 100 * band["ci_low"], 100 * band["ci_high"],
                        color="#4c72b0", alpha=0.15, lw=0,
                        label=f"{self.confidence:.0%} interval"
                        + (" (cohorts resampled)" if len(self.cohorts_) >= 5 else ""))
        ax.plot(band.index, 100 * band["survival"], color="#4c72b0", lw=2,
                label="sBG fit and projection")
        for c in self.cohorts_[:40]:  # first seen later: placed on the fitted curve there
            ax.plot(c.ages, 100 * c.active / c.active[0] * self.survival(c.first_age), "o",
                    ms=3, color="#333333", alpha=0.6)
        ax.plot([], [], "o", ms=3, color="#333333", label="actual (cohorts)")
        ax.set_xlabel("periods since acquisition")
        ax.set_ylabel("% of cohort still a customer")
        ax.set_ylim(0, 102)
        ax.legend(frameon=False)
        sns.despine(ax=ax)
        return plain_text(ax)


def _whole(name: str, values) -> np.ndarray:
    """Whole, non-negative numbers of periods, or an error naming the rows."""
    v = np.asarray(values, dtype=float).ravel()
    bad = ~np.isfinite(v) | (v < 0) | (v != np.round(v))
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ParameterError(f"{name} must be whole numbers of periods, not negative: "
                             f"{len(rows):,} rows are not (rows "
                             + ", ".join(f"{i}: {v[i]:g}" for i in rows[:5])
                             + (", ..." if len(rows) > 5 else "") + ")")
    return v.astype(int)


def _derl_series(a: float, b: float, n: float, d: float) -> float:
    """DERL as its defining sum, for where the closed form cannot be evaluated."""
    k_max = int(math.ceil(math.log(1e16) / math.log1p(d))) + 1
    j = n + np.arange(k_max)  # the periods n, n + 1, ... whose renewals are summed
    log_keep = np.cumsum(np.log(b + j - 1) - np.log(a + b + j - 1))
    return float(np.sum(np.exp(log_keep - np.arange(k_max) * math.log1p(d))))


def _covariance(hess: np.ndarray) -> np.ndarray | None:
    """Covariance of (ln α, ln β): the inverse of the observed information (−Hessian)."""
    try:
        cov = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        return None
    return cov if np.all(np.isfinite(cov)) and np.all(np.diag(cov) > 0) else None


def constant_retention_value(margin: float, retention: float, discount_rate: float) -> float:
    """The textbook lifetime value ``m · r / (1 + d − r)`` with one constant retention rate.

    It is what a spreadsheet gives, and it misvalues a base whose retention rises with
    tenure: with the first-period retention it undervalues loyal customers, with the
    average retention it overvalues new ones (compare :meth:`ShiftedBetaGeometric.value`).

    Examples
    --------
    >>> round(constant_retention_value(100, 0.8, 0.1), 2)
    266.67
    """
    if not 0 <= retention < 1 + discount_rate:
        raise ParameterError(f"retention must be in [0, 1], got {retention}")
    return margin * retention / (1 + discount_rate - retention)
