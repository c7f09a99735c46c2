"""Customer math: customers in against out, by count and revenue; retention; reconciliation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxkit import customer_math as cm
from cxkit.errors import DataError, ParameterError
from cxkit.io import load


@pytest.fixture(scope="module")
def tables(sample_dir):
    return load(sample_dir, optional=["revenue", "lost_customers"])


def _revenue(rows: dict[str, list[float]], periods=None) -> pd.DataFrame:
    periods = periods or [f"2024Q{q}" for q in range(1, 5)] + [f"2025Q{q}" for q in range(1, 5)]
    out = [(a, p, v) for a, values in rows.items() for p, v in zip(periods, values) if v]
    return pd.DataFrame(out, columns=["account_id", "period", "revenue"])


def _identities(f: pd.DataFrame) -> None:
    f = f.dropna()
    np.testing.assert_array_equal(f["start"] + f["new"] + f["reactivated"] - f["lost"],
                                  f["end"])
    np.testing.assert_allclose(f["start_revenue"] + f["new_revenue"] + f["reactivated_revenue"]
                               + f["expansion"] - f["contraction"] - f["lost_revenue"],
                               f["end_revenue"], rtol=1e-12, atol=1e-6)


def test_chartmogul_worked_example():
    # Source: shared/reference/README.md, "Definitions (revenue retention)": ChartMogul's
    # example: start MRR 100, churn 10, contraction 10, expansion 10 -> gross MRR churn 20 %,
    # net MRR churn 10 %.
    revenue = _revenue({"A": [40, 40], "B": [30, 20], "C": [10, 0], "D": [20, 30]})
    f = cm.flows(cm.account_movements(revenue))
    q2 = f.loc["2024Q2"]
    assert (q2["start_revenue"], q2["lost_revenue"], q2["contraction"], q2["expansion"]) \
        == (100, 10, 10, 10)
    r = cm.retention(f).loc["2024Q2"]
    assert r["gross_revenue_retention"] == pytest.approx(0.80)  # 1 - gross churn 20 %
    assert r["net_revenue_retention"] == pytest.approx(0.90)    # 1 - net churn 10 %
    assert r["logo_retention"] == pytest.approx(0.75)


def test_every_movement_by_hand():
    revenue = _revenue({
        "steady": [10, 10, 10, 10, 10, 10, 10, 10],
        "grows": [10, 20, 30, 30, 30, 30, 30, 30],
        "shrinks": [30, 20, 5, 5, 5, 5, 5, 5],       # lower but not zero: contraction
        "leaves": [10, 10, 0, 0, 0, 0, 0, 0],
        "returns": [10, 0, 0, 10, 10, 10, 10, 10],    # away two quarters
        "blip": [10, 10, 10, 0, 10, 10, 10, 10],      # away one quarter
        "joins": [0, 0, 0, 0, 15, 15, 15, 15],
    })
    m = cm.account_movements(revenue)
    move = m.set_index(["account_id", "period"])["movement"]
    assert move["shrinks", "2024Q3"] == "contraction" and move["leaves", "2024Q3"] == "lost"
    assert move["returns", "2024Q2"] == "lost" and move["returns", "2024Q4"] == "reactivated"
    assert move["blip", "2024Q4"] == "lost" and move["blip", "2025Q1"] == "reactivated"
    assert move["joins", "2025Q1"] == "new" and ("joins", "2024Q4") not in move.index
    f = cm.flows(m)
    _identities(f)
    assert f.loc["2025Q1", ["new", "reactivated", "lost"]].tolist() == [1, 1, 0]
    # a gap shorter than two quarters is bridged: the blip stays a customer at zero revenue
    two = cm.account_movements(revenue, cm.Definitions(reactivation_gap=2))
    move2 = two.set_index(["account_id", "period"])["movement"]
    assert move2["blip", "2024Q4"] == "contraction" and move2["blip", "2025Q1"] == "expansion"
    assert move2["returns", "2024Q4"] == "reactivated"  # two quarters away: a real return
    f2 = cm.flows(two)
    _identities(f2)
    assert f2.loc["2024Q4", "lost"] == 0 and f2.loc["2024Q4", "end"] == f.loc["2024Q4", "end"] + 1


def test_lost_date_counts_the_loss_in_its_period():
    revenue = _revenue({"A": [10, 10, 4, 0], "B": [10, 10, 10, 10]})  # A pays part of Q3
    accounts = pd.DataFrame({"account_id": ["A", "B"], "status": ["lost", "active"],
                             "lost_date": pd.to_datetime(["2024-08-10", None])})
    by_date = cm.flows(cm.account_movements(revenue, accounts=accounts))
    assert by_date.loc["2024Q3", "lost"] == 1 and by_date.loc["2024Q3", "lost_revenue"] == 10
    assert by_date.loc["2024Q3", "end_revenue"] == 10  # the base's revenue: B only
    _identities(by_date)
    by_revenue = cm.flows(cm.account_movements(revenue, cm.Definitions(lost="revenue"),
                                               accounts=accounts))
    assert by_revenue.loc["2024Q3", "lost"] == 0 and by_revenue.loc["2024Q4", "lost"] == 1


def test_flows_reconcile_on_the_sample_every_period_and_segment(tables):
    accounts = tables["accounts"]
    segment = accounts.set_index("account_id")["segment"]
    for d in (cm.Definitions(), cm.Definitions(lost="revenue"),
              cm.Definitions(reactivation_gap=3)):
        m = cm.account_movements(tables["revenue"], d, accounts)
        _identities(cm.flows(m))
        by = cm.flows(m, by="segment", groups=segment)
        _identities(by)
        total = by.groupby(level="period").sum(min_count=1)
        pd.testing.assert_frame_equal(total, cm.flows(m), check_dtype=False)


def test_the_sample_truth_is_recovered(tables):
    """The generator's accounts say who joined and left when: the flows must agree."""
    accounts, revenue = tables["accounts"], tables["revenue"]
    f = cm.flows(cm.account_movements(revenue, accounts=accounts))
    periods = f.index
    lost_period = accounts["lost_date"].dt.to_period("Q").astype(str)
    had_revenue_before = lost_period.notna() & accounts["account_id"].isin(revenue["account_id"])
    true_lost = lost_period[had_revenue_before].value_counts().reindex(periods, fill_value=0)
    first = revenue.groupby("account_id")["period"].min()  # acquired: the first revenue
    true_new = first.value_counts().reindex(periods, fill_value=0)
    in_and_out = (first.reindex(accounts["account_id"]).to_numpy() == lost_period).sum()
    assert in_and_out >= 1  # the sample has an account acquired and lost in one quarter
    np.testing.assert_array_equal(f["lost"].iloc[1:], true_lost.iloc[1:])
    np.testing.assert_array_equal(f["new"].iloc[1:], true_new.iloc[1:])
    assert f["end"].iloc[-1] == accounts["status"].eq("active").sum()


