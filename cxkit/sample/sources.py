"""Raw source exports of the sample portfolio, and the health-index KPIs derived from them.

The Customer Health Index reads 30 KPIs, 3 for each of 10 journey stages. In a real
company most of them are computed from exports of operational systems; this module
simulates those exports for each account and quarter from the stage's latent health,
then computes the KPIs from the exported rows with the definitions in
:data:`KPI_DEFINITIONS`. The KPIs in ``kpis.csv.gz`` are therefore exactly what those
definitions give on the raw tables (rounded to 3 decimals), which lets a SQL
implementation of the definitions be tested against them.

Raw tables (one row per event or record):

- ``web_events`` (marketing automation and web analytics): ``account_id``,
  ``event_date``, ``event_type``;
- ``crm_opportunities``: ``opportunity_id``, ``account_id``, ``created_date``,
  ``close_date``, ``status`` (open/won/lost), ``amount``, ``discount_pct``, ``source``;
- ``support_tickets``: ``ticket_id``, ``account_id``, ``opened_at``,
  ``first_response_at``, ``resolved_at``, ``category``, ``csat`` (1–5);
- ``erp_invoices``: ``invoice_id``, ``account_id``, ``invoice_date``, ``due_date``,
  ``paid_date``, ``amount``, ``disputed``;
- ``product_usage`` (monthly): ``account_id``, ``month``, ``licensed_users``,
  ``active_users``, ``logins``, ``features_used``, ``features_available``.

A row belongs to the quarter of its date (``event_date``, ``close_date``,
``opened_at``, ``invoice_date``, ``month``). A KPI with nothing to compute it from in a
quarter (no ticket, no closed deal) is missing for that account and quarter, as it
would be in practice.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.schemas import RAW_SOURCE_TABLES

# Where each KPI comes from. "direct" KPIs are recorded as they are (a CRM field,
# a project plan), not derived from a raw table.
KPI_DEFINITIONS = {
    "web_visits": ("web_events", "count of event_type 'web_visit'"),
    "newsletter_open_rate_pct": ("web_events", "100 * count 'newsletter_open' / count "
                                               "'newsletter_sent' (missing if none sent)"),
    "event_attendance": ("web_events", "count of event_type 'event_attended'"),
    "content_downloads": ("web_events", "count of event_type 'content_download'"),
    "demo_requests": ("web_events", "count of event_type 'demo_request'"),
    "pricing_page_views": ("web_events", "count of event_type 'pricing_page_view'"),
    "win_rate_pct": ("crm_opportunities", "100 * won / (won + lost), over opportunities "
                                          "closed in the quarter"),
    "sales_cycle_days": ("crm_opportunities", "mean days from created_date to close_date of "
                                              "opportunities won in the quarter"),
    "discount_pct": ("crm_opportunities", "mean discount_pct of opportunities won in the quarter"),
    "referrals": ("crm_opportunities", "count of opportunities with source 'referral' created "
                                       "in the quarter"),
    "onboarding_tickets": ("support_tickets", "count of tickets with category 'onboarding' "
                                              "opened in the quarter"),
    "tickets_per_100_users": ("support_tickets", "100 * tickets opened in the quarter / mean "
                                                 "monthly licensed_users (product_usage)"),
    "first_response_hours": ("support_tickets", "mean hours from opened_at to first_response_at "
                                                "of tickets opened in the quarter"),
    "support_csat_pct": ("support_tickets", "100 * share of rated tickets opened in the quarter "
                                            "with csat 4 or 5"),
    "invoice_disputes": ("erp_invoices", "count of disputed invoices dated in the quarter"),
    "days_sales_outstanding": ("erp_invoices", "mean days from invoice_date to paid_date of paid "
                                               "invoices dated in the quarter"),
    "on_time_payment_pct": ("erp_invoices", "100 * share of invoices dated in the quarter paid "
                                            "by due_date"),
    "active_users_pct": ("product_usage", "100 * sum active_users / sum licensed_users over the "
                                          "quarter's months"),
    "feature_adoption_pct": ("product_usage", "100 * mean of features_used / features_available "
                                              "over the quarter's months"),
    "logins_per_user": ("product_usage", "sum logins / sum active_users over the quarter's months"),
    "seat_growth_pct": ("product_usage", "100 * (mean licensed_users in the quarter / mean in the "
                                         "previous quarter - 1); missing without a previous quarter"),
    "days_to_go_live": ("direct", "project plan: days from contract to go-live"),
    "training_completion_pct": ("direct", "learning system: share of users trained"),
    "renewal_probability_pct": ("direct", "CRM field: account manager's renewal forecast"),
    "contract_utilisation_pct": ("direct", "contract: share of committed volume used"),
    "renewal_decision_days": ("direct", "CRM: days the customer took to decide the last renewal"),
    "upsell_revenue_pct": ("direct", "finance: upsell revenue as a share of revenue"),
    "new_modules": ("direct", "contract: modules added in the quarter"),
    "reference_calls": ("direct", "CRM: reference calls the account took"),
    "survey_response_rate_pct": ("direct", "survey platform: share of invited contacts answering"),
}

# Journey stages: (loading on latent health, [KPI, direction]); the order is the model's.
STAGES = {
    "awareness": (0.20, [("web_visits", "higher"), ("newsletter_open_rate_pct", "higher"),
                         ("event_attendance", "higher")]),
    "consideration": (0.25, [("content_downloads", "higher"), ("demo_requests", "higher"),
                             ("pricing_page_views", "higher")]),
    "purchase": (0.30, [("win_rate_pct", "higher"), ("sales_cycle_days", "lower"),
                        ("discount_pct", "lower")]),
    "onboarding": (0.55, [("days_to_go_live", "lower"), ("training_completion_pct", "higher"),
                          ("onboarding_tickets", "lower")]),
    "adoption": (0.70, [("active_users_pct", "higher"), ("feature_adoption_pct", "higher"),
                        ("logins_per_user", "higher")]),
    "support": (0.75, [("tickets_per_100_users", "lower"), ("first_response_hours", "lower"),
                       ("support_csat_pct", "higher")]),
    "billing": (0.40, [("invoice_disputes", "lower"), ("days_sales_outstanding", "lower"),
                       ("on_time_payment_pct", "higher")]),
    "renewal": (0.65, [("renewal_probability_pct", "higher"), ("contract_utilisation_pct", "higher"),
                       ("renewal_decision_days", "lower")]),
    "expansion": (0.50, [("upsell_revenue_pct", "higher"), ("seat_growth_pct", "higher"),
                         ("new_modules", "higher")]),
    "advocacy": (0.55, [("referrals", "higher"), ("reference_calls", "higher"),
                        ("survey_response_rate_pct", "higher")]),
}

# Direct KPIs: (centre, spread, low, high, decimals); higher stage health moves them
# in their direction.
DIRECT = {
    "days_to_go_live": (55, 18, 5, 240, 0),
    "training_completion_pct": (70, 15, 0, 100, 1),
    "renewal_probability_pct": (78, 12, 0, 100, 1),
    "contract_utilisation_pct": (80, 12, 0, 150, 1),
    "renewal_decision_days": (30, 12, 0, 180, 0),
    "upsell_revenue_pct": (6, 4, 0, 100, 1),
    "new_modules": (0.5, 0.6, 0, 10, 0),
    "reference_calls": (0.5, 0.6, 0, 20, 0),
    "survey_response_rate_pct": (30, 10, 0, 100, 1),
}

WEB_EVENTS = {  # event type: (stage, mean per quarter, sensitivity to stage health)
    "web_visit": ("awareness", 8.0, 0.35),
    "event_attended": ("awareness", 0.8, 0.5),
    "content_download": ("consideration", 2.5, 0.4),
    "demo_request": ("consideration", 0.5, 0.5),
    "pricing_page_view": ("consideration", 3.0, 0.35),
}
NEWSLETTERS_PER_QUARTER = 6
FEATURES_AVAILABLE = 20
KPI_DECIMALS = 3
RAW_TABLES = RAW_SOURCE_TABLES  # the raw exports this module simulates


def _periods(labels, freq: str) -> pd.PeriodIndex:
    """Period labels to a PeriodIndex, parsing each distinct label once (fast)."""
    codes, uniques = pd.factorize(np.asarray(labels))
    return pd.PeriodIndex(uniques, freq=freq)[codes]


def random_dates(rng, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform random day in [lo, hi] (datetime64[D] arrays, hi >= lo)."""
    span = (hi - lo).astype(int) + 1
    return lo + (rng.random(len(lo)) * span).astype(int).astype("timedelta64[D]")


