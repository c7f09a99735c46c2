"""Proving the index against the generator's truth.

In the generator, churn follows latent health (which the KPIs reflect) and revenue growth
follows likelihood to recommend: CHI should beat NPS on the first and lose on the second.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxkit.chi import load_model, outcome_panel, predictive_power, score, suggest_weights
from cxkit.errors import ParameterError
from cxkit.sample import generate


def _panel(n_accounts: int, seed: int):
    """A generated portfolio's outcome panel of CHI scores, and the portfolio."""
    p = generate(n_accounts=n_accounts, seed=seed)
    t = p.tables
    wide = t["kpis"].pivot_table(index=["account_id", "period"], columns="kpi",
                                 values="value").reset_index()
    scores = wide[["account_id", "period"]].join(score(wide, load_model()))
    return outcome_panel(scores, t["accounts"], t["responses"], revenue=t["revenue"],
                         opportunities=t["crm_opportunities"]), p


@pytest.fixture(scope="module")
def panel():
    # the sample generator at 1,500 accounts: enough losses in the held-out periods
    return _panel(1500, 21)


def test_outcome_panel_marks_the_next_period_loss(panel):
    data, p = panel
    acc = p.tables["accounts"].set_index("account_id")
    lost = data[data["lost_next"] == 1].iloc[0]
    label = acc.loc[lost["account_id"], "lost_date"].to_period("Q")
    assert str(label - 1) == lost["period"]
    # no row after the loss
    after = data[(data["account_id"] == lost["account_id"]) & (data["period"] > lost["period"])]
    assert after.empty


def test_chi_predicts_churn_better_than_nps_alone(panel):
    # truth: churn depends on latent health, which the KPIs reflect; ratings only through
    # the operational measures
    data, _ = panel
    res = predictive_power(data, {"CHI": ["chi"], "NPS": ["ltr"]}, n_boot=300, random_state=1)
    r = res.table
    assert (r["n_test"] == r["n_test"].iloc[0]).all()  # the same held-out rows for both
    assert r.loc["CHI", "ci_low"] > 0.6
    assert r.loc["CHI", "auc"] > r.loc["NPS", "ci_high"]
    assert r.loc["CHI", "gain_low"] > 0  # paired: CHI's AUC above NPS's on the same resamples
    assert (r["ci_low"] <= r["auc"]).all() and (r["auc"] <= r["ci_high"]).all()
    assert res.note() == "" and res.baseline == "NPS"
    # rolling origin: the first held-out period has two periods and 20 losses before it
    d = data.dropna(subset=["chi", "ltr", "lost_next"])
    labels = sorted(d["period"].unique())
    before = d[d["period"] < res.test_from]
    assert before["period"].nunique() >= 2 and before["lost_next"].sum() >= 20
    earlier = d[d["period"] < labels[labels.index(res.test_from) - 1]]
    assert earlier["period"].nunique() < 2 or earlier["lost_next"].sum() < 20
    # the AUC independently: each held-out period predicted by a logistic fit on the periods
    # before it, then the Mann-Whitney U of all held-out predictions (AUC = U / (events x
    # non-events))
    from scipy.stats import mannwhitneyu
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    preds, ys = [], []
    for label in labels[labels.index(res.test_from):]:
        past, now = d[d["period"] < label], d[d["period"] == label]
        scale = StandardScaler().fit(past[["chi"]])
        fit = LogisticRegression().fit(scale.transform(past[["chi"]]), past["lost_next"])
        preds.append(fit.predict_proba(scale.transform(now[["chi"]]))[:, 1])
        ys.append(now["lost_next"].to_numpy() == 1)
    p, y = np.concatenate(preds), np.concatenate(ys)
    u = mannwhitneyu(p[y], p[~y]).statistic
    assert r.loc["CHI", "auc"] == pytest.approx(u / (y.sum() * (~y).sum()), abs=1e-9)
    assert (res.events, res.non_events) == (int(y.sum()), int((~y).sum()))


def test_resampled_auc_by_weights_equals_the_auc_of_the_resampled_rows():
    # a row drawn w times weighs w: the same AUC as scikit-learn's on the drawn rows,
    # ties included (scores rounded to one decimal)
    from sklearn.metrics import roc_auc_score
    from cxkit.chi.proof import _weighted_auc
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    p = np.round(rng.normal(size=400) + 0.6 * y, 1)
    draws = [rng.integers(0, 400, 400) for _ in range(5)]
    weights = np.stack([np.bincount(i, minlength=400) for i in draws]).astype(float)
    got = _weighted_auc(y, p, weights)
    assert got == pytest.approx([roc_auc_score(y[i], p[i]) for i in draws], abs=1e-12)


def test_nps_is_the_latest_rating_of_the_last_year():
    accounts = pd.DataFrame({"account_id": ["A"], "customer_since": pd.to_datetime(["2020-01-01"]),
                             "lost_date": pd.to_datetime([None])})
    quarters = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    scores = pd.DataFrame({"account_id": "A", "period": quarters, "chi": 50.0})
    responses = pd.DataFrame({"account_id": "A", "ltr": [4.0, 8, 9],
                              "response_date": pd.to_datetime(["2024-02-01", "2024-02-20",
                                                               "2024-05-01"])})
    out = outcome_panel(scores, accounts, responses).set_index("period")
    # Q1: the mean of its two answers; Q2: its own; Q3 to 2025Q1: Q2's, up to three quarters
    # old; 2025Q2: more than a year old, so unknown
    assert out["ltr"].tolist()[:5] == [6.0, 9.0, 9.0, 9.0, 9.0]
    assert out["ltr_age"].tolist()[:5] == [0, 0, 1, 2, 3]
    assert np.isnan(out.loc["2025Q2", "ltr"]) and np.isnan(out.loc["2025Q2", "ltr_age"])
    same_period = outcome_panel(scores, accounts, responses, ltr_carry=0).set_index("period")
    assert same_period["ltr"].notna().tolist() == [True, True, False, False, False, False]