def test_flows_match_a_plain_pandas_reading(tables):
    """The definition read literally: shift each account's revenue by one period."""
    revenue = tables["revenue"]
    wide = revenue.pivot(index="account_id", columns="period", values="revenue").fillna(0)
    prev = wide.shift(1, axis=1)
    cur_on, prev_on = wide > 0, prev > 0
    ever = cur_on.cummax(axis=1).shift(1, axis=1, fill_value=False)
    plain = pd.DataFrame({
        "new": (cur_on & ~prev_on & ~ever).sum(),
        "reactivated": (cur_on & ~prev_on & ever).sum(),
        "lost": (~cur_on & prev_on).sum(),
        "expansion": ((wide - prev).where(cur_on & prev_on & (wide > prev), 0)).sum(),
        "contraction": ((prev - wide).where(cur_on & prev_on & (wide < prev), 0)).sum(),
    }).iloc[1:]
    f = cm.flows(cm.account_movements(revenue, cm.Definitions(lost="revenue"))).iloc[1:]
    pd.testing.assert_frame_equal(f[plain.columns], plain, check_dtype=False,
                                  check_names=False)


def test_retention_bounds_and_nrr_with_reactivation():
    revenue = _revenue({"A": [10, 0, 10, 10], "B": [20, 30, 30, 40], "C": [10, 10, 5, 5]})
    m = cm.account_movements(revenue)
    f = cm.flows(m)
    plain = cm.retention(f)
    assert (plain["gross_revenue_retention"].dropna() <= 1).all()
    counted = cm.retention(f, cm.Definitions(reactivation_in_nrr=True))
    q3 = f.loc["2024Q3"]
    assert counted.loc["2024Q3", "net_revenue_retention"] == pytest.approx(
        plain.loc["2024Q3", "net_revenue_retention"] + q3["reactivated_revenue"] / q3["start_revenue"])


