"""The data overview computations, on a hand-made portfolio with the arithmetic written out."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cxkit import overview  # noqa: E402
from cxkit.errors import ParameterError  # noqa: E402
from cxkit.io import validate_table  # noqa: E402


@pytest.fixture
def tables():
    accounts = pd.DataFrame({
        "account_id": ["A1", "A2", "A3"], "name": ["a", "b", "c"], "industry": ["x"] * 3,
        "employees": [10, 20, 30], "region": ["r"] * 3, "segment": ["key", "standard", "growth"],
        # A1 a customer all year; A2 joins in Q3; A3 lost in Q2
        "customer_since": ["2020-01-01", "2024-08-01", "2019-01-01"],
        "account_manager": ["m"] * 3, "interaction_frequency": ["weekly"] * 3,
        "status": ["active", "active", "lost"], "lost_date": [None, None, "2024-05-15"]})
    contacts = pd.DataFrame({"contact_id": ["C1", "C2", "C3", "C4"],
                             "account_id": ["A1", "A1", "A2", "A3"],
                             "role": ["decision maker", "user", "influencer", "user"]})
    responses = pd.DataFrame({
        "response_id": ["R1", "R2", "R3", "R4", "R5"],
        "account_id": ["A1", "A1", "A1", "A2", "A3"],
        "contact_id": ["C1", "C1", "C2", "C3", "C4"],
        "response_date": ["2024-01-10", "2024-02-10", "2024-10-01", "2024-11-01", "2024-04-01"],
        "ltr": [9, 10, 6, 7, 3], "product_quality": [8, None, 5, 7, 2]})
    out = {}
    for name, df in {"accounts": accounts, "contacts": contacts, "responses": responses}.items():
        out[name], problems = validate_table(df, name)
        assert not problems, problems
    return out


def test_responses_by_role_counts_every_period(tables):
    t = overview.responses_by_role(tables["responses"], tables["contacts"], "Q")
    assert list(t.index) == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert t.loc["2024Q1", "decision maker"] == 2  # R1, R2 by C1
    assert t.loc["2024Q3", "total"] == 0  # a quiet quarter is shown, as 0
    assert t["total"].sum() == 5


def test_response_rate_is_per_period(tables):
    rates = overview.response_rates(tables["accounts"], tables["contacts"], tables["responses"])
    # A1: 2 contacts x 4 quarters = 8; respondent-quarters: C1 in Q1 (twice, counted once),
    # C2 in Q4 -> 2 / 8
    assert rates.loc["A1", "response_rate"] == pytest.approx(2 / 8)
    # A2 joined in Q3: 1 contact x 2 quarters; C3 in Q4 -> 1 / 2
    assert rates.loc["A2", "periods"] == 2
    assert rates.loc["A2", "response_rate"] == pytest.approx(0.5)
    # A3 lost in Q2: customer in Q1 and Q2; C4 answered in Q2 -> 1 / 2
    assert rates.loc["A3", "response_rate"] == pytest.approx(0.5)
    assert rates.loc["A1", "decision_maker"] and not rates.loc["A2", "decision_maker"]


def test_missingness_skips_fields_empty_by_design(tables):
    m = overview.missingness(tables)
    assert list(zip(m["table"], m["column"])) == [("responses", "product_quality")]
    assert m.loc[0, "share"] == pytest.approx(1 / 5)


def test_summary_sentences_carry_the_numbers(tables):
    ov = overview.Overview().fit(tables)
    text = " ".join(ov.headlines())
    assert "3 accounts (2 active, 1 lost)" in text
    assert "5 survey responses from 4 contacts, from 2024Q1 to 2024Q4" in text
    assert "product quality, blank in 20.0% of responses" in text
    key = ov.key_results()
    assert key["accounts_without_decision_maker"] == 2
    assert key["rows_per_table"] == {"accounts": 3, "contacts": 4, "responses": 5}


def test_bad_period_parameter(tables):
    with pytest.raises(ParameterError, match="period must be one of Q, M, Y"):
        overview.Overview(period="W").fit(tables)


def test_plots_return_their_axis(tables):
    import matplotlib.pyplot as plt
    ov = overview.Overview().fit(tables)
    fig, ax = plt.subplots()
    assert ov.plot_responses_by_role(ax=ax) is ax
    assert ov.plot_response_rates().get_xlabel().startswith("share")
    assert ov.plot_missingness().get_title() == "Where values are missing"
    plt.close("all")
