"""Scoring accounts with a Customer Health Index model, and explaining a change.

Each KPI is normalised to 0–100 (:func:`normalise`); a stage's score is the mean of its
KPIs that are present; CHI is the mean of the stage scores weighted by the stage
weights, renormalised over the stages present. ``coverage`` is the share of the total
stage weight that is present; below the model's ``min_coverage`` the CHI is missing and
``reason`` says why, never a misleading number.

Written out, CHI is a sum of one term per KPI present:
``a_s · b_k · n_k``, with ``a_s`` the stage's weight over the weight present, ``b_k``
one over the number of KPIs present in the stage and ``n_k`` the normalised KPI.
:func:`explain_change` gives each KPI's and stage's contribution to a change in CHI as
the difference of its term between the two periods, so the contributions add up to
the change exactly, including any change in coverage.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .model import ChiModel, Kpi


def _check_columns(kpis: pd.DataFrame, model: ChiModel) -> None:
    for s in model.stages:
        for k in s.kpis:
            if k.name not in kpis.columns:
                raise ParameterError(f"{model.source}, stage '{s.name}', KPI '{k.name}': unknown "
                                     f"KPI, not a column of the KPI table")
            if not pd.api.types.is_numeric_dtype(kpis[k.name]):
                raise ParameterError(f"{model.source}, stage '{s.name}', KPI '{k.name}': the "
                                     "column is not numeric")


def _normalise_one(values: pd.Series, kpi: Kpi, groups) -> pd.Series:
    x = values.astype(float)
    if kpi.method == "scale":
        frac = (x.clip(kpi.min, kpi.max) - kpi.min) / (kpi.max - kpi.min)
        score = 100 * frac if kpi.higher_is_better else 100 * (1 - frac)
    elif kpi.method == "targets":
        xs = np.array([p[0] for p in kpi.points])
        ys = np.array([p[1] for p in kpi.points])
        score = pd.Series(np.interp(x, xs, ys), index=x.index).where(x.notna())
    else:  # percentile among the rows of the same period
        keys = groups if groups is not None else pd.Series(0, index=x.index)
        rank = x.groupby(keys).rank(method="average")
        n = x.notna().groupby(keys).transform("sum")
        frac = ((rank - 1) / (n - 1)).where(n > 1, 0.5)
        score = 100 * frac if kpi.higher_is_better else 100 * (1 - frac)
    return score.where(x.notna())


def normalise(kpis: pd.DataFrame, model: ChiModel, period: str | None = "period") -> pd.DataFrame:
    """Each KPI of the model as a 0–100 score, higher is healthier.

    Parameters
    ----------
    kpis : DataFrame
        Wide: one row per account (or account and period), one column per KPI.
    model : ChiModel
    period : str or None
        Column that groups rows for percentile normalisation (ignored if absent).

    Returns
    -------
    DataFrame
        Same index, one column per KPI of the model.
    """
    _check_columns(kpis, model)
    groups = kpis[period] if period is not None and period in kpis.columns else None
    return pd.DataFrame({k.name: _normalise_one(kpis[k.name], k, groups)
                         for s in model.stages for k in s.kpis}, index=kpis.index)


def kpi_terms(normalised: pd.DataFrame, model: ChiModel) -> tuple[pd.DataFrame, pd.Series]:
    """Each KPI's term ``a_s · b_k · n_k`` in CHI (0 where absent), and the coverage.

    The terms of a row add up to its CHI before the coverage rule.
    """
    total = sum(s.weight for s in model.stages)
    stage_present = pd.DataFrame({s.name: normalised[[k.name for k in s.kpis]].notna().any(axis=1)
                                  for s in model.stages}, index=normalised.index)
    weights = pd.Series({s.name: s.weight for s in model.stages})
    present_weight = stage_present.astype(float) @ weights
    coverage = present_weight / total
    terms = {}
    for s in model.stages:
        names = [k.name for k in s.kpis]
        block = normalised[names]
        count = block.notna().sum(axis=1)
        a = (s.weight / present_weight).where(stage_present[s.name], 0.0)
        b = (1.0 / count).where(count > 0, 0.0)
        for name in names:
            terms[name] = (a * b * block[name]).fillna(0.0)
    return pd.DataFrame(terms, index=normalised.index), coverage


def score(kpis: pd.DataFrame, model: ChiModel, period: str | None = "period") -> pd.DataFrame:
    """Score each row: CHI, band, coverage, reason, and one column per stage.

    Parameters
    ----------
    kpis : DataFrame
        Wide: one row per account (or account and period), one column per KPI named as
        in the model; other columns (``account_id``, ``period``) are identifiers.
    model : ChiModel
    period : str or None
        Column grouping rows for percentile normalisation.

    Returns
    -------
    DataFrame
        Same index as ``kpis``: ``chi`` (0–100, missing below the coverage limit),
        ``band`` (red / amber / green; missing without CHI), ``coverage`` (share of stage weight present),
        ``reason`` (why CHI is missing, else empty) and one column per stage (its score).

    Examples
    --------
    >>> import pandas as pd
    >>> from cxkit.chi import from_dict, score
    >>> m = from_dict({"stages": [
    ...     {"name": "support", "weight": 3, "kpis": [{"name": "csat", "direction":
    ...      "higher_is_better", "normalise": {"method": "scale", "min": 0, "max": 100}}]},
    ...     {"name": "billing", "weight": 1, "kpis": [{"name": "disputes", "direction":
    ...      "lower_is_better", "normalise": {"method": "scale", "min": 0, "max": 10}}]}]})
    >>> score(pd.DataFrame({"csat": [80.0], "disputes": [5.0]}), m)[["chi", "band"]]
        chi   band
    0  72.5  amber
    """
    norm = normalise(kpis, model, period)
    return _assemble(norm, *kpi_terms(norm, model), model)


def _assemble(norm: pd.DataFrame, terms: pd.DataFrame, coverage: pd.Series,
              model: ChiModel) -> pd.DataFrame:
    """The columns of :func:`score` from the normalised KPIs and their terms."""
    out = pd.DataFrame(index=norm.index)
    raw_chi = terms.sum(axis=1)
    enough = coverage >= model.min_coverage - 1e-12
    chi = raw_chi.where(enough & (coverage > 0))
    out["chi"] = chi
    out["band"] = pd.Series(np.select([chi >= model.bands["green"], chi >= model.bands["amber"],
                                       chi.notna()], ["green", "amber", "red"], default=""),
                            index=chi.index).replace("", np.nan)
    out["coverage"] = coverage
    reason = pd.Series("", index=norm.index, dtype=object)
    low = ~enough
    reason[low] = [f"only {c:.0%} of stage weight has data (minimum {model.min_coverage:.0%})"
                   for c in coverage[low]]  # text only where CHI is missing
    out["reason"] = reason
    for s in model.stages:
        out[s.name] = norm[[k.name for k in s.kpis]].mean(axis=1)
    return out


def explain_change(kpis: pd.DataFrame, model: ChiModel, account_id, before, after,
                   account: str = "account_id", period: str = "period") -> pd.DataFrame:
    """Why an account's CHI changed between two periods: each KPI's and stage's share.

    Percentile KPIs are normalised within each period over all rows of ``kpis``, as when
    scoring, so pass the whole portfolio.

    Returns
    -------
    DataFrame
        One row per KPI, indexed by (``stage``, ``kpi``): ``before`` and ``after``
        (normalised 0–100, missing where absent), ``contribution`` (CHI points); the
        contributions add up exactly to the change in CHI. ``attrs`` holds ``chi_before``,
        ``chi_after``, ``change`` and ``by_stage`` (a Series of stage contributions).

    Raises
    ------
    ParameterError
        If the account has no row in either period, or no CHI (coverage too low).
    """
    norm = normalise(kpis, model, period)
    terms, coverage = kpi_terms(norm, model)
    scored = _assemble(norm, terms, coverage, model)  # one pass, as score() would do
    rows = {}
    for label, when in (("before", before), ("after", after)):
        hit = kpis.index[(kpis[account] == account_id) & (kpis[period] == when)]
        if len(hit) != 1:
            raise ParameterError(f"account {account_id!r} has {len(hit)} rows for period "
                                 f"{when!r}; need exactly one")
        if np.isnan(scored.loc[hit[0], "chi"]):
            raise ParameterError(f"account {account_id!r} has no CHI in {when}: "
                                 f"{scored.loc[hit[0], 'reason']}")
        rows[label] = hit[0]
    b, a = rows["before"], rows["after"]
    index = pd.MultiIndex.from_tuples([(model.stage_of(k), k) for k in model.kpi_names],
                                      names=["stage", "kpi"])
    out = pd.DataFrame({"before": norm.loc[b, model.kpi_names].to_numpy(dtype=float),
                        "after": norm.loc[a, model.kpi_names].to_numpy(dtype=float),
                        "contribution": (terms.loc[a] - terms.loc[b])[model.kpi_names].to_numpy()},
                       index=index)
    out.attrs.update({"chi_before": float(scored.loc[b, "chi"]),
                      "chi_after": float(scored.loc[a, "chi"]),
                      "change": float(scored.loc[a, "chi"] - scored.loc[b, "chi"]),
                      "by_stage": out.groupby(level="stage", sort=False)["contribution"].sum()})
    return out
