"""Prospect profiling: best customers, profile, readable rules, held-out figures, scoring."""
from __future__ import annotations

import pandas as pd
import pytest

from cxkit import prospects as pr
from cxkit.errors import DataError, ParameterError
from cxkit.io import load


@pytest.fixture(scope="module")
def large():
    """A freshly generated portfolio large enough to be sure (5,000 accounts)."""
    from cxkit import sample
    return sample.generate(n_accounts=5000, seed=3, kpis=False)


def test_the_planted_ideal_customer_profile_is_recovered(large):
    """truth.json: advocacy rises in Software and Logistics and at 200-2,000 employees.
    The top rule must name those industries and start at the sweet spot's lower end, and
    be better than the base rate on accounts it was not fitted on."""
    truth = large.truth["ideal_customer_profile"]
    m = pr.ProspectProfiler().fit(large.tables)
    top = m.rules_[0]
    industry = next(c for c in top.conditions if c.attribute == "industry")
    assert set(industry.values) == set(truth["best_industries"])
    size = next(c for c in top.conditions if c.attribute == "employees")
    low, high = truth["employees_sweet_spot"]
    assert 0.75 * low <= size.low <= 1.5 * low and size.high <= 1.25 * high
    held_out = m.rule_table_.iloc[0]
    assert held_out["lift_low"] > 1.3 and held_out["support"] > 500
    # the profile agrees: the best industries have the highest lift, surely above 1
    ind = m.profile_[m.profile_["attribute"] == "industry"].set_index("value")
    assert set(ind.index[:2]) == set(truth["best_industries"])
    assert (ind.loc[truth["best_industries"], "lift_low"] > 1).all()


def test_held_out_figures_are_not_the_training_figures(large):
    """The rules look better on the accounts they were fitted on than on held-out ones."""
    t = large.tables
    m = pr.ProspectProfiler().fit(t)
    best = m.best_["best"]
    a = t["accounts"].set_index("account_id").reindex(best.index)
    in_sample = pr.rule_table(m.rules_[:1], a, best.to_numpy(bool))
    assert in_sample["precision"].iloc[0] >= m.rule_table_["precision"].iloc[0] - 0.01
    cv = pr.cross_validate_rules(t["accounts"], best, m.columns_, n_rules=2, folds=5)
    assert list(cv.index) == [1, 2] and cv.loc[1, "folds"] == 5 and cv.loc[2, "folds"] <= 5
    assert cv["support"].iloc[0] <= len(best)  # each account is held out once


def test_best_definition_combines_and_fails_clearly(sample_dir):
    tables = load(sample_dir, optional=["prospects", "contacts", "kpis"])
    both = pr.best_customers(tables, pr.BestDefinition({"advocacy": "reference",
                                                        "nps": "promoter"}, "all"))
    either = pr.best_customers(tables, pr.BestDefinition({"advocacy": "reference",
                                                          "nps": "promoter"}, "any"))
    assert (both["best"] == (both["advocacy"] & both["nps"])).all()
    assert either["best"].sum() >= both["best"].sum()
    active = set(tables["accounts"].loc[tables["accounts"]["status"] == "active", "account_id"])
    assert set(both.index) <= active
    with pytest.raises(DataError, match="selects 0 of"):
        # no account has only promoters among advocates and CHI green at once, by design
        pr.best_customers({**tables, "responses": tables["responses"].assign(ltr=3)},
                          pr.BestDefinition({"nps": "promoter"}))
    with pytest.raises(ParameterError, match="unknown criterion 'loyalty'"):
        pr.BestDefinition({"loyalty": "high"})
    with pytest.raises(ParameterError, match="chi must be one of green, amber"):
        pr.BestDefinition({"chi": "red"})
    with pytest.raises(DataError, match="needs the kpis table"):
        pr.best_customers({k: v for k, v in tables.items() if k != "kpis"},
                          pr.BestDefinition({"chi": "green"}))


def test_profile_by_hand():
    accounts = pd.DataFrame({"account_id": list("ABCDEF"),
                             "industry": ["x", "x", "x", "y", "y", "y"],
                             "employees": [100, 300, 300, 300, 5000, 40]})
    best = pd.Series([True, True, False, False, False, False], index=list("ABCDEF"))
    p = pr.profile(accounts, best, ["industry", "employees"]).set_index(["attribute", "value"])
    x = p.loc[("industry", "x")]
    assert (x["accounts"], x["best"]) == (3, 2)
    assert x["rate"] == pytest.approx(2 / 3) and x["lift"] == pytest.approx(2.0)
    assert x["share_of_best"] == 1.0 and x["share_of_rest"] == 0.25
    # Wilson interval of 2 of 3 (R: prop.test(2, 3, correct = FALSE)$conf.int 0.2077 0.9385)
    assert x["lift_low"] == pytest.approx(0.2077 * 3, abs=2e-3)
    assert x["lift_high"] == pytest.approx(0.9385 * 3, abs=2e-3)
    assert p.loc[("employees", "200–999"), "accounts"] == 3


