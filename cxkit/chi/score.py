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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .model import BAND_NAMES, ChiModel, Kpi


def _check_columns(kpis: pd.DataFrame, model: ChiModel) -> None:
    for s in model.stages:
        for k in s.kpis:
            if k.name not in kpis.columns:
                raise ParameterError(f"{model.source}, stage '{s.name}', KPI '{k.name}': unknown "
                                     f"KPI, not a column of the KPI table")
            if not pd.api.types.is_numeric_dtype(kpis[k.name]):
                raise ParameterError(f"{model.source}, stage '{s.name}', KPI '{k.name}': the "
                                     "column is not numeric")


class _Groups:
    """Rows sorted by group once (a stable radix sort of the group codes), for the
    percentile KPIs that all rank within the same groups."""

    def __init__(self, codes: np.ndarray | None, n: int):
        if codes is None:
            codes = np.zeros(n, dtype=np.int16)
        self.codes = codes
        self.n_groups = int(codes.max()) + 1 if n else 0
        self.order = np.argsort(codes, kind="stable")
        size = np.bincount(codes, minlength=self.n_groups)
        self.bounds = np.concatenate([[0], np.cumsum(size)])
        self.sorted_codes = codes[self.order]
        self.start = self.bounds[:-1][self.sorted_codes]  # each sorted row's group start


def _percentile(x: np.ndarray, groups: _Groups) -> np.ndarray:
    """(rank − 1) / (n − 1) of each value among the values of its group, in [0, 1].

    Ties share their mean rank; a group with one value gives 0.5; NaN stays NaN. The
    rows are already sorted by group, so each group's values are sorted on their own.
    """
    n = len(x)
    xg = x[groups.order]
    local = np.empty(n, dtype=np.intp)
    for a, b in zip(groups.bounds[:-1], groups.bounds[1:]):
        local[a:b] = a + np.argsort(xg[a:b])  # NaN sorts last within its group
    order = groups.order[local]
    xs, cs = xg[local], groups.sorted_codes
    valid = ~np.isnan(x)
    n_valid = np.bincount(groups.codes, weights=valid, minlength=groups.n_groups)
    new_run = np.empty(n, dtype=bool)  # a run: equal group and equal value
    if n:
        new_run[0] = True
        np.logical_or(cs[1:] != cs[:-1], xs[1:] != xs[:-1], out=new_run[1:])
    first = np.flatnonzero(new_run)
    last = np.append(first[1:], n) - 1
    mid = ((first + last) / 2)[np.cumsum(new_run) - 1]  # mean position of each tie run
    denom = n_valid[cs] - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(denom > 0, (mid - groups.start) / denom, 0.5)
    out = np.empty(n)
    out[order] = frac
    out[~valid] = np.nan
    return out


def _normalise_column(x: np.ndarray, kpi: Kpi, groups: _Groups | None,
                      out: np.ndarray) -> None:
    """Write one KPI's 0–100 scores into ``out`` (NaN where the KPI is missing)."""
    if kpi.method == "targets":
        xs = np.array([p[0] for p in kpi.points])
        ys = np.array([p[1] for p in kpi.points])
        out[:] = np.interp(x, xs, ys)
        out[np.isnan(x)] = np.nan
        return
    if kpi.method == "scale":
        frac = np.clip(x, kpi.min, kpi.max)
        frac -= kpi.min
        frac /= kpi.max - kpi.min
    else:  # percentile among the rows of the same period
        frac = _percentile(x, groups)
    if kpi.higher_is_better:
        np.multiply(frac, 100.0, out=out)
    else:
        np.multiply(frac, -100.0, out=out)
        out += 100.0