def stage_scores(rng, health_rows: np.ndarray) -> dict[str, np.ndarray]:
    """Each stage's latent score per account-quarter row: loading * health + noise, sd 1."""
    m = len(health_rows)
    return {s: load * health_rows + np.sqrt(1 - load ** 2) * rng.normal(0, 1, m)
            for s, (load, _) in STAGES.items()}


def generate_sources(rng, rows: pd.DataFrame, scores: dict[str, np.ndarray],
                     window_end: np.datetime64) -> dict[str, pd.DataFrame]:
    """Simulate the raw exports (rows sorted by account, then quarter).

    Parameters
    ----------
    rng : numpy.random.Generator
    rows : DataFrame
        One row per account and quarter the account was a customer in, with
        ``account_id``, ``period``, ``lo`` and ``hi`` (first and last customer day in the
        quarter, datetime64[D]), ``revenue`` (of the quarter) and ``employees``.
    scores : dict
        :func:`stage_scores` for the same rows.
    window_end : datetime64[D]
        Last day of the data: later dates (a payment not yet made) are left empty.
    """
    m = len(rows)
    acc = rows["account_id"].to_numpy()
    lo = rows["lo"].to_numpy().astype("datetime64[D]")
    hi = rows["hi"].to_numpy().astype("datetime64[D]")
    days = (hi - lo).astype(int) + 1
    q_start = _periods(rows["period"], "Q").start_time.to_numpy().astype("datetime64[D]")
    q_days = (_periods(rows["period"], "Q").end_time.to_numpy().astype("datetime64[D]")
              - q_start).astype(int) + 1
    share = days / q_days
    out = {}

    # -------------------------------------------------------------- web events
    parts = []
    for etype, (stage, mean, beta) in WEB_EVENTS.items():
        k = rng.poisson(mean * np.exp(beta * scores[stage]) * share)
        idx = np.repeat(np.arange(m), k)
        parts.append(pd.DataFrame({"account_id": acc[idx], "event_date": random_dates(rng, lo[idx], hi[idx]),
                                   "event_type": etype}))
    sent = np.maximum(np.round(NEWSLETTERS_PER_QUARTER * share).astype(int), 1)
    opened = rng.binomial(sent, 1 / (1 + np.exp(-(-0.9 + 0.5 * scores["awareness"]))))
    for etype, k in (("newsletter_sent", sent), ("newsletter_open", opened)):
        idx = np.repeat(np.arange(m), k)
        parts.append(pd.DataFrame({"account_id": acc[idx], "event_date": random_dates(rng, lo[idx], hi[idx]),
                                   "event_type": etype}))
    web = pd.concat(parts, ignore_index=True)
    web["event_date"] = web["event_date"].astype("datetime64[ns]")
    out["web_events"] = web.sort_values(["event_date", "account_id", "event_type"],
                                        kind="stable").reset_index(drop=True)

    # -------------------------------------------------------------- CRM opportunities
    s = scores["purchase"]
    k = rng.poisson(1.0 * share)
    idx = np.repeat(np.arange(m), k)
    n = len(idx)
    created = random_dates(rng, lo[idx], hi[idx])
    cycle = np.maximum(5, np.round(rng.gamma(4.0, np.maximum(75 - 15 * s[idx], 20) / 4.0))).astype(int)
    close = created + cycle.astype("timedelta64[D]")
    won = rng.random(n) < 1 / (1 + np.exp(-(-0.4 + 0.6 * s[idx])))
    status = np.where(won, "won", "lost")
    still_open = close > window_end
    status = np.where(still_open, "open", status)
    discount = np.round(np.clip(12 - 3 * s[idx] + rng.normal(0, 3, n), 0, 60), 1)
    referral_p = 1 / (1 + np.exp(-(-1.6 + 0.6 * scores["advocacy"][idx])))
    source = np.where(rng.random(n) < referral_p, "referral",
                      rng.choice(["inbound", "outbound", "renewal"], n, p=[0.4, 0.3, 0.3]))
    amount = np.round(rows["revenue"].to_numpy()[idx] * rng.lognormal(-1.0, 0.6, n), 2)
    crm = pd.DataFrame({
        "account_id": acc[idx],
        "created_date": created.astype("datetime64[ns]"),
        "close_date": np.where(still_open, np.datetime64("NaT"), close).astype("datetime64[ns]"),
        "status": status, "amount": amount,
        "discount_pct": np.where(status == "won", discount, np.nan), "source": source})
    crm = crm.sort_values("created_date", kind="stable").reset_index(drop=True)
    crm.insert(0, "opportunity_id", [f"O{i:06d}" for i in range(1, n + 1)])
    out["crm_opportunities"] = crm

    # -------------------------------------------------------------- product usage (monthly)
    emp = rows["employees"].to_numpy().astype(float)
    first_of_account = np.r_[True, acc[1:] != acc[:-1]]
    seat_growth = 0.03 + 0.03 * scores["expansion"] + rng.normal(0, 0.03, m)
    seat_growth[first_of_account] = 0.0
    log_base = np.log(np.maximum(5, 0.08 * emp * np.exp(rng.normal(0, 0.3, m))))
    # the account's seat base is set in its first quarter, then grows
    start_idx = np.maximum.accumulate(np.where(first_of_account, np.arange(m), 0))
    cum = np.cumsum(seat_growth)
    licensed_q = np.exp(log_base[start_idx] + cum - cum[start_idx])
    months = []
    for j in range(3):
        month_start = (_periods(rows["period"], "Q").asfreq("M", how="start") + j)
        m_start = month_start.start_time.to_numpy().astype("datetime64[D]")
        m_end = month_start.end_time.to_numpy().astype("datetime64[D]")
        present = (m_end >= lo) & (m_start <= hi)
        sel = np.flatnonzero(present)
        lic = np.maximum(1, np.round(licensed_q[sel] * np.exp(rng.normal(0, 0.02, len(sel))))).astype(int)
        p_active = 1 / (1 + np.exp(-(0.5 + 0.6 * scores["adoption"][sel])))
        active = rng.binomial(lic, p_active)
        logins = rng.poisson(active * 6 * np.exp(0.3 * scores["adoption"][sel]))
        feats = rng.binomial(FEATURES_AVAILABLE, 1 / (1 + np.exp(-(-0.2 + 0.5 * scores["adoption"][sel]))))
        months.append(pd.DataFrame({
            "account_id": acc[sel], "month": month_start[sel].astype(str), "licensed_users": lic,
            "active_users": active, "logins": logins, "features_used": feats,
            "features_available": FEATURES_AVAILABLE, "_row": sel}))
    usage = pd.concat(months, ignore_index=True).sort_values(["account_id", "month"], kind="stable")
    mean_licensed = usage.groupby("_row")["licensed_users"].mean().reindex(range(m)).to_numpy()
    out["product_usage"] = usage.drop(columns="_row").reset_index(drop=True)

    # -------------------------------------------------------------- support tickets
    s = scores["support"]
    users = np.nan_to_num(mean_licensed, nan=5.0)
    k = rng.poisson(users / 100 * 5.0 * np.exp(-0.5 * s) * share)
    idx = np.repeat(np.arange(m), k)
    n = len(idx)
    opened_day = random_dates(rng, lo[idx], hi[idx]).astype("datetime64[s]")
    opened = opened_day + (rng.integers(7 * 3600, 19 * 3600, n)).astype("timedelta64[s]")
    fr_hours = rng.gamma(4.0, np.maximum(6 * np.exp(-0.45 * s[idx]), 0.5) / 4.0)
    first = opened + np.round(fr_hours * 3600).astype("timedelta64[s]")
    resolved = first + np.round(rng.gamma(1.5, 14.0, n) * 3600).astype("timedelta64[s]")
    end = (window_end + np.timedelta64(1, "D")).astype("datetime64[s]")
    quarters_in = np.arange(m) - start_idx  # quarters since the account's first in the data
    new_account = quarters_in[idx] < 2
    onboarding_p = np.where(new_account, 0.5, 0.08) / (1 + np.exp(0.8 * scores["onboarding"][idx])) * 2
    category = np.where(rng.random(n) < onboarding_p, "onboarding",
                        rng.choice(["how-to", "defect", "billing"], n, p=[0.5, 0.35, 0.15]))
    rated = rng.random(n) < 0.4
    good = rng.random(n) < 1 / (1 + np.exp(-(1.3 + 1.2 * s[idx])))
    csat = np.where(good, rng.choice([4, 5], n, p=[0.55, 0.45]), rng.choice([1, 2, 3], n, p=[0.25, 0.3, 0.45]))
    tickets = pd.DataFrame({
        "account_id": acc[idx], "opened_at": opened.astype("datetime64[ns]"),
        "first_response_at": np.where(first < end, first, np.datetime64("NaT")).astype("datetime64[ns]"),
        "resolved_at": np.where(resolved < end, resolved, np.datetime64("NaT")).astype("datetime64[ns]"),
        "category": category,
        "csat": pd.array(np.where(rated & (resolved < end), csat, 0), dtype="Int64")})
    tickets.loc[tickets["csat"].eq(0), "csat"] = pd.NA
    tickets = tickets.sort_values("opened_at", kind="stable").reset_index(drop=True)
    tickets.insert(0, "ticket_id", [f"T{i:06d}" for i in range(1, len(tickets) + 1)])
    out["support_tickets"] = tickets

    # -------------------------------------------------------------- ERP invoices (monthly)
    s = scores["billing"]
    inv = []
    for j in range(3):
        month = _periods(rows["period"], "Q").asfreq("M", how="start") + j
        day = month.start_time.to_numpy().astype("datetime64[D]")
        sel = np.flatnonzero((day >= lo) & (day <= hi))
        inv.append(pd.DataFrame({"account_id": acc[sel], "invoice_date": day[sel], "_row": sel}))
    invoices = pd.concat(inv, ignore_index=True).sort_values(["invoice_date", "account_id"],
                                                             kind="stable").reset_index(drop=True)
    r = invoices["_row"].to_numpy()
    per_quarter = invoices.groupby("_row")["_row"].transform("size").to_numpy()
    n = len(invoices)
    date = invoices["invoice_date"].to_numpy().astype("datetime64[D]")
    pay_days = np.round(rng.gamma(6.0, np.maximum(42 - 8 * s[r], 10) / 6.0)).astype(int)
    paid = date + pay_days.astype("timedelta64[D]")
    out["erp_invoices"] = pd.DataFrame({
        "invoice_id": [f"I{i:06d}" for i in range(1, n + 1)], "account_id": invoices["account_id"],
        "invoice_date": date.astype("datetime64[ns]"),
        "due_date": (date + np.timedelta64(30, "D")).astype("datetime64[ns]"),
        "paid_date": np.where(paid <= window_end, paid, np.datetime64("NaT")).astype("datetime64[ns]"),
        "amount": np.round(rows["revenue"].to_numpy()[r] / per_quarter, 2),
        "disputed": rng.random(n) < 1 / (1 + np.exp(-(-3.0 - 0.8 * s[r])))})
    return out


