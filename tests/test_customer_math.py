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


def test_a_customer_in_and_out_within_a_period_is_not_lost_from_its_start():
    """C joins and leaves in 2024Q3 (lost date inside it): it is new and lost there, but
    it was never in the quarter's starting base, so retention counts A and B only."""
    revenue = _revenue({"A": [10, 10, 10, 10], "B": [10, 10, 0, 0], "C": [0, 0, 6, 0]})
    accounts = pd.DataFrame({"account_id": ["A", "B", "C"], "status": ["active", "lost", "lost"],
                             "lost_date": pd.to_datetime([None, "2024-07-20", "2024-09-10"])})
    f = cm.flows(cm.account_movements(revenue, accounts=accounts))
    q3 = f.loc["2024Q3"]
    assert (q3["start"], q3["new"], q3["lost"], q3["end"], q3["in_and_out"]) == (2, 1, 2, 1, 1)
    _identities(f)
    r = cm.retention(f).loc["2024Q3"]
    assert r["logo_retention"] == pytest.approx(1 / 2)  # A of A and B; not (2 - 2) / 2
    # B's 10 lost of a starting 20; C's 6 came and went within the quarter
    assert r["gross_revenue_retention"] == pytest.approx(10 / 20)


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


def test_the_sample_truth_is_recovered(sample_dir):
    """The generator knows who joined, left and came back when, and the revenue each had:
    the flows read from the tables must be exactly those (truth.json, by construction)."""
    import json
    truth = json.loads((sample_dir / "truth.json").read_text())["customer_math"]
    tables = load(sample_dir, optional=["revenue", "lost_customers"])
    c = cm.CustomerMath(experience_reasons=truth["experience_reasons"],
                        other_reasons=truth["other_reasons"]).fit(tables)
    want = pd.DataFrame(truth["flows"]).T
    got = c.flows_.loc[want.index, want.columns].astype(float)
    counts = ["start", "new", "reactivated", "lost", "end"]
    pd.testing.assert_frame_equal(got[counts], want[counts].astype(float), check_names=False)
    money = [k for k in want.columns if k not in counts]
    np.testing.assert_allclose(got[money], want[money].astype(float), atol=0.011)
    # the sample has what the definitions are about: returns and arrivals across the window
    assert want["reactivated"].sum() == truth["returned_accounts"] > 0
    assert (want["new"] > 0).mean() > 0.8
    # lost revenue by reason, and the experience share
    lbr = c.lost_by_reason_
    for reason, value in truth["lost_revenue_by_reason"].items():
        assert lbr.loc[reason, "revenue_lost"] == pytest.approx(value, abs=0.01)
    assert c.key_results()["experience_share_of_lost_revenue"] == pytest.approx(
        truth["experience_share_of_lost_revenue"])


def test_cohort_survival_recovers_the_true_curve():
    """Each yearly cohort's share still a customer at each anniversary against the true
    expected survival the generator computes from its churn process (truth.json):
    within four standard errors of a proportion on 30,000 accounts."""
    from cxkit import sample
    p = sample.generate(n_accounts=30_000, seed=10, kpis=False)
    t = p.tables
    cohorts = cm.renewal_cohorts(t["accounts"], "2023-01-01", "2025-12-31",
                                 t["lost_customers"])
    true = p.truth["customer_math"]["cohort_survival"]
    checked = 0
    for year, curve in true.items():
        size = cohorts.loc[int(year), 0]
        for age, share in curve.items():
            if age == "0":
                continue
            seen = cohorts.loc[int(year), int(age)] / size
            se = np.sqrt(share * (1 - share) / size)
            assert abs(seen - share) < 4 * se, (year, age, seen, share)
            checked += 1
    assert checked == 6
    # accounts won back are counted as lost at their first departure: without the
    # lost_customers dates the 2023 cohort would look better than it is
    naive = cm.renewal_cohorts(t["accounts"], "2023-01-01", "2025-12-31")
    assert (naive.loc[2023, 3] > cohorts.loc[2023, 3])


def test_closed_loop_recovers_the_follow_ups(small_portfolio):
    """Every detractor's status on the last day, as the generator made it (truth.json)."""
    p = small_portfolio
    truth = p.truth["followups"]
    end = pd.Period(p.truth["generator"]["periods"][-1], freq="Q").end_time.normalize()
    linked = cm.closed_loop(p.tables["responses"], p.latent["followups"], end,
                            truth["within_days"])
    assert linked["status"].value_counts().to_dict() == {
        k: v for k, v in truth["status_counts"].items() if v}
    # with a fifth of the follow-ups logged against the account only, the matching rule
    # recovers nearly all of them
    table = cm.closed_loop(p.tables["responses"], p.tables["followups"], end,
                           truth["within_days"])
    assert p.tables["followups"]["response_id"].isna().mean() > 0.1
    agree = (table["status"] == linked["status"]).mean()
    assert agree > 0.95, agree


