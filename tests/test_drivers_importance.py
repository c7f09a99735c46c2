"""Relative importance: published reference values, brute force, sample truth, bad input."""
from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxkit.drivers import (bootstrap_importance, dominance_analysis, relative_importance,
                           weighted_corr)
from cxkit.drivers import _subsets
from cxkit.errors import CxkitWarning, ParameterError

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def mtcars():
    # R's datasets::mtcars, as in shared/reference/mtcars.csv (see tests/data/README.md)
    return pd.read_csv(DATA / "mtcars.csv")


# Azen & Budescu (2003), as used in the tests of the R package dominanceAnalysis
# (shared/reference/README.md): order y, x1, x2, x3, x4.
AB = np.array([[1.0, 0.6, 0.3, 0.4, 0.5],
               [0.6, 1.0, 0.8, 0.1, 0.3],
               [0.3, 0.8, 1.0, 0.1, 0.1],
               [0.4, 0.1, 0.1, 1.0, 0.5],
               [0.5, 0.3, 0.1, 0.5, 1.0]])
AB_CONDITIONAL = np.array([[.360, .300, .263, .246],
                           [.090, .074, .069, .071],
                           [.160, .095, .063, .061],
                           [.250, .152, .073, .010]])


def test_azen_budescu_conditional_and_complete_dominance():
    order = [1, 2, 3, 4, 0]  # predictors first, outcome last
    corr = AB[np.ix_(order, order)]
    da = dominance_analysis(None, "y", ["x1", "x2", "x3", "x4"], corr=corr)
    # Source: Azen & Budescu (2003), published to 3 decimals
    np.testing.assert_allclose(da.conditional_.to_numpy(), AB_CONDITIONAL, atol=5e-4)
    # x1 completely dominates the other three predictors
    assert (da.complete_.loc["x1", ["x2", "x3", "x4"]] == 1).all()
    assert da.general_.sum() == pytest.approx(da.r2_)
    np.testing.assert_allclose(da.general_, da.conditional_.mean(axis=1))
    assert "Completely dominates every other driver: x1" in da.summary()


def test_mtcars_general_dominance_matches_domir(mtcars):
    # Source: README of the R package domir: mpg ~ am + vs + cyl
    ri_res = relative_importance(mtcars, "mpg", ["am", "vs", "cyl"], scale=None)
    ri = ri_res.table
    assert ri["importance"].tolist() == pytest.approx([0.1774892, 0.2027032, 0.3817849], abs=1e-7)
    assert ri_res.r2 == pytest.approx(0.7619773, abs=1e-7)
    # shares: the published importances over the published R²
    assert ri["share"].tolist() == pytest.approx(
        [0.1774892 / 0.7619773, 0.2027032 / 0.7619773, 0.3817849 / 0.7619773], abs=1e-6)
    assert ri.loc["cyl", "rank"] == 1 and ri.loc["cyl", "sign"] == -1


def test_mtcars_relative_weights_match_rwa(mtcars):
    # Source: README of the R package rwa: mpg ~ cyl + disp + hp + gear
    rw_res = relative_importance(mtcars, "mpg", ["cyl", "disp", "hp", "gear"],
                                 method="relative_weights", scale=None)
    rw = rw_res.table
    assert rw["importance"].tolist() == pytest.approx(
        [0.2284797, 0.2221469, 0.2321744, 0.0963886], abs=1e-7)
    assert (100 * rw["share"]).tolist() == pytest.approx(
        [29.32274, 28.50999, 29.79691, 12.37037], abs=1e-5)
    assert rw_res.r2 == pytest.approx(0.7791896, abs=1e-7)


def _ols_r2(X, y, w):
    """R² of weighted least squares with an intercept, by lstsq on the data."""
    A = np.column_stack([np.ones(len(y)), X]) * np.sqrt(w)[:, None]
    b = np.sqrt(w) * y
    coef, *_ = np.linalg.lstsq(A, b, rcond=None)
    fitted = np.column_stack([np.ones(len(y)), X]) @ coef
    ybar = np.average(y, weights=w)
    return 1 - np.sum(w * (y - fitted) ** 2) / np.sum(w * (y - ybar) ** 2)


def test_exact_shapley_equals_brute_force_refits():
    """A second computation: one weighted regression on the data per subset."""
    rng = np.random.default_rng(3)
    n, p = 400, 6
    X = rng.normal(size=(n, p)) @ rng.normal(size=(p, p))
    y = X @ rng.normal(size=p) + rng.normal(size=n) * 3
    w = rng.uniform(0.5, 2, n)
    names = [f"driver {j}.x" for j in range(p)]  # spaces and dots are fine
    df = pd.DataFrame(X, columns=names).assign(y=y, w=w)
    ri_res = relative_importance(df, "y", names, weights="w", scale=None)
    ri = ri_res.table
    r2 = {(): 0.0}
    for k in range(1, p + 1):
        for S in itertools.combinations(range(p), k):
            r2[S] = _ols_r2(X[:, S], y, w)
    phi = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            for S in itertools.combinations(others, k):
                T = tuple(sorted(S + (j,)))
                weight = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
                phi[j] += weight * (r2[T] - r2[S])
    np.testing.assert_allclose(ri["importance"].to_numpy(), phi, atol=1e-10)


