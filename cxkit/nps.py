"""Net Promoter Score with honest intervals.

NPS = % promoters (9–10) − % detractors (0–6), on −100..100. Each respondent is coded
+1, 0 or −1; the variance of that coding is ``p + d − (p − d)²`` (Rocks 2016,
arXiv 1601.07235), so the standard error of NPS is ``100 · sqrt(var / n)``.

Intervals:

- ``"adjusted-wald"`` (default): add 3 to n and 0.75 each to the promoter and detractor
  counts before the same formula (MeasuringU); better coverage for small samples and
  extreme scores. The interval is centred on the adjusted score; ``nps`` stays the
  observed score.
- ``"wald"``: the plain normal interval around the observed score.

With survey weights, shares are weighted and ``n`` in the standard error is Kish's
effective sample size ``(Σw)² / Σw²``.

Examples
--------
>>> from cxkit.nps import estimate
>>> e = estimate([10, 9, 8, 7, 3, 10])
>>> round(e.nps, 1), e.n
(33.3, 6)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from . import periods, ratings
from .analysis import Analysis
from .errors import ParameterError
from .io.datamodel import rating_scale, scale_declared, reporting_period
from .io.folder import Scale

METHODS = ("adjusted-wald", "wald")
SCHEMES = ("all", "account", "decision_maker")
COLUMNS = ["nps", "promoters", "passives", "detractors", "n", "n_eff", "se", "ci_low", "ci_high"]


def categories(scores) -> pd.Series:
    """Promoter (9–10), passive (7–8) or detractor (0–6) for each score; missing stays missing."""
    s = pd.Series(scores, dtype="float64")
    out = pd.Series(pd.NA, index=s.index, dtype="object")
    out[s >= 9] = "promoter"
    out[(s >= 7) & (s < 9)] = "passive"
    out[s < 7] = "detractor"
    return out


def _interval(p, d, n, confidence, method):
    z = stats.norm.ppf(0.5 + confidence / 2)
    if method == "wald":
        centre, pp, dd, nn = p - d, p, d, n
    else:  # adjusted Wald: 3 more respondents, 0.75 promoters, 0.75 detractors
        nn = n + 3
        pp, dd = (p * n + 0.75) / nn, (d * n + 0.75) / nn
        centre = pp - dd
    var = pp + dd - (pp - dd) ** 2
    se = np.sqrt(var / nn) if nn > 0 else np.nan
    return 100 * se, 100 * (centre - z * se), 100 * (centre + z * se), var


@dataclass(frozen=True)
class NpsEstimate:
    """An NPS with its standard error and interval (:func:`estimate`).

    ``nps`` (−100..100), ``promoters``, ``passives``, ``detractors`` (shares 0–1), ``n``
    (responses used), ``n_eff`` (effective n, = n without weights), ``se`` (NPS points),
    ``ci_low``, ``ci_high``, ``method``, ``confidence``.
    """

    nps: float
    promoters: float
    passives: float
    detractors: float
    n: int
    n_eff: float
    se: float
    ci_low: float
    ci_high: float
    method: str
    confidence: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class NpsDifference:
    """The difference between two NPS values (:func:`compare`).

    ``nps_a``, ``nps_b``, ``difference`` (a − b, observed NPS points), ``se``, ``z``,
    ``p_value``, ``ci_low``, ``ci_high`` (around the adjusted difference under
    adjusted-Wald), ``n_a``, ``n_b``, ``method``.
    """

    nps_a: float
    nps_b: float
    difference: float
    se: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    n_a: int
    n_b: int
    method: str

    def as_dict(self) -> dict:
        return asdict(self)


def estimate(scores, weights=None, confidence: float = 0.95, method: str = "adjusted-wald"
             ) -> NpsEstimate:
    """NPS of a set of 0–10 scores, with its standard error and interval.

    Parameters
    ----------
    scores : array-like
        Likelihood-to-recommend answers, 0–10; missing values are ignored.
    weights : array-like, optional
        Survey weights, one per score.
    confidence : float
        Confidence level of the interval.
    method : {"adjusted-wald", "wald"}

    Returns
    -------
    NpsEstimate

    Examples
    --------
    The worked check of Rocks (2016): 40 % promoters, 20 % detractors, n = 500.

    >>> e = estimate([10] * 200 + [8] * 200 + [3] * 100, method="wald")
    >>> round(e.nps, 1), round(e.ci_high - e.nps, 1)
    (20.0, 6.6)
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must be between 0 and 1, got {confidence}")
    s, w = ratings.clean(scores, weights)  # on the 0–10 scale
    n = int(s.size)
    if n == 0:
        return NpsEstimate(np.nan, np.nan, np.nan, np.nan, 0, 0.0, np.nan, np.nan, np.nan,
                           method, confidence)
    total = w.sum()
    p = w[s >= 9].sum() / total
    d = w[s < 7].sum() / total
    n_eff = total ** 2 / (w ** 2).sum()
    se, lo, hi, _ = _interval(p, d, n_eff, confidence, method)
    return NpsEstimate(float(100 * (p - d)), float(p), float(1 - p - d), float(d), n,
                       float(n_eff), float(se), float(max(lo, -100.0)),
                       float(min(hi, 100.0)), method, confidence)


