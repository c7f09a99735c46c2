"""Ratings on any scale: the mean and the top-two-box share, against R and statsmodels."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from cxkit import ratings
from cxkit.errors import ParameterError
from cxkit.io.folder import Scale


def test_mean_interval_is_students_t():
    # R: t.test(mtcars$mpg): mean 20.09062, 95 percent interval 17.91768 to 22.26357
    # (R's datasets::mtcars, tests/data/mtcars.csv)
    mpg = pd.read_csv(Path(__file__).parent / "data" / "mtcars.csv")["mpg"]
    e = ratings.estimate(mpg, scale=Scale(0, 100))
    assert (e.mean, e.ci_low, e.ci_high) == pytest.approx((20.09062, 17.91768, 22.26357),
                                                          abs=1e-5)
    assert e.n == 32 and e.n_eff == 32


def test_top_two_box_is_wilson_and_the_interval_stays_on_the_scale():
    rng = np.random.default_rng(4)
    x = rng.integers(1, 8, 200).astype(float)
    e = ratings.estimate(x, scale=Scale(1, 7))
    k = int((x >= 6).sum())
    assert e.top_two == k / 200
    assert (e.top_two_low, e.top_two_high) == pytest.approx(
        proportion_confint(k, 200, method="wilson"), abs=1e-12)
    # a mean near the top of the scale: the t interval is cut at the scale's end
    top = ratings.estimate([7, 7, 7, 6, 7], scale=Scale(1, 7))
    assert top.ci_high == 7 and top.ci_low < top.mean


def test_weighted_mean_uses_the_effective_sample_size():
    rng = np.random.default_rng(5)
    x, w = rng.integers(1, 6, 80).astype(float), rng.uniform(0.5, 2, 80)
    e = ratings.estimate(x, w, scale=Scale(1, 5))
    n_eff = w.sum() ** 2 / (w ** 2).sum()
    d = DescrStatsW(x, weights=w * n_eff / w.sum())  # weights summing to n_eff
    lo, hi = d.tconfint_mean()
    assert e.mean == pytest.approx(d.mean) and e.n_eff == pytest.approx(n_eff)
    assert (e.ci_low, e.ci_high) == pytest.approx((lo, hi), rel=1e-10)


def test_off_scale_ratings_are_refused():
    with pytest.raises(ParameterError, match="on the 1–7 scale"):
        ratings.estimate([1, 8, 3], scale=Scale(1, 7))


def test_by_period_flags_only_changes_beyond_noise():
    from scipy import stats
    dates = pd.to_datetime(["2025-01-15"] * 60 + ["2025-04-15"] * 60 + ["2025-07-15"] * 60)
    rng = np.random.default_rng(6)
    x = np.concatenate([rng.integers(3, 8, 60), rng.integers(3, 8, 60),
                        rng.integers(1, 4, 60)]).astype(float)
    t = ratings.by_period(pd.DataFrame({"response_date": dates, "ltr": x}), scale=Scale(1, 7))
    assert list(t.index) == ["2025Q1", "2025Q2", "2025Q3"]
    welch = stats.ttest_ind(x[120:], x[60:120], equal_var=False)
    assert t.loc["2025Q3", "p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert t.loc["2025Q3", "significant"] and t.loc["2025Q3", "change"] < 0
    assert t.loc["2025Q2", "p_value"] == pytest.approx(
        stats.ttest_ind(x[60:120], x[:60], equal_var=False).pvalue, rel=1e-9)
