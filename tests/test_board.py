"""The board pack: objectives tracked across two plans, sections that degrade, and every
number equal to the same number in the detailed report it comes from."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cxkit import board
from cxkit.board import BoardPack, accounts_at_risk, period_span
from cxkit.errors import ParameterError
from cxkit.io import load
from cxkit.planning.tracking import objective_status, track_objectives

QUICK = {"driver_analysis": {"n_boot": 20}, "chi_scorecard": {"n_boot": 20}}


# ---------------------------------------------------------------- objectives tracking
def _plan(date, period, objectives, answers, chi, lenses, rungs, coverage, frequency):
    """A hand-built plan: what track_objectives reads of a KeyAccountPlanner."""
    accounts = pd.DataFrame({"interaction_frequency": frequency},
                            index=pd.Index(list(frequency), name="account_id"))
    return SimpleNamespace(
        plan_date_=pd.Timestamp(date), plan_period_=period, accounts_=accounts,
        objectives_=pd.DataFrame(objectives), chi_=pd.DataFrame(chi, columns=[
            "account_id", "period", "chi"]),
        answers_=pd.DataFrame(answers, columns=["account_id", "response_date"]).astype(
            {"response_date": "datetime64[ns]"}),
        lenses_=pd.DataFrame(lenses).set_index("account_id"),
        rungs_=pd.DataFrame(rungs).set_index("account_id"),
        coverage_=pd.DataFrame(coverage).set_index("account_id"))


def _objective(account, rule, current, target, item=""):
    return {"account_id": account, "rule": rule, "objective": f"{rule} at {account}",
            "owner": "Dana Lee", "measure": rule, "item": item, "current": float(current),
            "target": float(target), "unit": "%", "due": pd.Timestamp("2025-12-31").date()}


@pytest.fixture
def two_plans():
    objectives = [
        _objective("A1", "lens_lower", 60, 70, "pm_expertise"),     # 60 → 72: met
        _objective("A2", "lens_lower", 50, 60, "data_accuracy"),    # 50 → 53: moving (30%)
        _objective("A3", "lens_lower", 40, 50, "pm_expertise"),     # 40 → 41: not moving
        _objective("A4", "advocacy_play", 20, 50),                  # no answer since: too soon
        _objective("A5", "chi_falling", 38, 46),                    # 38 → 36, new KPI period
        _objective("A6", "chi_falling", 30, 40),                    # no KPI period since
        _objective("A7", "coverage", 0, 1, "decision maker"),       # answered: met
        _objective("A8", "engagement", 12, 52),                     # no history: too soon
        _objective("A9", "lens_lower", 70, 80, "pm_expertise"),     # lost customer
    ]
    ids = [f"A{i}" for i in range(1, 10)]
    lens = [{"account_id": a, "lens": "Project delivery", "value": "data_accuracy",
             "obstacle": "pm_expertise", "value_pct_weighted": v, "obstacle_pct_weighted": o}
            for a, v, o in [("A1", 90, 72), ("A2", 53, 80), ("A3", 90, 41)]]
    earlier = _plan("2025-06-30", "2025Q2", objectives, [], [], lens,
                    [{"account_id": "A4", "advocate": 0.2}],
                    [{"account_id": "A7", "decision maker responses": 0}],
                    dict.fromkeys(ids, "monthly"))
    later = _plan(
        "2025-12-31", "2025Q4", [],
        [("A1", "2025-09-01"), ("A2", "2025-10-01"), ("A3", "2025-11-01"),
         ("A4", "2025-03-01"), ("A7", "2025-08-15")],
        [("A5", "2025Q2", 38.0), ("A5", "2025Q3", 37.0), ("A5", "2025Q4", 36.0),
         ("A6", "2025Q2", 30.0)],
        lens, [{"account_id": "A4", "advocate": 0.6}],
        [{"account_id": "A7", "decision maker responses": 1}],
        {a: "monthly" for a in ids if a != "A9"})
    return earlier, later


def test_objectives_of_the_earlier_plan_are_read_again_on_the_later_one(two_plans):
    t = track_objectives(*two_plans)
    # A9 is no customer on the later plan's date: its objective is counted, lost with it
    assert t["status"].tolist() == ["met", "moving", "not moving", "too soon", "not moving",
                                    "too soon", "met", "too soon", "lost with the account"]
    assert t.loc[8, "account_id"] == "A9"
    assert t["now"].iloc[:3].tolist() == [72.0, 53.0, 41.0]  # the item's side of the lens
    assert t.loc[1, "progress"] == pytest.approx(0.3)
    assert t.loc[4, "progress"] == pytest.approx(-0.25)  # CHI went the wrong way
    assert t.loc[4, "new_periods"] == 2 and t.loc[5, "new_periods"] == 0
    assert t.loc[3, "new_answers"] == 0  # A4's answer predates the earlier plan
    assert t.loc[3, "now"] == 60.0  # the later value exists, but no new evidence behind it


def test_status_thresholds():
    # met at the target; moving from a quarter of the way (also for targets below)
    assert objective_status([40, 40, 40, 10, 10], [50, 50, 50, 5, 5], [50, 42.5, 42.4, 8, 9],
                            [True] * 5, moving_share=0.25).tolist() == [
        "met", "moving", "not moving", "moving", "not moving"]
    assert objective_status([40], [50], [np.nan], [True]).tolist() == ["too soon"]


def test_tracking_on_the_sample_reads_every_objective():
    from cxkit.planning import KeyAccountPlanner
    tables = load("data/sample", optional=["kpis"])
    earlier = KeyAccountPlanner(plan_date="2025-06-30").fit(tables)
    later = KeyAccountPlanner(plan_date="2025-12-31").fit(tables)
    t = track_objectives(earlier, later)
    assert len(t) == len(earlier.objectives_)
    # a measure with new evidence is read (lens, advocacy, coverage, CHI), engagement never
    fresh = t[(t["new_answers"] > 0) | (t["new_periods"] > 0)]
    assert fresh["now"].notna().mean() > 0.9  # an answer may leave out the item measured
    assert (fresh.dropna(subset=["now"])["status"] != "too soon").all()
    # no reading is too soon, or an account lost since: its objectives go with it
    gone = ~t["account_id"].isin(later.accounts_.index)
    assert gone.any() and (t.loc[gone, "status"] == "lost with the account").all()
    assert (t.loc[t["now"].isna() & ~gone, "status"] == "too soon").all()
    assert (t.loc[(t["rule"] == "engagement") & ~gone, "status"] == "too soon").all()


# ---------------------------------------------------------------- pieces
def test_period_span_defaults_and_errors():
    labels = [f"{y}Q{q}" for y in (2023, 2024, 2025) for q in (1, 2, 3, 4)][:-1]  # to 2025Q3
    # the last whole year; no comparison: 2023Q1's start is not in the data
    assert period_span(labels, "Q") == (("2024Q1", "2024Q4"), None)
    assert period_span(labels, "Q", "2024", "2023Q4") == (("2024Q1", "2024Q4"),
                                                          ("2023Q4", "2023Q4"))
    assert period_span(labels, "Q", "2025Q3") == (("2025Q3", "2025Q3"), ("2025Q2", "2025Q2"))
    with pytest.raises(ParameterError, match="report_period '2026'"):
        period_span(labels, "Q", "2026")
    with pytest.raises(ParameterError, match="not whole"):
        period_span(labels, "Q", "2025")  # 2025Q4 is not in the data
    with pytest.raises(ParameterError, match="first period"):
        period_span(labels, "Q", "2023")
    with pytest.raises(ParameterError, match="write a year"):
        period_span(labels, "Q", "last year")


def test_accounts_at_risk_joins_chi_detractors_and_value():
    latest = pd.DataFrame({"name": ["N1", "N2", "N3"], "segment": "key",
                           "account_manager": "M", "chi": [40.0, 70.0, 60.0],
                           "band": ["red", "amber", "amber"], "trend": ["flat", "down", "up"]},
                          index=pd.Index(["A1", "A2", "A3"], name="account_id"))
    to_call = pd.DataFrame({"account_id": ["A3", "A4", "A4"], "name": ["N3", "N4", "N4"],
                            "segment": "key", "account_manager": "M",
                            "annual_revenue": [5.0, 7.0, 7.0]})
    asset = pd.DataFrame({"annual_revenue": [1.0, 2.0, 5.0], "value": [10.0, 30.0, 20.0]},
                         index=pd.Index(["A1", "A2", "A3"], name="account_id"))
    r = accounts_at_risk(latest, to_call, asset)
    assert r.index.tolist() == ["A2", "A3", "A1", "A4"]  # by lifetime value, unknown last
    assert r.loc["A4", "detractors_waiting"] == 2 and r.loc["A4", "annual_revenue"] == 7.0
    assert r.loc["A2", "chi_falling"] and not r.loc["A2", "chi_red"]
    assert np.isnan(r.loc["A4", "lifetime_value"])


# ---------------------------------------------------------------- degradation
@pytest.fixture(scope="module")
def sample_tables():
    return load("data/sample", tables=["accounts"], optional=board.TABLES)


def test_missing_inputs_leave_a_sentence_not_a_failure(sample_tables, tmp_path):
    tables = {k: v for k, v in sample_tables.items()
              if k not in ("lost_customers", "prospects", "kpis", "operations")}
    pack = BoardPack(settings=QUICK).fit(tables)
    losses = " ".join(pack.sentences("losses"))
    assert "lost-customers table" in losses and "At risk now" in losses  # detractors still
    assert "needs KPIs" in " ".join(pack.sentences("health"))
    assert not pack.section("health").available
    assert "prospects table" in " ".join(pack.sentences("growth"))
    assert "operational measures" in " ".join(pack.sentences("loyalty"))
    assert pack.section("practices").numbers["lost_sales"]["coverage"] is None
    assert "lost-customers table" in " ".join(pack.sentences("practices"))
    assert len(pack.headlines()) == 7
    import matplotlib.pyplot as plt
    for name in board.SECTIONS:  # every chart draws (or says why not)
        assert getattr(pack, f"plot_{name}")() is not None
    plt.close("all")
    assert pack.to_excel(tmp_path / "pack.xlsx").is_file()
    json.dumps(pack.key_results(), allow_nan=False)


def test_without_revenue_the_asset_section_says_what_it_needs(sample_tables):
    tables = {k: v for k, v in sample_tables.items() if k != "revenue"}
    pack = BoardPack(settings=QUICK).fit(tables)
    assert not pack.section("asset").available and pack.span_ == ()
    assert pack.headlines()[0] == ("The customer asset: This section needs a revenue table "
                                   "(revenue.csv).")
    assert pack.section("loyalty").available and pack.section("health").available


def test_scope_cuts_every_table_to_the_segment(sample_tables):
    pack = BoardPack(segment="key", settings=QUICK).fit(sample_tables)
    key = set(sample_tables["accounts"].query("segment == 'key'")["account_id"])
    assert pack.scope_["accounts"] == len(key)
    assert set(pack.section("losses").tables["at_risk"].index) <= key
    assert set(pack.analyses_["chi_scorecard"].latest_.index) <= key
    with pytest.raises(ParameterError, match="segment 'kye' is not in the accounts table"):
        BoardPack(segment="kye").fit(sample_tables)


# ---------------------------------------------------------------- against the detailed reports
def _json(demo_dir, name):
    return json.loads((demo_dir / f"{name}.json").read_text())["results"]


def _sheet(demo_dir, report, sheet):
    wb = openpyxl.load_workbook(demo_dir / f"{report}.xlsx", read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_every_number_equals_the_detailed_report(demo_dir):
    pack = _json(demo_dir, "board_pack")
    s = pack["sections"]
    first, last = pack["period"]
    assert (first, last) == ("2025Q1", "2025Q4")

    math = _json(demo_dir, "customer_math")
    asset = s["asset"]
    assert asset["customer_asset"] == pytest.approx(math["customer_asset"], rel=1e-12)
    assert asset["current_customers"] == math["current_customers"]
    assert asset["period"]["end_asset"] == pytest.approx(math["customer_asset"], rel=1e-12)
    # the period's change: the customer math report's quarters of 2025, added up
    change = _sheet(demo_dir, "customer_math", "Asset change").set_index("period")
    quarters = change.loc[[f"2025Q{q}" for q in (1, 2, 3, 4)]]
    for ours, theirs in [("added", "added"), ("taken", "taken"),
                         ("stayed_change", "stayed change")]:
        assert asset["period"][ours] == pytest.approx(quarters[theirs].sum(), rel=1e-9)
    assert asset["period"]["start_asset"] == pytest.approx(change.loc["2024Q4", "end asset"],
                                                           rel=1e-9)
    flows = _sheet(demo_dir, "customer_math", "Flows").set_index("period")
    year = flows.loc[[f"2025Q{q}" for q in (1, 2, 3, 4)]]
    for ours, theirs in [("new", "new"), ("lost", "lost"), ("reactivated", "reactivated"),
                         ("lost_revenue", "lost revenue"), ("new_revenue", "new revenue")]:
        assert asset["period"][ours] == pytest.approx(year[theirs].sum(), rel=1e-9)
    assert asset["period"]["end"] == flows.loc["2025Q4", "end"]

    losses = s["losses"]
    assert losses["experience_share"] == pytest.approx(
        math["experience_share_of_lost_revenue"], rel=1e-12)
    by_year = _sheet(demo_dir, "customer_math", "Lost by year").set_index("period")
    for y, row in losses["by_year"].items():
        assert row["experience"] == pytest.approx(by_year.loc[y, "experience"], rel=1e-9)

    drivers = _json(demo_dir, "driver_analysis")
    loyalty = s["loyalty"]
    assert loyalty["nps"] == drivers["nps"] and loyalty["top_drivers"] == drivers["top_drivers"]
    assert loyalty["fix_now"] == drivers["fix_now"]
    for d in loyalty["top_drivers"]:
        assert loyalty["importance"][d] == drivers["importance"][d]
    m = loyalty["measure"]
    assert {k: m[k] for k in ("r", "rating_per_unit", "measure_per_point")} == \
        drivers["measures"][f"{m['driver']} ~ {m['measure']}"]

    chi = _json(demo_dir, "chi_scorecard")
    health = s["health"]
    for k in ("period", "accounts", "median_chi", "bands", "falling", "rising"):
        assert health[k] == chi[k], k
    for who in ("CHI", "NPS"):
        assert health["predicts_losses"][who] == chi["auc"]["lost_next"][who]

    plan = _json(demo_dir, "portfolio_plan")
    plans = s["plans"]
    for k in ("plan_date", "accounts", "objectives", "objective_owners"):
        assert plans[k] == plan[k], k
    assert sum(plans["tracked"].values()) > 0

    prospects = _json(demo_dir, "prospect_profiling")
    growth = s["growth"]
    for k in ("best_customers", "judged_customers", "base_rate", "rules", "prospects",
              "prospects_matching"):
        assert growth[k] == prospects[k], k

    practices = s["practices"]
    assert practices["buying_influencers"]["coverage"] == pytest.approx(
        1 - plan["coverage_gaps"] / plan["accounts"])
    followed = math["followup_in_time"] / math["detractor_answers"]
    assert practices["front_line"]["coverage"] == pytest.approx(followed)


def test_the_workbook_has_a_sheet_per_section(demo_dir):
    wb = openpyxl.load_workbook(demo_dir / "board_pack.xlsx", read_only=True)
    for n in range(1, 8):
        assert any(name.startswith(f"{n} ") for name in wb.sheetnames), n
    assert wb.sheetnames[0] == "Story"
