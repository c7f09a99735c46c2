"""The board pack in words, charts and workbook sheets (:class:`cxkit.board.BoardPack`).

Every sentence reads numbers a section holds; names from the data (reasons, accounts,
managers, rules) are text, escaped where they are shown.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .formats import fmt, money
from .labels import and_list, plural, pretty

#: the section titles, as the notebook's headings
TITLES = {"asset": "The customer asset", "losses": "What drives it away",
          "loyalty": "What moves loyalty", "health": "Health of the base",
          "plans": "Plans in motion", "growth": "Where growth comes from",
          "practices": "Practices"}
#: the detailed report each section names for more
DETAIL = {"customer_math": "Customer math", "chi_scorecard": "CHI scorecard",
          "driver_analysis": "Driver analysis", "portfolio_plan": "Portfolio plan",
          "prospect_profiling": "Prospect profiling"}
#: what a missing input means, in words
NEEDS = {"revenue": "a revenue table (revenue.csv)",
         "lost_customers": "a lost-customers table with the reason each customer gave "
                           "for leaving (lost_customers.csv)",
         "kpis": "KPIs per account and period for the Customer Health Index (kpis.csv)",
         "responses": "survey responses (responses.csv)",
         "contacts": "contacts with their buying roles (contacts.csv)",
         "accounts": "the accounts table (accounts.csv)",
         "prospects": "a prospects table to score (prospects.csv)",
         "operations": "operational measures per account and period (operations.csv)",
         "followups": "the follow-up calls to detractors (followups.csv)",
         "revenue_lost": "the annual revenue each departed customer took (the lost-customers "
                         "table's revenue_lost is empty)",
         "lifetime_model": "renewal history long enough to fit lifetime value (acquisition "
                           "years seen over at least three years)",
         "proof": "losses in enough periods to test whether CHI predicts them",
         "decision_records": "a record of the front-line decisions made on experience or "
                             "lifetime value (the data shows the callbacks only)"}
PRACTICE_NAMES = {
    "buying_influencers": ("Identifying all buying influencers",
                           "key accounts with every buying role heard from"),
    "lost_sales": ("Analysing lost sales", "lost revenue with a known departure reason"),
    "lifetime_value": ("Calculating customer lifetime value",
                       "current revenue with a lifetime value"),
    "front_line": ("Front-line decisions on experience",
                   "detractors called back within the promise"),
    "segmentation": ("Segmenting by value or experience",
                     "current customers placed in the value × experience grid")}
STATUS_COLOURS = {"met": "#55a868", "moving": "#8fd19e", "not moving": "#c44e52",
                  "too soon": "#bbbbbb", "lost with the account": "#6e6e6e"}
BENCHMARK = ("Fewer than one B2B company in four applies each of these practices "
             "company-wide (ClearAction B2B Customer Experience Benchmarking Study, 2010).")


def _need_text(code: str) -> str:
    if code.startswith("failed:"):
        report = code[len("failed:"):]
        return f"the {DETAIL.get(report, report)} report, which could not run"
    if code.startswith("needs:"):
        return " and ".join(NEEDS.get(t, t) for t in code[6:].split(";"))
    return NEEDS.get(code, code)


def _span_text(span) -> str:
    if not span:
        return ""
    first, last = span
    a, b = pd.Period(first), pd.Period(last)
    if a.start_time == pd.Timestamp(a.year, 1, 1) and b.end_time.floor("D") == \
            pd.Timestamp(a.year, 12, 31):
        return str(a.year)  # a whole year
    return first if first == last else f"{first} to {last}"


def needs_sentence(pack, name: str) -> str:
    """What a section lacks, in one sentence ("" when nothing)."""
    s = pack.section(name)
    failed = [_need_text(n) for n in dict.fromkeys(s.needs) if n.startswith("failed:")]
    parts = [_need_text(n) for n in s.needs if not n.startswith("failed:")]
    out = []
    if failed:
        out.append(("Not known" if not s.available else "Left out, not known") + ": "
                   + "; ".join(failed) + ".")
    if parts:
        lead = "This section needs " if not s.available else "Left out for want of "
        out.append(lead + "; ".join(dict.fromkeys(parts)) + ".")
    return " ".join(out)


def incomplete_sentence(pack) -> str:
    """What the pack lacks although it had the data: the detailed reports that could not
    run, and the sections they leave unknown ("" when every report ran)."""
    failed = {r: why for r, why in pack.failures_.items() if r in DETAIL}
    if not failed:
        return ""
    hit = [TITLES[n] for n, sec in pack.sections_.items()
           if any(r in failed for r in sec.reports)]
    reports = " ".join(f"The {DETAIL[r]} report could not run: {why}." for r, why
                       in failed.items())
    return (f"This pack is not complete, although the data folder has the tables for it. "
            f"{reports} Its numbers are not known in: {and_list(hit)}.")


def _asset(pack) -> list[str]:
    s, c = pack.section("asset"), pack.currency_
    n = s.numbers
    if not n:
        return []
    p = n["period"]
    out = []
    if "end_asset" in p:
        out.append(f"The customer asset stands at {money(p['end_asset'], c)} of lifetime "
                   f"margin at the end of {p['to']}, {money(p['end_asset'] - p['start_asset'], c, True)} "
                   f"over {_span_text(pack.span_)}: new and returning customers added "
                   f"{money(p['added'], c)}, lost customers took {money(p['taken'], c)}, and "
                   f"those who stayed changed it by {money(p['stayed_change'], c, True)}.")
    out.append(f"Customers in against out over {_span_text(pack.span_)}: "
               f"{plural(int(p['new']), 'new customer')} and {int(p['reactivated'])} returning "
               f"brought {money(p['new_revenue'] + p['reactivated_revenue'], c)} of revenue; "
               f"{plural(int(p['lost']), 'customer')} left, taking "
               f"{money(p['lost_revenue'], c)}. The base went from {int(p['start']):,} to "
               f"{int(p['end']):,} customers.")
    if "comparison" in n:
        q = n["comparison"]
        text = (f"In {_span_text(pack.comparison_span_)}: {int(q['new'] + q['reactivated']):,} "
                f"in, {int(q['lost']):,} out")
        if "end_asset" in q:
            text += (f"; the asset moved {money(q['end_asset'] - q['start_asset'], c, True)} "
                     f"(added {money(q['added'], c)}, taken {money(q['taken'], c)})")
        out.append(text + ".")
    return out


def _losses(pack) -> list[str]:
    n, c = pack.section("losses").numbers, pack.currency_
    out = []
    if "lost_revenue" in n and n["lost_revenue"] is None:
        out.append(f"{plural(n['lost_accounts'], 'departed customer')}; the revenue they took "
                   f"is not recorded. The reason given most: {n['top_reason']}.")
    elif "lost_revenue" in n:
        share = n.get("experience_share")
        years = list(n["by_year"])
        since = f"From {years[0]} to {years[-1]}, " if len(years) > 1 else ""
        text = (f"{since}{plural(n['lost_accounts'], 'departed customer')} took "
                f"{money(n['lost_revenue'], c)} of annual revenue; the reason given most: "
                f"{n['top_reason']}.")
        if share is not None:
            text += (f" {fmt(share, 'share')} of it left for a reason of experience"
                     + (f", most for {n['top_experience_reason']}." if n["top_experience_reason"]
                        else "."))
        out.append(text)
        years = n["by_year"]
        if len(years) >= 2:
            (y0, a), (y1, b) = list(years.items())[-2:]
            out.append(f"Lost to experience: {money(b['experience'], c)} in {y1} against "
                       f"{money(a['experience'], c)} in {y0} "
                       f"({fmt(b['experience_share'], 'share')} of that year's losses, "
                       f"{fmt(a['experience_share'], 'share')} the year before).")
    if "at_risk" in n:
        r = n["at_risk"]
        worth = (f" with {money(r['annual_revenue'], c)} of annual revenue"
                 if r["annual_revenue"] is not None else "")
        if r["lifetime_value"] is not None:
            worth += f" and {money(r['lifetime_value'], c)} of lifetime value"
        unknown = [w for w, k in (("revenue", "annual_revenue"),
                                  ("lifetime value", "lifetime_value"),
                                  ("detractors waiting for a call", "detractors_waiting"))
                   if r[k] is None]
        waiting = (f", {r['detractors_waiting']} with a detractor waiting for a call"
                   if r["detractors_waiting"] is not None else "")
        out.append(f"At risk now: {plural(r['accounts'], 'account')}{worth}: {r['chi_red']} "
                   f"in the CHI red band, {r['chi_falling']} with CHI falling "
                   f"({r['red_and_falling']} both){waiting}."
                   + (f" Their {and_list(unknown)} {'is' if len(unknown) == 1 else 'are'} not "
                      "known." if unknown else " The most valuable are listed below."))
    return out


def _loyalty(pack) -> list[str]:
    n = pack.section("loyalty").numbers
    if not n:
        return []
    nps = n["nps"]
    imp = n["importance"]
    tops = ", ".join(f"{pretty(d)} ({fmt(imp[d]['share'], 'share')}, "
                     f"{fmt(imp[d]['ci_low'], 'share')}–{fmt(imp[d]['ci_high'], 'share')})"
                     for d in n["top_drivers"])
    out = [f"NPS is {fmt(nps['nps'], 'nps')} (95% interval {fmt(nps['ci_low'], 'nps')} to "
           f"{fmt(nps['ci_high'], 'nps')}, {nps['n']:,} responses).",
           f"What moves likelihood to recommend most: {tops} of what the drivers explain "
           f"(intervals from resampling whole accounts)."]
    if n["fix_now"]:
        out.append(f"The one to fix now: {pretty(n['fix_now'][0])}, important and rated "
                   "below the others.")
    m = n.get("measure")
    if m:
        out.append(f"The operational measure that moves {pretty(m['driver'])}: "
                   f"{pretty(m['measure'])} (r = {m['r']:.2f}; accounts that rate it a point "
                   f"higher have {m['measure_per_point']:+.2f} on it).")
    return out


def _health(pack) -> list[str]:
    n = pack.section("health").numbers
    if not n:
        return []
    b = n["bands"]
    total = max(n["accounts"], 1)
    out = [f"In {n['period']} the median account health is {n['median_chi']:.0f} of 100 "
           f"across {n['accounts']:,} accounts: {fmt(b['red'] / total, 'share')} red, "
           f"{fmt(b['amber'] / total, 'share')} amber, {fmt(b['green'] / total, 'share')} "
           f"green; {n['falling']:,} fell and {n['rising']:,} rose since the period before."]
    p = n.get("predicts_losses")
    if p:
        g = p["CHI"]
        gap = f"AUC {g['gain']:+.2f}, 95% interval {g['gain_low']:+.2f} to {g['gain_high']:+.2f}"
        verdict = {"chi_better": "CHI predicts next-period losses better than NPS on this data",
                   "nps_better": "NPS predicts next-period losses better than CHI on this data",
                   "unclear": "Whether CHI predicts losses better than NPS cannot be told "
                              "from this data"}[p["verdict"]]
        out.append(f"{verdict} ({gap}; CHI {p['CHI']['auc']:.2f}, NPS {p['NPS']['auc']:.2f}, "
                   "held-out periods).")
    return out


def _plans(pack) -> list[str]:
    n = pack.section("plans").numbers
    if not n:
        return []
    out = [f"{plural(n['objectives'], 'objective')} for {n['accounts']} {n['title']} on the "
           f"plan of {n['plan_date']}, held by {plural(n['objective_owners'], 'owner')}."]
    t = n["tracked"]
    total = sum(t.values())
    if "previous_plan_date" in n:
        if total:
            parts = [f"{t['met']:,} met", f"{t['moving']:,} moving toward their target",
                     f"{t['not moving']:,} not moving",
                     f"{t['too soon']:,} too soon to tell (no new evidence on their measure "
                     "since)"]
            if t.get("lost with the account"):
                parts.append(f"{t['lost with the account']:,} lost with their account")
            out.append(f"Of the {total:,} objectives of the plan of {n['previous_plan_date']}: "
                       f"{and_list(parts)}.")
        else:
            out.append(f"The plan of {n['previous_plan_date']} had no objectives for these "
                       "accounts.")
    return out


def _growth(pack) -> list[str]:
    n = pack.section("growth").numbers
    if not n:
        return []
    out = [f"{n['best_customers']:,} of {n['judged_customers']:,} current customers "
           f"({fmt(n['base_rate'], 'share')}) are best customers. "
           f"{pack.analyses_['prospect_profiling'].definition_.sentence()}"]
    if n["rules"]:
        r = max(n["rules"], key=lambda x: x["lift"])
        out.append(f"They are most often: {r['rule']} ({r['lift']:.1f}× the base rate on "
                   f"held-out accounts); approach the {r['role_to_approach']} first.")
    if "prospects" in n:
        out.append(f"{n['prospects_matching']:,} of {n['prospects']:,} prospects match a rule; "
                   "the best are listed below with the role to approach.")
    return out


def _practices(pack) -> list[str]:
    n = pack.section("practices").numbers
    wide = [p for p in PRACTICE_NAMES if n[p]["company_wide"]]
    measured = [p for p in PRACTICE_NAMES if n[p]["coverage"] is not None]
    of = (f"the {len(measured)} practices measured here" if len(measured) < len(PRACTICE_NAMES)
          else f"the {len(PRACTICE_NAMES)} practices")
    if len(measured) == 1:
        of = "the 1 practice measured here"
    out = [f"{len(wide)} of {of} reach{'es' if len(measured) == 1 else ''} "
           f"{fmt(n['company_wide_from'], 'share')} coverage"
           + (": " + ", ".join(PRACTICE_NAMES[p][0].lower() for p in wide) + "." if wide
              else ".")
           + (f" The other {len(PRACTICE_NAMES) - len(measured)} cannot be measured from "
              "this data." if len(measured) < len(PRACTICE_NAMES) else ""), BENCHMARK]
    weakest = [p for p in PRACTICE_NAMES if n[p]["coverage"] is not None]
    if weakest:
        w = min(weakest, key=lambda p: n[p]["coverage"])
        out.append(f"Weakest: {PRACTICE_NAMES[w][0].lower()}, "
                   f"{fmt(n[w]['coverage'], 'share')} of {PRACTICE_NAMES[w][1]}.")
    lacks = [f"{PRACTICE_NAMES[p][0].lower()}: {_need_text(x)}" for p in PRACTICE_NAMES
             for x in n[p]["lacks"]]
    if lacks:
        out.append("What the data lacks to measure them fully: " + "; ".join(lacks) + ".")
    return out


def section_sentences(pack, name: str) -> list[str]:
    """A section's sentences, then what it lacks and where its detail is."""
    s = pack.section(name)
    out = globals()[f"_{name}"](pack) if s.available else []
    need = needs_sentence(pack, name)
    if need:
        out.append(need)
    detail = [DETAIL[r] for r in s.reports]
    out.append("In detail: the " + " and ".join(detail) + " report"
               + ("s." if len(detail) > 1 else "."))
    return out


