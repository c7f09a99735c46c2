"""Prove the index: does CHI predict churn, renewal and revenue growth better than NPS alone?

:func:`outcome_panel` pairs each account's scores in a period with what happened next:
lost in the next period, renewal opportunities won or lost in the next period, revenue
up or down to the next period. :func:`predictive_power`
predicts each later period from a logistic model fit on all the periods before it
(rolling origin: every held-out period is predicted as it would have been at the time,
and the losses of all of them count), and measures the pooled predictions: AUC with an
interval from resampling accounts, every predictor set compared on the same rows. :func:`suggest_weights` proposes stage weights from the
outcome (L2-regularised logistic regression), to be shown beside the configured weights
and never applied silently.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from .. import periods
from ..errors import ParameterError
from .model import ChiModel


OUTCOMES = {"lost_next": "losses in the next period",
            "renewed_next": "renewals won in the next period",
            "grew_next": "revenue rises to the next period"}
MIN_EVENTS = 20  # fewer events (or non-events) held out: too uncertain to rank predictors
LTR_CARRY = 3  # periods an account's last rating stands for it without a new answer (a year)


@dataclass(frozen=True)
class PredictivePower:
    """How well predictor sets predict an outcome on held-out later periods.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``predictors`` (the set's name): ``auc``, ``ci_low``, ``ci_high``,
        ``n_train``, ``n_test``, ``events_test`` and, against the baseline, ``gain``
        (AUC minus the baseline's, on the same rows), ``gain_low``, ``gain_high``.
    outcome : str
        The 0/1 column predicted.
    test_from : str
        First held-out period.
    baseline : str or None
        The predictor set the others are compared with.
    events, non_events : int
        Held-out rows with and without the outcome.
    """

    table: pd.DataFrame
    outcome: str
    test_from: str
    baseline: str | None
    events: int
    non_events: int

    @property
    def uncertain(self) -> bool:
        """Fewer than :data:`MIN_EVENTS` events or non-events held out."""
        return min(self.events, self.non_events) < MIN_EVENTS

    def note(self) -> str:
        """Why the AUCs are too uncertain to rank the predictors ("" if they are not)."""
        if not self.uncertain:
            return ""
        what = OUTCOMES.get(self.outcome, f"{self.outcome} events")
        few = (f"{self.events} {what}" if self.events <= self.non_events
               else f"{self.non_events} account-periods without {what}")
        return (f"Only {few} in the held-out periods (from {self.test_from}): the AUCs are "
                "too uncertain to rank the predictors; more accounts or periods are needed.")


def outcome_panel(scores: pd.DataFrame, accounts: pd.DataFrame, responses: pd.DataFrame | None,
                  freq: str = "Q", revenue: pd.DataFrame | None = None,
                  opportunities: pd.DataFrame | None = None,
                  renewal_source: str = "renewal", ltr_carry: int = LTR_CARRY) -> pd.DataFrame:
    """Scores of each account and period with the next period's outcomes.

    Parameters
    ----------
    scores : DataFrame
        ``account_id``, ``period`` and the columns of :func:`cxkit.chi.score`.
    accounts : DataFrame
        With ``account_id``, ``customer_since``, ``lost_date``.
    responses : DataFrame, optional
        For the account's likelihood to recommend as known in the period (``ltr``).
    freq : str
        Period of the scores: Q, M or Y.
    revenue : DataFrame, optional
        ``account_id``, ``period``, ``revenue`` (same period as the scores): adds
        ``growth_next`` and ``grew_next``.
    opportunities : DataFrame, optional
        CRM opportunities (``account_id``, ``close_date``, ``status``, ``source``): those
        whose ``source`` is ``renewal_source`` give ``renewed_next``.
    renewal_source : str
        The ``source`` value that marks a renewal opportunity.
    ltr_carry : int
        Periods an account's last mean rating stands for it when it has no answer in the
        period (3: a quarterly panel uses ratings up to a year old), as a manager who
        surveys once a year would read the account's NPS.

    Returns
    -------
    DataFrame
        The rows of ``scores`` for accounts still customers at the end of the period, with
        ``lost_next`` (1 if lost in the next period; missing in the scores' last period,
        whose next period is not in the data), ``ltr`` (the account's mean rating
        in the period, else in the latest of the ``ltr_carry`` periods before it; missing
        without one), ``ltr_age`` (periods since that rating), and where the tables are
        given: ``renewed_next`` (1 if every renewal closing next period was won, 0 if one
        was lost, missing without one), ``growth_next`` (log of next period's revenue over
        this period's) and ``grew_next`` (1 if it rose). Growth is missing where either
        period is prorated: the account's first period, and the period it is lost in.
    """
    periods.check(freq)
    info = accounts.set_index("account_id")
    lost_period = periods.labels(info["lost_date"], freq)
    out = scores.copy()
    # labels of one frequency sort as text; "9999" stands for "not lost"
    lp = lost_period.reindex(out["account_id"]).fillna("9999").to_numpy(dtype=str)
    nxt = (pd.PeriodIndex(out["period"], freq=freq) + 1).astype(str).to_numpy()
    out["lost_next"] = (lp == nxt).astype(float)
    # the scores' last period has no next period in the data: whether it is lost is unknown
    out.loc[out["period"].to_numpy(dtype=str) == str(out["period"].max()), "lost_next"] = np.nan
    keep = lp > out["period"].to_numpy(dtype=str)  # still a customer after the period
    out, nxt = out[keep], nxt[keep]
    if responses is not None:
        per = periods.labels(responses["response_date"], freq)
        ltr = responses.assign(period=per).groupby(["account_id", "period"])["ltr"].mean()
        here = pd.PeriodIndex(out["period"], freq=freq)
        out["ltr"], out["ltr_age"] = np.nan, np.nan
        for age in range(ltr_carry + 1):  # this period first, then older ones
            then = (here - age).astype(str)
            known = ltr.reindex(pd.MultiIndex.from_arrays([out["account_id"], then])).to_numpy()
            fill = out["ltr"].isna().to_numpy() & ~np.isnan(known)
            out.loc[fill, "ltr"], out.loc[fill, "ltr_age"] = known[fill], age
    if opportunities is not None:
        ren = opportunities[(opportunities["source"] == renewal_source)
                            & opportunities["status"].isin(["won", "lost"])]
        decided = (ren.assign(period=periods.labels(ren["close_date"], freq),
                              lost=ren["status"].eq("lost"))
                   .groupby(["account_id", "period"])["lost"].any())
        lost_any = decided.reindex(pd.MultiIndex.from_arrays([out["account_id"], nxt]))
        out["renewed_next"] = (1.0 - lost_any.to_numpy(dtype=float))  # NaN: none decided
    if revenue is not None:
        rev = revenue.groupby(["account_id", "period"])["revenue"].sum()
        now = rev.reindex(pd.MultiIndex.from_arrays([out["account_id"], out["period"]]))
        then = rev.reindex(pd.MultiIndex.from_arrays([out["account_id"], nxt]))
        first = periods.labels(info["customer_since"], freq).reindex(out["account_id"])
        ok = ((now.to_numpy() > 0) & (then.to_numpy() > 0) & (out["lost_next"].to_numpy() != 1)
              & (first.to_numpy(dtype=str) != out["period"].to_numpy(dtype=str)))
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = np.log(then.to_numpy() / now.to_numpy())
        out["growth_next"] = np.where(ok, growth, np.nan)
        out["grew_next"] = np.where(ok, (growth > 0).astype(float), np.nan)
    return out.reset_index(drop=True)


def _weighted_auc(y: np.ndarray, p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """AUC of scores ``p`` for 0/1 ``y`` under each row of ``weights`` (draws × rows).

    A resample that draws a row ``w`` times is the same as weight ``w``: the AUC is the
    weighted share of (event, non-event) pairs ranked right, ties counting half, which
    is what :func:`sklearn.metrics.roc_auc_score` gives on the resampled rows.
    """
    order = np.argsort(p, kind="stable")
    ps, ys, w = p[order], y[order], weights[:, order]
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])  # groups of tied scores
    pos = np.add.reduceat(w * ys, starts, axis=1)
    neg = np.add.reduceat(w * (1 - ys), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg  # non-event weight ranked strictly lower
    right = (pos * (below + 0.5 * neg)).sum(axis=1)
    return right / (pos.sum(axis=1) * neg.sum(axis=1))


def _boot_aucs(y, scores: dict, groups, n_boot, rng) -> dict:
    """AUC of each score on the same account resamples (so differences are paired)."""
    codes, uniques = pd.factorize(groups)
    k = len(uniques)
    counts = np.stack([np.bincount(rng.integers(0, k, k), minlength=k) for _ in range(n_boot)])
    out = {name: [] for name in scores}
    chunk = max(1, 4_000_000 // max(1, len(y)))  # draws at a time: about 32 MB of weights
    for first in range(0, n_boot, chunk):
        weights = counts[first:first + chunk, codes].astype(float)  # rows by account draws
        events = weights @ y
        keep = (events > 0) & (events < weights.sum(axis=1))  # both outcomes drawn
        for name, p in scores.items():
            out[name].append(_weighted_auc(y, p, weights[keep]))
    return {name: np.concatenate(d) for name, d in out.items()}


def _first_test_period(data: pd.DataFrame, outcome: str, labels: list) -> str:
    """The first period with two periods and :data:`MIN_EVENTS` events (and non-events)
    before it, and both outcomes from it on."""
    counts = data.groupby("period")[outcome].agg(["sum", "count"]).reindex(labels)
    events = counts["sum"].cumsum().shift(fill_value=0)
    non_events = (counts["count"] - counts["sum"]).cumsum().shift(fill_value=0)
    later = counts["sum"].sum() - events, (counts["count"] - counts["sum"]).sum() - non_events
    ok = ((np.arange(len(labels)) >= 2) & (events >= MIN_EVENTS) & (non_events >= MIN_EVENTS)
          & (later[0] > 0) & (later[1] > 0))
    if ok.any():
        return labels[int(np.argmax(ok.to_numpy()))]
    return labels[len(labels) - max(1, len(labels) // 3)]  # few events: the last third


def predictive_power(panel: pd.DataFrame, predictors: dict, outcome: str = "lost_next",
                     test_from: str | None = None, n_boot: int = 500, confidence: float = 0.95,
                     random_state=None, baseline: str | None = "NPS") -> PredictivePower:
    """AUC of each predictor set on held-out later periods, on the same rows for all.

    Rolling origin: each period from ``test_from`` on is predicted by a logistic model
    (per predictor set, on standardised predictors) fit on every period before it, so
    no prediction uses its own or a later period; the AUC is that of all held-out
    predictions pooled. Its interval is the percentile interval of account resamples
    (each account's held-out rows drawn together), and the gain over the baseline is
    paired: both AUCs on the same resamples.

    Parameters
    ----------
    panel : DataFrame
        From :func:`outcome_panel`.
    predictors : dict of str to list of str
        Named predictor sets, e.g. ``{"CHI": ["chi"], "NPS": ["ltr"]}``.
    outcome : str
        0/1 column to predict.
    test_from : str, optional
        First held-out period; default the first period with at least two periods and
        20 events (and non-events) before it, else the last third of the periods.
    n_boot : int
        Account resamples for the AUC interval.
    confidence : float
        Level of the intervals.
    random_state : int, optional
    baseline : str, optional
        Predictor set the others are compared with (ignored if not among ``predictors``).

    Returns
    -------
    PredictivePower
        Its ``table`` is indexed by predictor set: ``auc``, ``ci_low``, ``ci_high``,
        ``n_train`` (rows before the first held-out period), ``n_test``, ``events_test``
        (outcomes in the held-out rows) and, against the baseline, ``gain`` (AUC minus
        the baseline's, on the same rows) with ``gain_low``, ``gain_high`` from the same
        account resamples (paired); ``uncertain`` and ``note()`` say when fewer than 20
        events (or non-events) make the comparison uncertain.

    Examples
    --------
    Ten accounts over four quarters; the ones that are lost had low health the quarter
    before. Q3 is predicted from Q1–Q2, Q4 from Q1–Q3:

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> chi = rng.uniform(20, 90, 40)
    >>> panel = pd.DataFrame({"account_id": np.tile([f"A{i}" for i in range(10)], 4),
    ...                       "period": np.repeat(["2024Q1", "2024Q2", "2024Q3", "2024Q4"], 10),
    ...                       "chi": chi, "lost_next": (chi < 45).astype(int)})
    >>> r = predictive_power(panel, {"CHI": ["chi"]}, test_from="2024Q3", n_boot=50,
    ...                      random_state=0)
    >>> float(r.table.loc["CHI", "auc"]), r.events, r.non_events, r.uncertain
    (1.0, 4, 16, True)
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
        test_from = _first_test_period(data, outcome, labels)
    train = data[data["period"] < test_from]
    # held-out rows in period order, so each period's predictions line up with its rows
    test = data[data["period"] >= test_from].sort_values("period", kind="stable")
    for part, name in ((train, "training"), (test, "held-out")):
        if part[outcome].nunique() < 2:
            raise ParameterError(f"the {name} periods have no {outcome} events to learn from")
    rng = np.random.default_rng(random_state)
    y = test[outcome].to_numpy(dtype=int)
    probs = {name: [] for name in predictors}
    for label, now in test.groupby("period", sort=True):  # each from all the periods before it
        past = data[data["period"] < label]
        for name, cs in predictors.items():
            scaler = StandardScaler().fit(past[cs])
            model = LogisticRegression().fit(scaler.transform(past[cs]), past[outcome])
            probs[name].append(model.predict_proba(scaler.transform(now[cs]))[:, 1])
    probs = {name: np.concatenate(p) for name, p in probs.items()}
    draws = _boot_aucs(y, probs, test["account_id"].to_numpy(), n_boot, rng)
    alpha = (1 - confidence) / 2
    rows = {}
    for name, p in probs.items():
        auc = roc_auc_score(y, p)
        rows[name] = {"auc": auc, "ci_low": np.quantile(draws[name], alpha),
                      "ci_high": np.quantile(draws[name], 1 - alpha), "n_train": len(train),
                      "n_test": len(test), "events_test": int(y.sum())}
        if baseline in probs:
            diff = draws[name] - draws[baseline]
            rows[name].update(gain=auc - roc_auc_score(y, probs[baseline]),
                              gain_low=np.quantile(diff, alpha),
                              gain_high=np.quantile(diff, 1 - alpha))
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "predictors"
    events = int(y.sum())
    return PredictivePower(out, outcome, str(test_from), baseline if baseline in probs else None,
                           events, len(y) - events)


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