def test_frequency_weights_equal_repeated_rows():
    rng = np.random.default_rng(4)
    df = pd.DataFrame(rng.integers(0, 11, size=(60, 4)), columns=["a", "b", "c", "y"])
    df["w"] = rng.integers(1, 4, len(df))
    weighted = relative_importance(df, "y", ["a", "b", "c"], weights="w").table
    repeated = relative_importance(df.loc[df.index.repeat(df["w"])], "y", ["a", "b", "c"]).table
    np.testing.assert_allclose(weighted["importance"], repeated["importance"], atol=1e-12)


def test_sampled_estimate_above_the_exact_limit():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2000, 8))
    df = pd.DataFrame(X, columns=list("abcdefgh")).assign(y=X @ np.arange(1, 9) / 4
                                                          + rng.normal(size=2000))
    exact = relative_importance(df, "y", list("abcdefgh"), scale=None).table
    with pytest.warns(CxkitWarning, match="above the exact limit of 5"):
        sampled_res = relative_importance(df, "y", list("abcdefgh"), scale=None, exact_limit=5,
                                          n_permutations=3000, random_state=1)
    sampled = sampled_res.table
    assert sampled_res.exact is False and "se" in sampled
    z = (sampled["importance"] - exact["importance"]) / sampled["se"]
    assert (z.abs() < 4).all(), z
    assert any("random orders" in n for n in sampled_res.notes)


def test_sample_truth_ranking_is_recovered(sample_dir):
    truth = json.loads((sample_dir / "truth.json").read_text())["drivers"]
    r = pd.read_csv(sample_dir / "responses.csv")
    drivers = list(truth["effects_on_ltr"])
    for method in ("shapley", "relative_weights"):
        ri = relative_importance(r, "ltr", drivers, method=method).table
        order = list(ri["importance"].sort_values(ascending=False).index)
        assert order[:3] == truth["ranking"][:3], method
        assert stats.spearmanr(ri["importance"], pd.Series(truth["effects_on_ltr"])).statistic > 0.95


def test_missing_rules_report_their_counts():
    rng = np.random.default_rng(6)
    df = pd.DataFrame(rng.integers(0, 11, size=(200, 4)).astype(float), columns=["a", "b", "c", "y"])
    full_res = relative_importance(df, "y", ["a", "b", "c"], missing="listwise")
    full = full_res.table
    pairwise_full = relative_importance(df, "y", ["a", "b", "c"], missing="pairwise").table
    np.testing.assert_allclose(full["importance"], pairwise_full["importance"], atol=1e-12)
    df.loc[:19, "a"] = np.nan
    df.loc[10:29, "b"] = np.nan
    df.loc[199, "y"] = np.nan
    lw_res = relative_importance(df, "y", ["a", "b", "c"], missing="listwise")
    lw = lw_res.table
    assert (lw_res.counts["n_total"], lw_res.counts["n_used"], lw_res.counts["n_dropped"]) == (200, 169, 31)
    imp_res = relative_importance(df, "y", ["a", "b", "c"], missing="impute")
    imp = imp_res.table
    assert imp_res.counts["n_used"] == 199 and imp_res.counts["n_imputed"] == 40
    pw_res = relative_importance(df, "y", ["a", "b", "c"], missing="pairwise")
    pw = pw_res.table
    assert pw_res.counts["n_pairwise_min"] == 169


def test_pairwise_weighted_corr_matches_pandas():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(300, 4))
    x[rng.random((300, 4)) < 0.2] = np.nan
    ours = weighted_corr(x, np.ones(300), pairwise=True)
    np.testing.assert_allclose(ours, pd.DataFrame(x).corr().to_numpy(), atol=1e-12)


@pytest.fixture
def small():
    rng = np.random.default_rng(8)
    df = pd.DataFrame(rng.integers(0, 11, size=(50, 4)).astype(float), columns=["a", "b", "c", "ltr"])
    return df


def test_too_few_responses(small):
    with pytest.raises(ParameterError, match="4 usable responses for 3 drivers: .* at least 5"):
        relative_importance(small.head(4), "ltr", ["a", "b", "c"])


def test_constant_driver_is_left_out_with_a_warning(small):
    small["c"] = 7.0
    with pytest.warns(CxkitWarning, match="'c' has no variation \\(all answers 7\\); it was left out"):
        ri_res = relative_importance(small, "ltr", ["a", "b", "c"])
    ri = ri_res.table
    assert list(ri.index) == ["a", "b"] and ri_res.notes


def test_perfectly_collinear_drivers_are_reported(small):
    small["c"] = 10 - small["a"]
    with pytest.warns(CxkitWarning, match="'a' and 'c' are perfectly collinear"):
        ri_res = relative_importance(small, "ltr", ["a", "b", "c"])
    ri = ri_res.table
    assert np.isfinite(ri["importance"]).all()
    # the twins share equally, and together with b explain what a and b explain
    assert ri.loc["a", "importance"] == pytest.approx(ri.loc["c", "importance"])
    alone_res = relative_importance(small, "ltr", ["a", "b"])
    alone = alone_res.table
    assert ri_res.r2 == pytest.approx(alone_res.r2)


