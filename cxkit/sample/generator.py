"""A seeded B2B sample portfolio with known truth.

:func:`generate` simulates a portfolio of B2B customer accounts over a run of
quarters: accounts with firmographics, contacts in buying-influencer roles,
relationship-survey responses with driver ratings and comments, quarterly
revenue, operational measures, 30 health-index KPIs, complaints, lost customers
and prospects. Every table follows the data model (``docs/data-model.md``).

The simulation is built so that later analyses can be tested against what is
true by construction, saved as ``truth.json`` beside the tables:

- **Drivers → likelihood to recommend.** ``ltr`` is a linear function of the
  *observed* driver ratings (before some are blanked as skipped) plus a role
  offset, an account effect and noise that are independent of the drivers, then
  rounded and clipped to 0–10. ``truth["drivers"]["effects_on_ltr"]`` holds the
  slopes; their order is the true driver ranking.
- **Operations → drivers.** Some driver ratings move with operational measures
  of the same account and quarter (on-time shipment % → shipping confidence,
  ...). ``truth["operations"]`` holds the slope of the driver on each measure.
- **Loyalty → revenue.** Log revenue growth from one quarter to the next rises
  by ``truth["revenue"]["growth_per_ltr_point"]`` for each point of the
  account's mean ``ltr`` in the quarter (its respondents' mean where it has
  responses), with industry and size controls.
- **Health → churn.** A latent health per account and quarter (an AR(1)
  process) drives the KPIs, the operational measures and a quarterly churn
  logit ``truth["churn"]``. Journey stages reflect health with different
  strengths (``truth["chi"]["stage_loadings"]``).
- **Customers in and out.** Accounts join throughout the window; some lost accounts
  come back after at least a quarter without revenue (active again, their departure kept
  in ``lost_customers``). ``truth["customer_math"]`` holds the customers and revenue in
  and out per quarter as the simulation made them, the lost revenue by reason and the
  expected survival of each yearly cohort.
- **Closed loop.** Detractors are followed up at a rate by segment, some late;
  ``truth["followups"]`` counts them by status.
- **Ideal customer profile.** Advocacy depends on ``ltr`` and on firmographics
  (industry and size); ``truth["ideal_customer_profile"]`` names them.

Examples
--------
>>> from cxkit.sample import generate
>>> p = generate(n_accounts=40, seed=1)
>>> sorted(p.tables)[:3]
['accounts', 'complaints', 'contacts']
>>> p.truth["drivers"]["ranking"][0]
'product_quality'
"""
from __future__ import annotations

import gzip
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ..paths import atomic_write_bytes, atomic_write_text, resolve
from . import sources as src

DEFAULT_SEED = 20261123
DEFAULT_ACCOUNTS = 1000  # enough losses for the proof against churn to be sure
START = "2023Q1"
N_PERIODS = 12

INDUSTRIES = {  # name: (share, effect on advocacy logit: part of the ideal customer profile)
    "Software": (0.18, 0.8),
    "Logistics": (0.14, 0.6),
    "Manufacturing": (0.22, 0.3),
    "Healthcare": (0.14, 0.0),
    "Financial services": (0.12, -0.2),
    "Retail": (0.12, -0.3),
    "Energy": (0.08, 0.0),
}
GROWTH_BY_INDUSTRY = {"Software": 0.010, "Logistics": 0.004, "Manufacturing": 0.0,
                      "Healthcare": 0.003, "Financial services": 0.002, "Retail": -0.004,
                      "Energy": -0.002}
REGIONS = {"North America": 0.4, "EMEA": 0.35, "APAC": 0.18, "LATAM": 0.07}
SIZE_SWEET_SPOT = (200, 2000)  # employees: the size band most likely to advocate
SIZE_EFFECT = 0.7

# True effect of each driver rating on likelihood to recommend (points of ltr per
# point of driver), mean rating and noise. Ordered by effect: the true ranking.
DRIVERS = {
    "product_quality": (0.40, 7.4),
    "shipping_confidence": (0.30, 7.0),
    "pm_expertise": (0.22, 7.2),
    "data_accuracy": (0.15, 7.5),
    "support_responsiveness": (0.10, 6.9),
    "value_for_money": (0.06, 6.8),
    "ease_of_doing_business": (0.03, 7.3),
    "communication": (0.01, 7.6),
}
LTR_MEAN = 7.9
LTR_NOISE_SD = 0.8
ACCOUNT_LTR_SD = 0.4
ROLE_OFFSETS = {"decision maker": -0.3, "influencer": 0.0, "user": 0.2}
RESPONSE_RATE = {"decision maker": 0.16, "influencer": 0.22, "user": 0.25}
MISSING_RATE = {"support_responsiveness": 0.10}  # others 0.04

# Operational measures: (base, slope on health, noise sd, low, high).
OPERATIONS = {
    "on_time_shipment_pct": (91.0, 3.0, 2.5, 40.0, 100.0),
    "expedited_shipment_pct": (9.0, -2.0, 2.0, 0.0, 60.0),
    "ticket_resolution_hours": (20.0, -4.0, 5.0, 1.0, 200.0),
    "data_error_rate_pct": (2.0, -0.6, 0.5, 0.0, 20.0),
}
MEETINGS = {"weekly": 12, "monthly": 3, "quarterly": 1}
# Driver slopes on operational measures (rating points per unit of the measure),
# applied around the measure's base.
OPERATION_EFFECTS = {
    "shipping_confidence": {"on_time_shipment_pct": 0.12, "expedited_shipment_pct": -0.08},
    "support_responsiveness": {"ticket_resolution_hours": -0.06},
    "data_accuracy": {"data_error_rate_pct": -0.6},
    "communication": {"pm_meetings": 0.08},
}
PM_EFFECT_SD = 0.8  # project-manager effect on pm_expertise ratings

