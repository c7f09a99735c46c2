"""Customer Health Index: a hand-worked example, bad models, and the sample's truth."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxkit.chi import explain_change, from_dict, load_model, normalise, score
from cxkit.errors import ParameterError
from cxkit.sample import generate

MODEL = {
    "min_coverage": 0.5,
    "bands": {"amber": 50, "green": 75},
    "stages": [
        {"name": "support", "weight": 3, "kpis": [
            {"name": "csat", "direction": "higher_is_better",
             "normalise": {"method": "scale", "min": 0, "max": 100}},
            {"name": "response_hours", "direction": "lower_is_better",
             "normalise": {"method": "scale", "min": 0, "max": 10}}]},
        {"name": "billing", "weight": 1, "kpis": [
            {"name": "disputes", "direction": "lower_is_better",
             "normalise": {"method": "targets", "points": [[0, 100], [2, 50], [4, 0]]}}]},
        {"name": "adoption", "weight": 2, "kpis": [
            {"name": "active_pct", "direction": "higher_is_better",
             "normalise": {"method": "percentile"}}]},
    ],
}

KPIS = pd.DataFrame({
    "account_id": ["A", "B", "C", "D", "A"],
    "period": ["P1", "P1", "P1", "P1", "P2"],
    "csat": [80, 90, np.nan, np.nan, 90],
    "response_hours": [12, np.nan, np.nan, np.nan, 12],
    "disputes": [1, np.nan, 3, 2, 1],
    "active_pct": [50, 70, 50, np.nan, 60],
})


def test_hand_worked_example():
    s = score(KPIS, from_dict(MODEL))
    # A, P1: csat 80 -> 80; 12 hours clipped to 10 -> 0 (lower is better); support = 40.
    #   1 dispute on the targets line (0,100)-(2,50) -> 75.
    #   active 50 ties with C in P1: ranks A 1.5, C 1.5, B 3 of n = 3 -> (1.5-1)/2 = 25.
    #   CHI = (3*40 + 1*75 + 2*25) / 6 = 245/6
    assert s.loc[0, "support"] == 40 and s.loc[0, "billing"] == 75 and s.loc[0, "adoption"] == 25
    assert s.loc[0, "chi"] == pytest.approx(245 / 6)
    assert s.loc[0, "band"] == "red" and s.loc[0, "coverage"] == 1
    # B: response_hours missing -> support = csat alone = 90; billing missing (stage absent);
    #   adoption 100; weights renormalised over support and adoption: (3*90 + 2*100) / 5 = 94
    assert s.loc[1, "support"] == 90 and np.isnan(s.loc[1, "billing"])
    assert s.loc[1, "coverage"] == pytest.approx(5 / 6)
    assert s.loc[1, "chi"] == pytest.approx(94) and s.loc[1, "band"] == "green"
    # C: support missing; 3 disputes -> 25; adoption 25; coverage 3/6 = 0.5, the minimum
    assert s.loc[2, "chi"] == pytest.approx((1 * 25 + 2 * 25) / 3) and s.loc[2, "reason"] == ""
    # D: only billing (1/6 of the weight): below the coverage limit, no CHI, a reason
    assert np.isnan(s.loc[3, "chi"]) and pd.isna(s.loc[3, "band"])
    assert s.loc[3, "reason"] == "only 17% of stage weight has data (minimum 50%)"
    # A, P2: alone in its period, so its percentile is 50
    assert s.loc[4, "adoption"] == 50


def test_change_contributions_add_up_exactly():
    m = from_dict(MODEL)
    ex = explain_change(KPIS, m, "A", "P1", "P2")
    # P2: support (90 + 0)/2 = 45, billing 75, adoption 50 -> (135 + 75 + 100)/6 = 310/6
    assert ex.chi_after == pytest.approx(310 / 6)
    assert ex.change == pytest.approx(310 / 6 - 245 / 6)
    assert ex.contributions["contribution"].sum() == pytest.approx(ex.change, abs=1e-12)
    # csat 80 -> 90 weighs 3/6 * 1/2: +2.5; active percentile 25 -> 50 weighs 2/6: +8.33
    c = ex.contributions
    assert c.loc[("support", "csat"), "contribution"] == pytest.approx(2.5)
    assert c.loc[("adoption", "active_pct"), "contribution"] == pytest.approx(25 / 3)
    assert c.loc[("billing", "disputes"), "contribution"] == pytest.approx(0)
    # csat as measured, beside its 0-100 score
    assert c.loc[("support", "csat"), ["value_before", "value_after"]].tolist() == [80, 90]
    # support: csat +2.5 plus its other KPI's term; stages add up to the change
    assert ex.by_stage["support"] == pytest.approx(c.loc["support", "contribution"].sum())
    assert ex.by_stage.sum() == pytest.approx(ex.change)
    with pytest.raises(ParameterError, match="no CHI in P1: only 17%"):
        explain_change(KPIS, m, "D", "P1", "P1")
    with pytest.raises(ParameterError, match="has 0 rows for period 'P9'"):
        explain_change(KPIS, m, "A", "P1", "P9")


def test_contributions_add_up_when_coverage_changes():
    m = from_dict(MODEL)
    k = KPIS.copy()
    k.loc[4, "disputes"] = np.nan  # billing drops out in P2: the others are re-weighted
    ex = explain_change(k, m, "A", "P1", "P2")
    assert ex.contributions["contribution"].sum() == pytest.approx(ex.change, abs=1e-12)


def test_percentile_ties_and_direction():
    m = from_dict({"stages": [{"name": "s", "weight": 1, "kpis": [
        {"name": "x", "direction": "lower_is_better", "normalise": {"method": "percentile"}}]}]})
    n = normalise(pd.DataFrame({"x": [1.0, 1.0, 2.0, 3.0, np.nan]}), m)["x"]
    # ranks 1.5, 1.5, 3, 4 of n = 4 -> 100 * (r-1)/3 reversed: 83.3, 83.3, 33.3, 0
    assert n.round(6).tolist()[:4] == pytest.approx([100 - 50 / 3, 100 - 50 / 3, 100 / 3, 0.0])
    assert np.isnan(n.iloc[4])


def test_scoring_matches_a_plain_pandas_reading_of_the_definition():
    # The scorer works on one numpy matrix with its own sort-based ranks. Here the
    # definition is read literally with pandas, row by row of the model: groupby-rank
    # for percentiles, row means per stage, weights renormalised over stages present.
    m = load_model()
    rng = np.random.default_rng(5)
    n = 600
    k = pd.DataFrame({"period": rng.choice(["2025Q1", "2025Q2", "2025Q3"], n)})
    for name in m.kpi_names:
        x = rng.integers(0, 40, n).astype(float)  # many ties
        x[rng.random(n) < 0.15] = np.nan
        k[name] = x
    k.iloc[:5, 1:] = np.nan  # rows with no data at all
    k.iloc[5, 1:4] = 7.0  # a row with one stage only: coverage below the limit
    k.iloc[5, 4:] = np.nan
    ref = {}
    for st in m.stages:
        for kp in st.kpis:
            x = k[kp.name]
            if kp.method == "percentile":
                r = x.groupby(k["period"]).rank(method="average")
                cnt = x.notna().groupby(k["period"]).transform("sum")
                f = ((r - 1) / (cnt - 1)).where(cnt > 1, 0.5)
                ref[kp.name] = 100 * f if kp.higher_is_better else 100 - 100 * f
            elif kp.method == "scale":
                f = (x.clip(kp.min, kp.max) - kp.min) / (kp.max - kp.min)
                ref[kp.name] = 100 * f if kp.higher_is_better else 100 - 100 * f
            else:
                pts = np.array(kp.points)
                ref[kp.name] = pd.Series(np.interp(x, pts[:, 0], pts[:, 1]), index=x.index
                                         ).where(x.notna())
    ref = pd.DataFrame(ref)
    pd.testing.assert_frame_equal(normalise(k, m), ref, check_exact=False, rtol=1e-12)
    stages = pd.DataFrame({st.name: ref[[kp.name for kp in st.kpis]].mean(axis=1)
                           for st in m.stages})
    w = pd.Series({st.name: st.weight for st in m.stages})
    present = stages.notna()
    chi = (stages.fillna(0) * w).sum(axis=1) / (present * w).sum(axis=1)
    coverage = (present * w).sum(axis=1) / w.sum()
    chi = chi.where(coverage >= m.min_coverage)
    s = score(k, m)
    pd.testing.assert_frame_equal(s[m.stage_names], stages, check_exact=False, rtol=1e-12)
    pd.testing.assert_series_equal(s["coverage"], coverage, check_names=False)
    pd.testing.assert_series_equal(s["chi"], chi, check_exact=False, rtol=1e-12,
                                   check_names=False)
    assert s["chi"].isna().sum() >= 6 and (s["reason"] != "").sum() == s["chi"].isna().sum()
    assert (s["band"].astype(object) == pd.cut(chi, [-1, 50, 75, 101], right=False,
            labels=["red", "amber", "green"]).astype(object)).sum() == s["chi"].notna().sum()


@pytest.mark.parametrize("change,message", [
    (lambda m: m["stages"][0].update(weight=0), "stage 'support': weight must be above 0"),
    (lambda m: m["stages"][1].update(kpis=[]), "stage 'billing': the stage is empty"),
    (lambda m: m["stages"][0]["kpis"][0]["normalise"].update(min=100),
     "stage 'support', KPI 'csat': min \\(100\\) must be below max \\(100\\)"),
    (lambda m: m["stages"][0]["kpis"][1].update(normalise={"method": "zscore"}),
     "stage 'support', KPI 'response_hours': unknown normalise method 'zscore'"),
    (lambda m: m["stages"][0]["kpis"][0].update(direction="up"),
     "stage 'support', KPI 'csat': direction must be"),
    (lambda m: m["stages"][1]["kpis"][0]["normalise"].update(points=[[0, 0], [4, 100]]),
     "stage 'billing', KPI 'disputes': target scores must fall"),
    (lambda m: m["stages"][2]["kpis"].append(dict(m["stages"][0]["kpis"][0])),
     "stage 'adoption', KPI 'csat': the KPI is already in stage 'support'"),
    (lambda m: m.update(bands={"amber": 80, "green": 60}), "bands must satisfy"),
    (lambda m: m.update(min_coverage=0), "min_coverage must be in"),
])
def test_bad_models_name_stage_and_kpi(change, message):
    import copy
    raw = copy.deepcopy(MODEL)
    change(raw)
    with pytest.raises(ParameterError, match=message):
        from_dict(raw, "chi_model.yaml")


def test_unknown_kpi_is_named_at_scoring():
    with pytest.raises(ParameterError, match="stage 'billing', KPI 'disputes': unknown KPI"):
        score(KPIS.drop(columns="disputes"), from_dict(MODEL))


def test_default_model_loads_and_names_the_sample_kpis(sample_dir):
    m = load_model()
    assert len(m.stages) == 10 and all(len(s.kpis) == 3 for s in m.stages)
    kpis = set(pd.read_csv(sample_dir / "kpis.csv.gz", usecols=["kpi"])["kpi"])
    assert set(m.kpi_names) == kpis
    weights = {s.name: s.weight for s in m.stages}
    assert min(weights["onboarding"], weights["support"]) > max(weights["awareness"],
                                                                weights["consideration"])
    with pytest.raises(ParameterError, match="not found"):
        load_model("params/none.yaml")


def test_chi_tracks_the_true_health_of_the_sample():
    p = generate(n_accounts=600, seed=12)
    wide = p.tables["kpis"].pivot_table(index=["account_id", "period"], columns="kpi",
                                        values="value").reset_index()
    s = wide[["account_id", "period"]].join(score(wide, load_model()))
    both = s.merge(p.latent["health"], on=["account_id", "period"]).dropna(subset=["chi"])
    assert both["chi"].corr(both["health"]) > 0.7
    corr = {st: both[st].corr(both["health"]) for st in ("support", "adoption", "awareness")}
    assert corr["adoption"] > corr["awareness"] and corr["support"] > corr["awareness"]