def test_cohort_table():
    revenue = _revenue({"old": [10] * 8, "a": [0, 10, 10, 0, 0, 0, 0, 0],
                        "b": [0, 10, 20, 20, 20, 0, 0, 0], "c": [0, 0, 10, 10, 10, 10, 10, 10]})
    m = cm.account_movements(revenue)
    logo = cm.cohort_table(m)
    assert list(logo.index) == ["2024Q2", "2024Q3"]  # the first period's base has no cohort
    assert logo.loc["2024Q2", [0, 1, 2, 3, 4]].tolist() == [1.0, 1.0, 0.5, 0.5, 0.0]
    assert np.isnan(logo.loc["2024Q3", 6]) and logo.loc["2024Q3", 5] == 1.0
    money = cm.cohort_table(m, "revenue")
    assert money.loc["2024Q2", 1] == pytest.approx(30 / 20)
    with pytest.raises(ParameterError, match="metric must be logo or revenue"):
        cm.cohort_table(m, "value")


def test_contradictions_are_named_not_plugged():
    revenue = _revenue({"A": [10, 10, 10, 10], "B": [10, 10, 0, 0], "C": [5, 5, 5, 5]})
    accounts = pd.DataFrame({"account_id": ["A", "B", "C"], "status": ["lost", "lost", "active"],
                             "lost_date": pd.to_datetime(["2024-05-01", "2024-06-30", None])})
    lost_customers = pd.DataFrame({"account_id": ["A", "C"]})
    problems = cm.reconcile(revenue, accounts, "Q", lost_customers)
    assert problems["problem"].tolist() == ["revenue_after_lost_date", "revenue_after_lost_date",
                                            "lost_without_reason", "reason_for_active_account"]
    assert problems["period"].tolist()[:2] == ["2024Q3", "2024Q4"]
    with pytest.raises(DataError) as err:
        cm.raise_reconciliation(problems)
    lines = str(err.value).splitlines()
    assert len(lines) == 3
    assert "revenue after the account's lost_date in 2 cases (A in 2024Q3, A in 2024Q4)" in lines[0]
    assert "(B)" in lines[1] and "(C)" in lines[2]
    # shown rather than raised, the revenue after the lost date is a reactivation: visible
    m = cm.account_movements(revenue, accounts=accounts)
    move = m.set_index(["account_id", "period"])["movement"]
    assert move["A", "2024Q2"] == "lost" and move["A", "2024Q3"] == "reactivated"
    assert cm.reconcile(revenue, accounts.assign(status="active", lost_date=pd.NaT), "Q",
                        pd.DataFrame({"account_id": []})).empty


def test_definitions_from_params():
    d = cm.Definitions.from_dict({"reactivation_gap": 2, "lost": "revenue"})
    assert d.reactivation_gap == 2 and "bridged" in " ".join(d.sentences())
    with pytest.raises(ParameterError, match="unknown customer-math definition\\(s\\): gap"):
        cm.Definitions.from_dict({"gap": 2})
    with pytest.raises(ParameterError, match="reactivation_gap must be a whole number"):
        cm.Definitions(reactivation_gap=0)
    with pytest.raises(ParameterError, match="lost must be one of"):
        cm.Definitions(lost="churn")