def lead_sentences(pack) -> list[str]:
    """The headline: what the pack lacks although it had the data, then the first sentence
    of each section, or what it needs."""
    out = [incomplete_sentence(pack)] if incomplete_sentence(pack) else []
    for name in pack.sections_:
        first = globals()[f"_{name}"](pack)[:1] if pack.section(name).available else []
        out.append(first[0] if first else
                   f"{TITLES[name]}: {needs_sentence(pack, name) or 'nothing to show.'}")
    return out


def at_risk_table(pack) -> pd.DataFrame:
    """The accounts at risk for the page: the ``top`` most valuable, with why."""
    risk = pack.section("losses").tables.get("at_risk", pd.DataFrame())
    if risk.empty:
        return risk
    why = [", ".join(w for w, on in (("CHI red", r.chi_red), ("CHI falling", r.chi_falling),
                                     ("detractor waiting", r.detractors_waiting > 0)) if on)
           for r in risk.itertuples()]
    out = risk[["name", "account_manager", "chi"]].assign(why=why)
    out = out.join(risk[["annual_revenue", "lifetime_value"]])
    return out.head(pack.top)


def tracked_table(pack) -> pd.DataFrame:
    """A few objectives of the previous plan per status, with their evidence."""
    t = pack.section("plans").tables.get("tracked", pd.DataFrame())
    if t.empty:
        return t
    shown = t[t["status"] != "too soon"].sort_values("progress", ascending=False)
    picks = pd.concat([shown[shown["status"] == st].head(2) for st in
                       ("met", "moving", "not moving")])
    return picks[["objective", "owner", "before", "now", "target", "unit", "status"]]


