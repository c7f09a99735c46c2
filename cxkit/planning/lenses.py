"""Lenses: what we deliver read against what gets in its way, raw and key-weighted.

A lens pairs a value-delivery question (quantitative: data accuracy) with an obstacle to
value delivery (qualitative: project-manager expertise). Each side is a % analysis score,
``(mean rating − scale_min) / (scale_max − scale_min) × 100`` on the ratings' scale. The lower side is the place to act.

Two readings per side, shown side by side:

- per account: the account's own % (raw) and the same shrunk toward its segment by
  credibility (key-weighted, :func:`cxkit.planning.keyweight.shrink`);
- per owner (account or project manager) or segment: answers pooled as they come (raw)
  and weighted by each account's key weight (key-weighted).

A row is flagged where weighting changes the conclusion: the lower side is a different
question, or a side moves by ``flag_points`` or more. Sides within half a point are level,
and the obstacle is the place to act: it is what stands in the way of the value.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from .config import PlanningConfig
from .keyweight import shrink, weighted_mean

COLUMNS = ["lens", "value", "obstacle", "value_pct", "value_pct_weighted", "obstacle_pct",
           "obstacle_pct_weighted", "answers", "act_on", "act_on_raw", "gap_points",
           "weighting_changes", "moved_points", "credibility"]


def _check(answers: pd.DataFrame, config: PlanningConfig) -> None:
    for i, lens in enumerate(config.lenses):
        for side in ("value", "obstacle"):
            q = getattr(lens, side)
            if q not in answers.columns:
                raise DataError(f"responses: no column {q!r} for lens {lens.name!r} "
                                f"({config.source}, "
                                f"lenses[{i}].{side})")


TIE_POINTS = 0.5  # sides this close are level: act on the obstacle, as the root of both


def _conclude(rows: pd.DataFrame, flag_points: float) -> pd.DataFrame:
    vw, ow = rows["value_pct_weighted"], rows["obstacle_pct_weighted"]
    vr, orw = rows["value_pct"], rows["obstacle_pct"]
    rows["act_on"] = np.where(ow < vw + TIE_POINTS, rows["obstacle"], rows["value"])
    rows["act_on_raw"] = np.where(orw < vr + TIE_POINTS, rows["obstacle"], rows["value"])
    rows.loc[vw.isna() | ow.isna(), "act_on"] = ""
    rows.loc[vr.isna() | orw.isna(), "act_on_raw"] = ""
    rows["gap_points"] = (vw - ow).abs()
    flip = (rows["act_on"] != rows["act_on_raw"]) & (rows["act_on"] != "")
    moved = pd.concat([(vw - vr).abs(), (ow - orw).abs()], axis=1).max(axis=1)
    rows["weighting_changes"] = flip | (moved >= flag_points)
    rows["moved_points"] = moved
    return rows[COLUMNS]


def lens_table(lenses: pd.DataFrame, raw_conclusion: bool = False,
               compact: bool = False) -> pd.DataFrame:
    """Lens rows for a reader: question names as words, columns in reading order.

    Each side's question is followed by its raw and key-weighted % score; then the
    answers, the place to act (and, with ``raw_conclusion``, the place the raw scores
    point to) and a note on what key weighting changed
    (:func:`cxkit.present.labels.weighting_note`). Other columns (an account's ``name``) stay in
    front; the index is kept. ``compact`` shows each side as one text column, its question
    and its raw and key-weighted scores ("product quality 97 → 81"), without the raw
    conclusion (the note says where weighting changes it), so the table fits a printed page.

    Examples
    --------
    >>> rows = pd.DataFrame({"lens": ["delivery"], "value": ["data_accuracy"],
    ...                      "obstacle": ["pm_expertise"], "act_on": ["pm_expertise"]})
    >>> lens_table(rows)[["value", "obstacle", "act_on"]].iloc[0].tolist()
    ['data accuracy', 'PM expertise', 'PM expertise']
    >>> rows = rows.assign(value_pct=96.7, value_pct_weighted=80.9)
    >>> lens_table(rows, compact=True)["value (raw → weighted %)"].iloc[0]
    'data accuracy 97 → 81'
    """
    from ..present.labels import pretty, weighting_note

    order = ["lens", "value", "value_pct", "value_pct_weighted", "obstacle", "obstacle_pct",
             "obstacle_pct_weighted", "answers", "act_on", "act_on_raw", "note"]
    if not raw_conclusion:
        order.remove("act_on_raw")
    front = [c for c in lenses.columns if c not in COLUMNS]
    out = lenses[front + [c for c in order if c in lenses.columns]].copy()
    if {"weighting_changes", "moved_points"} <= set(lenses.columns):
        out["note"] = [weighting_note(r) for _, r in lenses.iterrows()]
    for col in ("value", "obstacle", "act_on", "act_on_raw"):
        if col in out:
            out[col] = out[col].map(lambda q: pretty(q) if isinstance(q, str) and q else "")
    if compact:
        for side in ("value", "obstacle"):
            raw, weighted = f"{side}_pct", f"{side}_pct_weighted"
            if {side, raw, weighted} <= set(out.columns):
                text = [f"{q} {a:.0f} → {b:.0f}" if a == a and b == b else f"{q} —"
                        for q, a, b in zip(out[side], out[raw], out[weighted])]
                out.insert(list(out.columns).index(side), f"{side} (raw → weighted %)", text)
                out = out.drop(columns=[side, raw, weighted])
        out = out.drop(columns=[c for c in ("act_on_raw",) if c in out.columns])
    return out


def account_lenses(answers: pd.DataFrame, accounts: pd.DataFrame, config: PlanningConfig) -> pd.DataFrame:
    """Lens scores of every account: raw % and credibility-shrunk %, lower side flagged.

    Parameters
    ----------
    answers : DataFrame
        Survey responses in the planning window with ``account_id``, ``key_weight`` and
        the lens questions.
    accounts : DataFrame
        Indexed by ``account_id`` with the credibility group column (``segment``).
    config : PlanningConfig

    Returns
    -------
    DataFrame
        One row per account and lens, indexed by ``account_id``: :data:`COLUMNS`;
        ``credibility`` is the mean credibility Z of the two sides, how much the
        account's own answers count against its segment's (0–1).

    Examples
    --------
    Every answer counted in full (key weight 1), one account's three lenses:

    >>> from cxkit.io import load
    >>> from cxkit.planning import load_config
    >>> t = load("data/sample")
    >>> lz = account_lenses(t["responses"].assign(key_weight=1.0),
    ...                     t["accounts"].set_index("account_id"), load_config())
    >>> lz.loc["A00001", ["lens", "value_pct", "obstacle_pct", "act_on"]].round(0)
                            lens  value_pct  obstacle_pct                  act_on
    account_id
    A00001      Project delivery       82.0          81.0            pm_expertise
    A00001            Fulfilment       64.0          84.0     shipping_confidence
    A00001               Service       82.0          64.0  support_responsiveness
    """
    _check(answers, config)
    pct = config.pct
    group = accounts[config.credibility.group]
    prior = config.credibility.prior_strength
    shrunk = {q: shrink(answers, q, group, weight="key_weight", prior_strength=prior)
              for q in sorted({getattr(lens, s) for lens in config.lenses for s in ("value", "obstacle")})}
    parts = []
    for lens in config.lenses:
        v, o = shrunk[lens.value], shrunk[lens.obstacle]
        idx = v.index.union(o.index)
        rows = pd.DataFrame({
            "lens": lens.name, "value": lens.value, "obstacle": lens.obstacle,
            "value_pct": pct(v["mean"].reindex(idx)),
            "value_pct_weighted": pct(v["shrunk"].reindex(idx)),
            "obstacle_pct": pct(o["mean"].reindex(idx)),
            "obstacle_pct_weighted": pct(o["shrunk"].reindex(idx)),
            "answers": pd.concat([v["n"], o["n"]], axis=1).reindex(idx).max(axis=1),
            # how much the account's own answers count against its segment's (Z, 0-1)
            "credibility": pd.concat([v["credibility"], o["credibility"]], axis=1)
            .reindex(idx).mean(axis=1)}, index=idx)
        parts.append(rows)
    out = _conclude(pd.concat(parts), float(config.flag_points)) if parts else \
        pd.DataFrame(columns=COLUMNS)
    out.index.name = "account_id"
    return out.sort_index(kind="stable")


def group_lenses(answers: pd.DataFrame, by: pd.Series, config: PlanningConfig) -> pd.DataFrame:
    """Lens scores per owner or segment: answers pooled raw and weighted by key weight.

    Parameters
    ----------
    answers : DataFrame
        As for :func:`account_lenses`.
    by : Series
        The group of each answer (e.g. its account's project manager), same index.

    Returns
    -------
    DataFrame
        One row per group and lens, indexed by the group: :data:`COLUMNS`
        (``credibility`` is NaN: pooled answers are not shrunk).
    """
    _check(answers, config)
    pct = config.pct
    parts = []
    for lens in config.lenses:
        v, o = answers[lens.value], answers[lens.obstacle]
        w = answers["key_weight"]
        rows = pd.DataFrame({
            "lens": lens.name, "value": lens.value, "obstacle": lens.obstacle,
            "value_pct": pct(v.groupby(by).mean()),
            "value_pct_weighted": pct(weighted_mean(v, w, by)),
            "obstacle_pct": pct(o.groupby(by).mean()),
            "obstacle_pct_weighted": pct(weighted_mean(o, w, by)),
            "answers": pd.concat([v.notna(), o.notna()], axis=1).any(axis=1).groupby(by).sum(),
            "credibility": np.nan})  # pooled, not shrunk
        parts.append(rows)
    out = _conclude(pd.concat(parts), float(config.flag_points))
    out.index.name = by.name
    return out.sort_index(kind="stable")
