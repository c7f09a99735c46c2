"""The whole driver analysis in one model: what the driver_analysis notebook reports.

Examples
--------
>>> from cxkit.io import load
>>> from cxkit.drivers import DriverAnalysis
>>> tables = load("data/sample", optional=["revenue", "operations"])
>>> a = DriverAnalysis(n_boot=50, random_state=1).fit(tables)
>>> a.importance_.table.index[0]
'product_quality'
"""
from __future__ import annotations

import warnings
from typing import Mapping

import numpy as np
import pandas as pd

from .. import periods
from ..analysis import Analysis
from ..errors import CxkitWarning, ParameterError
from ..io.datamodel import rating_scale, reporting_period
from ..io.tables import read_info
from ..nps import NpsAnalysis
from .choice import choose_drivers
from .importance import bootstrap_importance
from .measures import measure_links
from .model import DriverModel
from .prepare import weighted_corr
from .priority import performance, priority_matrix
from .revenue import RevenueLink, account_periods, category_economics

DEFAULT_MEASURES = {
    "shipping_confidence": ["on_time_shipment_pct", "expedited_shipment_pct"],
    "support_responsiveness": ["ticket_resolution_hours"],
    "data_accuracy": ["data_error_rate_pct"],
    "communication": ["pm_meetings"],
}


def _known(x) -> float | None:
    """A number for the results file; None where it is unknown (NaN)."""
    return None if pd.isna(x) else float(x)