def _adjusted(s: NpsEstimate, method: str) -> tuple[float, float, float]:
    """An estimate's promoter and detractor shares and n, adjusted-Wald or as observed."""
    p, d, n = s.promoters, s.detractors, s.n_eff
    if method == "wald":
        return p, d, n
    nn = n + 3  # MeasuringU: 3 more respondents, 0.75 promoters, 0.75 detractors
    return (p * n + 0.75) / nn, (d * n + 0.75) / nn, nn


def compare(a, b, weights_a=None, weights_b=None, confidence: float = 0.95,
            method: str = "adjusted-wald") -> NpsDifference:
    """Difference between two NPS values, with its z statistic and two-sided p-value.

    ``z = (NPS_a − NPS_b) / sqrt(var_a / n_a + var_b / n_b)`` with each group's
    per-respondent variance ``p + d − (p − d)²``. With ``"adjusted-wald"`` (default, as
    :func:`estimate`'s intervals) each group first gets 3 more respondents, 0.75 of them
    promoters and 0.75 detractors (MeasuringU), so the test agrees with the intervals
    shown beside it and is not liberal at small n; ``"wald"`` is the plain test.

    Parameters
    ----------
    a, b : array-like
        Scores of the two groups (independent samples).
    method : {"adjusted-wald", "wald"}

    Returns
    -------
    NpsDifference

    Examples
    --------
    >>> c = compare([10] * 60 + [5] * 40, [10] * 40 + [5] * 60, method="wald")
    >>> round(c.difference), round(c.z, 2)
    (40, 2.89)
    >>> round(compare([10] * 60 + [5] * 40, [10] * 40 + [5] * 60).z, 2)
    2.86
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    sa = estimate(a, weights_a, confidence, "wald")
    sb = estimate(b, weights_b, confidence, "wald")
    if sa.n == 0 or sb.n == 0:
        return NpsDifference(sa.nps, sb.nps, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan,
                             sa.n, sb.n, method)
    var, centre = 0.0, 0.0
    for s, sign in ((sa, 1), (sb, -1)):
        p, d, n = _adjusted(s, method)
        var += (p + d - (p - d) ** 2) / n
        centre += sign * 100 * (p - d)
    se = 100 * np.sqrt(var)
    diff = sa.nps - sb.nps
    z = centre / se if se > 0 else np.nan
    pval = 2 * stats.norm.sf(abs(z)) if se > 0 else np.nan
    q = stats.norm.ppf(0.5 + confidence / 2)
    return NpsDifference(sa.nps, sb.nps, float(diff), float(se), float(z), float(pval),
                         float(centre - q * se), float(centre + q * se), sa.n, sb.n, method)


def by_group(data: pd.DataFrame, by, score: str = "ltr", weights: str | None = None,
             confidence: float = 0.95, method: str = "adjusted-wald") -> pd.DataFrame:
    """NPS with intervals for each group.

    Parameters
    ----------
    data : DataFrame
    by : str or list of str
        Grouping column(s).
    score : str
        Column of 0–10 scores.
    weights : str, optional
        Column of survey weights.

    Returns
    -------
    DataFrame
        Indexed by group, with columns ``nps``, ``promoters``, ``passives``,
        ``detractors``, ``n``, ``n_eff``, ``se``, ``ci_low``, ``ci_high``.
    """
    return ratings.group_table(data, by, lambda g: estimate(
        g[score], None if weights is None else g[weights], confidence, method), COLUMNS)


def by_period(data: pd.DataFrame, date: str = "response_date", freq: str = "Q",
              score: str = "ltr", weights: str | None = None, alpha: float = 0.05,
              confidence: float = 0.95, method: str = "adjusted-wald") -> pd.DataFrame:
    """NPS per period, and the change from the previous period flagged only if significant.

    Returns
    -------
    DataFrame
        Indexed by ``period`` (label), with the :func:`by_group` columns plus ``change``
        (NPS points against the previous period), ``p_value`` of that change
        (:func:`compare`, with the same ``method`` as the intervals) and ``significant``
        (``p_value < alpha``).

    Examples
    --------
    >>> from cxkit.io import load_table
    >>> r = load_table("data/sample", "responses")
    >>> t = by_period(r[r["response_date"] >= "2025-01-01"], freq="Q")
    >>> t[["nps", "n", "change", "significant"]].round(1)
             nps    n  change  significant
    period
    2025Q1  13.3  822     NaN        False
    2025Q2  20.3  769     7.0         True
    2025Q3  12.8  838    -7.5         True
    2025Q4  16.7  813     4.0        False
    """
    frame = data.assign(period=periods.labels(data[date], freq))
    out = by_group(frame, "period", score, weights, confidence, method)

    def compare_one(a, b):
        c = compare(a[score], b[score], None if weights is None else a[weights],
                    None if weights is None else b[weights], confidence, method)
        return c.difference, c.p_value
    return ratings.period_changes(frame, out, compare_one, alpha)


def respondent_weights(responses: pd.DataFrame, contacts: pd.DataFrame | None = None,
                       scheme: str = "all", role_weights: Mapping[str, float] | None = None
                       ) -> pd.Series:
    """Weights that turn respondents' answers into account-level feedback.

    Parameters
    ----------
    responses : DataFrame
        With ``account_id`` and ``contact_id``.
    contacts : DataFrame, optional
        With ``contact_id`` and ``role``; needed for role weights and ``decision_maker``.
    scheme : {"all", "account", "decision_maker"}
        ``all``: every response counts once. ``account``: one vote per account (an
        account's responses share a total weight of 1). ``decision_maker``: an account's
        decision makers speak for it when it has any; otherwise its other respondents
        do; one vote per account.
    role_weights : mapping, optional
        Weight by role, e.g. ``{"decision maker": 2, "influencer": 1, "user": 0.5}``,
        applied before the scheme (within an account under ``account``).

    Returns
    -------
    Series
        One weight per response (same index).
    """
    if scheme not in SCHEMES:
        raise ParameterError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    w = pd.Series(1.0, index=responses.index)
    role = None
    if role_weights or scheme == "decision_maker":
        if contacts is None:
            raise ParameterError("role weights and the decision_maker scheme need contacts")
        role = responses["contact_id"].map(contacts.set_index("contact_id")["role"])
    if role_weights:
        unknown = set(role_weights) - {"decision maker", "influencer", "user"}
        if unknown:
            raise ParameterError(f"role_weights names unknown role(s): {', '.join(sorted(unknown))}")
        w = role.map(dict(role_weights)).astype(float).fillna(0.0)
    if scheme == "decision_maker":
        is_dm = role.eq("decision maker")
        has_dm = is_dm.groupby(responses["account_id"]).transform("any")
        w = w.where(~has_dm | is_dm, 0.0)
    if scheme in ("account", "decision_maker"):
        total = w.groupby(responses["account_id"]).transform("sum")
        w = (w / total.where(total > 0)).fillna(0.0)
    return w


def account_nps(responses: pd.DataFrame, contacts: pd.DataFrame | None = None,
                scheme: str = "all", role_weights: Mapping[str, float] | None = None,
                score: str = "ltr") -> pd.DataFrame:
    """NPS and mean score of each account from its respondents.

    Returns
    -------
    DataFrame
        Indexed by ``account_id``, with ``responses``, ``respondents``, ``nps``,
        ``promoters``, ``detractors`` (weighted within the account by ``scheme`` and
        ``role_weights``), ``mean_score`` and ``category`` (promoter / passive /
        detractor by the weighted mean score).
    """
    w = respondent_weights(responses, contacts, scheme, role_weights)
    frame = pd.DataFrame({"account_id": responses["account_id"],
                          "contact_id": responses["contact_id"],
                          "s": responses[score].astype(float), "w": w}).dropna(subset=["s"])
    frame = frame[frame["w"] > 0]
    frame["wp"] = frame["w"] * (frame["s"] >= 9)
    frame["wd"] = frame["w"] * (frame["s"] < 7)
    frame["ws"] = frame["w"] * frame["s"]
    g = frame.groupby("account_id")
    total = g["w"].sum()
    out = pd.DataFrame({"responses": g.size(), "respondents": g["contact_id"].nunique(),
                        "promoters": g["wp"].sum() / total, "detractors": g["wd"].sum() / total,
                        "mean_score": g["ws"].sum() / total})
    out["nps"] = 100 * (out["promoters"] - out["detractors"])
    out["category"] = categories(out["mean_score"]).to_numpy()
    return out[["responses", "respondents", "nps", "promoters", "detractors", "mean_score",
                "category"]]


def plot_trend(trend: pd.DataFrame, ax=None):
    """NPS per period with its interval; significant changes marked. Returns the axis."""
    return ratings.plot_trend(trend, column="nps", ylabel="NPS", label="NPS",
                              title="Net Promoter Score per period", ax=ax)


# --------------------------------------------------------------------------- the analysis
def estimate_sentence(e: NpsEstimate, label: str = "NPS") -> str:
    """An estimate in words: ``NPS is +23 (95% interval +18 to +28) from 1,200 ...``."""
    return (f"{label} is {e.nps:+.0f} ({e.confidence:.0%} interval {e.ci_low:+.0f} to "
            f"{e.ci_high:+.0f}) from {e.n:,} responses: {e.promoters:.0%} promoters, "
            f"{e.detractors:.0%} detractors.")


def trend_sentence(trend: pd.DataFrame) -> str:
    """The latest period of :func:`by_period` in words, its change called noise or not."""
    return ratings.trend_sentence(trend, "nps", "NPS", "{:+.0f}", "{:+.0f} points")


def scale_reading(answers: pd.Series, scale: Scale, declared: bool) -> tuple[bool, Scale, str]:
    """Whether NPS can be computed from the recommend answers, the scale to read them on,
    and the sentence that says so (empty where NPS is read as usual).

    NPS needs the 0–10 question (or a declared 1–10 one, whose detractors are 1–6). On
    another declared scale there is none. On the 0–10 scale read by default, answers of
    which none is above 7 (30 or more of them) look like a 1–7 or 1–5 question: NPS would
    be wrong, so it is not computed, and the answers are read on the range they take.

    >>> scale_reading(pd.Series([1, 5, 7] * 10), Scale(0, 10), declared=False)[:2]
    (False, Scale(low=1, high=7))
    >>> scale_reading(pd.Series([1, 5, 10]), Scale(1, 10), declared=True)[2]
    'The recommend question is on a 1–10 scale: promoters answered 9 or 10, detractors 1 to 6.'
    """
    given = answers.dropna()
    if not scale.allows_nps:
        return False, scale, (
            f"The recommend question is on a {scale} scale. NPS is defined on the 0–10 "
            "question only, so this report shows the mean rating and the share in the top "
            f"two boxes ({scale.top_two[0]} or {scale.top_two[1]}) instead.")
    if not declared and len(given) >= 30 and given.max() <= 7:
        seen = Scale(0 if given.min() < 1 else 1, int(given.max()))
        return False, seen, (
            f"No answer to the recommend question is above {int(given.max())} in "
            f"{len(given):,} answers: it looks like a {seen} scale, not 0–10, and NPS on it "
            "would be wrong. It is not computed; the answers are read on the "
            f"{seen} scale they take. Declare the scale in the data folder's cxkit.yaml "
            "(tables: responses: scale) to say what it is.")
    if (scale.low, scale.high) == (1, 10):
        return True, scale, ("The recommend question is on a 1–10 scale: promoters answered "
                             "9 or 10, detractors 1 to 6.")
    return True, scale, ""


class NpsAnalysis(Analysis):
    """NPS of the responses with its interval, per period and by an account column.

    On a recommend question that is not on the 0–10 scale (``cxkit.yaml`` declares
    1–7, say) there is no NPS: ``nps_`` is None and the trend and groups hold the mean
    rating and the top-two-box share (:mod:`cxkit.ratings`), with ``scale_note_`` saying
    why.

    Parameters
    ----------
    score : str
        Likelihood-to-recommend column (0–10).
    scheme : {"all", "account", "decision_maker"}
        How respondents make an account's voice (:func:`respondent_weights`).
    role_weights : dict, optional
        Weight by respondent role.
    weights : str, optional
        Survey-weight column of the responses (multiplies the scheme's weights).
    period : {"Q", "M", "Y"}
    by : str
        Account column to break NPS down by (default ``segment``).
    confidence : float
    method : {"adjusted-wald", "wald"}

    Attributes
    ----------
    weights_ : Series
        The weight of each response.
    scale_ : Scale
        The scale the recommend answers are read on.
    has_nps_ : bool
        Whether NPS is defined on that scale (:func:`scale_reading`).
    scale_note_ : str
        Why there is no NPS, or how a 1–10 question is read (empty otherwise).
    unanswered_ : int
        Responses without a recommend answer (left out; their other ratings still count).
    nps_ : NpsEstimate or None
        All responses (None without NPS).
    rating_ : RatingEstimate
        The mean rating and top-two-box share of all responses.
    trend_ : DataFrame
        :func:`by_period` (:func:`cxkit.ratings.by_period` without NPS).
    groups_ : DataFrame
        :func:`by_group` by ``by`` (empty without an accounts table or that column).

    Examples
    --------
    >>> from cxkit.io import load
    >>> a = NpsAnalysis().fit(load("data/sample"))
    >>> a.nps_.n == len(load("data/sample")["responses"])
    True
    """

    title = "Net Promoter Score"

    def __init__(self, *, score: str = "ltr", scheme: str = "all", role_weights=None,
                 weights: str | None = None, period: str = "", by: str = "segment",
                 confidence: float = 0.95, method: str = "adjusted-wald"):
        self.score = score
        self.scheme = scheme
        self.role_weights = role_weights
        self.weights = weights
        self.period = period
        self.by = by
        self.confidence = confidence
        self.method = method

    def fit(self, tables: Mapping[str, pd.DataFrame]) -> "NpsAnalysis":
        """Fit on validated tables (responses; contacts for roles; accounts for groups)."""
        self.period_ = reporting_period(tables, self.period)
        responses, contacts = tables["responses"], tables.get("contacts")
        w = respondent_weights(responses, contacts, self.scheme, self.role_weights or None)
        if self.weights:
            if self.weights not in responses.columns:
                raise ParameterError(f"weights column '{self.weights}' is not in the responses")
            w = w * pd.to_numeric(responses[self.weights], errors="coerce")
        self.weights_ = w
        data = responses.assign(_weight=w.to_numpy())
        self.has_nps_, self.scale_, self.scale_note_ = scale_reading(
            responses[self.score], rating_scale(responses, self.score),
            scale_declared(responses, self.score))
        self.unanswered_ = int(responses[self.score].isna().sum())
        self.rating_ = ratings.estimate(data[self.score], data["_weight"], self.scale_,
                                        self.confidence)
        accounts = tables.get("accounts")
        grouped = None
        if accounts is not None and self.by in accounts.columns:
            grouped = data.join(accounts.set_index("account_id")[self.by], on="account_id")
        if self.has_nps_:
            self.nps_ = estimate(data[self.score], data["_weight"], self.confidence, self.method)
            self.trend_ = by_period(data, freq=self.period_, score=self.score,
                                    weights="_weight", confidence=self.confidence,
                                    method=self.method)
            self.groups_ = (by_group(grouped, self.by, self.score, "_weight", self.confidence,
                                     self.method) if grouped is not None
                            else pd.DataFrame(columns=COLUMNS, dtype=float))
        else:
            self.nps_ = None
            self.trend_ = ratings.by_period(data, freq=self.period_, score=self.score,
                                            weights="_weight", scale=self.scale_,
                                            confidence=self.confidence)
            self.groups_ = (ratings.by_group(grouped, self.by, self.score, "_weight",
                                             self.scale_, self.confidence)
                            if grouped is not None
                            else pd.DataFrame(columns=ratings.COLUMNS, dtype=float))
        return self

    def notes(self) -> list[str]:
        """How the recommend answers were read: the scale (where :meth:`score_sentences`
        does not already lead with it), and those left unanswered."""
        out = [self.scale_note_] if self.scale_note_ and self.has_nps_ else []
        if self.unanswered_:
            out.append(f"{self.unanswered_:,} responses have no answer to the recommend "
                       "question: they are left out of "
                       f"{'NPS' if self.has_nps_ else 'the mean rating'}, and their other "
                       "ratings still count.")
        return out

    @property
    def measure(self) -> str:
        """What the report shows of the recommend answers: ``"NPS"`` or ``"mean rating"``."""
        return "NPS" if self.has_nps_ else "mean rating"

    def score_sentences(self) -> list[str]:
        """The score with its interval and the latest period's change, in words (the
        mean rating where there is no NPS, after the sentence that says why)."""
        if not self.has_nps_:
            return [self.scale_note_, ratings.estimate_sentence(self.rating_),
                    ratings.trend_sentence(self.trend_)]
        return [estimate_sentence(self.nps_), trend_sentence(self.trend_)]

    def headlines(self) -> list[str]:
        """:meth:`score_sentences`, then the highest and lowest group."""
        out = self.score_sentences()
        column, shown = ("nps", "{:+.0f}") if self.has_nps_ else ("mean", "{:.1f}")
        g = self.groups_.dropna(subset=[column])
        if len(g) > 1:
            hi, lo = g[column].idxmax(), g[column].idxmin()
            out.append(f"By {self.by}: highest {hi} ({shown.format(g.loc[hi, column])}), "
                       f"lowest {lo} ({shown.format(g.loc[lo, column])}).")
        return out

    def group_table(self) -> pd.DataFrame:
        """NPS by group with its interval, promoter and detractor shares and responses (the
        mean rating and the top-two share without NPS); empty without groups."""
        g = self.groups_
        if not self.has_nps_:
            return pd.DataFrame({"mean": g["mean"], "ci_low": g["ci_low"],
                                 "ci_high": g["ci_high"], "top_two": g["top_two"],
                                 "responses": g["n"].astype(int)}, index=g.index)
        return pd.DataFrame({"nps": g["nps"], "ci_low": g["ci_low"], "ci_high": g["ci_high"],
                             "promoters": g["promoters"], "detractors": g["detractors"],
                             "responses": g["n"].astype(int)}, index=g.index)

    def key_results(self) -> dict:
        latest = str(self.trend_.index[-1]) if len(self.trend_) else None
        if not self.has_nps_:
            r = self.rating_
            return {"nps": None, "scale": str(self.scale_), "mean_rating": r.mean,
                    "ci_low": r.ci_low, "ci_high": r.ci_high, "top_two_share": r.top_two,
                    "responses": r.n, "unanswered": self.unanswered_, "latest_period": latest,
                    f"mean_rating_by_{self.by}": self.groups_["mean"].to_dict()}
        e = self.nps_
        return {"nps": e.nps, "ci_low": e.ci_low, "ci_high": e.ci_high, "responses": e.n,
                "promoters": e.promoters, "detractors": e.detractors,
                "latest_period": latest, f"nps_by_{self.by}": self.groups_["nps"].to_dict()}

    def summary_tables(self) -> dict:
        main = "nps" if self.has_nps_ else "mean"
        return {f"{self.measure} per period": self.trend_[[main, "ci_low", "ci_high", "n",
                                                           "change", "significant"]],
                f"{self.measure} by {self.by}": self.group_table()}

    def plot_trend(self, ax=None):
        """NPS (or the mean rating) per period with its interval; returns the axis."""
        if not self.has_nps_:
            return ratings.plot_trend(self.trend_, self.scale_, ax=ax)
        return plot_trend(self.trend_, ax)
