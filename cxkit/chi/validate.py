"""Prove the index: does CHI predict churn better than NPS alone?

:func:`outcome_panel` pairs each account's scores in a period with what happened next
(lost in the next period; revenue growth to the next period). :func:`predictive_power`
fits a logistic model per predictor set on the earlier periods and measures it on the
later, held-out periods: AUC with an interval from resampling accounts, every predictor
set compared on the same rows. :func:`suggest_weights` proposes stage weights from the
outcome (L2-regularised logistic regression), to be shown beside the configured weights
and never applied silently.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from .. import periods
from ..errors import ParameterError
from .model import ChiModel


def outcome_panel(scores: pd.DataFrame, accounts: pd.DataFrame, responses: pd.DataFrame | None,
                  freq: str = "Q") -> pd.DataFrame:
    """Scores of each account and period with the next period's outcome.

    Parameters
    ----------
    scores : DataFrame
        ``account_id``, ``period`` and the columns of :func:`cxkit.chi.score`.
    accounts : DataFrame
        With ``account_id``, ``lost_date``.
    responses : DataFrame, optional
        For the account's mean likelihood to recommend in the period (``ltr``).

    Returns
    -------
    DataFrame
        The rows of ``scores`` for accounts still customers at the end of the period,
        with ``lost_next`` (1 if lost in the next period) and ``ltr``.
    """
    periods.check(freq)
    lost = accounts.set_index("account_id")["lost_date"]
    lost_period = periods.labels(lost, freq)
    out = scores.copy()
    # labels of one frequency sort as text; "9999" stands for "not lost"
    lp = lost_period.reindex(out["account_id"]).fillna("9999").to_numpy(dtype=str)
    nxt = (pd.PeriodIndex(out["period"], freq=freq) + 1).astype(str).to_numpy()
    out["lost_next"] = (lp == nxt).astype(int)
    out = out[lp > out["period"].to_numpy(dtype=str)]  # still a customer after the period
    if responses is not None:
        per = periods.labels(responses["response_date"], freq)
        ltr = responses.assign(period=per).groupby(["account_id", "period"])["ltr"].mean()
        out = out.join(ltr, on=["account_id", "period"])
    return out.reset_index(drop=True)


def _auc_interval(y, p, groups, n_boot, rng, confidence):
    codes, uniques = pd.factorize(groups)
    k = len(uniques)
    members = [np.flatnonzero(codes == g) for g in range(k)]
    draws = []
    for _ in range(n_boot):
        idx = np.concatenate([members[g] for g in rng.integers(0, k, k)])
        yy = y[idx]
        if yy.min() != yy.max():
            draws.append(roc_auc_score(yy, p[idx]))
    alpha = (1 - confidence) / 2
    return np.quantile(draws, alpha), np.quantile(draws, 1 - alpha)


def predictive_power(panel: pd.DataFrame, predictors: dict, outcome: str = "lost_next",
                     test_from: str | None = None, n_boot: int = 500, confidence: float = 0.95,
                     random_state=None) -> pd.DataFrame:
    """AUC of each predictor set on held-out later periods, on the same rows for all.

    Parameters
    ----------
    panel : DataFrame
        From :func:`outcome_panel`.
    predictors : dict of str to list of str
        Named predictor sets, e.g. ``{"CHI": ["chi"], "NPS": ["ltr"]}``.
    outcome : str
        0/1 column to predict.
    test_from : str, optional
        First held-out period; default the last third of the periods.
    n_boot : int
        Account resamples for the AUC interval.

    Returns
    -------
    DataFrame
        Indexed by predictor set: ``auc``, ``ci_low``, ``ci_high``, ``n_train``,
        ``n_test``, ``events_test`` (outcomes in the held-out rows). ``attrs["note"]`` warns
        when fewer than 20 events make the comparison uncertain.
    """
    cols = sorted({c for cs in predictors.values() for c in cs})
    missing = [c for c in cols + [outcome] if c not in panel.columns]
    if missing:
        raise ParameterError(f"columns not in the panel: {', '.join(map(repr, missing))}")
    data = panel.dropna(subset=cols + [outcome])
    labels = sorted(data["period"].unique())
    if len(labels) < 3:
        raise ParameterError("need at least 3 periods to hold later ones out")
    if test_from is None:
        test_from = labels[len(labels) - max(1, len(labels) // 3)]
    train, test = data[data["period"] < test_from], data[data["period"] >= test_from]
    for part, name in ((train, "training"), (test, "held-out")):
        if part[outcome].nunique() < 2:
            raise ParameterError(f"the {name} periods have no {outcome} events to learn from")
    rng = np.random.default_rng(random_state)
    rows = {}
    y = test[outcome].to_numpy()
    for name, cs in predictors.items():
        scaler = StandardScaler().fit(train[cs])
        model = LogisticRegression().fit(scaler.transform(train[cs]), train[outcome])
        p = model.predict_proba(scaler.transform(test[cs]))[:, 1]
        lo, hi = _auc_interval(y, p, test["account_id"].to_numpy(), n_boot, rng, confidence)
        rows[name] = {"auc": roc_auc_score(y, p), "ci_low": lo, "ci_high": hi,
                      "n_train": len(train), "n_test": len(test), "events_test": int(y.sum())}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "predictors"
    events = int(y.sum())
    what = "losses in the next period" if outcome == "lost_next" else f"{outcome} events"
    note = (f"Only {events} {what} in the held-out periods (from {test_from}): the AUCs are "
            "too uncertain to rank the predictors; more accounts or periods are needed."
            if events < 20 else "")
    out.attrs.update({"test_from": test_from, "outcome": outcome, "note": note})
    return out


def suggest_weights(panel: pd.DataFrame, model: ChiModel, outcome: str = "lost_next",
                    C: float = 1.0) -> pd.DataFrame:
    """Stage weights suggested by the outcome, beside the configured ones (never applied).

    An L2-regularised logistic regression of the outcome on the standardised stage
    scores; a stage whose higher score goes with fewer losses gets weight in proportion
    to that effect, scaled to the configured total.

    Returns
    -------
    DataFrame
        Indexed by ``stage``: ``configured``, ``suggested``, ``coefficient`` (log-odds of
        the outcome per standard deviation of the stage score).
    """
    stages = model.stage_names
    data = panel.dropna(subset=stages + [outcome])
    if data[outcome].nunique() < 2:
        raise ParameterError(f"no {outcome} events to learn weights from")
    X = StandardScaler().fit_transform(data[stages])
    fit = LogisticRegression(C=C).fit(X, data[outcome])
    coef = fit.coef_[0]
    strength = np.clip(-coef, 0, None)
    configured = np.array([s.weight for s in model.stages])
    total = configured.sum()
    suggested = strength / strength.sum() * total if strength.sum() > 0 else np.full(len(stages), np.nan)
    return pd.DataFrame({"configured": configured, "suggested": suggested, "coefficient": coef},
                        index=pd.Index(stages, name="stage"))
