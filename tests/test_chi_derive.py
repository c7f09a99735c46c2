"""KPIs by SQL in DuckDB from the raw exports: they match the generator's own computation."""
from __future__ import annotations


import pandas as pd
import pytest

from cxkit.chi import derive_kpis, load_definitions
from cxkit.errors import DataError, ParameterError


@pytest.fixture(scope="module")
def definitions():
    return load_definitions()


def test_sql_reproduces_the_sample_kpis(sample_dir, definitions):
    """Two independent computations: the generator's pandas and the SQL in params."""
    derived = derive_kpis(sample_dir, definitions).set_index(["account_id", "period", "kpi"])
    kpis = pd.read_csv(sample_dir / "kpis.csv.gz")
    expected = kpis[kpis["kpi"].isin(definitions["kpis"])].set_index(
        ["account_id", "period", "kpi"])["value"].sort_index()
    got = derived["value"].sort_index()
    assert got.index.equals(expected.index)  # the same account-periods have each KPI
    # kpis.csv is rounded to 3 decimals; the SQL is not
    assert (got - expected).abs().max() <= 5e-4 + 1e-9


def test_parquet_exports_work_too(tmp_path, sample_dir, definitions):
    for name in ("erp_invoices.csv.gz",):
        pd.read_csv(sample_dir / name, parse_dates=["invoice_date", "due_date", "paid_date"]) \
            .to_parquet(tmp_path / "erp_invoices.parquet")
    out = derive_kpis(tmp_path, definitions, kpis=["invoice_disputes", "days_sales_outstanding"])
    ref = derive_kpis(sample_dir, definitions, kpis=["invoice_disputes", "days_sales_outstanding"])
    pd.testing.assert_frame_equal(out, ref)


def test_bad_definitions_name_the_kpi(tmp_path, sample_dir, definitions):
    broken = dict(definitions, kpis={"web_visits": "SELECT account_id, nonsense FROM web_events"})
    with pytest.raises(ParameterError, match="KPI 'web_visits': BinderException"):
        derive_kpis(sample_dir, broken)
    wrong = dict(definitions, kpis={"web_visits": "SELECT account_id, 1 AS value FROM web_events"})
    with pytest.raises(ParameterError, match="must return account_id, period, value"):
        derive_kpis(sample_dir, wrong)
    with pytest.raises(ParameterError, match="no definition for KPI\\(s\\) 'nps'"):
        derive_kpis(sample_dir, definitions, kpis=["nps"])
    with pytest.raises(DataError, match="data folder not found"):
        derive_kpis(tmp_path / "none", definitions)
    missing = dict(definitions, kpis={"referrals": definitions["kpis"]["referrals"]})
    with pytest.raises(ParameterError, match="KPI 'referrals': CatalogException"):
        derive_kpis(tmp_path, missing)  # no crm_opportunities file in the folder


def test_unreadable_export_is_named(tmp_path, definitions):
    (tmp_path / "web_events.csv").write_bytes(b"\x00\x01garbage\xff")
    with pytest.raises((DataError, ParameterError), match="web_events"):
        derive_kpis(tmp_path, definitions, kpis=["web_visits"])


def test_definition_file_errors(tmp_path):
    bad = tmp_path / "k.yaml"
    bad.write_text("period: W\nkpis: {a: SELECT 1}\n")
    with pytest.raises(ParameterError, match="period must be Q, M or Y"):
        load_definitions(bad)
    bad.write_text("period: Q\nkpis: {a: ''}\n")
    with pytest.raises(ParameterError, match="KPI 'a' has no SQL"):
        load_definitions(bad)


@pytest.mark.parametrize("period,first,previous", [("M", "2023-01", "2022-12"),
                                                   ("Y", "2023", "2022"),
                                                   ("Q", "2023Q1", "2022Q4")])
def test_period_macros(sample_dir, definitions, period, first, previous):
    sql = ("SELECT account_id, cx_period(event_date) AS period, "
           "count(*) AS value FROM web_events GROUP BY ALL")
    out = derive_kpis(sample_dir, dict(definitions, period=period, kpis={"events": sql}))
    assert out["period"].min() == first
    prev = ("SELECT 'x' AS account_id, cx_previous_period(min(cx_period(event_date))) AS period, "
            "1 AS value FROM web_events")
    got = derive_kpis(sample_dir, dict(definitions, period=period, kpis={"p": prev}))
    assert got["period"].iloc[0] == previous


def test_definitions_that_are_not_a_mapping(tmp_path):
    bad = tmp_path / "k.yaml"
    bad.write_text("- SELECT 1\n")
    with pytest.raises(ParameterError, match="expected a mapping with period and kpis"):
        load_definitions(bad)
    bad.write_text("kpis: [\n")
    with pytest.raises(ParameterError, match="not valid YAML at line"):
        load_definitions(bad)
    with pytest.raises(ParameterError, match="KPI definitions not found"):
        load_definitions(tmp_path / "none.yaml")
