"""Contractual lifetime value: the shifted-beta-geometric model against its published values."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxkit.clv import ShiftedBetaGeometric, constant_retention_value
from cxkit.errors import ParameterError

# Fader & Hardie (2007), "How to Project Customer Retention", Journal of Interactive
# Marketing 21(1): customers of a cohort of 1,000 still active at the start of years 0-12
# (shared/reference/README.md). Years 0-7 are fitted, 8-12 held out.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.mark.parametrize("counts,alpha,beta", [
    (REGULAR, 0.704, 1.182),   # published maximum-likelihood fit, years 0-7
    (HIGH_END, 0.668, 3.806),
], ids=["regular", "high end"])
def test_fader_hardie_2007_estimates(counts, alpha, beta):
    m = ShiftedBetaGeometric().fit(counts[:8])
    assert m.alpha_ == pytest.approx(alpha, abs=0.0005)
    assert m.beta_ == pytest.approx(beta, abs=0.0005)
    assert m.intervals_.loc["alpha", "ci_low"] < alpha < m.intervals_.loc["alpha", "ci_high"]


@pytest.mark.parametrize("counts", [REGULAR, HIGH_END], ids=["regular", "high end"])
def test_held_out_years_fall_within_the_projection_interval(counts):
    m = ShiftedBetaGeometric().fit(counts[:8])
    band = m.survival_interval(range(8, 13), random_state=1) * 1000
    actual = np.array(counts[8:])
    assert ((band["ci_low"] <= actual) & (actual <= band["ci_high"])).all(), band
    # and the point projection is close: within 5 % of what happened (F&H 2007, fig. 3)
    np.testing.assert_allclose(band["survival"], actual, rtol=0.05)


def test_survival_churn_and_retention_agree():
    m = ShiftedBetaGeometric.from_params(0.704, 1.182)
    t = np.arange(1, 30)
    # S(t) = S(t-1) - P(T = t), and r(t) = S(t) / S(t-1) = (b + t - 1) / (a + b + t - 1)
    np.testing.assert_allclose(m.survival(t), m.survival(t - 1) - m.churn(t), rtol=1e-12)
    np.testing.assert_allclose(m.retention(t), m.survival(t) / m.survival(t - 1), rtol=1e-12)
    assert m.survival(0) == 1.0 and m.retention(1) == pytest.approx(1.182 / (0.704 + 1.182))
    assert np.all(np.diff(m.retention(t)) > 0)  # retention rises with tenure


@pytest.mark.parametrize("renewals", [0, 1, 4, 10])
def test_derl_closed_form_is_the_discounted_sum(renewals):
    # Fader & Hardie (2010), Marketing Science 29(1), eq. 6 and its definition
    # (shared/reference/README.md): DERL = sum_{k>=1} S(n-1+k)/S(n-1)/(1+d)^(k-1), n = renewals+1
    m = ShiftedBetaGeometric.from_params(0.668, 3.806)
    d = 0.1
    k = np.arange(1, 2000)
    n = renewals + 1
    direct = np.sum(m.survival(n - 1 + k) / m.survival(n - 1) / (1 + d) ** (k - 1))
    assert m.derl(d, renewals) == pytest.approx(direct, rel=1e-9)
    assert m.value(250.0, d, renewals) == pytest.approx(250.0 * direct, rel=1e-9)


def test_derl_rises_with_renewals_and_approaches_the_constant_rate_formula():
    m = ShiftedBetaGeometric.from_params(0.704, 1.182)
    derl = m.derl(0.1, np.arange(0, 20))
    assert np.all(np.diff(derl) > 0)  # a customer who stayed is worth more
    # a very homogeneous base (alpha, beta large, same mean churn 0.2) is a constant rate:
    # DERL -> r (1 + d) / (1 + d - r), i.e. the textbook m r / (1 + d - r) times (1 + d)
    flat = ShiftedBetaGeometric.from_params(2e3, 8e3)
    assert flat.derl(0.1) == pytest.approx(constant_retention_value(1, 0.8, 0.1) * 1.1, rel=1e-3)


def test_cohorts_of_different_ages_are_fitted_jointly():
    truth = ShiftedBetaGeometric.from_params(0.9, 2.5)
    rng = np.random.default_rng(3)
    cohorts = []
    for age in (12, 9, 6, 4):  # later cohorts are younger
        theta = rng.beta(0.9, 2.5, size=4000)
        lifetime = rng.geometric(theta)  # the period in which each customer leaves
        cohorts.append([int((lifetime > t).sum()) for t in range(age + 1)])
    m = ShiftedBetaGeometric().fit(cohorts)
    assert m.intervals_.loc["alpha", "ci_low"] < 0.9 < m.intervals_.loc["alpha", "ci_high"]
    assert m.intervals_.loc["beta", "ci_low"] < 2.5 < m.intervals_.loc["beta", "ci_high"]
    table = pd.DataFrame([c + [np.nan] * (13 - len(c)) for c in cohorts],
                         index=["2022", "2023", "2024", "2025"])
    same = ShiftedBetaGeometric().fit(table)
    assert same.alpha_ == pytest.approx(m.alpha_) and same.loglik_ == pytest.approx(m.loglik_)
    assert [c.name for c in same.cohorts_] == ["2022", "2023", "2024", "2025"]
    assert truth.survival(5) == pytest.approx(m.survival(5), abs=0.02)


def test_bad_cohorts_are_named():
    with pytest.raises(ParameterError, match="cohort 1: active customers rise from 600 to "
                                             "650 in period 2"):
        ShiftedBetaGeometric().fit([1000, 600, 650, 500])
    with pytest.raises(ParameterError, match="2 periods of active counts; a cohort fitted "
                                             "alone needs at least 3"):
        ShiftedBetaGeometric().fit([100, 90])
    with pytest.raises(ParameterError, match="cohort 2: 1 periods of active counts; a cohort "
                                             "needs at least 2"):
        ShiftedBetaGeometric().fit([[100, 90, 80], [50]])
    with pytest.raises(ParameterError, match="whole numbers"):
        ShiftedBetaGeometric().fit([100, 90.5, 80])
    with pytest.raises(ParameterError, match="no customer was lost"):
        ShiftedBetaGeometric().fit([100, 100, 100])
    with pytest.raises(ParameterError, match="late: the cohort has no customers in period 0"):
        ShiftedBetaGeometric().fit({"ok": [10, 8, 7], "late": [0, 0, 0]})
    with pytest.raises(ParameterError, match="alpha and beta must be positive"):
        ShiftedBetaGeometric.from_params(0, 1)


def test_reading_the_fit():
    m = ShiftedBetaGeometric().fit(REGULAR[:8])
    fitted = m.fitted()
    assert list(fitted.columns) == ["cohort", "period", "active", "expected"]
    assert fitted["expected"].iloc[0] == 1000 and len(fitted) == 8
    key = m.key_results()
    assert key["alpha"] == m.alpha_ and key["customers"] == 1000
    assert key["median_lifetime"] == int(np.flatnonzero(m.survival(np.arange(101)) <= .5)[0])
    assert "Beta(0.70, 1.18)" in m.headlines()[0] and "63%" in m.headlines()[0]
    assert "log-likelihood" in m.summary()
    ax = m.plot()
    assert ax.get_ylabel() == "% of cohort still a customer"


def test_constant_rate_misvalues_a_base_whose_retention_rises():
    m = ShiftedBetaGeometric.from_params(0.704, 1.182)
    d = 0.1
    first_year = constant_retention_value(1, m.retention(1), d)
    # with the first year's retention a customer of five years is valued far too low
    assert first_year * (1 + d) < 0.5 * m.derl(d, renewals=5)
    assert math.isclose(constant_retention_value(100, 0.8, 0.1), 100 * 0.8 / 0.3)


def test_left_truncated_cohorts_are_fitted_conditionally():
    """Customers acquired before the data begins are seen only from some age on: the fit
    conditions on their surviving to it (a plain fit of their counts would be biased)."""
    rng = np.random.default_rng(11)
    rows = {}
    for i in range(40):
        theta = rng.beta(0.9, 2.5, size=1500)
        lifetime = rng.geometric(theta)
        first = int(rng.integers(0, 9))  # first seen at this age
        counts = [int((lifetime > t).sum()) for t in range(first, first + 4)]
        rows[f"c{i}"] = [np.nan] * first + counts + [np.nan] * (12 - first - 4)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=range(12))
    m = ShiftedBetaGeometric().fit(table)
    assert {c.first_age for c in m.cohorts_} == set(range(9))
    # within 3 standard errors (over 60 such samples the 95 % intervals covered the truth
    # 93 % of the time and the standard errors matched the spread of the estimates)
    assert abs(m.alpha_ - 0.9) < 3 * m.se_["alpha"] and abs(m.beta_ - 2.5) < 3 * m.se_["beta"]
    # ignoring the truncation (every cohort taken as seen from acquisition) is far off
    naive = ShiftedBetaGeometric().fit([r.dropna().to_numpy() for _, r in table.iterrows()])
    assert abs(naive.beta_ - 2.5) > 3 * naive.se_["beta"]
    fitted = m.fitted()
    first_rows = fitted.groupby("cohort").head(1)
    np.testing.assert_allclose(first_rows["expected"], first_rows["active"])
    with pytest.raises(ParameterError, match="consecutive periods"):
        ShiftedBetaGeometric().fit(pd.DataFrame([[100, np.nan, 80, 70]], index=["gap"]))


def test_predicted_survivors_next_period():
    # Fader & Hardie (2007), regular: fit years 0-6, then predict year 7 (241 were left)
    m = ShiftedBetaGeometric().fit(REGULAR[:7])
    p = m.predict_survivors([REGULAR[6]], [6], random_state=2)
    assert p["expected"] == pytest.approx(REGULAR[6] * m.retention(7))
    assert p["ci_low"] <= REGULAR[7] <= p["ci_high"]
    assert p["ci_low"] < p["expected"] < p["ci_high"]


def test_small_and_flat_cohorts_still_give_a_fit_and_a_chart():
    # a handful of customers, most never leaving: huge standard errors, but no crash
    table = pd.DataFrame([[np.nan, 2, 2, 2, 2], [3, 3, 3, 2, np.nan], [1, 1, 1, np.nan, np.nan],
                          [np.nan, np.nan, 7, 7, 7]], index=["a", "b", "c", "d"],
                         columns=range(5))
    m = ShiftedBetaGeometric().fit(table)
    assert np.isfinite(m.alpha_) and np.isfinite(m.beta_)
    band = m.survival_interval(range(10), random_state=0, method="bootstrap")
    assert (band["ci_low"] <= band["survival"] + 1e-9).all()
    m.plot()
    p = m.predict_survivors([2, 2, 7], [4, 3, 4], random_state=0)
    assert p["ci_low"] <= p["expected"] <= p["ci_high"]


def _plain_loglik(cohorts, a, b):
    """Fader & Hardie (2007) eq. 4 written out again, period by period, for one cohort
    each seen from acquisition: P(T = t) for those lost in t, S(T) for the survivors."""
    from scipy.special import betaln
    ll = 0.0
    for counts in cohorts:
        counts = np.asarray(counts, float)
        for t in range(1, len(counts)):
            ll += (counts[t - 1] - counts[t]) * (betaln(a + 1, b + t - 1) - betaln(a, b))
        ll += counts[-1] * (betaln(a, b + len(counts) - 1) - betaln(a, b))
    return ll


@pytest.mark.parametrize("counts", [REGULAR[:8], HIGH_END[:8], [REGULAR[:8], HIGH_END[:5]]],
                         ids=["regular", "high end", "two cohorts"])
def test_the_fit_converges_to_the_maximum(counts):
    from scipy import optimize
    m = ShiftedBetaGeometric().fit(counts)
    assert m.converged_ and not m.at_bound_
    assert np.max(np.abs(m.gradient_)) < 1e-8
    cohorts = counts if np.ndim(counts[0]) else [counts]
    assert m.loglik_ == pytest.approx(_plain_loglik(cohorts, m.alpha_, m.beta_), rel=1e-12)
    # an independent maximisation (Nelder-Mead on the plain likelihood, tight tolerances)
    # finds the same point to 1e-6 (its own precision on a flat likelihood), no higher
    res = optimize.minimize(lambda x: -_plain_loglik(cohorts, *np.exp(x)), np.zeros(2),
                            method="Nelder-Mead",
                            options={"xatol": 1e-11, "fatol": 1e-13, "maxiter": 20000})
    assert np.exp(res.x) == pytest.approx([m.alpha_, m.beta_], rel=1e-6)
    assert -res.fun <= m.loglik_ + 1e-10
    # a Newton step from the estimate goes nowhere: it is the maximum to 1e-9 relative
    from cxkit import clv
    _, grad, hess = clv._Terms.of(m.cohorts_).derivatives(m.alpha_, m.beta_)
    assert np.max(np.abs(np.linalg.solve(hess, grad))) < 1e-9


def test_analytic_gradient_and_standard_errors_match_finite_differences():
    from cxkit import clv
    m = ShiftedBetaGeometric().fit([REGULAR[:8], HIGH_END[:6]])
    terms = clv._Terms.of(m.cohorts_)
    x0, h = np.log([0.9, 2.0]), 1e-5
    ll, grad, hess = terms.derivatives(*np.exp(x0))

    def f(x):
        return _plain_loglik([REGULAR[:8], HIGH_END[:6]], *np.exp(x))
    assert ll == pytest.approx(f(x0), rel=1e-12)
    e = np.eye(2) * h
    numeric = np.array([(f(x0 + e[i]) - f(x0 - e[i])) / (2 * h) for i in range(2)])
    np.testing.assert_allclose(grad, numeric, rtol=1e-6)
    numeric_h = np.array([[(f(x0 + e[i] + e[j]) - f(x0 + e[i] - e[j]) - f(x0 - e[i] + e[j])
                            + f(x0 - e[i] - e[j])) / (4 * h * h) for j in range(2)]
                          for i in range(2)])
    np.testing.assert_allclose(hess, numeric_h, rtol=1e-4)
    # standard errors: delta method from the observed information at the estimate
    _, _, h_at = terms.derivatives(m.alpha_, m.beta_)
    cov = np.linalg.inv(-h_at)
    assert m.se_["alpha"] == pytest.approx(m.alpha_ * np.sqrt(cov[0, 0]), rel=1e-12)


def test_a_base_of_one_constant_rate_is_a_flat_ridge_not_a_failure():
    # 20 % leave every year, whatever the tenure: no heterogeneity, alpha and beta
    # unidentified along a ridge; the likelihood cannot rise further, which is convergence
    m = ShiftedBetaGeometric().fit([1000, 800, 640, 512, 410, 328])
    assert m.converged_
    assert m.retention(1) == pytest.approx(0.8, abs=0.002)
    assert m.retention(5) == pytest.approx(m.retention(1), abs=0.002)


# ------------------------------------------------------------ one row per customer
def _betaln(x: float, y: float) -> float:
    return math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)


def _durations_loglik(a: float, b: float, d, lost, entry) -> float:
    """The sBG likelihood of one row per customer, written out customer by customer:
    P(T = d) / S(e) for a customer lost at the end of period d, S(d) / S(e) for one still
    active after d periods, first seen at age e (Fader & Hardie 2007, eqs. 1-2)."""
    total = 0.0
    for di, li, ei in zip(d, lost, entry):
        num = _betaln(a + 1, b + di - 1) if li else _betaln(a, b + di)
        total += num - _betaln(a, b + ei)
    return total


def _independent_maximum(loglik) -> tuple[float, float]:
    from scipy import optimize
    res = optimize.minimize(lambda x: -loglik(*np.exp(x)), np.zeros(2), method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    return tuple(np.exp(res.x))


@pytest.fixture(scope="module")
def churn():
    # pysurvival 0.1.2's SaaS churn table (tests/data/README.md): months active, churned
    table = pd.read_csv(Path(__file__).parent / "data" / "saas_churn.csv")
    return table["months_active"].astype(int).to_numpy(), table["churned"].astype(bool).to_numpy()


def test_one_row_per_customer_censored_is_at_the_independent_maximum(churn):
    d, lost = churn
    m = ShiftedBetaGeometric(unit="month").fit_durations(d, lost)
    assert m.converged_ and m.n_customers_ == 2000
    a, b = _independent_maximum(lambda a, b: _durations_loglik(a, b, d, lost, np.zeros_like(d)))
    assert m.alpha_ == pytest.approx(a, rel=1e-5) and m.beta_ == pytest.approx(b, rel=1e-5)
    assert m.loglik_ == pytest.approx(_durations_loglik(m.alpha_, m.beta_, d, lost,
                                                        np.zeros_like(d)), abs=1e-8)
    assert m.loglik_ >= _durations_loglik(a, b, d, lost, np.zeros_like(d)) - 1e-9


def test_a_snapshot_of_current_customers_is_fitted_as_truncated_data(churn):
    """The same table read as a snapshot: each customer was active at the start of its
    last month (age d - 1), and the churned ones left in it."""
    d, lost = churn
    keep = d >= 1
    d, lost = d[keep], lost[keep]
    entry = d - 1
    m = ShiftedBetaGeometric(unit="month").fit_durations(d, lost, entry)
    assert m.converged_
    a, b = _independent_maximum(lambda a, b: _durations_loglik(a, b, d, lost, entry))
    assert m.alpha_ == pytest.approx(a, rel=1e-5) and m.beta_ == pytest.approx(b, rel=1e-5)
    # a snapshot likelihood is of the last month's retention only: r(d) by tenure
    by_tenure = pd.Series(~lost).groupby(d).agg(["sum", "size"])
    ll = float(sum(s * math.log(m.retention(t)) + (n - s) * math.log(1 - m.retention(t))
                   for t, (s, n) in by_tenure.iterrows()))
    assert m.loglik_ == pytest.approx(ll, abs=1e-8)


def test_durations_that_cannot_be_are_named_by_row():
    m = ShiftedBetaGeometric()
    with pytest.raises(ParameterError, match=r"1 customers lost with a duration of 0 periods, "
                                             r"though .* \(rows 1\)"):
        m.fit_durations([3, 0, 2], [True, True, False])
    with pytest.raises(ParameterError, match=r"lost in the period it was first seen.*rows 0"):
        m.fit_durations([3, 4], [True, False], entry=[3, 1])
    with pytest.raises(ParameterError, match=r"durations must be whole numbers.*rows 1: 2.5"):
        m.fit_durations([3, 2.5], [True, False])
    with pytest.raises(ParameterError, match="no customer was lost"):
        m.fit_durations([3, 2], [False, False])


def test_a_young_cohort_counts_in_a_joint_fit():
    """Fader & Hardie's regular cohort with a cohort acquired a year ago: its size and one
    later count. The joint fit is the maximum of the joint likelihood written here."""
    cohorts = [REGULAR[:8], [400, 200]]
    m = ShiftedBetaGeometric().fit(cohorts)

    def joint(a, b):
        total = 0.0
        for c in cohorts:
            for t in range(1, len(c)):
                total += (c[t - 1] - c[t]) * (_betaln(a + 1, b + t - 1) - _betaln(a, b))
            total += c[-1] * (_betaln(a, b + len(c) - 1) - _betaln(a, b))
        return total

    a, b = _independent_maximum(joint)
    assert m.converged_
    assert m.alpha_ == pytest.approx(a, rel=1e-5) and m.beta_ == pytest.approx(b, rel=1e-5)
    assert m.loglik_ == pytest.approx(joint(m.alpha_, m.beta_), abs=1e-8)
    alone = ShiftedBetaGeometric().fit(REGULAR[:8])
    assert m.alpha_ != pytest.approx(alone.alpha_, rel=1e-3)  # the young cohort moved it
    # as one row per customer: the same likelihood and the same maximum
    d, lost = [], []
    for c in cohorts:
        for t in range(1, len(c)):
            d += [t] * (c[t - 1] - c[t])
            lost += [True] * (c[t - 1] - c[t])
        d += [len(c) - 1] * c[-1]
        lost += [False] * c[-1]
    rows = ShiftedBetaGeometric().fit_durations(d, lost)
    assert rows.alpha_ == pytest.approx(m.alpha_, rel=1e-7)
    assert rows.loglik_ == pytest.approx(m.loglik_, abs=1e-7)