def test_closed_loop_by_hand():
    r = pd.DataFrame({"response_id": ["R1", "R2", "R3", "R4"], "account_id": ["A", "A", "B", "C"],
                      "contact_id": ["C1", "C2", "C3", "C4"], "ltr": [2, 6, 5, 9],
                      "response_date": pd.to_datetime(["2024-01-10", "2024-02-01", "2024-01-05",
                                                       "2024-01-05"])})
    f = pd.DataFrame({"account_id": ["A", "A", "B"], "response_id": [None, None, "R3"],
                      "followup_date": pd.to_datetime(["2024-01-15", "2024-03-20", "2024-01-06"]),
                      "outcome": ["call held", "no answer", "issue fixed"]})
    out = cm.closed_loop(r, f, "2024-04-01", within_days=14).set_index("response_id")
    assert list(out.index) == ["R3", "R1", "R2"]  # detractors only, by date
    # A's loose follow-up of 15 January belongs to R1 (before A's next answer, R2)
    assert out.loc["R1", "status"] == "in_time" and out.loc["R1", "days_to_followup"] == 5
    assert out.loc["R2", "status"] == "late" and out.loc["R2", "outcome"] == "no answer"
    assert out.loc["R3", "outcome"] == "issue fixed"
    none = cm.closed_loop(r, None, "2024-02-10", within_days=14).set_index("response_id")
    assert none["status"].tolist() == ["missing", "missing", "due"]


def test_negative_revenue_is_a_period_without_revenue_and_listed():
    revenue = _revenue({"A": [10, -4, 10, 10], "B": [20, 20, 20, 20]})
    m = cm.account_movements(revenue)
    move = m.set_index(["account_id", "period"])["movement"]
    assert move["A", "2024Q2"] == "lost" and move["A", "2024Q3"] == "reactivated"
    f = cm.flows(m)
    _identities(f)
    assert f.loc["2024Q2", "lost_revenue"] == 10 and f.loc["2024Q2", "end_revenue"] == 20
    credit = cm.credits(revenue)
    assert credit.to_dict("records") == [{"account_id": "A", "period": "2024Q2", "revenue": -4}]


def test_negative_revenue_loads_and_is_listed(data_copy):
    folder, corrupt = data_copy

    def credit(df):
        df.loc[5, "revenue"] = "-125.50"
        return df
    corrupt("revenue", credit)
    tables = load(folder, optional=["revenue", "lost_customers"])
    assert tables["revenue"]["revenue"].min() == -125.5
    c = cm.CustomerMath(contradictions="show").fit(tables)
    assert len(c.credits_) == 1 and "credit notes" in " ".join(c.headlines())


def test_new_by_customer_since():
    revenue = _revenue({"A": [0, 0, 10, 10], "B": [10, 10, 10, 10], "C": [10, 10, 10, 10]})
    accounts = pd.DataFrame({"account_id": ["A", "B", "C"],
                             "customer_since": pd.to_datetime(["2024-04-15", "2020-01-01",
                                                               "2024-09-01"]),
                             "status": "active", "lost_date": pd.NaT})
    d = cm.Definitions(new="customer_since")
    m = cm.account_movements(revenue, d, accounts)
    move = m.set_index(["account_id", "period"])["movement"]
    assert move["A", "2024Q2"] == "new" and move["A", "2024Q3"] == "expansion"
    f = cm.flows(m)
    _identities(f)
    assert f.loc["2024Q2", ["new", "new_revenue", "end"]].tolist() == [1, 0, 3]
    # by first revenue, A comes in a quarter later
    plain = cm.flows(cm.account_movements(revenue, accounts=accounts))
    assert plain.loc["2024Q2", "new"] == 0 and plain.loc["2024Q3", "new"] == 1
    problems = cm.reconcile(revenue, accounts, "Q", None, d)
    assert problems["problem"].unique().tolist() == ["revenue_before_customer_since"]
    assert problems["account_id"].unique().tolist() == ["C"]
    assert "first period it has revenue" not in " ".join(d.sentences())
    with pytest.raises(ParameterError, match="new must be one of"):
        cm.Definitions(new="contract")