def _normalised_matrix(kpis: pd.DataFrame, model: ChiModel, period: str | None) -> np.ndarray:
    """The normalised KPIs as one float matrix, rows × model KPIs, column-major."""
    _check_columns(kpis, model)
    groups = None
    if any(k.method == "percentile" for s in model.stages for k in s.kpis):
        codes = None
        if period is not None and period in kpis.columns:
            codes, uniques = pd.factorize(kpis[period], use_na_sentinel=False)
            codes = codes.astype(np.int16 if len(uniques) < 2 ** 15 else np.int64)  # radix
        groups = _Groups(codes, len(kpis))
    out = np.empty((len(kpis), len(model.kpi_names)), order="F")
    for j, k in enumerate(k for s in model.stages for k in s.kpis):
        _normalise_column(kpis[k.name].to_numpy(dtype=float, na_value=np.nan), k, groups,
                          out[:, j])
    return out


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
        Same index, one column per KPI of the model, in the model's order.
    """
    return pd.DataFrame(_normalised_matrix(kpis, model, period), index=kpis.index,
                        columns=model.kpi_names, copy=False)


def _stages(norm: np.ndarray, model: ChiModel):
    """Stage means (rows × stages, NaN where a stage has no KPI), KPI counts per stage,
    and the present stage weight of each row."""
    n = norm.shape[0]
    means = np.empty((n, len(model.stages)), order="F")
    counts = np.empty((n, len(model.stages)), order="F")
    present_weight = np.zeros(n)
    j = 0
    for i, s in enumerate(model.stages):
        total, count = means[:, i], counts[:, i]
        total[:] = 0.0
        count[:] = 0.0
        for _ in s.kpis:  # column by column: contiguous in the column-major matrix
            col = norm[:, j]
            ok = ~np.isnan(col)
            count += ok
            total += np.where(ok, col, 0.0)
            j += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            total /= count
        present_weight += s.weight * (count > 0)
    return means, counts, present_weight


def kpi_terms(normalised: pd.DataFrame, model: ChiModel) -> tuple[pd.DataFrame, pd.Series]:
    """Each KPI's term ``a_s · b_k · n_k`` in CHI (0 where absent), and the coverage.

    The terms of a row add up to its CHI before the coverage rule.

    Parameters
    ----------
    normalised : DataFrame
        The output of :func:`normalise`.
    model : ChiModel

    Returns
    -------
    terms : DataFrame
        Same index, one column per KPI.
    coverage : Series
        Share of the total stage weight present in each row.
    """
    norm = normalised[model.kpi_names].to_numpy(dtype=float)
    _, counts, present_weight = _stages(norm, model)
    terms = np.zeros_like(norm)
    j = 0
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, s in enumerate(model.stages):
            factor = s.weight / present_weight / counts[:, i]  # a_s · b_k
            for _ in s.kpis:
                t = factor * norm[:, j]
                terms[:, j] = np.where(np.isnan(t), 0.0, t)
                j += 1
    total = sum(s.weight for s in model.stages)
    return (pd.DataFrame(terms, index=normalised.index, columns=model.kpi_names),
            pd.Series(present_weight / total, index=normalised.index))


def score(kpis: pd.DataFrame, model: ChiModel, period: str | None = "period",
          normalised: pd.DataFrame | None = None) -> pd.DataFrame:
    """Score each row: CHI, band, coverage, reason, and one column per stage.

    Parameters
    ----------
    kpis : DataFrame
        Wide: one row per account (or account and period), one column per KPI named as
        in the model; other columns (``account_id``, ``period``) are identifiers.
    model : ChiModel
    period : str or None
        Column grouping rows for percentile normalisation.
    normalised : DataFrame, optional
        ``normalise(kpis, model, period)`` if already computed: saves normalising twice.

    Returns
    -------
    DataFrame
        Same index as ``kpis``: ``chi`` (0–100, missing below the coverage limit),
        ``band`` (ordered categorical red < amber < green; missing without CHI),
        ``coverage`` (share of stage weight present), ``reason`` (why CHI is missing,
        else empty) and one column per stage (its score, the mean of its KPIs present).

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
    if normalised is None:
        norm = _normalised_matrix(kpis, model, period)
    else:
        norm = normalised[model.kpi_names].to_numpy(dtype=float)
    return _assemble(norm, kpis.index, model)


def _assemble(norm: np.ndarray, index: pd.Index, model: ChiModel) -> pd.DataFrame:
    """The columns of :func:`score` from the normalised KPI matrix."""
    means, counts, present_weight = _stages(norm, model)
    weights = np.array([s.weight for s in model.stages])
    coverage = present_weight / weights.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        chi = np.where(counts > 0, means, 0.0) @ weights / present_weight
    enough = coverage >= model.min_coverage - 1e-12
    chi[~(enough & (coverage > 0))] = np.nan
    band = np.full(len(chi), -1, dtype=np.int8)
    band[chi >= -np.inf] = 0  # not NaN
    band[chi >= model.bands["amber"]] = 1
    band[chi >= model.bands["green"]] = 2
    # a reason per distinct low coverage, not per row: coverage takes few values
    levels, inverse = np.unique(np.where(enough, -1.0, coverage), return_inverse=True)
    texts = ["" if c < 0 else f"only {c:.0%} of stage weight has data (minimum "
             f"{model.min_coverage:.0%})" for c in levels]
    texts, which = np.unique(texts, return_inverse=True)  # two levels may read the same
    columns = {"chi": chi,
               "band": pd.Categorical.from_codes(band, categories=list(BAND_NAMES),
                                                 ordered=True),
               "coverage": coverage,
               "reason": pd.Categorical.from_codes(which.ravel()[inverse.ravel()],
                                                   categories=list(texts))}
    for i, s in enumerate(model.stages):
        columns[s.name] = means[:, i]
    return pd.DataFrame(columns, index=index, copy=False)


