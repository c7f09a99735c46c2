"""The sample portfolio: deterministic, valid, and true to its known truth."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from cxkit import sample
from cxkit.sample import sources
from cxkit.io import TABLES, load, validate_folder


@pytest.fixture(scope="module")
def data(sample_dir):
    return load(sample_dir, tables=list(TABLES))


@pytest.fixture(scope="module")
def truth(sample_dir):
    return json.loads((sample_dir / "truth.json").read_text())


def test_same_seed_same_portfolio_other_seed_other():
    a = sample.generate(n_accounts=30, seed=3)
    b = sample.generate(n_accounts=30, seed=3)
    c = sample.generate(n_accounts=30, seed=4)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert not a.tables["responses"]["ltr"].equals(c.tables["responses"]["ltr"])


def test_generated_tables_follow_the_data_model(small_dir):
    counts = validate_folder(small_dir)
    assert set(counts) == set(TABLES)


def test_committed_sample_is_the_generators_output(tmp_path, sample_dir, truth):
    """`cxkit sample` regenerates data/sample exactly (same numpy: its streams may change)."""
    if truth["generator"].get("numpy_version") != np.__version__:
        pytest.skip(f"sample made with numpy {truth['generator'].get('numpy_version')}, "
                    f"this is {np.__version__}")
    fresh = sample.write(sample.generate(), tmp_path)
    for path in sorted(sample_dir.iterdir()):
        assert (fresh / path.name).read_bytes() == path.read_bytes(), path.name


def test_size_knob_scales():
    p = sample.generate(n_accounts=3000, seed=1, kpis=False)
    assert len(p.tables["accounts"]) == 3000
    assert "kpis" not in p.tables
    assert 20_000 < len(p.tables["responses"]) < 40_000  # ~9.5 responses per account
    with pytest.raises(ValueError):
        sample.generate(n_accounts=5)


def test_sample_size_is_as_documented(data):
    assert len(data["accounts"]) == sample.generator.DEFAULT_ACCOUNTS == 1000
    per_account = data["contacts"].groupby("account_id").size()
    assert per_account.min() >= 2  # several respondents per account
    assert 7000 <= len(data["responses"]) <= 13_000  # about 9.5 per account


def test_truth_driver_effects_are_recovered(data, truth):
    """OLS of ltr on the ratings recovers the true slopes and their order."""
    effects = truth["drivers"]["effects_on_ltr"]
    drivers = list(effects)
    r = data["responses"].dropna(subset=drivers)
    fit = sm.OLS(r["ltr"], sm.add_constant(r[drivers].astype(float))).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(r["account_id"])[0]})
    est = fit.params[drivers]
    # rounding and the 0-10 ceiling attenuate slopes a little
    assert np.allclose(est, pd.Series(effects), atol=0.07), est.round(3).to_dict()
    rho = stats.spearmanr(est, pd.Series(effects)).statistic
    assert rho > 0.9
    assert list(est.sort_values(ascending=False).index[:3]) == truth["drivers"]["ranking"][:3]


def test_truth_revenue_growth_per_ltr_point(data, truth):
    """Quarter-on-quarter log growth rises by the true amount per point of account mean ltr."""
    r, rev, acc = data["responses"], data["revenue"], data["accounts"].set_index("account_id")
    r = r.assign(period=r["response_date"].dt.to_period("Q").astype(str))
    mean_ltr = r.groupby(["account_id", "period"])["ltr"].mean().rename("ltr")
    rev = rev.sort_values(["account_id", "period"])
    rev["next"] = rev.groupby("account_id")["revenue"].shift(-1)
    x = rev.join(mean_ltr, on=["account_id", "period"]).dropna(subset=["ltr", "next"])
    q = pd.PeriodIndex(x["period"], freq="Q")
    since = acc.loc[x["account_id"], "customer_since"].to_numpy()
    lost = acc.loc[x["account_id"], "lost_date"].to_numpy()
    full = (since < q.start_time.to_numpy()) & (pd.isna(lost) | (lost > (q + 1).end_time.to_numpy()))
    x = x[full]  # prorated first and last quarters are not growth
    X = pd.get_dummies(acc.loc[x["account_id"], "industry"].to_numpy(), drop_first=True,
                       dtype=float)
    X.index = x.index
    X["ltr"] = x["ltr"]
    X["log_employees"] = np.log(acc.loc[x["account_id"], "employees"].astype(float).to_numpy())
    y = np.log(x["next"] / x["revenue"])
    fit = sm.OLS(y, sm.add_constant(X)).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(x["account_id"])[0]})
    true = truth["revenue"]["growth_per_ltr_point"]
    lo, hi = fit.conf_int(alpha=0.01).loc["ltr"]
    assert lo <= true <= hi, (fit.params["ltr"], lo, hi)


def test_truth_churn_depends_on_health():
    p = sample.generate(n_accounts=3000, seed=11, kpis=False)
    h = p.latent["health"]
    fit = sm.Logit(h["churned"].astype(float), sm.add_constant(h[["health"]])).fit(disp=0)
    assert fit.params["health"] == pytest.approx(p.truth["churn"]["health"], abs=0.25)
    assert fit.params["const"] == pytest.approx(p.truth["churn"]["intercept"], abs=0.35)


def test_truth_operations_move_drivers(data, truth):
    """Shipping confidence rises with on-time shipments, at the true slope."""
    r, ops = data["responses"], data["operations"]
    r = r.assign(period=r["response_date"].dt.to_period("Q").astype(str))
    x = r.merge(ops, on=["account_id", "period"]).dropna(subset=["shipping_confidence"])
    effects = truth["operations"]["effects_on_drivers"]["shipping_confidence"]
    X = sm.add_constant(x[list(effects)])
    fit = sm.OLS(x["shipping_confidence"], X).fit()
    # health reaches ratings only through the measures, so the slopes are recovered
    # up to the rounding and clipping of the 0-10 rating
    for measure, slope in effects.items():
        assert fit.params[measure] == pytest.approx(slope, abs=0.05), measure


def test_truth_ideal_customer_profile(data, truth):
    """Accounts in the best industries and the size sweet spot advocate more often."""
    icp = truth["ideal_customer_profile"]
    acc = data["accounts"].set_index("account_id")
    r = data["responses"].join(acc[["industry", "employees"]], on="account_id")
    lo, hi = icp["employees_sweet_spot"]
    fit_profile = r["industry"].isin(icp["best_industries"]) & r["employees"].between(lo, hi)
    rate = r.groupby(fit_profile)["unprompted_advocacy"].mean()
    assert rate[True] > rate[False] + 0.05


def test_awkward_comments_are_in_the_sample(data):
    comments = set(data["responses"]["comment"].dropna())
    assert set(sample.AWKWARD) <= comments


def test_truth_file_names_what_it_holds(truth):
    for key in ("drivers", "revenue", "churn", "operations", "chi", "ideal_customer_profile"):
        assert "definition" in truth[key]
    assert truth["generator"]["n_accounts"] == sample.generator.DEFAULT_ACCOUNTS


def test_derived_kpis_follow_their_definitions_on_the_committed_files(data):
    """kpis.csv.gz holds exactly what the definitions give on the raw tables as written."""
    raw = {t: data[t] for t in sources.RAW_TABLES}
    derived = sources.derive_kpis(raw).set_index(["account_id", "period", "kpi"])["value"]
    kpis = data["kpis"].set_index(["account_id", "period", "kpi"])["value"]
    names = [k for k, (table, _) in sources.KPI_DEFINITIONS.items() if table != "direct"]
    committed = kpis[kpis.index.get_level_values("kpi").isin(names)]
    assert len(names) == 21 and set(committed.index.get_level_values("kpi")) == set(names)
    pd.testing.assert_series_equal(committed.sort_index(), derived.sort_index(), check_names=False)


def test_derived_kpis_by_hand(data):
    """A second computation, written out, for a few KPIs of one account and quarter."""
    kpis = data["kpis"].set_index(["account_id", "period", "kpi"])["value"]
    t = data["support_tickets"]
    acc, q = t["account_id"].iloc[100], t["opened_at"].iloc[100].to_period("Q")
    mine = t[(t["account_id"] == acc) & (t["opened_at"].dt.to_period("Q") == q)]
    hours = [(r.first_response_at - r.opened_at).total_seconds() / 3600
             for r in mine.itertuples() if pd.notna(r.first_response_at)]
    assert kpis[(acc, str(q), "first_response_hours")] == pytest.approx(
        sum(hours) / len(hours), abs=5e-4)
    u = data["product_usage"]
    months = [str(m) for m in pd.period_range(q.asfreq("M", "start"), q.asfreq("M", "end"))]
    mu = u[(u["account_id"] == acc) & u["month"].isin(months)]
    seats = mu["licensed_users"].sum() / len(mu)
    assert kpis[(acc, str(q), "tickets_per_100_users")] == pytest.approx(
        100 * len(mine) / seats, abs=5e-4)
    w = data["web_events"]
    visits = ((w["account_id"] == acc) & (w["event_date"].dt.to_period("Q") == q)
              & (w["event_type"] == "web_visit")).sum()
    assert kpis[(acc, str(q), "web_visits")] == visits


def test_invoices_add_up_to_revenue(data):
    inv = data["erp_invoices"].assign(period=lambda d: d["invoice_date"].dt.to_period("Q")
                                      .astype(str))
    billed = inv.groupby(["account_id", "period"])["amount"].sum()
    revenue = data["revenue"].set_index(["account_id", "period"])["revenue"]
    both = pd.concat([billed, revenue], axis=1, join="inner")
    assert len(both) > 0.95 * len(revenue)
    assert np.allclose(both["amount"], both["revenue"], atol=0.05)


def test_stage_kpis_track_health_by_their_loading():
    """Support and adoption KPIs follow latent health more closely than awareness KPIs."""
    p = sample.generate(n_accounts=1500, seed=5)
    k = p.tables["kpis"].pivot_table(index=["account_id", "period"], columns="kpi",
                                     values="value")
    h = p.latent["health"].set_index(["account_id", "period"])["health"].reindex(k.index)
    corr = {}
    for stage, (_, kpis) in sources.STAGES.items():
        z = [(k[n] - k[n].mean()) / k[n].std() * (1 if d == "higher" else -1) for n, d in kpis]
        corr[stage] = pd.concat(z, axis=1).mean(axis=1).corr(h)
    assert corr["support"] > corr["awareness"] + 0.2
    assert corr["adoption"] > corr["consideration"] + 0.2
    assert all(c > 0 for c in corr.values()), corr