def test_a_customer_won_back_reconciles():
    revenue = _revenue({"A": [10, 5, 0, 10], "B": [10, 10, 10, 10]})
    accounts = pd.DataFrame({"account_id": ["A", "B"], "status": ["active", "active"],
                             "lost_date": pd.NaT})
    lost = pd.DataFrame({"account_id": ["A", "B"], "lost_date": pd.to_datetime(
        ["2024-05-10", "2024-05-10"]), "primary_reason": ["price", "price"],
        "revenue_lost": [40.0, 40.0]})
    problems = cm.reconcile(revenue, accounts, "Q", lost)
    # A stopped paying after its departure and came back: fine. B never stopped.
    assert problems[["account_id", "problem"]].values.tolist() == [
        ["B", "reason_for_active_account"]]
    m = cm.account_movements(revenue, accounts=accounts, lost_customers=lost[:1])
    move = m.set_index(["account_id", "period"])["movement"]
    assert move["A", "2024Q2"] == "lost" and move["A", "2024Q4"] == "reactivated"
    assert cm.first_departure(accounts, lost).tolist() == list(lost["lost_date"])


def test_asset_change_reconciles_and_ends_at_the_customer_asset(tables):
    from cxkit.clv import ShiftedBetaGeometric
    model = ShiftedBetaGeometric.from_params(1.0, 3.0)
    m = cm.account_movements(tables["revenue"], accounts=tables["accounts"],
                             lost_customers=tables["lost_customers"])
    change = cm.asset_change(model, tables["accounts"], m, "Q", 0.25, 0.08)
    rest = change.iloc[1:]
    np.testing.assert_allclose(rest["start_asset"] + rest["added"] - rest["taken"]
                               + rest["stayed_change"], rest["end_asset"], rtol=1e-10)
    np.testing.assert_allclose(rest["start_asset"].to_numpy()[1:],
                               rest["end_asset"].to_numpy()[:-1])
    asset = cm.customer_asset(model, tables["accounts"], m, "Q", 0.25, 0.08)
    assert change["end_asset"].iloc[-1] == pytest.approx(asset["value"].sum())
    assert (rest["added"] > 0).all() and (rest["taken"] > 0).any()


def test_value_experience_grid_by_hand():
    asset = pd.DataFrame({"value": [900.0, 800, 500, 400, 100, 50],
                          "annual_revenue": [90.0, 80, 50, 40, 10, 5]},
                         index=pd.Index(list("ABCDEF"), name="account_id"))
    experience = pd.Series({"A": "good", "B": "poor", "C": "poor", "D": "fair", "E": "poor"})
    grid, accounts = cm.value_experience_grid(asset, experience)
    assert grid["accounts"].sum() == 6 and grid["asset"].sum() == asset["value"].sum()
    cell = grid.set_index(["value_tier", "experience"])
    assert cell.loc[("high", "poor"), "accounts"] == 1 and cell.loc[("low", "unknown"), "accounts"] == 1
    assert accounts.index[0] == "B"  # high value, poor experience: first
    assert accounts["value_tier"].tolist()[:3] == ["high", "high", "middle"]