def _quarter(dates: pd.Series) -> pd.Series:
    return dates.dt.to_period("Q").astype(str)


def derive_kpis(sources: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Compute the derived KPIs from the raw tables, by :data:`KPI_DEFINITIONS`.

    Returns a long table: ``account_id``, ``period``, ``kpi``, ``value``; an
    account-quarter with nothing to compute a KPI from has no row for it.
    """
    parts = []

    def add(series: pd.Series, name: str):
        s = series.replace([np.inf, -np.inf], np.nan).dropna()
        parts.append(pd.DataFrame({"account_id": s.index.get_level_values(0),
                                   "period": s.index.get_level_values(1), "kpi": name,
                                   "value": s.to_numpy(dtype=float)}))

    web = sources["web_events"].assign(period=lambda d: _quarter(d["event_date"]))
    counts = web.groupby(["account_id", "period", "event_type"]).size().unstack(fill_value=0)
    for col in ["web_visit", "event_attended", "content_download", "demo_request",
                "pricing_page_view", "newsletter_sent", "newsletter_open"]:
        if col not in counts:
            counts[col] = 0
    add(counts["web_visit"], "web_visits")
    sent = counts["newsletter_sent"].where(counts["newsletter_sent"] > 0)
    add(100 * counts["newsletter_open"] / sent, "newsletter_open_rate_pct")
    add(counts["event_attended"], "event_attendance")
    add(counts["content_download"], "content_downloads")
    add(counts["demo_request"], "demo_requests")
    add(counts["pricing_page_view"], "pricing_page_views")

    crm = sources["crm_opportunities"]
    closed = crm[crm["status"].isin(["won", "lost"])].assign(period=lambda d: _quarter(d["close_date"]))
    add(100 * closed.assign(won=closed["status"].eq("won"))
        .groupby(["account_id", "period"])["won"].mean(), "win_rate_pct")
    won = closed[closed["status"].eq("won")]
    won = won.assign(cycle=(won["close_date"] - won["created_date"]).dt.days)
    add(won.groupby(["account_id", "period"])["cycle"].mean(), "sales_cycle_days")
    add(won.groupby(["account_id", "period"])["discount_pct"].mean(), "discount_pct")
    created = crm.assign(period=_quarter(crm["created_date"]))
    all_created = created.groupby(["account_id", "period"]).size()
    ref = created[created["source"].eq("referral")].groupby(["account_id", "period"]).size()
    add(ref.reindex(all_created.index, fill_value=0), "referrals")

    usage = sources["product_usage"].assign(
        period=lambda d: _periods(d["month"], "M").asfreq("Q").astype(str))
    gu = usage.groupby(["account_id", "period"])
    sums = gu[["licensed_users", "active_users", "logins"]].sum()
    add(100 * sums["active_users"] / sums["licensed_users"].where(sums["licensed_users"] > 0),
        "active_users_pct")
    add(100 * usage.assign(share=usage["features_used"] / usage["features_available"])
        .groupby(["account_id", "period"])["share"].mean(), "feature_adoption_pct")
    add(sums["logins"] / sums["active_users"].where(sums["active_users"] > 0), "logins_per_user")
    mean_lic = gu["licensed_users"].mean()
    prev = mean_lic.groupby(level=0).shift(1)
    prev_period = pd.Series(mean_lic.index.get_level_values(1), index=mean_lic.index).groupby(
        level=0).shift(1)
    expected_prev = pd.Series(
        (_periods(mean_lic.index.get_level_values(1), "Q") - 1).astype(str),
        index=mean_lic.index)
    prev = prev.where(prev_period.eq(expected_prev))  # only the immediately previous quarter
    add(100 * (mean_lic / prev - 1), "seat_growth_pct")

    t = sources["support_tickets"].assign(period=lambda d: _quarter(d["opened_at"]))
    gt = t.groupby(["account_id", "period"])
    n_tickets = gt.size()
    onboarding = t[t["category"].eq("onboarding")].groupby(["account_id", "period"]).size()
    add(onboarding.reindex(n_tickets.index, fill_value=0), "onboarding_tickets")
    per_user = 100 * n_tickets.reindex(mean_lic.index, fill_value=0) / mean_lic.where(mean_lic > 0)
    add(per_user, "tickets_per_100_users")
    hours = (t["first_response_at"] - t["opened_at"]).dt.total_seconds() / 3600
    add(t.assign(h=hours).groupby(["account_id", "period"])["h"].mean(), "first_response_hours")
    rated = t[t["csat"].notna()]
    add(100 * rated.assign(ok=rated["csat"] >= 4).groupby(["account_id", "period"])["ok"].mean(),
        "support_csat_pct")

    inv = sources["erp_invoices"].assign(period=lambda d: _quarter(d["invoice_date"]))
    gi = inv.groupby(["account_id", "period"])
    add(gi["disputed"].sum().astype(float), "invoice_disputes")
    paid = inv[inv["paid_date"].notna()]
    add(paid.assign(d=(paid["paid_date"] - paid["invoice_date"]).dt.days)
        .groupby(["account_id", "period"])["d"].mean(), "days_sales_outstanding")
    on_time = inv["paid_date"].notna() & (inv["paid_date"] <= inv["due_date"])
    add(100 * inv.assign(ok=on_time).groupby(["account_id", "period"])["ok"].mean(),
        "on_time_payment_pct")

    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].round(KPI_DECIMALS)
    return out


def direct_kpis(rng, rows: pd.DataFrame, scores: dict[str, np.ndarray]) -> pd.DataFrame:
    """The KPIs recorded as they are, drawn around their centre by stage health."""
    stage_of = {k: s for s, (_, kpis) in STAGES.items() for k, _ in kpis}
    direction = {k: d for _, (_, kpis) in STAGES.items() for k, d in kpis}
    m = len(rows)
    parts = []
    for name, (centre, spread, lo, hi, dec) in DIRECT.items():
        sign = 1.0 if direction[name] == "higher" else -1.0
        x = centre + sign * spread * (0.8 * scores[stage_of[name]] + 0.6 * rng.normal(0, 1, m))
        parts.append(pd.DataFrame({"account_id": rows["account_id"].to_numpy(),
                                   "period": rows["period"].to_numpy(), "kpi": name,
                                   "value": np.round(np.clip(x, lo, hi), dec)}))
    return pd.concat(parts, ignore_index=True)


def kpi_table(derived: pd.DataFrame, direct: pd.DataFrame) -> pd.DataFrame:
    """All KPIs, long, in model order within each account and period."""
    order = {k: i for i, k in enumerate(k for _, (_, kpis) in STAGES.items() for k, _ in kpis)}
    out = pd.concat([derived, direct], ignore_index=True)
    out["_o"] = out["kpi"].map(order)
    return (out.sort_values(["account_id", "period", "_o"], kind="stable")
            .drop(columns="_o").reset_index(drop=True))