REASONS = dict(experience_reasons=["late or unreliable shipments", "data quality problems",
                                   "slow support", "project management fell short"],
               other_reasons=["price", "budget cuts", "acquired by another company"])


def test_the_analysis_on_the_sample(tables, tmp_path):
    import openpyxl
    c = cm.CustomerMath(**REASONS).fit(tables)
    w = c.window().iloc[0]
    assert w["start"] + w["new"] + w["reactivated"] - w["lost"] == w["end"]
    assert w["end"] == tables["accounts"]["status"].eq("active").sum()
    lbr = c.lost_by_reason_
    assert lbr["accounts"].sum() == len(tables["lost_customers"])
    assert lbr["revenue_lost"].sum() == pytest.approx(tables["lost_customers"]["revenue_lost"].sum())
    key = c.key_results()
    share = lbr.loc[lbr["kind"] == "experience", "revenue_lost"].sum() / lbr["revenue_lost"].sum()
    assert key["experience_share_of_lost_revenue"] == pytest.approx(share)
    seg = c.segments()
    assert seg["end"].sum() == w["end"] and seg["lost"].sum() == w["lost"]
    assert f"{w['lost']:,.0f} left" in c.headlines()[0]
    churn = c.churn_by_category_
    assert list(churn.index) == ["detractor", "passive", "promoter"]
    assert ((churn["ci_low"] <= churn["churn_rate"]) & (churn["churn_rate"] <= churn["ci_high"])).all()
    path = c.to_excel(tmp_path / "cm.xlsx")
    assert openpyxl.load_workbook(path).sheetnames == [
        "Summary", "Flows", "By segment", "Cohorts", "Lost by reason", "Churn by NPS",
        "Lifetime value", "Renewal cohorts", "Customer asset"]
    for measure in ("count", "revenue"):
        assert c.plot_waterfall(measure).get_title() == f"{w['from']} to {w['to']}"
    c.plot_cohorts(), c.plot_lost_by_reason()


def test_churn_by_category_by_hand():
    # Wilson interval for 1 of 4 (R: prop.test(1, 4, correct = FALSE)$conf.int: 0.0456, 0.6994)
    revenue = _revenue({"A": [10, 10, 0, 0], "B": [10, 10, 10, 10], "C": [10, 10, 10, 10],
                        "D": [10, 10, 10, 10]})
    responses = pd.DataFrame({"account_id": list("ABCD"),
                              "response_date": pd.to_datetime(["2024-05-01"] * 4),
                              "ltr": [3, 4, 5, 6]})
    out = cm.churn_by_category(cm.account_movements(revenue), responses)
    d = out.loc["detractor"]
    assert (d["account_periods"], d["lost"]) == (4, 1)
    assert d["ci_low"] == pytest.approx(0.0456, abs=5e-4) and d["ci_high"] == pytest.approx(0.6994, abs=5e-4)
    assert d["revenue_lost"] == 10 and d["revenue_at_risk"] == pytest.approx(30 * 0.25)
    assert out.loc["promoter", "account_periods"] == 0 and np.isnan(out.loc["promoter", "churn_rate"])


def test_a_reason_in_neither_list_and_contradictions(tables):
    lost = tables["lost_customers"].copy()
    lost.loc[lost.index[2], "primary_reason"] = "alien abduction"
    with pytest.raises(DataError, match=r"primary_reason': a reason that is in neither "
                                        r"experience_reasons nor other_reasons in 1 row "
                                        r"\(row 4: 'alien abduction'\)"):
        cm.CustomerMath(**REASONS).fit({**tables, "lost_customers": lost})
    accounts = tables["accounts"].copy()
    gone = accounts.index[accounts["status"].eq("lost")][0]
    accounts.loc[gone, "lost_date"] = pd.Timestamp("2023-01-15")  # yet revenue continues
    bad = {**tables, "accounts": accounts}
    with pytest.raises(DataError, match="revenue after the account's lost_date"):
        cm.CustomerMath(**REASONS).fit(bad)
    shown = cm.CustomerMath(reconciliation="show", **REASONS).fit(bad)
    assert len(shown.reconciliation_) > 0 and "contradiction" in shown.headlines()[-1]
    assert accounts.loc[gone, "account_id"] in shown.contradictions()[0]
    with pytest.raises(ParameterError, match="reconciliation must be error or show"):
        cm.CustomerMath(reconciliation="ignore").fit(tables)