def test_hand_written_rules_parse_and_fail_with_the_rule_named(sample_dir):
    r = pr.parse_rule("industry in [Software, Logistics] and employees 200-2,000", "mid")
    assert pr.rule_text(r) == "industry is Software or Logistics and employees 200–2,000"
    frame = pd.DataFrame({"industry": ["Software", "Retail", "Logistics", None],
                          "employees": [500, 500, 5000, 500]})
    assert r.matches(frame).tolist() == [True, False, False, False]
    # scored on what is present: the unknown industry is skipped, the size holds
    assert r.matches(frame, skip_missing=True).tolist() == [True, False, False, True]
    assert pr.rule_text(pr.parse_rule("employees < 50")) == "employees under 50"
    with pytest.raises(ParameterError, match="rule 'odd': cannot read 'industry ~ Soft'"):
        pr.parse_rule("industry ~ Soft", "odd")
    tables = load(sample_dir, optional=["prospects", "contacts"])
    cols = pr.attribute_columns(tables["accounts"])
    with pytest.raises(ParameterError, match="rule 'x': unknown attribute 'sector'"):
        pr.check_rule(pr.parse_rule("sector in [IT]", "x"), tables["accounts"], cols)
    with pytest.raises(ParameterError, match="rule 'y': industry has no value 'Mining'"):
        pr.check_rule(pr.parse_rule("industry in [Mining]", "y"), tables["accounts"], cols)
    m = pr.ProspectProfiler(rules={"mid-size software": "industry in [Software] and "
                                                        "employees 200-2000"}).fit(tables)
    hand = m.rule_table_[m.rule_table_["source"] == "hand"].iloc[0]
    assert hand["name"] == "mid-size software" and hand["support"] > 0
    assert "written by hand" in m.sentences()[-1]


def test_scoring_prospects_is_by_the_best_rule_and_flags_gaps():
    rules = [pr.parse_rule("industry in [Software]"), pr.parse_rule("employees 200-2000")]
    prospects = pd.DataFrame({
        "prospect_id": ["P1", "P2", "P3", "P4", "P5"],
        "industry": ["Software", "Retail", "Software", None, "Retail"],
        "employees": [500, 500, 50, 800, 50],
        "decision_makers": [1, 0, 2, 1, 0], "influencers": [0, 2, 0, 1, 0], "users": [1, 1, 1, 0, 0]})
    s = pr.score_prospects(prospects, rules, pd.Series([0.4, 0.3]), 0.05,
                           ["industry", "employees"],
                           roles=pd.Series(["influencer", "decision maker"])).set_index("prospect_id")
    assert s.loc["P1", "rules_matched"] == "1, 2" and s.loc["P1", "fit_score"] == 0.4
    assert s.loc["P2", "best_rule"] == 2 and s.loc["P2", "role_to_approach"] == "decision maker"
    assert bool(s.loc["P2", "no_contact_in_role"])  # no known decision maker
    assert not bool(s.loc["P4", "no_contact_in_role"])  # one decision maker
    assert s.loc["P4", "partial"] and s.loc["P4", "best_rule"] == 2  # scored on its size
    assert pd.isna(s.loc["P5", "best_rule"]) and s.loc["P5", "fit_score"] == 0.05
    # ranked by fit score, a tie broken by completeness: P2 (complete) before P4 (partial)
    order = list(s.sort_values("rank").index)
    assert order[:1] == ["P1"] and order.index("P2") < order.index("P4")
    assert (s["unseen"] == "").all()