def manager_table(pack) -> pd.DataFrame:
    """CHI bands of the ``top`` account managers with the most red accounts."""
    return pack.section("health").tables.get("by_manager", pd.DataFrame()).head(pack.top)


def prospects_table(pack) -> pd.DataFrame:
    """The top prospects with the role to approach (empty without prospects)."""
    t = pack.section("growth").tables.get("prospects", pd.DataFrame())
    if t.empty:
        return t
    return t[["rank", "name", "industry", "employees", "region", "fit_score",
              "role_to_approach"]].set_index("rank")


def practices_table(pack) -> pd.DataFrame:
    t = pack.section("practices").tables["practices"]
    return pd.DataFrame({"practice": [PRACTICE_NAMES[p][0] for p in t.index],
                         "measured as": [PRACTICE_NAMES[p][1] for p in t.index],
                         "coverage": t["coverage"].to_numpy(),
                         "company_wide": t["company_wide"].to_numpy()})


# ---------------------------------------------------------------------- charts
def _empty(pack, name, ax):
    from .show import empty_chart
    return empty_chart(ax, needs_sentence(pack, name) or "Nothing to show.")


def plot_asset(pack, ax=None):
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .show import plain_text
    n = pack.section("asset").numbers
    if not n or "end_asset" not in n["period"]:
        return _empty(pack, "asset", ax)
    p = n["period"]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 2.8))
    steps = [("start", p["start_asset"]), ("added by new", p["added"]),
             ("taken by lost", -p["taken"]), ("change in stayers", p["stayed_change"])]
    level = 0.0
    for i, (label, v) in enumerate([*steps, ("end", p["end_asset"])]):
        edge = i == 0 or label == "end"
        bottom = 0.0 if edge else (level if v >= 0 else level + v)
        colour = "#4c72b0" if edge else "#55a868" if v >= 0 else "#c44e52"
        ax.bar(label, abs(v), bottom=bottom, color=colour)
        text = money(v, pack.currency_) if edge else money(v, pack.currency_, signed=True)
        ax.annotate(text, (i, bottom + abs(v)), ha="center", va="bottom", fontsize=8,
                    xytext=(0, 2), textcoords="offset points")
        level = v if i == 0 else level + v
    ax.set_ylim(top=ax.get_ylim()[1] * 1.12)
    _millions(ax.yaxis)
    ax.set_ylabel(f"lifetime value{' (' + pack.currency_ + ')' if pack.currency_ else ''}")
    ax.set_title(f"The customer asset, {_span_text(pack.span_)}", fontsize=10)
    sns.despine(ax=ax)
    return plain_text(ax)


