"""Lifetime value from the tables a client has: one row per customer, month-to-month.

pysurvival 0.1.2's SaaS churn table (``tests/data/saas_churn.csv``: months active, churned)
shaped as a CRM and a billing export by ``tests/data/exports/make_exports.py``:

- ``saas_churn``: customers who joined during 2025, billed every month;
- ``saas_snapshot``: the customers active on 1 December 2025 with their tenure then, the
  churned ones lost in December, billed for the last six months: every departure in the
  last month, as a telecom's churn table is.

Customer math with monthly renewals, read from the accounts' dates, must fit what
``fit_durations`` fits from the one-row-per-customer table itself, and a likelihood
written here customer by customer.
"""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxkit import reports
from cxkit.cli import main
from cxkit.clv import ShiftedBetaGeometric
from cxkit.customer_math import CustomerMath
from cxkit.io import load

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def churn():
    raw = pd.read_csv(DATA / "saas_churn.csv")
    raw = raw[raw["months_active"] >= 1]  # not started yet: not in the exports
    return raw["months_active"].astype(int).to_numpy(), raw["churned"].astype(bool).to_numpy()


def _tables(name):
    return load(DATA / "exports" / name, **reports.tables_of("customer_math"))


def _loglik(a, b, d, lost, entry):
    def betaln(x, y):
        return math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)
    return sum((betaln(a + 1, b + di - 1) if li else betaln(a, b + di)) - betaln(a, b + ei)
               for di, li, ei in zip(d, lost, entry))


def test_monthly_renewals_from_the_crm_dates_fit_the_one_row_table(churn):
    d, lost = churn
    cm = CustomerMath(period="M", renewal="M", currency="USD").fit(_tables("saas_churn"))
    rows = ShiftedBetaGeometric().fit_durations(d, lost)
    assert cm.snapshot_ == "" and cm.clv_.converged_ and cm.clv_.unit == "month"
    assert cm.clv_.alpha_ == pytest.approx(rows.alpha_, rel=1e-8)
    assert cm.clv_.beta_ == pytest.approx(rows.beta_, rel=1e-8)
    # the cohorts' likelihood is the customers' one, written out here
    assert cm.clv_.loglik_ == pytest.approx(_loglik(rows.alpha_, rows.beta_, d, lost,
                                                    np.zeros_like(d)), abs=1e-7)
    text = " ".join(cm.lifetime())
    assert "the month paid for not counted" in text and "a month, the mean of the window" in text
    assert "renew once a month" in cm.lifetime_method()
    key = cm.key_results()
    assert key["renewal"] == "M" and key["current_customers"] == int((~lost).sum())


def test_yearly_renewals_on_a_year_of_monthly_contracts_say_what_to_change():
    cm = CustomerMath(period="M", currency="USD").fit(_tables("saas_churn"))
    assert cm.clv_ is None
    note = cm.lifetime()[0]
    assert note.startswith("No lifetime model") and "set the renewal period to months" in note


def test_a_snapshot_is_said_and_fitted_as_truncated_data(churn):
    d, lost = churn
    cm = CustomerMath(period="M", renewal="M", currency="USD").fit(_tables("saas_snapshot"))
    assert cm.snapshot_ == "2025-12"
    rows = ShiftedBetaGeometric().fit_durations(d, lost, entry=d - 1)
    assert cm.clv_.alpha_ == pytest.approx(rows.alpha_, rel=1e-8)
    assert cm.clv_.beta_ == pytest.approx(rows.beta_, rel=1e-8)
    assert cm.clv_.loglik_ == pytest.approx(_loglik(rows.alpha_, rows.beta_, d, lost, d - 1),
                                            abs=1e-7)
    heads = cm.headlines()
    assert any("the tables are a snapshot of the customers active at the start of 2025-12"
               in h for h in heads)
    # the retention said is December's, counted here: of the customers there at its start
    # (tenure of two months or more; those who joined in December were not), the share
    # still there at its end. Not the window's mean, which the months without a departure
    # the table could hold would lift towards 100 %
    stayed = 1 - lost[d >= 2].mean()
    assert cm.key_results()["mean_logo_retention"] == pytest.approx(stayed, abs=1e-12)
    said = next(h for h in heads if h.startswith("In 2025-12, the only month"))
    assert f"{100 * stayed:.1f}% of customers stayed" in said
    assert not any(h.startswith("Per month, on average") for h in heads)
    # no survey, no KPIs: the experience is unknown, never "0 high-value customers"
    assert not cm.experience_known_ and cm.key_results()["high_value_poor_experience"] is None
    assert any("the customers' experience is unknown" in h for h in heads)
    assert not any("high-value customers have a poor experience" in h for h in heads)


def test_the_snapshot_report_runs_from_the_command_line(tmp_path, capsys):
    folder = tmp_path / "snapshot"
    shutil.copytree(DATA / "exports" / "saas_snapshot", folder)
    out = tmp_path / "out"
    code = main(["run", "customer_math", "-p", "data_dir", str(folder), "-p", "period", "M",
                 "-p", "renewal", "M", "-p", "currency", "USD", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    res = json.loads((out / "customer_math.json").read_text())["results"]
    assert res["snapshot"] == "2025-12" and res["renewal"] == "M"
    html = (out / "customer_math.html").read_text(encoding="utf-8")
    assert "a snapshot of the customers active at the start of 2025-12" in html
    assert "Contracts renew once a month" in html
