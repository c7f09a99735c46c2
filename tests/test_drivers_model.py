"""Driver model, revenue link, operational measures, priority matrix, the whole analysis."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.outliers_influence import variance_inflation_factor

from cxkit.drivers import (DriverAnalysis, DriverModel, RevenueLink, account_periods,
                           category_economics, measure_links, performance, priority_matrix)
from cxkit.errors import CxkitWarning, ParameterError
from cxkit.io import load
from cxkit.results import to_jsonable


@pytest.fixture(scope="module")
def tables(sample_dir):
    return load(sample_dir, optional=["revenue", "operations"])


@pytest.fixture(scope="module")
def truth(sample_dir):
    return json.loads((sample_dir / "truth.json").read_text())


def test_driver_model_recovers_true_effects(tables, truth):
    effects = truth["drivers"]["effects_on_ltr"]
    m = DriverModel(list(effects)).fit(tables["responses"])
    c = m.coef_.loc[list(effects)]
    true = pd.Series(effects)
    # ltr is clipped to 0-10, and OLS on a clipped outcome is attenuated: on generated
    # portfolios of 1,500 accounts the largest slopes come out 3-5 standard errors low
    # (before and after the sample gained returning customers). So each slope must lie
    # between 75 % of the truth and the truth, give or take two standard errors.
    assert (c["coef"] >= 0.75 * true - 2 * c["se"]).all(), c["coef"] / true
    assert (c["coef"] <= true + 2 * c["se"]).all(), c["coef"] / true
    assert list(c["coef"].sort_values(ascending=False).index[:3]) == list(true.index[:3])
    assert m.n_ == m.counts_["n_used"] and 0.4 < m.r2_ < 0.8
    assert "cluster-robust by account_id" in m.summary()


def test_weighted_model_equals_least_squares_by_hand():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.integers(0, 11, size=(300, 3)).astype(float), columns=["a", "b", "ltr"])
    df["w"] = rng.uniform(0.2, 3, 300)
    df["account_id"] = rng.integers(0, 40, 300).astype(str)
    m = DriverModel(["a", "b"], weights="w").fit(df)
    X = np.column_stack([np.ones(300), df[["a", "b"]]])
    sw = np.sqrt(df["w"].to_numpy())
    coef, *_ = np.linalg.lstsq(X * sw[:, None], df["ltr"].to_numpy() * sw, rcond=None)
    np.testing.assert_allclose(m.coef_["coef"], coef, atol=1e-10)
    hc3 = DriverModel(["a", "b"], weights="w", cov="hc3").fit(df)
    np.testing.assert_allclose(hc3.coef_["coef"], coef, atol=1e-10)
    assert not np.allclose(hc3.coef_["se"], m.coef_["se"])


@pytest.fixture(scope="module")
def mtcars(root):
    # R's datasets::mtcars; rescaled into 0-10 so the driver model's scale check passes
    # (a linear rescaling leaves t statistics and p-values as they are)
    cars = pd.read_csv(root / "tests" / "data" / "mtcars.csv")
    return pd.DataFrame({"ltr": cars["mpg"] / 4, "wt": cars["wt"], "drat": cars["drat"],
                         "account_id": cars["carb"].astype(str)})


def _ols_by_hand(df, x_cols):
    X = np.column_stack([np.ones(len(df)), df[x_cols].to_numpy(float)])
    y = df["ltr"].to_numpy(float)
    bread = np.linalg.inv(X.T @ X)
    b = bread @ X.T @ y
    return X, y, bread, b, y - X @ b


def test_cluster_robust_inference_is_statas_vce_cluster(mtcars):
    # Stata [R] regress, Methods and formulas, vce(cluster): V = q_c (X'X)^-1
    # (sum_g X_g'u_g u_g'X_g) (X'X)^-1 with q_c = G/(G-1) (N-1)/(N-K), and t with G - 1
    # degrees of freedom (as R's sandwich::vcovCL + lmtest::coeftest(df = G - 1);
    # Cameron & Miller 2015, J. Human Resources 50(2), section II.C). mtcars by carb: G = 6.
    from scipy import stats
    X, y, bread, b, u = _ols_by_hand(mtcars, ["wt", "drat"])
    groups = mtcars["account_id"].to_numpy()
    meat = sum(np.outer(X[groups == g].T @ u[groups == g], X[groups == g].T @ u[groups == g])
               for g in np.unique(groups))
    n, k, g = len(y), X.shape[1], len(np.unique(groups))
    se = np.sqrt(np.diag(g / (g - 1) * (n - 1) / (n - k) * bread @ meat @ bread))
    t = stats.t.ppf(0.975, g - 1)
    m = DriverModel(["wt", "drat"]).fit(mtcars)
    np.testing.assert_allclose(m.coef_["coef"], b, rtol=1e-10)
    np.testing.assert_allclose(m.coef_["se"], se, rtol=1e-8)
    np.testing.assert_allclose(m.coef_["ci_low"], b - t * se, rtol=1e-8)
    np.testing.assert_allclose(m.coef_["p_value"], 2 * stats.t.sf(np.abs(b / se), g - 1),
                               rtol=1e-8)
    # with 6 clusters a normal interval would be 1.96 / 2.571: 24 % too narrow
    assert (m.coef_["ci_high"] - m.coef_["ci_low"]).iloc[1] == pytest.approx(2 * t * se[1])


def test_hc3_inference_uses_t_with_n_minus_k(mtcars):
    # HC3 (MacKinnon & White 1985): u_i^2 / (1 - h_ii)^2 in the meat; t with N - K as
    # R's coeftest(vcovHC(type = "HC3")) and Stata's regress, vce(hc3).
    from scipy import stats
    X, y, bread, b, u = _ols_by_hand(mtcars, ["wt", "drat"])
    h = np.einsum("ij,jk,ik->i", X, bread, X)
    se = np.sqrt(np.diag(bread @ (X.T * (u / (1 - h)) ** 2) @ X @ bread))
    m = DriverModel(["wt", "drat"], cov="hc3").fit(mtcars)
    np.testing.assert_allclose(m.coef_["se"], se, rtol=1e-8)
    df = len(y) - X.shape[1]
    np.testing.assert_allclose(m.coef_["ci_low"], b - stats.t.ppf(0.975, df) * se, rtol=1e-8)


def test_revenue_link_and_measures_use_t_with_g_minus_1(tables):
    from scipy import stats
    panel = account_periods(tables["responses"], tables["revenue"], tables["accounts"])
    small = panel[panel["account_id"].isin(panel["account_id"].unique()[:12])]
    link = RevenueLink().fit(small)
    g = small["account_id"].nunique()
    r = link.effect_.loc["ltr"]
    half = (r["ci_high"] - r["ci_low"]) / 2
    assert half == pytest.approx(stats.t.ppf(0.975, g - 1) * r["se"], rel=1e-8)
    econ = category_economics(small)
    assert np.isfinite(econ["growth_ci_low"]).all()


def test_vif_matches_statsmodels():
    rng = np.random.default_rng(2)
    base = rng.normal(size=400)
    df = pd.DataFrame({"a": base + rng.normal(size=400) * 0.3, "b": base + rng.normal(size=400) * 0.3,
                       "c": rng.normal(size=400)})
    df["ltr"] = (df.a + df.c + rng.normal(size=400)).clip(-50, 50)
    df = (df - df.min()) / (df.max() - df.min()) * 10
    df["account_id"] = "x" + pd.Series(np.arange(400) % 50).astype(str)
    with pytest.warns(CxkitWarning, match="variance inflation factor"):
        m = DriverModel(["a", "b", "c"]).fit(df)
    X = np.column_stack([np.ones(400), df[["a", "b", "c"]]])
    expected = [variance_inflation_factor(X, i) for i in (1, 2, 3)]
    np.testing.assert_allclose(m.coef_["vif"].iloc[1:], expected, rtol=1e-8)


def test_linear_combination_is_taken_out_of_the_regression():
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.integers(0, 6, size=(200, 3)).astype(float), columns=["a", "b", "ltr"])
    df["c"] = (df["a"] + df["b"]) / 2
    df["account_id"] = (np.arange(200) % 30).astype(str)
    with pytest.warns(CxkitWarning, match="'c' is a linear combination"):
        m = DriverModel(["a", "b", "c"]).fit(df)
    assert m.dropped_ == ["c"] and list(m.coef_.index) == ["const", "a", "b"]


def test_promoter_logit(tables):
    m = DriverModel(["product_quality", "shipping_confidence"], kind="logit").fit(tables["responses"])
    assert (m.coef_.loc[["product_quality", "shipping_confidence"], "coef"] > 0).all()
    assert 0 < m.r2_ < 1 and "promoter" in m.summary()


def test_model_bad_options(tables):
    r = tables["responses"]
    with pytest.raises(ParameterError, match="listwise' or 'impute'"):
        DriverModel(["product_quality"], missing="pairwise").fit(r)
    with pytest.raises(ParameterError, match="cluster column 'team'"):
        DriverModel(["product_quality"], cluster="team").fit(r)
    with pytest.raises(ParameterError, match="kind"):
        DriverModel(["product_quality"], kind="probit").fit(r)


def test_account_periods_use_whole_periods_only():
    accounts = pd.DataFrame({
        "account_id": ["A", "B"], "industry": ["x", "y"], "segment": ["key", "key"],
        "employees": [100, 200],
        "customer_since": pd.to_datetime(["2020-01-01", "2024-02-15"]),  # B joins in 2024Q1
        "lost_date": pd.to_datetime([None, None])})
    responses = pd.DataFrame({
        "account_id": ["A", "A", "B", "B"], "contact_id": ["c1", "c2", "c3", "c3"],
        "response_date": pd.to_datetime(["2024-01-10", "2024-02-10", "2024-03-01", "2024-05-01"]),
        "ltr": [10, 6, 9, 7]})
    revenue = pd.DataFrame({"account_id": ["A", "A", "B", "B", "B"],
                            "period": ["2024Q1", "2024Q2", "2024Q1", "2024Q2", "2024Q3"],
                            "revenue": [100.0, 110.0, 40.0, 100.0, 105.0]})
    panel = account_periods(responses, revenue, accounts)
    # A in 2024Q1: mean ltr 8 (passive), growth log(110/100); B's 2024Q1 is prorated: skipped
    assert panel[["account_id", "period"]].values.tolist() == [["A", "2024Q1"], ["B", "2024Q2"]]
    row = panel.iloc[0]
    assert row["ltr"] == 8 and row["category"] == "passive"
    assert row["growth"] == pytest.approx(np.log(1.1))
    assert panel.iloc[1]["growth"] == pytest.approx(np.log(1.05))


def test_revenue_link_covers_the_true_effect(tables, truth):
    panel = account_periods(tables["responses"], tables["revenue"], tables["accounts"])
    link = RevenueLink().fit(panel)
    true = truth["revenue"]["growth_per_ltr_point"]
    assert link.effect_.loc["ltr", "ci_low"] <= true <= link.effect_.loc["ltr", "ci_high"]
    cat = RevenueLink("category").fit(panel).effect_
    assert cat.loc["promoter", "coef"] > cat.loc["passive", "coef"] > 0
    econ = category_economics(panel)
    assert list(econ.index) == ["detractor", "passive", "promoter"]
    assert econ["account_periods"].sum() == len(panel)
    assert econ.loc["promoter", "growth_pct"] > econ.loc["detractor", "growth_pct"]
    assert (econ["growth_ci_low"] < econ["growth_pct"]).all()
    with pytest.raises(ParameterError, match="too few"):
        RevenueLink().fit(panel.head(5))


def test_measure_links_recover_the_true_slopes(tables, truth):
    effects = truth["operations"]["effects_on_drivers"]
    mapping = {d: list(m) for d, m in effects.items()}
    links = measure_links(tables["responses"], tables["operations"], mapping)
    for driver, measures in effects.items():
        for measure, slope in measures.items():
            row = links.loc[(driver, measure)]
            assert np.sign(row["rating_per_unit"]) == np.sign(slope) == np.sign(row["r"])
            # ratings are rounded and clipped to 0-10, which flattens the observed slope
            # (most where they pile up at the ceiling, as data accuracy does): the truth
            # is inside the interval or beyond it on the steep side, never flatter
            est = abs(row["rating_per_unit"])
            near = min(abs(row["rating_per_unit_ci_low"]), abs(row["rating_per_unit_ci_high"]))
            assert 0.6 * abs(slope) < est and near <= abs(slope), (driver, measure)
    with pytest.raises(ParameterError, match="not in the operations table: 'late_pct'"):
        measure_links(tables["responses"], tables["operations"], {"shipping_confidence": ["late_pct"]})
    few = measure_links(tables["responses"], tables["operations"].head(5),
                        {"shipping_confidence": ["on_time_shipment_pct"]})
    assert np.isnan(few["r"].iloc[0])


def test_priority_quadrants():
    imp = pd.DataFrame({"importance": [0.3, 0.2, 0.05, 0.05], "share": [0.5, 1 / 3, 1 / 12, 1 / 12]},
                       index=pd.Index(["a", "b", "c", "d"], name="driver"))
    data = pd.DataFrame({"a": [6, 6, 7], "b": [9, 9, 8], "c": [5, 6, 5], "d": [9, 10, 9]})
    m = priority_matrix(imp, performance(data, list("abcd")))
    assert m["quadrant"].to_dict() == {"a": "fix now", "b": "maintain", "c": "monitor",
                                       "d": "don't over-invest"}
    assert m.loc["a", "performance"] == pytest.approx(19 / 3)
    assert m.loc["a", "performance_ci_low"] < 19 / 3 < m.loc["a", "performance_ci_high"]


def test_whole_analysis_reads_and_serialises(tables):
    a = DriverAnalysis(n_boot=50, random_state=3).fit(tables)
    text = " ".join(a.headlines())
    assert text.startswith("NPS is +")
    assert "product quality" in text and "Fix now" in text and "revenue growth per quarter" in text
    assert "manage on-time shipment %" in text
    seg = a.segment_table()
    assert set(seg.index) == {"key", "growth", "standard"}
    assert seg["responses"].sum() == len(tables["responses"])
    assert list(a.economics_table().index) == ["detractor", "passive", "promoter"]
    assert a.importance_table()["rank"].tolist() == sorted(a.importance_table()["rank"])
    from cxkit.present.findings import model_sentence
    assert model_sentence(a.model_).startswith(f"The model rests on {a.model_.n_:,} of "
                                               f"{len(tables['responses']):,} responses")
    key = a.key_results()
    json.dumps(to_jsonable(key), allow_nan=False)
    assert key["top_drivers"][0] == "product_quality"
    assert key["nps"]["n"] == len(tables["responses"])


def test_analysis_without_revenue_or_operations(tables):
    core = {k: tables[k] for k in ("accounts", "contacts", "responses")}
    a = DriverAnalysis(n_boot=20, random_state=3).fit(core)
    assert not a.has_revenue_link and a.links_.empty and a.economics_.empty
    assert a.economics_table().empty and a.measures_table().empty and a.top_measure_link() == ()
    assert "revenue link was skipped" in a.revenue_sentences()[0]
    assert "measures were skipped" in a.measure_sentences()[0]
    # the charts say why they are empty instead of failing
    assert "revenue link was skipped" in a.plot_revenue().texts[0].get_text()
    assert "measures were skipped" in a.plot_top_measure().texts[0].get_text()
    with pytest.raises(ParameterError, match="n_boot"):
        DriverAnalysis(n_boot=2).fit(core)