def _axes(ax, height: float):
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots(figsize=(8, height))
    return ax


def _millions(axis, currency: str = "") -> None:
    from matplotlib.ticker import FuncFormatter
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:,.0f}M"))


def plot_losses(pack, ax=None):
    if not len(pack.section("losses").tables.get("lost_by_reason", ())):
        return _empty(pack, "losses", ax)
    ax = pack.analyses_["customer_math"].plot_lost_by_reason(ax=_axes(ax, 2.6))
    _millions(ax.xaxis)
    ax.set_xlabel(f"annual revenue lost ({pack.currency_ + ', ' if pack.currency_ else ''}"
                  "millions)")
    return ax


def plot_loyalty(pack, ax=None):
    if not pack.section("loyalty").available:
        return _empty(pack, "loyalty", ax)
    return pack.analyses_["driver_analysis"].plot_importance(ax=_axes(ax, 3.0))


def plot_health(pack, ax=None):
    if not pack.section("health").available:
        return _empty(pack, "health", ax)
    return pack.analyses_["chi_scorecard"].plot_bands_by("segment", ax=_axes(ax, 1.8))


def plot_plans(pack, ax=None):
    import matplotlib.pyplot as plt
    import seaborn as sns

    from .show import plain_text
    s = pack.section("plans")
    t = s.tables.get("status_by_rule", pd.DataFrame())
    if not s.available or t.empty:
        return _empty(pack, "plans", ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.35 * len(t) + 1.0))
    left = np.zeros(len(t))
    labels = [pretty(r) for r in t.index]
    for status, colour in STATUS_COLOURS.items():
        if status == "lost with the account" and not t[status].any():
            continue  # in the key only where an objective was lost with its account
        ax.barh(labels, t[status], left=left, color=colour, label=status, edgecolor="white")
        left += t[status].to_numpy()
    ax.invert_yaxis()
    ax.set_xlabel(f"objectives of the plan of {s.numbers.get('previous_plan_date', '')}")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    sns.despine(ax=ax)
    return plain_text(ax)