GROWTH_PER_LTR_POINT = 0.02
GROWTH_BASE = 0.006
GROWTH_NOISE_SD = 0.05
GROWTH_PER_LOG_EMPLOYEES = 0.002
CHURN_INTERCEPT = -4.2
CHURN_HEALTH = -1.0
HEALTH_AR = 0.7
RETURN_RATE = 0.05  # per quarter, for a lost account after a whole quarter without revenue
FOLLOWUP_RATE = {"key": 0.8, "growth": 0.6, "standard": 0.4}  # detractors followed up
FOLLOWUP_DELAY = (2.0, 5.0)  # gamma shape and scale of the days to a follow-up (mean 10)
FOLLOWUP_DAYS = 14  # the deadline truth.json counts against
FOLLOWUP_OUTCOMES = {"call held": 0.45, "issue fixed": 0.25, "escalated": 0.1, "no answer": 0.2}

FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Robin", "Jamie", "Avery", "Riley",
         "Dana", "Quinn", "Rita", "Omar", "Lena", "Marco", "Priya", "Kenji", "Sofia", "Tom",
         "Anna", "Ben", "Chloe", "David", "Elena", "Felix", "Grace", "Hugo", "Ines", "Jonas",
         "Karin", "Luis", "Maya", "Nils", "Olga", "Pavel", "Ruth", "Stefan", "Tara", "Yusuf"]
LAST = ["Meyer", "Okafor", "Silva", "Novak", "Larsen", "Kowalski", "Haddad", "Ito", "Brennan",
        "Fischer", "Rossi", "Nguyen", "Patel", "Schmidt", "Dubois", "Ortega", "Walsh", "Berg",
        "Andersen", "Baker", "Costa", "Dahl", "Evans", "Fontaine", "Garcia", "Horvat", "Jensen",
        "Keller", "Lindqvist", "Moreau", "Nakamura", "O'Brien", "Petrov", "Quinlan", "Richter",
        "Sato", "Torres", "Varga", "Weber", "Young"]
NAME_A = ["Apex", "Blue", "Cedar", "Delta", "Echo", "Falcon", "Granite", "Harbor", "Iron", "Juniper",
          "Keystone", "Lumen", "Meridian", "North", "Orbit", "Pioneer", "Quarry", "Ridge", "Summit",
          "Titan", "Union", "Vertex", "West", "Zenith"]
NAME_B = ["Analytics", "Logistics", "Systems", "Health", "Foods", "Energy", "Materials", "Labs",
          "Retail", "Partners", "Dynamics", "Networks", "Industries", "Capital", "Works"]
NAME_C = ["Inc", "GmbH", "Ltd", "AG", "LLC", "SA", "BV", "Corp"]

LOSS_REASONS = {  # reason: the operational measure whose shortfall makes it likely
    "late or unreliable shipments": "on_time_shipment_pct",
    "data quality problems": "data_error_rate_pct",
    "slow support": "ticket_resolution_hours",
    "project management fell short": None,
}
OTHER_LOSS_REASONS = ["budget cuts", "acquired by another company", "price"]
#: driver -> the operational measures of the sample that may move it
MEASURES = {"shipping_confidence": ["on_time_shipment_pct", "expedited_shipment_pct"],
            "support_responsiveness": ["ticket_resolution_hours"],
            "data_accuracy": ["data_error_rate_pct"],
            "communication": ["pm_meetings"]}
COMPLAINT_CATEGORIES = ["shipping", "data accuracy", "support", "billing", "project management"]

POSITIVE = {
    "product_quality": "The product does exactly what we need.",
    "shipping_confidence": "Deliveries always arrive when promised.",
    "pm_expertise": "Our project manager really knows our business.",
    "data_accuracy": "The data we get is accurate and we trust it.",
    "support_responsiveness": "Support answers fast and fixes things.",
    "value_for_money": "Good value for what we pay.",
    "ease_of_doing_business": "Easy to work with, no red tape.",
    "communication": "They keep us informed at every step.",
}
NEGATIVE = {
    "product_quality": "Too many defects in the last release.",
    "shipping_confidence": "Shipments were late again; we had to expedite twice.",
    "pm_expertise": "The project manager did not understand our requirements.",
    "data_accuracy": "We keep finding errors in the reports.",
    "support_responsiveness": "Tickets sit for days before anyone answers.",
    "value_for_money": "The price went up but the service did not.",
    "ease_of_doing_business": "Contracts and invoicing are a maze.",
    "communication": "We only hear from you when you want to sell something.",
}
# Real customers type these too; they must stay text in every report and workbook.
AWKWARD = ["=== Great support this quarter ===", "+1 for the new portal",
           "-- late shipments again --", "@Rita in support saved our launch",
           "<b>Fix</b> the invoice portal & the <script> errors", "=SUM(A1:A3) looks wrong on invoices"]