def test_non_numeric_and_off_scale_ratings(small):
    bad = small.astype(object)
    bad.loc[3, "b"] = "n/a"
    with pytest.raises(ParameterError, match="column 'b' has ratings that are not numbers in 1 "
                                             "rows \\(row 3: 'n/a'\\)"):
        relative_importance(bad, "ltr", ["a", "b", "c"])
    small.loc[5, "ltr"] = 11
    with pytest.raises(ParameterError, match="column 'ltr' has values outside 0–10 in 1 rows "
                                             "\\(row 5: 11\\)"):
        relative_importance(small, "ltr", ["a", "b", "c"])
    with pytest.raises(ParameterError, match=r"pass scale=\(low, high\), e.g. scale=\(1, 5\), "
                                             r"or scale=None for no check"):
        relative_importance(small, "ltr", ["a", "b", "c"])
    small.loc[5, "ltr"] = float("inf")
    with pytest.raises(ParameterError, match="column 'ltr' has values that are not finite"):
        relative_importance(small, "ltr", ["a", "b", "c"], scale=None)
    with pytest.raises(ParameterError, match="columns not in the data: 'd'"):
        relative_importance(small, "ltr", ["a", "d"])
    with pytest.raises(ParameterError, match="method"):
        relative_importance(small, "ltr", ["a", "b"], method="random_forest")


def test_bootstrap_intervals_and_ranks(sample_dir):
    r = pd.read_csv(sample_dir / "responses.csv")
    drivers = ["product_quality", "shipping_confidence", "pm_expertise", "communication"]
    b = bootstrap_importance(r, "ltr", drivers, n_boot=300, cluster="account_id",
                             random_state=2).table
    assert ((b["ci_low"] <= b["importance"]) & (b["importance"] <= b["ci_high"])).all()
    assert (b["rank_ci_low"] <= b["rank"]).all() and (b["rank"] <= b["rank_ci_high"]).all()
    # the generator's clear top driver ranks first in nearly every resample
    assert b.loc["product_quality", "p_top"] > 0.9 and b["p_top"].idxmax() == "product_quality"
    assert b.loc["product_quality", "rank_ci_high"] <= 2
    again = bootstrap_importance(r, "ltr", drivers, n_boot=300, cluster="account_id",
                                 random_state=2).table
    pd.testing.assert_frame_equal(b, again)
    rw_res = bootstrap_importance(r, "ltr", drivers, method="relative_weights", n_boot=100,
                                  random_state=2)
    rw = rw_res.table
    assert rw_res.cluster is None and (rw["ci_high"] > rw["ci_low"]).all()


def test_more_than_20_drivers_are_exact_without_intervals_and_sampled_beyond_25():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 27))
    df = pd.DataFrame(x, columns=[f"d{i}" for i in range(27)])
    df["y"] = x[:, :27] @ np.linspace(1, 0.1, 27) + rng.normal(size=300)
    names = [f"d{i}" for i in range(21)]
    with pytest.warns(CxkitWarning, match="21 drivers: importance has no bootstrap intervals"):
        b = bootstrap_importance(df, "y", names, scale=None, n_boot=50, random_state=1)
    exact = relative_importance(df, "y", names, scale=None)
    # the point estimates are the exact Shapley values; no interval is made up
    np.testing.assert_allclose(b.table["importance"], exact.table["importance"], atol=1e-15)
    assert b.exact and b.n_boot == 0 and not b.has_intervals
    assert b.table[["ci_low", "ci_high", "rank_ci_low", "rank_ci_high", "p_top"]].isna().all().all()
    assert b.how() == {"method": "shapley", "exact": True, "intervals": "none", "n_boot": 0,
                       "resampled": None}
    assert "no intervals" in b.how_sentence() and "exact over every subset" in b.how_sentence()
    with pytest.warns(CxkitWarning, match="estimated from random orders"):
        s = bootstrap_importance(df, "y", [f"d{i}" for i in range(27)], scale=None, n_boot=50,
                                 random_state=1)
    assert not s.exact and "se" in s.table and (s.table["se"] > 0).all()
    assert s.how()["exact"] is False and "Monte Carlo error" in s.how_sentence()
    # the sampled estimate stays within a few Monte Carlo errors of its sum, R²
    assert s.table["importance"].sum() == pytest.approx(s.r2)
    small = bootstrap_importance(df, "y", names[:5], scale=None, n_boot=50, random_state=1)
    assert small.how() == {"method": "shapley", "exact": True, "intervals": "bootstrap",
                           "n_boot": 50, "resampled": "responses"}


def test_kernel_handles_a_batch():
    rng = np.random.default_rng(9)
    mats = np.stack([np.corrcoef(rng.normal(size=(50, 4)).T) for _ in range(3)])
    batch = _subsets.all_subsets_r2(mats)
    for b in range(3):
        np.testing.assert_allclose(batch[b], _subsets.all_subsets_r2(mats[b]))