def plot_growth(pack, ax=None):
    if not pack.section("growth").available:
        return _empty(pack, "growth", ax)
    return pack.analyses_["prospect_profiling"].plot_profile(ax=_axes(ax, 4.2))


def plot_practices(pack, ax=None):
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.ticker import PercentFormatter

    from .show import plain_text
    t = pack.section("practices").tables["practices"]
    line = pack.section("practices").numbers["company_wide_from"]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 2.2))
    labels = [PRACTICE_NAMES[p][0] for p in t.index]
    values = t["coverage"].fillna(0).to_numpy() * 100
    colours = ["#55a868" if w else "#dd8452" for w in t["company_wide"]]
    ax.barh(labels, values, color=colours)
    for i, (v, known) in enumerate(zip(values, t["coverage"].notna())):
        ax.annotate(f"{v:.0f}%" if known else "not in the data", (v, i), va="center",
                    xytext=(3, 0), textcoords="offset points", fontsize=8)
    ax.axvline(line * 100, color="black", linestyle="--", linewidth=1)
    ax.annotate("company-wide", (line * 100, -0.6), ha="center", va="bottom", fontsize=8,
                annotation_clip=False)
    ax.set_xlim(0, 110)
    ax.xaxis.set_major_formatter(PercentFormatter())
    ax.invert_yaxis()
    ax.set_xlabel("coverage measured in the data")
    sns.despine(ax=ax)
    return plain_text(ax)