def test_suggested_weights_follow_the_true_stage_loadings():
    # Ten stage scores that all reflect one health are collinear: at 1,500 accounts the
    # suggested weights' rank correlation with the true loadings ranges from 0.3 to 0.8
    # across seeds. At 4,000 accounts (about 1,000 losses) they follow the truth.
    from scipy.stats import spearmanr
    data, p = _panel(4000, 21)
    w = suggest_weights(data, load_model())
    # a stage whose higher score goes with more losses gets no weight
    assert (w.loc[w["coefficient"] >= 0, "suggested"] == 0).all() and (w["suggested"] >= 0).all()
    loadings = p.truth["chi"]["stage_loadings"]
    assert spearmanr(w["suggested"], [loadings[s] for s in w.index])[0] > 0.6
    strong = w.loc[["adoption", "support"], "suggested"].sum()
    weak = w.loc[["awareness", "consideration", "purchase"], "suggested"].sum()
    assert strong > 2 * weak


def test_few_events_are_flagged_and_bad_input_is_an_error(panel):
    data, _ = panel
    small = data[data["account_id"] < "A00150"]
    r = predictive_power(small, {"CHI": ["chi"]}, n_boot=50, random_state=1)
    assert r.uncertain and min(r.events, r.non_events) < 20
    assert r.note().startswith(f"Only {min(r.events, r.non_events)} ")
    with pytest.raises(ParameterError, match="columns not in the panel: 'nps'"):
        predictive_power(data, {"NPS": ["nps"]})
    with pytest.raises(ParameterError, match="at least 3 periods"):
        predictive_power(data[data["period"].isin(["2023Q1", "2023Q2"])], {"CHI": ["chi"]})


def test_revenue_growth_follows_nps_not_chi(panel):
    # truth: log growth rises by growth_per_ltr_point per point of the account's mean ltr
    data, p = panel
    assert p.truth["revenue"]["growth_per_ltr_point"] > 0
    res = predictive_power(data, {"CHI": ["chi"], "NPS": ["ltr"]}, outcome="grew_next",
                           n_boot=200, random_state=1)
    r = res.table
    assert r.loc["NPS", "ci_low"] > 0.6
    assert r.loc["CHI", "gain_high"] < 0
    assert not res.uncertain


def test_outcome_panel_renewals_and_growth_by_hand():
    accounts = pd.DataFrame({
        "account_id": ["A", "B"],
        "customer_since": pd.to_datetime(["2024-02-10", "2023-01-01"]),
        "lost_date": pd.to_datetime([None, "2024-08-15"])})
    scores = pd.DataFrame({"account_id": ["A", "A", "A", "B", "B"],
                           "period": ["2024Q1", "2024Q2", "2024Q3", "2024Q1", "2024Q2"],
                           "chi": [50.0, 60, 70, 40, 30]})
    revenue = pd.DataFrame({"account_id": ["A", "A", "A", "A", "B", "B", "B"],
                            "period": ["2024Q1", "2024Q2", "2024Q3", "2024Q4",
                                       "2024Q1", "2024Q2", "2024Q3"],
                            "revenue": [50.0, 100, 90, 99, 200, 220, 80]})
    opps = pd.DataFrame({
        "account_id": ["A", "A", "A", "B", "A"],
        "close_date": pd.to_datetime(["2024-05-01", "2024-07-01", "2024-08-01", "2024-04-02",
                                      "2024-10-01"]),
        "status": ["won", "won", "lost", "won", "won"],
        "source": ["renewal", "renewal", "renewal", "inbound", "referral"]})
    out = outcome_panel(scores, accounts, None, revenue=revenue, opportunities=opps)
    out = out.set_index(["account_id", "period"])
    # B is lost in 2024Q3: its 2024Q2 row is kept with lost_next 1, no row after
    assert out.loc[("B", "2024Q2"), "lost_next"] == 1 and len(out) == 5
    # 2024Q3 is the scores' last period: whether A is lost next is not in the data
    assert np.isnan(out.loc[("A", "2024Q3"), "lost_next"])
    assert out.loc[("A", "2024Q2"), "lost_next"] == 0
    # renewals decided in the next period: Q2 one won; Q3 one won and one lost; Q4 none
    # (the referral is not a renewal); B's Q2 opportunity is not a renewal
    assert out.loc[("A", "2024Q1"), "renewed_next"] == 1
    assert out.loc[("A", "2024Q2"), "renewed_next"] == 0
    assert np.isnan(out.loc[("A", "2024Q3"), "renewed_next"])
    assert np.isnan(out.loc[("B", "2024Q1"), "renewed_next"])
    # growth: A's first quarter is prorated (customer since February), B's Q3 is its last
    assert np.isnan(out.loc[("A", "2024Q1"), "growth_next"])
    assert out.loc[("A", "2024Q2"), "growth_next"] == pytest.approx(np.log(90 / 100))
    assert out.loc[("A", "2024Q2"), "grew_next"] == 0
    assert out.loc[("A", "2024Q3"), "grew_next"] == 1
    assert out.loc[("B", "2024Q1"), "grew_next"] == 1
    assert np.isnan(out.loc[("B", "2024Q2"), "grew_next"])
