"""Proving the index against the generator's truth: CHI predicts churn, NPS alone barely."""
from __future__ import annotations

import pytest

from cxkit.chi import load_model, outcome_panel, predictive_power, score, suggest_weights
from cxkit.errors import ParameterError
from cxkit.sample import generate


@pytest.fixture(scope="module")
def panel():
    # the sample generator at 1,500 accounts: enough losses in the held-out periods
    p = generate(n_accounts=1500, seed=21)
    t = p.tables
    wide = t["kpis"].pivot_table(index=["account_id", "period"], columns="kpi",
                                 values="value").reset_index()
    scores = wide[["account_id", "period"]].join(score(wide, load_model()))
    return outcome_panel(scores, t["accounts"], t["responses"]), p


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
    r = predictive_power(data, {"CHI": ["chi"], "NPS": ["ltr"]}, n_boot=300, random_state=1)
    assert (r["n_test"] == r["n_test"].iloc[0]).all()  # the same held-out rows for both
    assert r.loc["CHI", "ci_low"] > 0.6
    assert r.loc["CHI", "auc"] > r.loc["NPS", "ci_high"]
    assert (r["ci_low"] <= r["auc"]).all() and (r["auc"] <= r["ci_high"]).all()
    assert r.attrs["note"] == "" and r.attrs["test_from"] == "2025Q1"


def test_suggested_weights_follow_the_true_stage_loadings(panel):
    data, _ = panel
    w = suggest_weights(data, load_model())
    assert w["suggested"].sum() == pytest.approx(w["configured"].sum())
    strong = w.loc[["adoption", "support"], "suggested"].sum()
    weak = w.loc[["awareness", "consideration", "purchase"], "suggested"].sum()
    assert strong > 2 * weak


def test_few_events_are_flagged_and_bad_input_is_an_error(panel):
    data, _ = panel
    small = data[data["account_id"] < "A00150"]
    r = predictive_power(small, {"CHI": ["chi"]}, n_boot=50, random_state=1)
    assert r.attrs["note"].startswith("Only ")
    with pytest.raises(ParameterError, match="columns not in the panel: 'nps'"):
        predictive_power(data, {"NPS": ["nps"]})
    with pytest.raises(ParameterError, match="at least 3 periods"):
        predictive_power(data[data["period"].isin(["2023Q1", "2023Q2"])], {"CHI": ["chi"]})