class DriverAnalysis(Analysis):
    """NPS, driver importance with intervals, driver model, priorities, revenue and measures.

    Parameters
    ----------
    outcome : str
        Likelihood-to-recommend column.
    drivers : list of str, optional
        Driver columns; default every rating column of the responses but the outcomes
        (:func:`cxkit.drivers.choice.choose_drivers`: those the data folder declares
        ``not_drivers``, and those whose names say recommend, loyalty, satisfaction,
        likelihood or NPS).
    method : {"shapley", "relative_weights"}
        Relative importance method.
    missing : {"listwise", "pairwise", "impute"}
        Skipped ratings (the driver model uses listwise for pairwise).
    weights : str, optional
        Survey-weight column of the responses.
    scheme : {"all", "account", "decision_maker"}
        How respondents make an account's voice (NPS, importance, model, revenue).
    role_weights : dict, optional
        Weight by respondent role.
    period : {"Q", "M", "Y"}
    n_boot : int
        Bootstrap resamples for the intervals of importance and rank.
    resample_accounts : bool
        Resample whole accounts in the bootstrap, and cluster the model's errors by account.
    confidence : float
    measures : dict, optional
        Driver → operational measures (default :data:`DEFAULT_MEASURES` where they exist).
    top_n : int
        Drivers followed through to measures and headlines.
    revenue_predictor : {"ltr", "category"}
    random_state : int, optional

    Attributes
    ----------
    drivers_ : list of str
    choice_ : DriverChoice
        The drivers chosen, those left out with the reason, and those correlating above
        0.8 with the outcome (probably other outcome measures).
    nps_analysis_ : NpsAnalysis
        NPS with the same weights, per period and by segment.
    nps_ : NpsEstimate or None
        NPS of all responses (``nps_analysis_.nps_``); None where the recommend question
        is not on the 0–10 scale (``nps_analysis_.rating_`` holds its mean instead).
    driver_scale_ : str
        The drivers' rating scale ("0–10"; empty where they differ).
    trend_ : DataFrame
        :func:`cxkit.nps.by_period`.
    segments_ : DataFrame
        :func:`cxkit.nps.by_group` by account segment (empty without accounts).
    importance_ : DriverImportance
        :func:`bootstrap_importance` (its ``table`` indexed by driver).
    model_ : DriverModel
    against_ : DataFrame
        Drivers whose effect in the driver model is below zero with its whole interval
        (``coef``, ``ci_low``, ``ci_high``, ``r``: their correlation with the outcome on
        their own); never "fix now".
    matrix_ : DataFrame
        :func:`priority_matrix`.
    panel_, economics_ : DataFrame
        Account periods and spend and growth by category (empty without a revenue table).
    revenue_ : RevenueLink or None
        The fitted revenue link (None when skipped: see :attr:`has_revenue_link`).
    links_ : DataFrame
        :func:`measure_links` (empty without an operations table).
    notes_ : list of str
    """

    title = "Driver analysis"

    def __init__(self, *, outcome: str = "ltr", drivers=None, method: str = "shapley",
                 missing: str = "listwise", weights: str | None = None, scheme: str = "all",
                 role_weights: Mapping[str, float] | None = None, period: str = "",
                 n_boot: int = 1000, resample_accounts: bool = True, confidence: float = 0.95,
                 measures: Mapping[str, list] | None = None, top_n: int = 3,
                 revenue_predictor: str = "ltr", random_state=None):
        self.outcome = outcome
        self.drivers = drivers
        self.method = method
        self.missing = missing
        self.weights = weights
        self.scheme = scheme
        self.role_weights = role_weights
        self.period = period
        self.n_boot = n_boot
        self.resample_accounts = resample_accounts
        self.confidence = confidence
        self.measures = measures
        self.top_n = top_n
        self.revenue_predictor = revenue_predictor
        self.random_state = random_state

    def fit(self, tables: Mapping[str, pd.DataFrame]) -> "DriverAnalysis":
        """Run every part on validated tables (:func:`cxkit.io.load`); returns self."""
        self.period_ = reporting_period(tables, self.period)
        if self.n_boot < 10:
            raise ParameterError(f"n_boot must be at least 10, got {self.n_boot}")
        responses, contacts = tables["responses"], tables.get("contacts")
        self.choice_ = choose_drivers(responses, self.outcome, self.drivers)
        self.drivers_ = self.choice_.drivers
        if not self.drivers_:
            left = (f" (left out as outcomes: {', '.join(self.choice_.left_out.index)})"
                    if len(self.choice_.left_out) else "")
            raise ParameterError("the responses have no driver-rating columns" + left
                                 + "; name them in `drivers`")
        read = read_info(responses)
        # a table read from a data folder was checked column by column against its own scale
        scale = None if read else (0, 10)
        scales = {str(rating_scale(responses, d)) for d in self.drivers_}
        self.driver_scale_ = scales.pop() if len(scales) == 1 else ""
        notes: list[str] = self.choice_.sentences()
        if read.get("derived", {}).get("account_id"):
            notes.append("The survey export names no accounts: each respondent is counted as "
                         "its own account.")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CxkitWarning)
            self.nps_analysis_ = NpsAnalysis(
                score=self.outcome, scheme=self.scheme, role_weights=self.role_weights,
                weights=self.weights, period=self.period_,
                confidence=self.confidence).fit(tables)
            notes += self.nps_analysis_.notes()
            self.nps_ = self.nps_analysis_.nps_
            self.trend_ = self.nps_analysis_.trend_
            self.segments_ = self.nps_analysis_.groups_
            data = responses.assign(_weight=self.nps_analysis_.weights_.to_numpy())
            # without accounts in the export each respondent is its own: resample responses
            own = bool(read.get("derived", {}).get("account_id"))
            cluster = "account_id" if self.resample_accounts and not own else None
            self.importance_ = bootstrap_importance(
                data, self.outcome, self.drivers_, self.method, self.n_boot, cluster,
                "_weight", self.missing, scale=scale, confidence=self.confidence,
                random_state=self.random_state)
            imp = self.importance_.table
            self.model_ = DriverModel(
                imp.index.tolist(), self.outcome,
                cov="cluster" if cluster else "hc3", weights="_weight",
                missing="listwise" if self.missing == "pairwise" else self.missing,
                confidence=self.confidence).fit(data)
            self.against_ = self._against(data)
            perf = performance(data, imp.index, "_weight", self.confidence)
            self.matrix_ = priority_matrix(imp, perf, self.directions())
            self.panel_ = self.economics_ = pd.DataFrame()
            self.revenue_ = None
            if "revenue" in tables and "accounts" in tables:
                self.panel_ = account_periods(responses, tables["revenue"], tables["accounts"],
                                              contacts, self.period_, self.outcome, self.scheme,
                                              self.role_weights or None)
                if len(self.panel_) >= 10:
                    self.revenue_ = RevenueLink(self.revenue_predictor,
                                                confidence=self.confidence).fit(self.panel_)
                    self.economics_ = category_economics(self.panel_, self.confidence)
                else:
                    notes.append("Too few account-periods with responses and a full next period "
                                 "of revenue for the revenue link.")
            self.links_ = pd.DataFrame()
            if "operations" in tables:
                mapping = self.measures if self.measures is not None else {
                    d: [m for m in ms if m in tables["operations"].columns]
                    for d, ms in DEFAULT_MEASURES.items() if d in self.drivers_}
                mapping = {d: ms for d, ms in mapping.items() if ms}
                if mapping:
                    self.links_ = measure_links(responses, tables["operations"], mapping,
                                                self.period_, self.confidence)
        for c in caught:
            if issubclass(c.category, CxkitWarning) and str(c.message) not in notes:
                notes.append(str(c.message))
        self.notes_ = notes
        self.operations_ = tables.get("operations", pd.DataFrame())
        self.responses_ = responses
        return self

    def _against(self, data: pd.DataFrame) -> pd.DataFrame:
        """The drivers whose effect's whole interval is below zero once the others are held
        equal, with ``coef``, ``ci_low``, ``ci_high`` and ``r`` (the driver's weighted
        correlation with the outcome on its own)."""
        down = self.directions()
        names = down.index[down == "lowers"].tolist()
        coef = self.model_.coef_.reindex(names)[["coef", "ci_low", "ci_high"]]
        w = data["_weight"]
        r = {}
        for d in names:
            pair = data[[d, self.outcome]].apply(pd.to_numeric, errors="coerce")
            ok = pair.notna().all(axis=1) & (w > 0)
            r[d] = float(weighted_corr(pair[ok].to_numpy(float), w[ok].to_numpy(float))[0, 1])
        return coef.assign(r=pd.Series(r, dtype=float))

    @property
    def has_revenue_link(self) -> bool:
        """Whether the revenue link was fitted (a revenue table with enough periods)."""
        return self.revenue_ is not None

    # ------------------------------------------------------------------ report
    def top_drivers(self) -> list[str]:
        """The ``top_n`` drivers by importance."""
        imp = self.importance_.table
        return imp.sort_values("importance", ascending=False).index[:self.top_n].tolist()

    def importance_table(self) -> pd.DataFrame:
        """Importance for display: share, rank with its interval, how often ranked first."""
        imp = self.importance_.table.sort_values("importance", ascending=False)
        if not self.importance_.has_intervals:
            return pd.DataFrame({"share": imp["share"], "rank": imp["rank"],
                                 "direction": self.directions().reindex(imp.index)})
        return pd.DataFrame({
            "share": imp["share"],
            "rank": imp["rank"],
            "rank_interval": [f"{lo:.0f}–{hi:.0f}" if lo != hi else f"{lo:.0f}"
                              for lo, hi in zip(imp["rank_ci_low"], imp["rank_ci_high"])],
            "ranked_first": imp["p_top"],
            "direction": self.directions().reindex(imp.index),
        })

    def directions(self) -> pd.Series:
        """Each driver's direction once the others are held equal, from the driver
        model's interval: ``raises`` (interval above zero), ``lowers`` (below zero) or
        ``not clear`` (it spans zero)."""
        coef = self.model_.coef_.reindex(self.importance_.table.index)
        return pd.Series(np.select([coef["ci_low"] > 0, coef["ci_high"] < 0],
                                   ["raises", "lowers"], "not clear"), index=coef.index,
                         name="direction")

    def measures_table(self) -> pd.DataFrame:
        """Measure links for display, intervals written as ranges (empty without
        operations)."""
        if self.links_.empty:
            return pd.DataFrame()
        lk = self.links_.dropna(subset=["r"])
        return pd.DataFrame({
            "account_periods": lk["n"].astype(int),
            "correlation": lk["r"],
            "rating_per_unit": lk["rating_per_unit"],
            "measure_per_rating_point": lk["measure_per_point"],
            "interval": [f"{lo:+.2f} to {hi:+.2f}" for lo, hi in
                         zip(lk["measure_per_point_ci_low"], lk["measure_per_point_ci_high"])],
        })

    def segment_table(self) -> pd.DataFrame:
        """NPS by segment for display (the mean rating and the top-two share where there
        is no NPS; empty without accounts)."""
        if self.segments_.empty:
            return pd.DataFrame()
        g = self.segments_
        if not self.nps_analysis_.has_nps_:
            return pd.DataFrame({"mean_rating": g["mean"],
                                 "interval": [f"{lo:.1f} to {hi:.1f}" for lo, hi
                                              in zip(g["ci_low"], g["ci_high"])],
                                 "top_two": g["top_two"], "responses": g["n"]})
        return pd.DataFrame({"nps": g["nps"], "interval": [f"{lo:+.0f} to {hi:+.0f}" for lo, hi
                                                           in zip(g["ci_low"], g["ci_high"])],
                             "promoters": g["promoters"], "detractors": g["detractors"],
                             "responses": g["n"]})

    def economics_table(self) -> pd.DataFrame:
        """Spend and growth of detractor, passive and promoter accounts, for display
        (empty without the revenue link)."""
        if self.economics_.empty:
            return pd.DataFrame()
        e = self.economics_
        return pd.DataFrame({
            "account_periods": e["account_periods"], "accounts": e["accounts"],
            "revenue_per_period": e["revenue"],
            "revenue_interval": [f"{lo:,.0f} to {hi:,.0f}" for lo, hi in
                                 zip(e["revenue_ci_low"], e["revenue_ci_high"])],
            "growth_pct": e["growth_pct"],
            "growth_interval": [f"{lo:+.1f}% to {hi:+.1f}%" for lo, hi in
                                zip(e["growth_ci_low"], e["growth_ci_high"])]})

    def revenue_sentences(self) -> list[str]:
        """What the revenue link found, or why it was skipped."""
        if not self.has_revenue_link:
            return [self.notes_[-1] if len(self.panel_) and self.notes_ else
                    "No revenue table in the data folder: the revenue link was skipped."]
        from ..present import findings
        return findings.revenue_sentences(self.revenue_, self.economics_,
                                          periods.unit(self.period_))

    def measure_sentences(self) -> list[str]:
        """What the operational measures of the top drivers say, or why there is nothing."""
        if self.links_.empty:
            return ["No operations table, or no measure mapped to a driver: measures were "
                    "skipped."]
        from ..present import findings
        return (findings.measure_sentences(self.links_, self.top_drivers())
                or ["None of the top drivers has an operational measure mapped to it."])

    def headlines(self) -> list[str]:
        """The findings a manager reads first, in plain sentences."""
        from ..present import findings
        out = self.nps_analysis_.score_sentences()
        out += findings.importance_sentences(self.importance_, self.top_n, self.against_)
        out.append(findings.priority_sentence(self.matrix_))
        if self.has_revenue_link:
            out += self.revenue_sentences()
        if not self.links_.empty:
            out += findings.measure_sentences(self.links_, self.top_drivers())
        return out

    def key_results(self) -> dict:
        """Numbers for the JSON results file."""
        res = self.importance_
        imp = res.table
        total = imp["importance"].sum()
        rating = self.nps_analysis_.rating_
        choice = self.choice_.key_results()
        out = {
            "nps": ({k: getattr(self.nps_, k) for k in ("nps", "ci_low", "ci_high", "n",
                                                         "promoters", "detractors")}
                    if self.nps_ is not None else None),
            **({} if self.nps_ is not None else {
                "rating": {"mean": rating.mean, "ci_low": rating.ci_low,
                           "ci_high": rating.ci_high, "top_two_share": rating.top_two,
                           "n": rating.n, "scale": rating.scale}}),
            "r2": res.r2, "responses_used": res.counts["n_used"],
            "responses_left_out": res.counts["n_dropped"], "method": res.method,
            "importance_method": res.how(),
            "drivers_left_out": choice["left_out"], "outcome_like": choice["outcome_like"],
            "top_drivers": self.top_drivers(),
            "importance": {d: {"share": r["share"], "ci_low": _known(r["ci_low"] / total),
                               "ci_high": _known(r["ci_high"] / total),
                               "rank": int(r["rank"]), "p_top": _known(r["p_top"])}
                           for d, r in imp.iterrows()},
            "fix_now": self.matrix_.index[self.matrix_["quadrant"] == "fix now"].tolist(),
            "goes_against": self.against_.index.tolist(),
            "notes": self.notes_,
        }
        if self.has_revenue_link:
            # growth in % per unit of the predictor, with its interval; coef on the log scale
            out["revenue_effect"] = {t: {"pct": r["pct"],
                                         "pct_low": 100 * float(np.expm1(r["ci_low"])),
                                         "pct_high": 100 * float(np.expm1(r["ci_high"])),
                                         "coef": r["coef"]}
                                     for t, r in self.revenue_.effect_.iterrows()}
        if not self.links_.empty:
            out["measures"] = {f"{d} ~ {m}": {"r": r["r"], "rating_per_unit": r["rating_per_unit"],
                                              "measure_per_point": r["measure_per_point"]}
                               for (d, m), r in self.links_.iterrows()}
        return out

    def importance_method_sentences(self) -> list[str]:
        """How the importances were made and what their intervals mean, in words."""
        res = self.importance_
        out = [res.how_sentence()]
        if res.has_intervals:
            out.append(f"Whiskers and the rank interval span {res.confidence:.0%} of the "
                       "bootstrap resamples; \"ranked first\" is how often the driver came out "
                       "on top.")
        return out

    def model_sentences(self) -> list[str]:
        """What the driver model says, in words."""
        from ..present import findings
        return [findings.model_sentence(self.model_)]

    def top_measure_link(self) -> tuple[str, str] | tuple[()]:
        """The (driver, measure) pair with the strongest correlation; ``()`` if none."""
        lk = self.links_.dropna(subset=["r"]) if len(self.links_) else self.links_
        if lk.empty:
            return ()
        return tuple(lk["r"].abs().idxmax())

    def summary_tables(self) -> dict:
        out = {"Driver importance": self.importance_table(),
               f"{self.nps_analysis_.measure} by segment": self.segment_table()}
        if self.has_revenue_link:
            out["Revenue by category"] = self.economics_table()
        if not self.links_.empty:
            out["Operational measures"] = self.measures_table()
        return out

    # ------------------------------------------------------------------ charts
    def plot_trend(self, ax=None):
        """NPS (or the mean rating, without NPS) per period with its interval; returns
        the axis."""
        return self.nps_analysis_.plot_trend(ax)

    def plot_importance(self, ax=None):
        """Driver importance with intervals; returns the axis."""
        from .priority import plot_importance
        return plot_importance(self.importance_.table, ax)

    def plot_priority_matrix(self, ax=None):
        """Importance against performance: what to fix now; returns the axis."""
        from .priority import plot_priority_matrix
        return plot_priority_matrix(self.matrix_, ax, self.driver_scale_)

    def plot_revenue(self, ax=None):
        """Spend and growth of detractor, passive and promoter accounts; returns the axis
        (a note on it when the revenue link was skipped)."""
        from .revenue import plot_category_economics
        if self.economics_.empty:
            from ..present.show import empty_chart
            return empty_chart(ax, self.revenue_sentences()[0])
        return plot_category_economics(self.economics_, ax)

    def plot_top_measure(self, ax=None):
        """The strongest link of a driver to an operational measure, account by account;
        returns the axis (a note on it when there is none)."""
        from .measures import plot_measure_link
        pair = self.top_measure_link()
        if not pair:
            from ..present.show import empty_chart
            return empty_chart(ax, self.measure_sentences()[0])
        driver, measure = pair
        return plot_measure_link(self.responses_, self.operations_, driver, measure,
                                 self.period_, ax=ax)