def test_renewal_cohorts_by_hand():
    accounts = pd.DataFrame({
        "account_id": list("ABCDE"),
        "customer_since": pd.to_datetime(["2019-03-01", "2019-07-01", "2019-09-01",
                                          "2023-02-01", "2023-05-01"]),
        "lost_date": pd.to_datetime([None, "2022-06-01", "2023-08-01", "2024-03-01", None])})
    t = cm.renewal_cohorts(accounts, "2023-01-01", "2024-12-31")
    # 2019: seen from 1 Jan 2023 (age 4: A and C; B left before the data), then 2024, 2025
    assert t.loc[2019].dropna().to_dict() == {4: 2.0, 5: 1.0, 6: 1.0}
    # 2023: acquired inside the window: its size at age 0, then 1 Jan 2024 and 2025
    assert t.loc[2023].dropna().to_dict() == {0: 2.0, 1: 2.0, 2: 1.0}


def test_customer_asset_by_hand(tables):
    from cxkit.clv import ShiftedBetaGeometric
    model = ShiftedBetaGeometric.from_params(1.0, 3.0)
    m = cm.account_movements(tables["revenue"], accounts=tables["accounts"])
    asset = cm.customer_asset(model, tables["accounts"], m, "2025-12-31", "Q", 0.25, 0.08)
    assert len(asset) == tables["accounts"]["status"].eq("active").sum()
    a = tables["accounts"].set_index("account_id").loc[asset.index[0]]
    assert asset["renewals"].iloc[0] == 2026 - a["customer_since"].year
    last4 = tables["revenue"][(tables["revenue"]["account_id"] == asset.index[0])
                              & tables["revenue"]["period"].isin(["2025Q1", "2025Q2", "2025Q3",
                                                                  "2025Q4"])]["revenue"].sum()
    assert asset["annual_revenue"].iloc[0] == pytest.approx(last4)
    assert asset["value"].iloc[0] == pytest.approx(
        0.25 * last4 * model.derl(0.08, asset["renewals"].iloc[0]))


def test_lifetime_model_predicts_the_held_out_year_on_the_sample(tables):
    """Fitted on the anniversaries up to 1 January 2025, the model's predictive interval for
    the customers still there on 1 January 2026 holds what happened."""
    from cxkit.clv import ShiftedBetaGeometric
    accounts = tables["accounts"]
    early = cm.renewal_cohorts(accounts, "2023-01-01", "2024-12-31")
    full = cm.renewal_cohorts(accounts, "2023-01-01", "2025-12-31")
    model = ShiftedBetaGeometric().fit(early[early.notna().sum(axis=1) >= 3])
    last_age = early.apply(lambda r: r.last_valid_index(), axis=1)
    now = [early.loc[c, a] for c, a in last_age.items()]
    actual = sum(full.loc[c, a + 1] for c, a in last_age.items())
    p = model.predict_survivors(now, last_age.to_numpy(), random_state=5)
    assert p["ci_low"] <= actual <= p["ci_high"], (p, actual)


def test_the_analysis_values_the_customer_asset(tables):
    c = cm.CustomerMath(**REASONS).fit(tables)
    key = c.key_results()
    assert key["customer_asset"] == pytest.approx(c.asset_["value"].sum())
    assert key["current_customers"] == tables["accounts"]["status"].eq("active").sum()
    text = " ".join(c.lifetime())
    assert "customer asset" in text and "constant retention rate" in text
    assert c.plot_lifetime().get_xlabel() == "years since acquisition"
