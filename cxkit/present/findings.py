"""Headline findings of a driver analysis, in plain sentences built from the results.

Used by the ``headlines`` of :class:`cxkit.drivers.DriverAnalysis`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .labels import and_list, pretty, sentence_start


def _pct(x: float, signed: bool = False) -> str:
    return f"{x:+.1f}%" if signed else f"{x:.0f}%"


def _list(names) -> str:
    return and_list(pretty(n) for n in names)


def importance_sentences(result, top_n: int = 3, against: pd.DataFrame | None = None
                         ) -> list[str]:
    """What the importance (a :class:`~cxkit.drivers.DriverImportance`) says.

    ``against``: the drivers going against recommendation once the others are held equal
    (their interval below zero), indexed by driver with ``r``, their correlation with the
    outcome on their own. A negative coefficient whose interval spans zero says nothing.
    """
    imp = result.table
    top = imp.sort_values("importance", ascending=False).head(top_n)
    parts = [f"{pretty(d)} ({r['share']:.0%})" for d, r in top.iterrows()]
    out = [f"{len(parts)} drivers explain most of what moves likelihood to recommend: "
           f"{', '.join(parts[:-1]) + ' and ' + parts[-1] if len(parts) > 1 else parts[0]} "
           f"of the explained variance; all {len(imp)} drivers together explain "
           f"{result.r2:.0%} of it (R²), from {result.counts['n_used']:,} responses."]
    if against is not None and len(against):
        rises = against.index[against["r"] > 0].tolist()
        falls = against.index[against["r"] <= 0].tolist()
        if rises:
            one = len(rises) == 1
            out.append(f"{sentence_start(_list(rises))} {'rises' if one else 'rise'} with "
                       "likelihood to recommend on {0} own, but {1} against it once the other "
                       "drivers are held equal (the whole interval of the effect is below zero): "
                       "{2} what the other drivers measure, so {3} share of importance is no "
                       "reason to act on {4} alone.".format(
                           "its" if one else "their", "goes" if one else "go",
                           "it overlaps with" if one else "they overlap with",
                           "its" if one else "their", "it" if one else "them"))
        if falls:
            out.append(f"Higher ratings of {_list(falls)} go with lower likelihood to "
                       "recommend, on their own and with the other drivers held equal.")
    if result.has_intervals:
        lead = imp["p_top"].idxmax()
        share = imp.loc[lead, "p_top"]
        how = "resampling whole accounts" if result.cluster else "resampling responses"
        if share >= 0.9:
            out.append(f"{sentence_start(pretty(lead))} is the top driver in {share:.0%} of "
                       f"{result.n_boot:,} bootstrap resamples ({how}): a firm result.")
        else:
            rivals = imp.index[imp["rank_ci_low"] == 1].tolist()
            out.append(f"The lead is not settled: {_list(rivals)} each rank first in some of "
                       f"{result.n_boot:,} bootstrap resamples ({how}).")
    return out


def model_sentence(model) -> str:
    """How many responses the driver model rests on, and how it was fitted."""
    c = model.counts_
    left = (f"{c['n_dropped']:,} left out for a missing answer" if c["n_dropped"] else
            "none left out")
    imputed = f", {c['n_imputed']:,} skipped ratings filled with the driver's mean" \
        if c["n_imputed"] else ""
    fit = f"R² = {model.r2_:.2f}" if model.kind == "ols" else f"pseudo R² = {model.r2_:.2f}"
    how = ""
    if model.cov == "cluster" and model.kind == "ols":
        how = (f" Errors are clustered by account ({model.n_clusters_:,} accounts); intervals "
               f"use Student's t with {model.n_clusters_ - 1:,} degrees of freedom, as Stata "
               "and R do.")
    elif model.cov == "hc3":
        how = " Errors are robust to unequal variances (HC3), each response counted on its own."
    return (f"The model rests on {model.n_:,} of {c['n_total']:,} responses ({left}{imputed}); "
            f"{fit}.{how}")


def priority_sentence(matrix: pd.DataFrame) -> str:
    """Which drivers to fix now: important, and among the lower-rated half of the
    drivers (said in words that hold however the ratings round)."""
    fix = matrix[matrix["quadrant"] == "fix now"]
    n = len(matrix)
    if fix.empty:
        return (f"No important driver is among the lower-rated half of the {n} drivers: "
                "maintain the leaders.")
    listed = and_list(f"{pretty(d)} (rated {r['performance']:.1f})" for d, r in fix.iterrows())
    return (f"Fix now: {listed}: important, and among the lower-rated half of the {n} "
            "drivers.")


def revenue_sentences(link, economics: pd.DataFrame | None = None, unit: str = "period"
                      ) -> list[str]:
    out = []
    if link.predictor == "ltr":
        r = link.effect_.loc["ltr"]
        lo, hi = 100 * np.expm1(r["ci_low"]), 100 * np.expm1(r["ci_high"])
        out.append(f"Each extra point of an account's likelihood to recommend goes with "
                   f"{_pct(r['pct'], True)} revenue growth per {unit} ({link.confidence:.0%} "
                   f"interval {_pct(lo, True)} to {_pct(hi, True)}), holding size and industry "
                   f"equal; from {link.n_:,} account-periods of {link.n_accounts_:,} accounts.")
    else:
        r = link.effect_.loc["promoter"]
        out.append(f"Promoter accounts grow {_pct(r['pct'], True)} more per {unit} than "
                   f"detractors, holding size and industry equal.")
    if economics is not None and {"promoter", "detractor"} <= set(economics.index):
        p, d = economics.loc["promoter"], economics.loc["detractor"]
        out.append(f"Promoter accounts grew {_pct(p['growth_pct'], True)} per {unit} on average, "
                   f"detractor accounts {_pct(d['growth_pct'], True)}.")
    return out


def measure_sentences(links: pd.DataFrame, drivers) -> list[str]:
    out = []
    for d in drivers:
        if d not in links.index.get_level_values("driver"):
            continue
        rows = links.loc[d].dropna(subset=["rating_per_unit"])
        if rows.empty:
            continue
        best = rows["r"].abs().idxmax()
        r = rows.loc[best]
        out.append(f"For {pretty(d)}, manage {pretty(best)}: accounts that rate "
                   f"{pretty(d)} a point higher have {r['measure_per_point']:+.2f} "
                   f"{pretty(best)} on average (r = {r['r']:.2f} over {int(r['n']):,} "
                   f"account-periods). Read the other way, in one regression of the rating on "
                   f"all its measures together, each unit of {pretty(best)} goes with "
                   f"{r['rating_per_unit']:+.3f} rating points, the other measures held fixed.")
    return out