@dataclass
class SampleData:
    """A generated portfolio: the tables of the data model, the truth, and latents.

    Attributes
    ----------
    tables : dict of str to DataFrame
        The input tables, as they would be exported (see ``docs/data-model.md``).
    truth : dict
        What is true by construction (saved as ``truth.json``).
    latent : dict of str to DataFrame
        Unobserved quantities for tests, e.g. ``latent["health"]`` (account_id,
        period, health, churned) and ``latent["followups"]`` (the follow-ups table with
        every row's response named, as the simulation linked them).
    """

    tables: dict[str, pd.DataFrame]
    truth: dict
    latent: dict[str, pd.DataFrame] = field(default_factory=dict)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _ids(prefix: str, n: int, width: int = 5) -> np.ndarray:
    width = max(width, len(str(n)))
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def _people(rng, n_people: int) -> np.ndarray:
    """``n_people`` distinct "First Last" names, drawn without replacement.

    Beyond the 1,600 first-and-last combinations a middle initial keeps names distinct
    ("Alex J. Meyer"), up to 41,600 people.
    """
    combos = len(FIRST) * len(LAST)
    initials = [""] if n_people <= combos else [f" {c}." for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    if n_people > combos * len(initials):
        raise ValueError(f"at most {combos * len(initials):,} distinct names, not {n_people:,}")
    pick = rng.choice(combos * len(initials), n_people, replace=False)
    name, middle = np.divmod(pick, len(initials))
    first, last = np.divmod(name, len(LAST))
    return np.array([f"{FIRST[f]}{initials[m]} {LAST[l]}" for f, m, l in zip(first, middle, last)])


def generate(n_accounts: int = DEFAULT_ACCOUNTS, seed: int = DEFAULT_SEED, start: str = START,
             n_periods: int = N_PERIODS, kpis: bool = True, n_prospects: int | None = None,
             progress: bool | None = False) -> SampleData:
    """Simulate a B2B portfolio with known truth.

    Parameters
    ----------
    n_accounts : int
        Number of accounts (1,000 for the bundled sample; 100,000 for benchmarks).
    seed : int
        Random seed: the same seed and size give the same portfolio.
    start : str
        First quarter, e.g. ``"2023Q1"``.
    n_periods : int
        Number of quarters.
    kpis : bool
        Whether to generate the health-index KPIs (30 per account and quarter) and the
        raw source tables they derive from (see :mod:`cxkit.sample.sources`).
    n_prospects : int, optional
        Number of prospects; default half the number of accounts.
    progress : bool or None
        Show a progress bar over the generation steps (None: only on a terminal).

    Returns
    -------
    SampleData
        ``tables``, ``truth`` and ``latent``.
    """
    if n_accounts < 10:
        raise ValueError("n_accounts must be at least 10")
    steps = tqdm(total=4 if kpis else 2, desc="sample portfolio", unit="step",
                 disable=None if progress is None else not progress)
    steps.set_postfix_str("accounts, health, surveys")
    rng = np.random.default_rng(seed)
    n, T = int(n_accounts), int(n_periods)
    periods = pd.period_range(start, periods=T, freq="Q")
    p_start = periods.start_time.values.astype("datetime64[D]")
    p_end = periods.end_time.values.astype("datetime64[D]")
    labels = np.array([str(p) for p in periods])

    # ---------------------------------------------------------------- accounts
    ind_names = list(INDUSTRIES)
    ind_p = np.array([INDUSTRIES[i][0] for i in ind_names])
    industry = rng.choice(ind_names, n, p=ind_p / ind_p.sum())
    employees = np.clip(np.round(np.exp(rng.normal(np.log(450), 1.25, n))), 10, 200_000).astype(int)
    region = rng.choice(list(REGIONS), n, p=list(REGIONS.values()))
    base_rev = 1_500 * employees ** 0.75 * np.exp(rng.normal(0, 0.5, n)) / 4  # per quarter
    rank = base_rev.argsort().argsort() / n
    segment = np.where(rank >= 0.85, "key", np.where(rank >= 0.55, "growth", "standard"))
    freq_p = {"key": [0.6, 0.35, 0.05], "growth": [0.3, 0.5, 0.2], "standard": [0.1, 0.5, 0.4]}
    frequency = np.empty(n, dtype=object)
    for seg, p in freq_p.items():
        m = segment == seg
        frequency[m] = rng.choice(list(MEETINGS), m.sum(), p=p)
    window0 = p_start[0]
    joined_in = rng.random(n) < 0.15
    early = np.datetime64("2012-01-01")
    since = np.where(
        joined_in,
        src.random_dates(rng, np.full(n, window0), np.full(n, p_start[-1] - np.timedelta64(1, "D"))),
        src.random_dates(rng, np.full(n, early), np.full(n, window0 - np.timedelta64(1, "D"))))
    n_managers = max(4, n // 25)
    people = _people(rng, n_managers + max(6, n // 15))  # no manager shares a PM's name
    managers, pms = people[:n_managers], people[n_managers:]
    account_manager = rng.choice(managers, n)
    pm_index = rng.integers(0, len(pms), n)
    pm_effect = rng.normal(0, PM_EFFECT_SD, len(pms))[pm_index]
    names = np.char.add(np.char.add(np.char.add(rng.choice(NAME_A, n), " "),
                                    np.char.add(rng.choice(NAME_B, n), " ")),
                        rng.choice(NAME_C, n))
    account_id = _ids("A", n)
    ind_effect = np.array([INDUSTRIES[i][1] for i in industry])
    in_sweet_spot = (employees >= SIZE_SWEET_SPOT[0]) & (employees <= SIZE_SWEET_SPOT[1])
    icp = ind_effect + SIZE_EFFECT * in_sweet_spot

    # ---------------------------------------------------------------- health, churn
    u = rng.normal(0, 1, n)  # persistent account health
    g = rng.normal(0, 1, n)  # how the account's people see us, independent of health: health
    #                          reaches ratings only through the operational measures
    e = rng.normal(0, 1, n)
    health = np.empty((n, T))
    for t in range(T):
        if t:
            e = HEALTH_AR * e + np.sqrt(1 - HEALTH_AR ** 2) * rng.normal(0, 1, n)
        health[:, t] = 0.6 * u + 0.8 * e
    # Active in quarter t: joined by its end and not lost before its start (or back).
    # A second stream draws what later issues added (returns, follow-ups), so the draws
    # of the first stream stay where they were.
    rng2 = np.random.default_rng([seed, 2])
    joined_by = since[:, None] <= p_end[None, :]
    lost_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")  # first departure
    lost_q = np.full(n, -1)
    back_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    back_q = np.full(n, -1)
    active = np.zeros((n, T), dtype=bool)
    alive = np.ones(n, dtype=bool)
    for t in range(T):
        # a lost account may come back after at least one whole quarter without revenue
        can = ~alive & (lost_q >= 0) & (lost_q <= t - 2) & (back_q < 0)
        back = np.flatnonzero(can & (rng2.random(n) < RETURN_RATE))
        back_date[back] = src.random_dates(rng2, np.full(len(back), p_start[t]),
                                        np.full(len(back), p_end[t]))
        back_q[back] = t
        alive[back] = True
        at_risk = alive & joined_by[:, t]
        active[:, t] = at_risk
        churn = at_risk & (back_q < 0) & (
            rng.random(n) < _sigmoid(CHURN_INTERCEPT + CHURN_HEALTH * health[:, t]))
        first_day = np.maximum(p_start[t], since[churn] + np.timedelta64(1, "D"))
        ok = first_day <= p_end[t]
        idx = np.flatnonzero(churn)[ok]
        lost_date[idx] = src.random_dates(rng, first_day[ok], np.full(ok.sum(), p_end[t]))
        lost_q[idx] = t
        alive[idx] = False
    returned = back_q >= 0
    q_idx = np.arange(T)[None, :]
    second = returned[:, None] & (q_idx >= back_q[:, None])  # cells of the second spell
    loss_cell = q_idx == lost_q[:, None]  # the quarter of the (first) departure
    # each cell's first and last day as a customer, and the share of the quarter
    begin = np.where(second, np.maximum(back_date[:, None], p_start[None, :]),
                     np.maximum(since[:, None], p_start[None, :]))
    finish = np.where(loss_cell, np.minimum(lost_date[:, None], p_end[None, :]), p_end[None, :])
    days = np.array((p_end - p_start).astype(int) + 1, dtype=float)
    share = np.clip(((finish - begin).astype(int) + 1) / days[None, :], 0, 1) * active
    # the last day a customer can still answer a survey: the day before it leaves
    last_day = np.where(loss_cell, finish - np.timedelta64(1, "D"), finish)

    # ---------------------------------------------------------------- operations
    ops = {}
    for name, (base, slope, sd, lo, hi) in OPERATIONS.items():
        ops[name] = np.round(np.clip(base + slope * health + rng.normal(0, sd, (n, T)), lo, hi), 1)
    meetings_mean = np.array([MEETINGS[f] for f in frequency], dtype=float)
    ops["pm_meetings"] = rng.poisson(meetings_mean[:, None] * np.ones((1, T))).astype(float)
    op_base = {k: v[0] for k, v in OPERATIONS.items()} | {"pm_meetings": 4.0}

    # ---------------------------------------------------------------- contacts
    extra = {"key": 5.0, "growth": 3.0, "standard": 1.5}
    n_contacts = np.minimum(2 + rng.poisson([extra[s] for s in segment]), 12)
    c_account = np.repeat(np.arange(n), n_contacts)
    n_c = len(c_account)
    first_of_account = np.r_[True, c_account[1:] != c_account[:-1]]
    role = rng.choice(["decision maker", "influencer", "user"], n_c, p=[0.15, 0.35, 0.5])
    role[first_of_account] = "decision maker"
    contact_id = _ids("C", n_c, 6)

    # ---------------------------------------------------------------- responses
    rate = np.array([RESPONSE_RATE[r] for r in role])
    responds = (rng.random((n_c, T)) < rate[:, None]) & active[c_account]
    r_contact, r_t = np.nonzero(responds)
    r_acc = c_account[r_contact]
    lo_day = begin[r_acc, r_t]
    hi_day = last_day[r_acc, r_t]
    keep = hi_day >= lo_day
    r_contact, r_t, r_acc, lo_day, hi_day = (a[keep] for a in (r_contact, r_t, r_acc, lo_day, hi_day))
    order = np.lexsort((r_contact, r_t))  # chronological ids
    r_contact, r_t, r_acc, lo_day, hi_day = (a[order] for a in (r_contact, r_t, r_acc, lo_day, hi_day))
    n_r = len(r_contact)
    r_date = src.random_dates(rng, lo_day, hi_day)
    halo = rng.normal(0, 1, n_r)
    ratings = {}
    for d, (_effect, mean) in DRIVERS.items():
        x = mean + 0.6 * g[r_acc] + 0.5 * halo + rng.normal(0, 1.2, n_r)
        for measure, slope in OPERATION_EFFECTS.get(d, {}).items():
            x = x + slope * (ops[measure][r_acc, r_t] - op_base[measure])
        if d == "pm_expertise":
            x = x + pm_effect[r_acc]
        ratings[d] = np.clip(np.round(x), 0, 10)
    account_ltr = rng.normal(0, ACCOUNT_LTR_SD, n)
    r_role = role[r_contact]
    latent_ltr = (LTR_MEAN + sum(DRIVERS[d][0] * (ratings[d] - DRIVERS[d][1]) for d in DRIVERS)
                  + np.array([ROLE_OFFSETS[r] for r in r_role]) + account_ltr[r_acc]
                  + rng.normal(0, LTR_NOISE_SD, n_r))
    ltr = np.clip(np.round(latent_ltr), 0, 10)
    for d in DRIVERS:  # respondents skip some questions
        skip = rng.random(n_r) < MISSING_RATE.get(d, 0.04)
        ratings[d] = np.where(skip, np.nan, ratings[d])
    prompted = rng.random(n_r) < _sigmoid(-5.5 + 0.75 * ltr + 0.8 * icp[r_acc])
    unprompted = rng.random(n_r) < _sigmoid(-10.0 + 0.95 * ltr + 1.0 * icp[r_acc])
    comments = _comments(rng, ltr, ratings)
    responses = pd.DataFrame({
        "response_id": _ids("R", n_r, 6), "account_id": account_id[r_acc],
        "contact_id": contact_id[r_contact], "response_date": r_date.astype("datetime64[ns]"),
        "ltr": ltr.astype(int), **{d: ratings[d] for d in DRIVERS},
        "prompted_advocacy": prompted, "unprompted_advocacy": unprompted, "comment": comments})

    # ---------------------------------------------------------------- revenue
    ltr_sum = np.zeros((n, T))
    ltr_n = np.zeros((n, T))
    np.add.at(ltr_sum, (r_acc, r_t), ltr)
    np.add.at(ltr_n, (r_acc, r_t), 1)
    expected_ltr = LTR_MEAN + 0.6 * g * sum(b for b, _ in DRIVERS.values())
    loyalty = np.where(ltr_n > 0, ltr_sum / np.maximum(ltr_n, 1), expected_ltr[:, None])
    growth_ind = np.array([GROWTH_BY_INDUSTRY[i] for i in industry])
    growth = (GROWTH_BASE + GROWTH_PER_LTR_POINT * (loyalty - 7.5) + growth_ind[:, None]
              + GROWTH_PER_LOG_EMPLOYEES * (np.log(employees)[:, None] - 6)
              + rng.normal(0, GROWTH_NOISE_SD, (n, T)))
    level = np.log(base_rev)[:, None] + np.concatenate(
        [np.zeros((n, 1)), np.cumsum(growth[:, :-1], axis=1)], axis=1)
    revenue_full = np.exp(level)
    a_idx, t_idx = np.nonzero(share > 0)
    revenue = pd.DataFrame({"account_id": account_id[a_idx], "period": labels[t_idx],
                            "revenue": np.round(revenue_full[a_idx, t_idx] * share[a_idx, t_idx], 2)})

    # ---------------------------------------------------------------- operations table
    operations = pd.DataFrame({"account_id": account_id[a_idx], "period": labels[t_idx],
                               **{k: v[a_idx, t_idx] for k, v in ops.items()}})

    # ---------------------------------------------------------------- accounts table
    # a returned account is active again; its departure stays in lost_customers
    final_lost = np.where(returned, np.datetime64("NaT"), lost_date)
    status = np.where(np.isnat(final_lost), "active", "lost")
    accounts = pd.DataFrame({
        "account_id": account_id, "name": names, "industry": industry, "employees": employees,
        "region": region, "segment": segment, "customer_since": since.astype("datetime64[ns]"),
        "account_manager": account_manager, "project_manager": pms[pm_index],
        "interaction_frequency": frequency.astype(str), "status": status,
        "lost_date": final_lost.astype("datetime64[ns]")})
    contacts = pd.DataFrame({"contact_id": contact_id, "account_id": account_id[c_account],
                             "role": role})

    # ---------------------------------------------------------------- lost customers
    lost = np.flatnonzero(~np.isnat(lost_date))
    last_t = lost_q[lost]
    z = {k: (ops[k][lost, last_t] - OPERATIONS[k][0]) / OPERATIONS[k][2] * np.sign(OPERATIONS[k][1])
         for k in OPERATIONS if k != "expedited_shipment_pct"}
    reasons = []
    for j, i in enumerate(lost):
        if rng.random() < 0.3:
            reasons.append(rng.choice(OTHER_LOSS_REASONS))
            continue
        scores = {r: (z[m][j] if m else pm_effect[i] / PM_EFFECT_SD) for r, m in LOSS_REASONS.items()}
        reasons.append(min(scores, key=scores.get))
    lost_customers = pd.DataFrame({
        "account_id": account_id[lost], "lost_date": lost_date[lost].astype("datetime64[ns]"),
        "primary_reason": np.array(reasons, dtype=str),
        "revenue_lost": np.round(4 * revenue_full[lost, last_t], 2)})

    # ---------------------------------------------------------------- complaints
    lam = np.exp(-1.6 - 0.8 * health) * share
    k = rng.poisson(lam)
    c_acc, c_t = np.nonzero(k)
    reps = k[c_acc, c_t]
    c_acc, c_t = np.repeat(c_acc, reps), np.repeat(c_t, reps)
    c_lo, c_hi = begin[c_acc, c_t], finish[c_acc, c_t]
    c_date = src.random_dates(rng, c_lo, np.maximum(c_hi, c_lo))
    order = np.argsort(c_date, kind="stable")
    c_acc, c_date = c_acc[order], c_date[order]
    n_k = len(c_acc)
    resolution = np.round(rng.gamma(2.0, 4.0, n_k), 1)
    open_ = c_date > (p_end[-1] - np.timedelta64(14, "D"))
    open_ &= rng.random(n_k) < 0.5
    complaints = pd.DataFrame({
        "complaint_id": _ids("K", n_k, 5), "account_id": account_id[c_acc],
        "complaint_date": c_date.astype("datetime64[ns]"),
        "category": rng.choice(COMPLAINT_CATEGORIES, n_k, p=[0.3, 0.2, 0.25, 0.15, 0.1]),
        "severity": rng.choice(["low", "medium", "high"], n_k, p=[0.5, 0.35, 0.15]),
        "resolution_days": np.where(open_, np.nan, resolution)})

    # ---------------------------------------------------------------- prospects
    n_p = n_prospects if n_prospects is not None else max(20, n // 2)
    p_ind = rng.choice(ind_names, n_p, p=ind_p / ind_p.sum())
    p_emp = np.clip(np.round(np.exp(rng.normal(np.log(400), 1.3, n_p))), 10, 200_000).astype(int)
    prospects = pd.DataFrame({
        "prospect_id": _ids("P", n_p, 5),
        "name": np.char.add(np.char.add(rng.choice(NAME_B, n_p), " "), rng.choice(NAME_A, n_p)),
        "industry": p_ind, "employees": p_emp,
        "region": rng.choice(list(REGIONS), n_p, p=list(REGIONS.values())),
        "decision_makers": rng.poisson(0.8, n_p), "influencers": rng.poisson(1.2, n_p),
        "users": rng.poisson(1.5, n_p)})

    steps.update()
    steps.set_postfix_str("raw sources")
    tables = {"accounts": accounts, "contacts": contacts, "responses": responses,
              "revenue": revenue, "operations": operations, "complaints": complaints,
              "lost_customers": lost_customers, "prospects": prospects}
    if kpis:
        rows = pd.DataFrame({"account_id": account_id[a_idx], "period": labels[t_idx],
                             "lo": begin[a_idx, t_idx], "hi": finish[a_idx, t_idx],
                             "revenue": revenue["revenue"].to_numpy(),
                             "employees": employees[a_idx]})
        scores = src.stage_scores(rng, health[a_idx, t_idx])
        raw = src.generate_sources(rng, rows, scores, p_end[-1])
        steps.update()
        steps.set_postfix_str("KPIs")
        tables["kpis"] = src.kpi_table(src.derive_kpis(raw), src.direct_kpis(rng, rows, scores))
        steps.update()
        tables.update(raw)

    # ---------------------------------------------------------------- follow-ups of detractors
    tables["followups"], followed, linked = _followups(rng2, responses, segment, account_id,
                                                       p_end[-1])
    # prospect lists are never complete: some sizes and industries are unknown
    prospects = tables["prospects"]
    prospects["employees"] = prospects["employees"].astype("Int64").mask(
        rng2.random(len(prospects)) < 0.06)
    prospects["industry"] = prospects["industry"].mask(rng2.random(len(prospects)) < 0.04)

    latent = {"health": pd.DataFrame({
        "account_id": account_id[a_idx], "period": labels[t_idx], "health": health[a_idx, t_idx],
        "churned": loss_cell[a_idx, t_idx]}), "followups": linked}
    truth = _truth(n, seed, labels, n_p)
    rev_matrix = np.zeros((n, T))
    rev_matrix[a_idx, t_idx] = revenue["revenue"].to_numpy()
    truth["customer_math"] = _customer_math_truth(
        rev_matrix, active, loss_cell, since, p_start, back_q, lost_customers, labels, seed)
    truth["followups"] = followed
    steps.update()
    steps.close()
    return SampleData(tables, truth, latent)


def _followups(rng, responses: pd.DataFrame, segment, account_id, window_end):
    """Follow-ups of detractors: a share by segment, some late, none after the window.

    Four in five name the response they follow up; the rest are logged against the account.
    Returns the table and the by-construction counts for ``truth.json``.
    """
    seg = pd.Series(segment, index=account_id)
    d = responses[responses["ltr"] <= 6]
    rate = seg.reindex(d["account_id"]).map(FOLLOWUP_RATE).to_numpy()
    chosen = rng.random(len(d)) < rate
    delay = np.ceil(rng.gamma(*FOLLOWUP_DELAY, len(d))).astype(int)
    when = d["response_date"].to_numpy().astype("datetime64[D]") + delay.astype("timedelta64[D]")
    linked = rng.random(len(d)) < 0.8
    outcome = rng.choice(list(FOLLOWUP_OUTCOMES), len(d), p=list(FOLLOWUP_OUTCOMES.values()))
    done = chosen & (when <= window_end)
    order = np.argsort(when[done], kind="stable")
    table = pd.DataFrame({
        "account_id": d["account_id"].to_numpy()[done][order],
        "response_id": np.where(linked, d["response_id"].to_numpy(), None)[done][order],
        "followup_date": when[done][order].astype("datetime64[ns]"),
        "outcome": outcome[done][order]})
    table.insert(0, "followup_id", _ids("F", len(table), 5))
    # every follow-up with the response it followed up (the table leaves a fifth unnamed)
    linked_table = table.assign(response_id=d["response_id"].to_numpy()[done][order])
    # the status of each detractor response on the window's last day
    deadline = d["response_date"].to_numpy().astype("datetime64[D]") + np.timedelta64(
        FOLLOWUP_DAYS, "D")
    in_time = done & (delay <= FOLLOWUP_DAYS)
    late = done & ~in_time
    due = ~done & (deadline > window_end)
    counts = {"in_time": int(in_time.sum()), "late": int(late.sum()), "due": int(due.sum()),
              "missing": int((~done & ~due).sum())}
    truth = {"rate_by_segment": FOLLOWUP_RATE, "within_days": FOLLOWUP_DAYS,
             "detractor_responses": int(len(d)), "status_counts": counts,
             "linked_to_response_share": 0.8,
             "definition": ("each detractor response (ltr 0-6) is followed up with the rate of "
                            "its account's segment, after ceil(gamma(2, 5)) days; follow-ups "
                            "after the window's last day are not in the table. Status on the "
                            "window's last day: in_time (within within_days), late, due (no "
                            "follow-up, deadline not passed) or missing")}
    return table, truth, linked_table


def _survival(seed: int, quarters: int, paths: int = 40_000) -> np.ndarray:
    """Expected share of accounts not yet lost after k quarterly churn draws, k = 0..quarters.

    By Monte Carlo over the health process from its stationary start (a second stream, so
    the sample's draws do not move).
    """
    rng = np.random.default_rng([seed, 3])
    u = rng.normal(0, 1, paths)
    e = rng.normal(0, 1, paths)
    alive = np.ones(paths)
    out = [1.0]
    for k in range(quarters):
        if k:
            e = HEALTH_AR * e + np.sqrt(1 - HEALTH_AR ** 2) * rng.normal(0, 1, paths)
        alive = alive * (1 - _sigmoid(CHURN_INTERCEPT + CHURN_HEALTH * (0.6 * u + 0.8 * e)))
        out.append(float(alive.mean()))
    return np.array(out)


def _customer_math_truth(rev, active, loss_cell, since, p_start, back_q, lost_customers,
                         labels, seed) -> dict:
    """Customers and revenue in and out per quarter, as the simulation made them.

    Uses the generator's own state (who joined, left and came back when), not cxkit's
    reading of the tables, with the default definitions of ``cxkit.customer_math``: a
    customer is lost in the quarter of its departure, new in the quarter it joined,
    reactivated in the quarter it came back; its revenue is the revenue table's.
    """
    n, T = rev.shape
    customer = active & ~loss_cell  # a customer at the end of the quarter
    join_q = np.searchsorted(p_start, since, side="right") - 1  # -1: before the window
    join_q = np.where(since < p_start[0], -1, join_q)
    flows = {}
    for t in range(1, T):
        was, now = customer[:, t - 1], customer[:, t]
        new, back, lost = join_q == t, back_q == t, loss_cell[:, t]
        stay = was & now
        diff = rev[stay, t] - rev[stay, t - 1]
        row = {"start": int(was.sum()), "new": int(new.sum()), "reactivated": int(back.sum()),
               "lost": int(lost.sum()), "end": int(now.sum()),
               "start_revenue": rev[was, t - 1].sum(), "new_revenue": rev[new, t].sum(),
               "reactivated_revenue": rev[back, t].sum(),
               "expansion": diff[diff > 0].sum(), "contraction": -diff[diff < 0].sum(),
               "lost_revenue": rev[lost & was, t - 1].sum() + rev[lost & new, t].sum(),
               "end_revenue": rev[now, t].sum()}
        assert row["start"] + row["new"] + row["reactivated"] - row["lost"] == row["end"]
        flows[str(labels[t])] = {k: (round(float(v), 2) if isinstance(v, float) else v)
                                 for k, v in row.items()}
    # lost revenue by departure reason
    by_reason = lost_customers.groupby("primary_reason")["revenue_lost"].sum()
    experience = by_reason.reindex(list(LOSS_REASONS)).fillna(0.0).sum()
    # expected survival of yearly cohorts: k quarterly draws from the join quarter on
    quarters = T + 8
    surv = _survival(seed, quarters)
    years = sorted({p.year for p in pd.PeriodIndex(labels, freq="Q")})
    cohorts = {}
    first_jan = pd.Timestamp(years[0], 1, 1)
    for y in range(years[0], years[-1] + 1):
        inside = pd.Timestamp(y, 1, 1) >= first_jan and y in years
        if inside:
            # joins are spread evenly over the days of the window before its last quarter
            q_of = [j for j in range(T - 1) if pd.Timestamp(p_start[j]).year == y]
            if not q_of:
                continue
            w = np.array([(p_start[j + 1] - p_start[j]).astype(int) for j in q_of], float)
            w /= w.sum()
            left = [4 - (pd.Timestamp(p_start[j]).quarter - 1) for j in q_of]
            curve = {0: 1.0}
            for age in range(1, years[-1] - y + 2):
                curve[age] = float(sum(wi * surv[lq + 4 * (age - 1)] for wi, lq in zip(w, left)))
            cohorts[str(y)] = curve
    return {
        "flows": flows,
        "lost_revenue_by_reason": {r: round(float(v), 2) for r, v in by_reason.items()},
        "experience_reasons": list(LOSS_REASONS), "other_reasons": OTHER_LOSS_REASONS,
        "experience_share_of_lost_revenue": float(experience / by_reason.sum()),
        "returned_accounts": int((back_q >= 0).sum()), "return_rate": RETURN_RATE,
        "quarterly_survival": [round(float(v), 6) for v in surv],
        "cohort_survival": {y: {str(a): round(v, 6) for a, v in c.items()}
                            for y, c in cohorts.items()},
        "definition": (
            "flows: per quarter from the second, by the default definitions (new in the "
            "quarter of customer_since, lost in the quarter of its departure, reactivated in "
            "the quarter it came back after at least one quarter without revenue; revenue "
            "as in the revenue table). A returned account stays a customer to the end. "
            "quarterly_survival[k]: expected share of accounts not yet lost after k quarterly "
            "churn draws (Monte Carlo over the health process); cohort_survival: expected "
            "share of a yearly cohort acquired inside the window still a customer (never "
            "lost) on 1 January of each year after, by age in years. Accounts acquired before "
            "the window were not selected by earlier churn: from the window's first day "
            "they leave like any account, quarterly_survival[4 * years]."),
    }


def _comments(rng, ltr, ratings) -> np.ndarray:
    n_r = len(ltr)
    names = list(DRIVERS)
    mat = np.column_stack([ratings[d] for d in names])
    filled = np.where(np.isnan(mat), 5.0, mat)
    worst = filled.argmin(axis=1)
    best = filled.argmax(axis=1)
    out = np.full(n_r, None, dtype=object)
    has = rng.random(n_r) < 0.35
    for i in np.flatnonzero(has):
        if ltr[i] <= 6:
            out[i] = NEGATIVE[names[worst[i]]]
        elif ltr[i] >= 9:
            out[i] = POSITIVE[names[best[i]]]
        else:
            out[i] = f"{POSITIVE[names[best[i]]]} But: {NEGATIVE[names[worst[i]]].lower()}"
    awkward = np.flatnonzero(has)
    awkward = awkward[rng.random(len(awkward)) < 0.02]
    out[awkward] = rng.choice(AWKWARD, len(awkward))
    # make sure each awkward comment appears at least once in a sample of reasonable size
    if n_r >= 200:
        slots = rng.choice(n_r, len(AWKWARD), replace=False)
        out[slots] = AWKWARD
    return out


def _truth(n, seed, labels, n_p) -> dict:
    from .. import __version__
    effects = {d: b for d, (b, _) in DRIVERS.items()}
    return {
        "generator": {"cxkit_version": __version__, "numpy_version": np.__version__,
                      "seed": seed, "n_accounts": n,
                      "n_prospects": n_p, "periods": [str(p) for p in labels],
                      "period_frequency": "quarter"},
        "drivers": {
            "effects_on_ltr": effects,
            "ranking": sorted(effects, key=effects.get, reverse=True),
            "mean_ratings": {d: m for d, (_, m) in DRIVERS.items()},
            "ltr_intercept_at_mean_ratings": LTR_MEAN,
            "ltr_noise_sd": LTR_NOISE_SD,
            "account_effect_sd": ACCOUNT_LTR_SD,
            "role_offsets": ROLE_OFFSETS,
            "definition": ("ltr = round(clip(intercept + sum(effect * (rating - mean rating)) "
                           "+ role offset + account effect + noise, 0, 10)); ratings are the "
                           "observed ones before skipped questions were blanked"),
        },
        "operations": {
            "effects_on_drivers": OPERATION_EFFECTS,
            "pm_effect_sd": PM_EFFECT_SD,
            "definition": ("driver rating rises by the slope for each unit of the measure "
                           "(same account and quarter); pm_expertise also carries a "
                           "project-manager effect"),
        },
        "revenue": {
            "growth_per_ltr_point": GROWTH_PER_LTR_POINT,
            "growth_by_industry": GROWTH_BY_INDUSTRY,
            "growth_per_log_employees": GROWTH_PER_LOG_EMPLOYEES,
            "noise_sd": GROWTH_NOISE_SD,
            "definition": ("log(revenue[t+1] / revenue[t]) rises by growth_per_ltr_point for each "
                           "point of the account's mean ltr in quarter t (its respondents' mean "
                           "where it has responses); revenue of the first and last quarter of a "
                           "customer is prorated to the days it was a customer"),
        },
        "churn": {
            "intercept": CHURN_INTERCEPT, "health": CHURN_HEALTH, "health_ar": HEALTH_AR,
            "definition": "P(lost in quarter) = sigmoid(intercept + health * h), h ~ N(0, 1) latent",
        },
        "chi": {
            "stage_loadings": {s: v[0] for s, v in src.STAGES.items()},
            "kpis": {s: [{"name": k, "direction": f"{d}_is_better"} for k, d in v[1]]
                     for s, v in src.STAGES.items()},
            "kpi_sources": {k: {"table": t, "definition": d}
                            for k, (t, d) in src.KPI_DEFINITIONS.items()},
            "kpi_decimals": src.KPI_DECIMALS,
            "definition": ("each stage's KPIs reflect stage health = loading * h + noise, through "
                           "the raw source tables for derived KPIs; stages with larger loadings "
                           "say more about churn. A row belongs to the quarter of its date."),
        },
        "ideal_customer_profile": {
            "industry_effects": {i: v[1] for i, v in INDUSTRIES.items()},
            "best_industries": [i for i, v in INDUSTRIES.items() if v[1] >= 0.5],
            "employees_sweet_spot": list(SIZE_SWEET_SPOT),
            "size_effect": SIZE_EFFECT,
            "definition": ("advocacy logit rises by the industry effect and by size_effect "
                           "inside the employee sweet spot, on top of ltr"),
        },
        "advocacy": {
            "prompted_logit": {"intercept": -5.5, "ltr": 0.75, "profile": 0.8},
            "unprompted_logit": {"intercept": -10.0, "ltr": 0.95, "profile": 1.0},
        },
    }


GZIPPED = set(src.RAW_TABLES) | {"kpis"}  # raw exports and the 30-KPI panel, as .csv.gz


def write(sample: SampleData, out_dir: str | os.PathLike = "data/sample",
          fmt: str = "csv", progress: bool | None = False) -> Path:
    """Write the sample's tables (CSV or Parquet) and ``truth.json`` into ``out_dir``.

    Each file is written atomically. Returns the folder.
    """
    folder = resolve(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: use 'csv' or 'parquet'")
    for name, df in tqdm(sample.tables.items(), desc="writing", unit="table",
                         disable=None if progress is None else not progress):
        if fmt == "csv":
            # dates without a time are written as dates; raw event exports and the KPI panel are gzipped
            data = df.to_csv(index=False, lineterminator="\n").encode()
            suffix = "csv"
            if name in GZIPPED:
                data, suffix = gzip.compress(data, compresslevel=9, mtime=0), "csv.gz"
        else:
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            data, suffix = buf.getvalue(), "parquet"
        atomic_write_bytes(folder / f"{name}.{suffix}", data)
    atomic_write_text(folder / "truth.json", json.dumps(sample.truth, indent=2) + "\n")
    atomic_write_text(folder / "cxkit.yaml", description())
    return folder


def description() -> str:
    """The sample folder's own ``cxkit.yaml``: its scale, and the parameters that fit only
    the sample (its operational measures and its departure reasons)."""
    def items(values, indent):
        return "".join(f"{' ' * indent}- {v}\n" for v in values)

    measures = "".join(f"      {d}: [{', '.join(ms)}]\n" for d, ms in MEASURES.items())
    return ("# How cxkit reads this folder (the sample portfolio that `cxkit sample` generates).\n"
            "# A client's folder gets its own with `cxkit init DIR`; see README, \"Your own "
            "data\".\n"
            "tables:\n  responses:\n    scale: {default: 0-10}      # every rating, likelihood "
            "to recommend included\n"
            "notebooks:\n  driver_analysis:\n    measures:                   # driver -> the "
            "sample's operational measures that may move it\n" + measures +
            "  customer_math:\n    experience_reasons:         # the sample's departure reasons "
            "that are about the experience\n" + items(LOSS_REASONS, 6) +
            "    other_reasons:              # and those that are not\n"
            + items(OTHER_LOSS_REASONS, 6))