@dataclass(frozen=True)
class ChiChange:
    """Why one account's CHI changed between two periods.

    Attributes
    ----------
    account_id, before, after : str
        The account and the two period labels compared.
    chi_before, chi_after : float
        Its CHI in each (missing in an empty result).
    contributions : DataFrame
        One row per KPI, indexed by (``stage``, ``kpi``): ``value_before``,
        ``value_after`` (the KPI as measured), ``before`` and ``after`` (normalised
        0–100; missing where absent) and ``contribution`` (CHI points). The
        contributions add up exactly to :attr:`change`.
    by_stage : Series
        Each stage's contribution (CHI points), indexed by stage in model order.
    reason : str
        Why there is nothing to explain ("" when explained).
    """

    account_id: str
    before: str
    after: str
    chi_before: float
    chi_after: float
    contributions: pd.DataFrame
    by_stage: pd.Series
    reason: str = ""

    @property
    def change(self) -> float:
        """CHI after minus CHI before."""
        return self.chi_after - self.chi_before

    @property
    def explained(self) -> bool:
        """Whether there is a change to explain (both periods scored)."""
        return not self.reason

    @classmethod
    def empty(cls, account_id="", before="", after="", reason: str = "") -> "ChiChange":
        """Nothing to explain, and why."""
        frame = pd.DataFrame(columns=["value_before", "value_after", "before", "after",
                                      "contribution"], dtype=float,
                             index=pd.MultiIndex.from_tuples([], names=["stage", "kpi"]))
        return cls(account_id, before, after, np.nan, np.nan, frame,
                   pd.Series(dtype=float, name="contribution"), reason or "nothing to explain")

    def largest(self, n: int = 8) -> pd.DataFrame:
        """The ``n`` KPIs that moved CHI most either way, largest first."""
        c = self.contributions
        return c.loc[c["contribution"].abs().sort_values(ascending=False).index[:n]]


def explain_change(kpis: pd.DataFrame, model: ChiModel, account_id, before, after,
                   account: str = "account_id", period: str = "period",
                   normalised: pd.DataFrame | None = None) -> ChiChange:
    """Why an account's CHI changed between two periods: each KPI's and stage's share.

    Percentile KPIs are normalised within each period over all rows of ``kpis``, as when
    scoring, so pass the whole portfolio.

    Parameters
    ----------
    kpis : DataFrame
        Wide KPIs of the portfolio, with ``account`` and ``period`` columns.
    model : ChiModel
    account_id, before, after
        The account, and the two period labels to compare.
    account, period : str
        The identifier columns.
    normalised : DataFrame, optional
        ``normalise(kpis, model, period)`` if already computed.

    Returns
    -------
    ChiChange
        CHI before and after, each KPI's contribution and each stage's.

    Raises
    ------
    ParameterError
        If the account has no row in either period, or no CHI (coverage too low).

    Examples
    --------
    >>> import pandas as pd
    >>> from cxkit.chi import from_dict
    >>> m = from_dict({"stages": [
    ...     {"name": "support", "weight": 3, "kpis": [{"name": "csat", "direction":
    ...      "higher_is_better", "normalise": {"method": "scale", "min": 0, "max": 100}}]},
    ...     {"name": "billing", "weight": 1, "kpis": [{"name": "disputes", "direction":
    ...      "lower_is_better", "normalise": {"method": "scale", "min": 0, "max": 10}}]}]})
    >>> k = pd.DataFrame({"account_id": ["A", "A"], "period": ["P1", "P2"],
    ...                   "csat": [80.0, 60.0], "disputes": [5.0, 5.0]})
    >>> ch = explain_change(k, m, "A", "P1", "P2")
    >>> ch.chi_before, ch.chi_after, ch.change
    (72.5, 57.5, -15.0)
    >>> ch.by_stage.to_dict()
    {'support': -15.0, 'billing': 0.0}
    """
    rows = []
    for when in (before, after):
        hit = np.flatnonzero((kpis[account] == account_id).to_numpy()
                             & (kpis[period] == when).to_numpy())
        if len(hit) != 1:
            raise ParameterError(f"account {account_id!r} has {len(hit)} rows for period "
                                 f"{when!r}; need exactly one")
        rows.append(hit[0])
    if normalised is None:
        normalised = normalise(kpis, model, period)
    norm = normalised.iloc[rows][model.kpi_names]  # only the two rows from here on
    scored = _assemble(norm.to_numpy(dtype=float), norm.index, model)
    for (_, row), when in zip(scored.iterrows(), (before, after)):
        if np.isnan(row["chi"]):
            raise ParameterError(f"account {account_id!r} has no CHI in {when}: {row['reason']}")
    terms, _ = kpi_terms(norm, model)
    raw = kpis.iloc[rows][model.kpi_names]
    index = pd.MultiIndex.from_tuples([(model.stage_of(k), k) for k in model.kpi_names],
                                      names=["stage", "kpi"])
    out = pd.DataFrame({"value_before": raw.iloc[0].to_numpy(dtype=float),
                        "value_after": raw.iloc[1].to_numpy(dtype=float),
                        "before": norm.iloc[0].to_numpy(dtype=float),
                        "after": norm.iloc[1].to_numpy(dtype=float),
                        "contribution": terms.iloc[1].to_numpy() - terms.iloc[0].to_numpy()},
                       index=index)
    chi_before, chi_after = (float(c) for c in scored["chi"])
    return ChiChange(str(account_id), str(before), str(after), chi_before, chi_after, out,
                     out.groupby(level="stage", sort=False)["contribution"].sum())