# ---------------------------------------------------------------------- workbook
def workbook_sheets(pack) -> tuple[dict, dict, dict]:
    """The workbook's sheets (the story, then one per section), kinds and percent columns."""
    sheets = {"Story": [f"{TITLES[n]}. {' '.join(section_sentences(pack, n))}"
                        for n in pack.sections_]}
    kinds, percent = {}, {}
    asset = pack.section("asset").tables.get("asset")
    if asset is not None:
        sheets["1 Customer asset"] = asset
        kinds["1 Customer asset"] = dict.fromkeys(
            ["new_revenue", "reactivated_revenue", "expansion", "contraction", "lost_revenue",
             "start_revenue", "end_revenue", "start_asset", "added", "taken", "stayed_change",
             "end_asset"], "money")
    else:
        sheets["1 Customer asset"] = [needs_sentence(pack, "asset")]
    losses = pack.section("losses").tables
    if "lost_by_reason" in losses:
        sheets["2 Lost by reason"] = losses["lost_by_reason"]
        percent["2 Lost by reason"] = ["share"]
        sheets["2 Lost by year"] = losses["lost_by_year"]
        percent["2 Lost by year"] = ["experience_share"]
    if "at_risk" in losses:
        sheets["2 Accounts at risk"] = losses["at_risk"]
        kinds["2 Accounts at risk"] = {"annual_revenue": "money", "lifetime_value": "money"}
    if not losses:
        sheets["2 What drives it away"] = [needs_sentence(pack, "losses")]
    loyalty = pack.section("loyalty").tables
    sheets["3 Drivers"] = loyalty.get("importance", [needs_sentence(pack, "loyalty")])
    if "importance" in loyalty:
        percent["3 Drivers"] = ["share", "ci_low", "ci_high", "p_top"]
    health = pack.section("health").tables
    if health:
        sheets["4 CHI by segment"] = health["by_segment"]
        sheets["4 CHI by manager"] = health["by_manager"]
    else:
        sheets["4 Health"] = [needs_sentence(pack, "health")]
    plans = pack.section("plans").tables
    if plans:
        sheets["5 Objectives by owner"] = plans["by_owner"]
        sheets["5 Objectives tracked"] = plans["tracked"]
        percent["5 Objectives tracked"] = ["progress"]
    else:
        sheets["5 Plans"] = [needs_sentence(pack, "plans")]
    growth = pack.section("growth").tables
    if growth:
        sheets["6 Best-customer profile"] = growth["profile"]
        percent["6 Best-customer profile"] = ["share_of_best", "share_of_rest", "rate"]
        if len(growth["prospects"]):
            # rules_matched is a list ("1, 3"); the prospect workbook has it in full
            sheets["6 Top prospects"] = growth["prospects"].drop(columns="rules_matched",
                                                                  errors="ignore")
            percent["6 Top prospects"] = ["fit_score", "complete"]
    else:
        sheets["6 Growth"] = [needs_sentence(pack, "growth")]
    practice = pack.section("practices").tables["practices"]
    sheets["7 Practices"] = practice
    percent["7 Practices"] = ["coverage"]
    return sheets, kinds, percent