def test_churn_by_band_and_trends_by_hand():
    revenue = _revenue({"A": [10, 10, 0, 0], "B": [10, 10, 10, 10]})
    bands = pd.DataFrame({"account_id": ["A", "B", "A", "B"],
                          "period": ["2024Q1", "2024Q1", "2024Q2", "2024Q2"],
                          "chi": [30.0, 80.0, 35.0, 82.0], "band": ["red", "green", "red", "green"]})
    out = cm.churn_by_band(cm.account_movements(revenue), bands)
    assert out.loc["red", ["account_periods", "lost"]].tolist() == [2, 1]
    assert out.loc["green", "lost"] == 0 and out.loc["amber", "account_periods"] == 0
    complaints = pd.DataFrame({"complaint_id": ["K1", "K2", "K3"], "account_id": ["A", "A", "B"],
                               "complaint_date": pd.to_datetime(["2024-01-05", "2024-02-05",
                                                                 "2024-05-01"]),
                               "category": ["Billing", "billing ", "support"],
                               "severity": ["high", "high", "low"],
                               "resolution_days": [4.0, np.nan, 2.0]})
    t = cm.complaint_trends(complaints).set_index(["period", "category", "severity"])
    assert t.loc[("2024Q1", "billing", "high")].tolist() == [2, 1, 4.0, 4.0]
    lost = pd.DataFrame({"account_id": ["A", "B", "C"], "primary_reason": ["Slow support", "price",
                                                                         "slow support"],
                         "lost_date": pd.to_datetime(["2023-03-01", "2023-06-01", "2024-02-01"]),
                         "revenue_lost": [30.0, 10.0, 5.0]})
    trend = cm.lost_by_reason_trend(lost, ["slow support"])
    assert trend.loc["2023"].tolist() == [30.0, 10.0, 0.75]
    assert trend.loc["2024", "experience_share"] == 1.0


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
    lost_customers = pd.DataFrame({"account_id": ["A", "C"],
                                   "lost_date": pd.to_datetime(["2024-05-01", "2024-05-01"])})
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
                        pd.DataFrame({"account_id": [], "lost_date": pd.to_datetime([])})).empty


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
        "Lifetime value", "Renewal cohorts", "Customer asset", "Asset change",
        "Value x experience", "High value poor exp", "Leaky bucket", "Lost by year",
        "Detractors to call", "Closed loop"]
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
    shown = cm.CustomerMath(contradictions="show", **REASONS).fit(bad)
    assert len(shown.reconciliation_) > 0 and "contradiction" in shown.headlines()[-1]
    assert accounts.loc[gone, "account_id"] in shown.contradiction_sentences()[0]
    with pytest.raises(ParameterError, match="contradictions must be error or show"):
        cm.CustomerMath(contradictions="ignore").fit(tables)


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
    m = cm.account_movements(tables["revenue"], accounts=tables["accounts"],
                             lost_customers=tables["lost_customers"])
    asset = cm.customer_asset(model, tables["accounts"], m, "Q", 0.25, 0.08)
    assert len(asset) == tables["accounts"]["status"].eq("active").sum()
    since = tables["accounts"].set_index("account_id")["customer_since"]
    rev = tables["revenue"].set_index(["account_id", "period"])["revenue"]
    last4 = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    # one customer there all year, one acquired in the year: valued at its run rate
    full = next(a for a in asset.index if since[a].year < 2025)
    young = next(a for a in asset.index if since[a] > pd.Timestamp("2025-04-01"))
    for a in (full, young):
        paid = rev[a].reindex(last4).dropna()
        assert asset.loc[a, "annual_revenue"] == pytest.approx(paid.mean() * 4)
        assert asset.loc[a, "renewals"] == 2026 - since[a].year
        assert asset.loc[a, "value"] == pytest.approx(
            0.25 * paid.mean() * 4 * model.derl(0.08, asset.loc[a, "renewals"]))
    assert asset.loc[young, "renewals"] == 1


def test_lifetime_model_predicts_the_held_out_year_on_the_sample(tables):
    """Fitted on the anniversaries up to 1 January 2025, the model's predictive interval for
    the customers still there on 1 January 2026 holds what happened."""
    from cxkit.clv import ShiftedBetaGeometric
    accounts, lost = tables["accounts"], tables["lost_customers"]
    early = cm.renewal_cohorts(accounts, "2023-01-01", "2024-12-31", lost)
    full = cm.renewal_cohorts(accounts, "2023-01-01", "2025-12-31", lost)
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


def test_with_only_accounts_and_revenue_every_part_is_empty_not_missing(tmp_path):
    """Two quarters, no survey, no departures table: no lifetime model, and every table the
    report shows is an empty frame, every chart still draws, the workbook still writes."""
    revenue = pd.DataFrame({"account_id": list("AABBC"),
                            "period": ["2024Q1", "2024Q2", "2024Q1", "2024Q2", "2024Q2"],
                            "revenue": [10.0, 12.0, 5.0, -3.0, 7.0]})
    accounts = pd.DataFrame({"account_id": list("ABC"), "segment": ["key", "growth", "standard"],
                             "name": ["a", "b", "c"], "account_manager": ["x", "y", "z"],
                             "customer_since": pd.to_datetime(["2020-01-01", "2021-01-01",
                                                               "2024-04-02"]),
                             "status": "active", "lost_date": pd.NaT})
    c = cm.CustomerMath().fit({"accounts": accounts, "revenue": revenue})
    assert c.clv_ is None and "No lifetime model" in c.lifetime()[0]
    for frame in (c.detractors_to_call(), c.followups_by_year(), c.complaints_by_category(),
                  c.high_value_poor_experience(), c.asset_, c.asset_change_, c.lost_trend_):
        assert isinstance(frame, pd.DataFrame) and frame.empty
    assert c.grid_["accounts"].sum() == 0
    assert c.credits_["revenue"].tolist() == [-3.0]
    assert "over 1 quarter," in " ".join(c.headlines())
    c.to_excel(tmp_path / "cm.xlsx")
    for plot in ("plot_asset_change", "plot_grid", "plot_lost_trend", "plot_complaints",
                 "plot_lifetime", "plot_cohorts", "plot_lost_by_reason"):
        getattr(c, plot)()