def test_a_value_no_customer_has_meets_no_rule_and_is_flagged():
    """An industry no account is in says nothing about fit: it meets no condition on the
    industry (it is not a wildcard), so the prospect never ranks above one with a known
    value; it is flagged partial and named; without ``known`` it simply matches nothing."""
    rules = [pr.parse_rule("industry in [Software] and employees 200-2000")]
    prospects = pd.DataFrame({"prospect_id": ["P1", "P2", "P3"],
                              "industry": ["Aerospace", "Retail", "Software"],
                              "employees": [500, 500, 500]})
    args = (prospects, rules, pd.Series([0.4]), 0.05, ["industry", "employees"])
    s = pr.score_prospects(*args, known={"industry": {"Software", "Retail"}}
                           ).set_index("prospect_id")
    assert pd.isna(s.loc["P1", "best_rule"]) and s.loc["P1", "fit_score"] == 0.05
    assert s.loc["P1", "partial"] and s.loc["P1", "unseen"] == "industry"
    assert s.loc["P1", "complete"] == 0.5
    assert pd.isna(s.loc["P2", "best_rule"]) and not s.loc["P2", "partial"]
    assert s.loc["P3", "best_rule"] == 1 and s.loc["P3", "fit_score"] == 0.4
    assert list(s.sort_values("rank").index) == ["P3", "P2", "P1"]  # the unseen one last
    assert prospects["industry"].iloc[0] == "Aerospace"  # the input is not changed
    plain = pr.score_prospects(*args).set_index("prospect_id")
    assert pd.isna(plain.loc["P1", "best_rule"])


def test_role_targeting_by_hand():
    responses = pd.DataFrame({"account_id": ["A"] * 5, "contact_id": list("abcde"),
                              "ltr": [9, 10, 6, 7, 8],
                              "prompted_advocacy": [True, True, False, False, True],
                              "unprompted_advocacy": [False] * 5})
    contacts = pd.DataFrame({"contact_id": list("abcde"),
                             "role": ["user", "user", "decision maker", "decision maker",
                                      "influencer"]})
    t = pr.role_targeting(responses, contacts, pd.Index(["A"]))
    assert t.index[0] in ("user", "influencer") and t.loc["user", "advocacy"] == 1.0
    assert t.loc["user", "ltr"] == 9.5 and t.loc["decision maker", "advocacy"] == 0.0
    # two answers are too few for an interval (the t interval would be 3.15 to 15.85)
    assert pd.isna(t.loc["user", "ltr_low"]) and pd.isna(t.loc["user", "ltr_high"])
    five = responses.assign(contact_id="a", ltr=[9, 10, 10, 9, 10])
    t5 = pr.role_targeting(five, contacts, pd.Index(["A"]))
    # t interval of (9, 10, 10, 9, 10): 9.6 +- t(0.975, 4) * 0.5477 / sqrt(5) = 9.6 +- 0.680,
    # its upper end 10.28 kept at the top of the 0-10 scale
    assert t5.loc["user", "ltr_low"] == pytest.approx(9.6 - 0.6801, abs=1e-3)
    assert t5.loc["user", "ltr_high"] == 10


def test_the_analysis_on_the_sample_and_its_workbook(sample_dir, tmp_path):
    import openpyxl
    tables = load(sample_dir, optional=["prospects", "contacts"])
    m = pr.ProspectProfiler().fit(tables)
    b = m.best_["best"]
    assert f"{int(b.sum())} of {len(b)} current customers" in m.headlines()[0]
    key = m.key_results()
    assert key["prospects"] == len(tables["prospects"])
    assert len(m.top_prospects(10)) == 10 and m.top_prospects(10)["rank"].tolist() == list(range(1, 11))
    path = m.to_excel(tmp_path / "sales.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Prospects"]
    assert ws.auto_filter.ref and ws.freeze_panes == "A2"
    assert wb.sheetnames[:4] == ["Summary", "Prospects", "Rules", "Profile"]
    m.plot_profile()
    assert key["prospects_unseen_value"] == 0
    # a prospect in an industry no customer is in: counted and said
    p = tables["prospects"].copy()
    p.loc[p.index[:3], "industry"] = "Aerospace"
    m2 = pr.ProspectProfiler().fit({**tables, "prospects": p})
    assert m2.key_results()["prospects_unseen_value"] == 3
    assert "3 have a value no customer has" in m2.headlines()[-1]
    assert "unseen" in m2.top_prospects(5) and "unseen" not in m.top_prospects(5)


def test_the_profile_chart_draws_when_a_value_is_all_best_or_none():
    """A value held only by best customers (rate 1) or by none (rate 0): intervals that
    touch the estimate must still draw (rounding must not make an error bar negative)."""
    accounts = pd.DataFrame({"account_id": [f"A{i}" for i in range(50)],
                             "industry": ["x"] * 10 + ["y"] * 30 + ["z"] * 10,
                             "employees": [100] * 50})
    best = pd.Series([True] * 10 + [False] * 25 + [True] * 5 + [False] * 10,
                     index=accounts["account_id"])
    m = pr.ProspectProfiler()
    m.profile_ = pr.profile(accounts, best, ["industry", "employees"])
    assert (m.profile_.set_index("value").loc["x", "rate"]) == 1.0
    m.plot_profile()
