"""The board pack: one customer story for the boardroom, from every analysis's own results.

The pack fits the analyses of the detailed reports (customer math, CHI scorecard, driver
analysis, portfolio plan, prospect profiling) with the parameters of those reports
(``params/<report>.yaml``), on the same tables, and reads their results: it computes no
number a detailed report also computes. Seven sections, in the order of the story:

1. ``asset``: the customer asset, its change over the period (added, taken, stayed),
   customers in against out (:class:`~cxkit.customer_math.CustomerMath`);
2. ``losses``: lost revenue by departure reason and its trend, and the accounts at risk
   now: CHI red or falling, detractors waiting for a call (customer math, CHI);
3. ``loyalty``: the top drivers with their intervals, the one to fix now and the
   operational measure that moves it (:class:`~cxkit.drivers.DriverAnalysis`);
4. ``health``: CHI by band, segment and account manager, and whether CHI predicts losses
   better than NPS (:class:`~cxkit.chi.ChiScorecard`);
5. ``plans``: objectives by owner, and whether the previous plan's objectives moved their
   measures (:class:`~cxkit.planning.PortfolioPlan`,
   :func:`~cxkit.planning.tracking.track_objectives`);
6. ``growth``: the best-customer profile and the top prospects
   (:class:`~cxkit.prospects.ProspectProfiler`);
7. ``practices``: the five CEM practices fewer than one B2B company in four applies
   company-wide (ClearAction 2010 B2B CEM Benchmarking Study), each measured from the
   data (:func:`practices`).

A section whose inputs are missing (no revenue table, no lost customers, no KPIs) is
kept, unavailable, with what it needs, and the rest of the pack is built.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

import numpy as np
import pandas as pd

from . import reports
from .analysis import Analysis
from .errors import CxkitError, ParameterError
from .io.tables import like

SECTIONS = ("asset", "losses", "loyalty", "health", "plans", "growth", "practices")


@dataclass(frozen=True)
class Report:
    """How a detailed report builds its analysis: the class, and the tables its notebook
    loads (required, then optional; from :data:`cxkit.reports.REPORTS`)."""

    analysis: str
    name: str

    @property
    def tables(self) -> tuple[str, ...]:
        return reports.REPORTS[self.name].needs

    @property
    def optional(self) -> tuple[str, ...]:
        return reports.REPORTS[self.name].uses

    def cls(self):
        module, name = self.analysis.split(":")
        return getattr(import_module(module), name)


#: the detailed reports the pack reads
REPORTS = {name: Report(analysis, name) for name, analysis in (
    ("customer_math", "cxkit.customer_math:CustomerMath"),
    ("chi_scorecard", "cxkit.chi:ChiScorecard"),
    ("driver_analysis", "cxkit.drivers:DriverAnalysis"),
    ("portfolio_plan", "cxkit.planning:PortfolioPlan"),
    ("prospect_profiling", "cxkit.prospects:ProspectProfiler"),
)}
#: every table any section reads
TABLES = tuple(dict.fromkeys(t for r in REPORTS.values() for t in (*r.tables, *r.optional)))

#: the five practices, in the study's order, with what measures each here
PRACTICES = ("buying_influencers", "lost_sales", "lifetime_value", "front_line",
             "segmentation")


@dataclass
class Section:
    """One section of the pack.

    Attributes
    ----------
    name : str
        One of :data:`SECTIONS`.
    reports : tuple of str
        The detailed reports its numbers come from.
    needs : list of str
        What is missing: a table name (``"lost_customers"``), or an analysis's own error
        where it could not be fitted; empty when the section is complete.
    numbers : dict
        Its key numbers, JSON-ready (documented per section in ``docs/board-pack.md``).
    tables : dict of str to DataFrame
        The numbers behind its chart and lists, by name (empty frames where none).
    """

    name: str
    reports: tuple[str, ...]
    needs: list[str] = field(default_factory=list)
    numbers: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)

    @property
    def available(self) -> bool:
        """Whether it has numbers to show (it may still lack a part: see ``needs``)."""
        return bool(self.numbers)


def report_settings(report: str, overrides: dict | None = None, root=None) -> dict:
    """The parameters a detailed report runs with: its notebook's defaults, then
    ``params/<report>.yaml``, the data folder's ``cxkit.yaml``, then ``overrides`` (only
    names the report declares; :func:`cxkit.params.merged_parameters`).

    Examples
    --------
    >>> report_settings("driver_analysis", {"currency": "EUR"})["method"]
    'shapley'
    """
    from .params import declared_defaults, merged_parameters, notebook_parameters
    from .paths import project_root

    root = project_root() if root is None else root
    notebook = root / "notebooks" / f"{report}.ipynb"
    declared = notebook_parameters(notebook)
    given, _ = merged_parameters(notebook, None, {k: v for k, v in (overrides or {}).items()
                                                  if k in declared}, root)
    return {**declared_defaults(declared), **given}


def build(report: str, settings: dict):
    """The analysis of a detailed report, built from its parameters as its notebook does."""
    cls = REPORTS[report].cls()
    kwargs = {k: settings[k] for k in cls._param_names() if k in settings}
    if report == "driver_analysis":  # the notebook's "empty: the standard mapping"
        kwargs["measures"] = settings.get("measures") or None
    if report == "prospect_profiling":  # named as the notebook's parameters
        kwargs["best"], kwargs["best_combine"] = settings.get("best"), settings.get(
            "best_combine", "all")
    return cls(**kwargs)


def for_accounts(tables: dict, account_ids) -> dict:
    """The tables cut to some accounts: every table with an ``account_id`` column keeps
    those accounts' rows; the others (prospects) stay whole.

    >>> t = {"accounts": pd.DataFrame({"account_id": ["A", "B"]}),
    ...      "prospects": pd.DataFrame({"prospect_id": ["P"]})}
    >>> {k: len(v) for k, v in for_accounts(t, ["B"]).items()}
    {'accounts': 1, 'prospects': 1}
    """
    keep = set(map(str, account_ids))
    return {name: (df[df["account_id"].astype(str).isin(keep)].reset_index(drop=True)
                   if "account_id" in df.columns else df) for name, df in tables.items()}


def period_span(labels, freq: str, period: str = "", comparison: str = ""
                ) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """The first and last period labels of the period reported and of the comparison.

    Parameters
    ----------
    labels : list of str
        The periods of the data (``2025Q1``...), in order; the first one's flows come
        from before the data, so a span starts at the second at the earliest.
    freq : {"Q", "M", "Y"}
        The data's period.
    period : str
        A year (``2025``), quarter (``2025Q4``) or month (``2025-12``), no finer than
        ``freq``; empty: the last year whose periods are all in the data.
    comparison : str
        The same for the comparison; empty: as many periods just before.

    Returns
    -------
    tuple
        ``(first, last)`` of the period, and of the comparison (None where the data
        does not reach back that far and none was named).

    Examples
    --------
    >>> labels = [f"{y}Q{q}" for y in (2023, 2024, 2025) for q in (1, 2, 3, 4)]
    >>> period_span(labels, "Q")
    (('2025Q1', '2025Q4'), ('2024Q1', '2024Q4'))
    >>> period_span(labels, "Q", "2025Q4", "2024Q4")
    (('2025Q4', '2025Q4'), ('2024Q4', '2024Q4'))
    >>> period_span(labels, "Q", "2025", "2025Q2")
    Traceback (most recent call last):
    ...
    cxkit.errors.ParameterError: comparison_period '2025Q2' (2025Q2 to 2025Q2) is not before the report period (2025Q1 to 2025Q4): it must end before the report period begins, e.g. the year before
    """
    labels = [str(x) for x in labels]
    data = [pd.Period(x, freq=freq) for x in labels]

    def span(text: str, what: str) -> tuple[int, int]:
        try:
            p = pd.Period(str(text))
        except (ValueError, TypeError):
            raise ParameterError(f"{what} {text!r}: write a year (2025), a quarter (2025Q4) "
                                 "or a month (2025-12)") from None
        inside = [i for i, d in enumerate(data)
                  if d.start_time >= p.start_time and d.end_time <= p.end_time]
        if not inside or p.end_time < data[0].end_time:
            raise ParameterError(f"{what} {text!r} is not in the data's periods ({labels[0]} "
                                 f"to {labels[-1]})")
        if data[inside[0]].start_time > p.start_time or data[inside[-1]].end_time < \
                p.end_time.floor("D"):
            raise ParameterError(f"{what} {text!r} is not whole in the data's periods "
                                 f"({labels[0]} to {labels[-1]}, by {freq})")
        if inside[0] < 1:
            raise ParameterError(f"{what} {text!r} starts with the data's first period "
                                 f"({labels[0]}), whose start is not in the data")
        return inside[0], inside[-1]

    if period:
        i, j = span(period, "report_period")
    else:  # the last whole year
        year = data[-1].year if data[-1].end_time.month == 12 else data[-1].year - 1
        i, j = span(str(year), "report_period")
    if comparison:
        k, m = span(comparison, "comparison_period")
        if m >= i:
            raise ParameterError(
                f"comparison_period {comparison!r} ({labels[k]} to {labels[m]}) is not before "
                f"the report period ({labels[i]} to {labels[j]}): it must end before the "
                "report period begins, e.g. the year before")
    elif i - (j - i + 1) >= 1:
        k, m = i - (j - i + 1), i - 1
    else:
        return (labels[i], labels[j]), None
    return (labels[i], labels[j]), (labels[k], labels[m])


def accounts_at_risk(latest: pd.DataFrame | None, to_call: pd.DataFrame | None,
                     asset: pd.DataFrame | None) -> pd.DataFrame:
    """The accounts at risk now: CHI red or falling, or a detractor waiting for a call.

    Parameters
    ----------
    latest : DataFrame, optional
        :attr:`ChiScorecard.latest_ <cxkit.chi.ChiScorecard>` (``name``, ``segment``,
        ``account_manager``, ``chi``, ``band``, ``trend``, indexed by ``account_id``).
    to_call : DataFrame, optional
        :meth:`CustomerMath.detractors_to_call <cxkit.customer_math.CustomerMath>`.
    asset : DataFrame, optional
        :attr:`CustomerMath.asset_ <cxkit.customer_math.CustomerMath>` (``annual_revenue``,
        ``value`` indexed by ``account_id``).

    Returns
    -------
    DataFrame
        Indexed by ``account_id``: ``name``, ``segment``, ``account_manager``, ``chi``,
        ``band``, ``chi_red``, ``chi_falling`` (bool), ``detractors_waiting`` (answers),
        ``annual_revenue``, ``lifetime_value`` (NaN without a lifetime model); the most
        valuable first.

    Examples
    --------
    >>> latest = pd.DataFrame({"name": ["N1", "N2"], "segment": "key", "account_manager": "M",
    ...                        "chi": [40.0, 70.0], "band": ["red", "amber"],
    ...                        "trend": ["flat", "flat"]},
    ...                       index=pd.Index(["A1", "A2"], name="account_id"))
    >>> accounts_at_risk(latest, None, None).index.tolist()
    ['A1']
    """
    info = ["name", "segment", "account_manager"]
    parts = []
    if latest is not None and len(latest):
        flagged = latest[(latest["band"] == "red") | (latest["trend"] == "down")]
        parts.append(pd.DataFrame({**{c: flagged[c] for c in info}, "chi": flagged["chi"],
                                   "band": flagged["band"],
                                   "chi_red": flagged["band"] == "red",
                                   "chi_falling": flagged["trend"] == "down"}))
    out = pd.concat(parts) if parts else pd.DataFrame(
        columns=[*info, "chi", "band", "chi_red", "chi_falling"])
    out.index.name = "account_id"
    waiting = pd.Series(dtype=float)
    if to_call is not None and len(to_call):
        waiting = to_call.groupby("account_id").size()
        names = to_call.drop_duplicates("account_id").set_index("account_id")[info]
        new = names.loc[names.index.difference(out.index)]
        out = pd.concat([out, new.assign(chi=np.nan, band="", chi_red=False,
                                         chi_falling=False)])
    out["detractors_waiting"] = waiting.reindex(out.index).fillna(0).astype(int)
    for col in ("chi_red", "chi_falling"):
        out[col] = out[col].fillna(False).astype(bool)
    if asset is not None and len(asset):
        out["annual_revenue"] = asset["annual_revenue"].reindex(out.index)
        out["lifetime_value"] = asset["value"].reindex(out.index)
    else:
        out["annual_revenue"] = out["lifetime_value"] = np.nan
    if to_call is not None and len(to_call):  # revenue of accounts the asset lacks
        rev = to_call.drop_duplicates("account_id").set_index("account_id")["annual_revenue"]
        out["annual_revenue"] = out["annual_revenue"].fillna(rev.reindex(out.index))
    out = out.sort_values(["lifetime_value", "annual_revenue"], ascending=False,
                          na_position="last", kind="stable")
    out.index.name = "account_id"
    return out


def practices(math=None, plan=None, company_wide: float = 0.8, no_math: str = "revenue"
              ) -> pd.DataFrame:
    """The five CEM practices of the benchmarking study, each measured from the data.

    Parameters
    ----------
    math : CustomerMath, optional
    plan : PortfolioPlan, optional
    company_wide : float
        Coverage from which a practice counts as applied company-wide.
    no_math : str
        What a practice measured by customer math lacks without ``math``: ``revenue``
        (the table), or the code of customer math's failure (``failed:customer_math``).

    Returns
    -------
    DataFrame
        Indexed by ``practice`` (:data:`PRACTICES`): ``coverage`` (share, 0–1; NaN where
        the data cannot tell), ``covered`` and ``of`` (what it is a share of, in the
        measure's unit: accounts, revenue or answers), ``company_wide`` (bool), ``lacks``
        (what the data lacks to measure it fully, ``;``-separated codes:
        :data:`LACKS`).

        - ``buying_influencers``: plan accounts with every buying role heard from in the
          window (``plan.coverage_gaps``), of the plan's accounts;
        - ``lost_sales``: lost revenue with a known departure reason, of all lost revenue
          (``math.lost_by_reason_``);
        - ``lifetime_value``: current customers' revenue over the last year that carries
          a lifetime value (``math.asset_``), of all current customers' revenue over the
          last year;
        - ``front_line``: detractor answers called back within the promise
          (``math.closed_loop_``), of all detractor answers;
        - ``segmentation``: current customers placed in the value × experience grid
          (``math.grid_accounts_``), of current customers.
    """
    rows = {}

    def put(name, covered, of, lacks=()):
        share = covered / of if of else np.nan
        rows[name] = {"coverage": share, "covered": covered, "of": of,
                      "company_wide": bool(share >= company_wide) if of else False,
                      "lacks": ";".join(lacks)}

    if plan is not None:
        n = len(plan.accounts())
        put("buying_influencers", n - len(plan.coverage_gaps()), n)
    else:
        put("buying_influencers", np.nan, 0, ["responses"])
    has_lost = math is not None and len(math.lost_by_reason_)
    if has_lost:
        lbr = math.lost_by_reason_
        known = ~lbr.index.astype(str).str.strip().str.lower().isin(UNKNOWN_REASONS)
        total = lbr["revenue_lost"].sum(min_count=1)
        if pd.isna(total):  # the departures are there, the revenue they took is not
            put("lost_sales", np.nan, 0, ["revenue_lost"])
        else:
            put("lost_sales", float(lbr.loc[known, "revenue_lost"].sum()), float(total))
    else:
        put("lost_sales", np.nan, 0, ["lost_customers" if math is not None else no_math])
    if math is not None and math.clv_ is not None:
        current = math._annual_revenue().reindex(math._current()).fillna(0.0)
        valued = math.asset_["annual_revenue"].reindex(current.index).notna()
        put("lifetime_value", float(current[valued].sum()), float(current.sum()))
    else:
        put("lifetime_value", np.nan, 0, ["lifetime_model" if math is not None else no_math])
    if math is not None and len(math.closed_loop_):
        status = math.closed_loop_["status"]
        put("front_line", float((status == "in_time").sum()), float(len(status)),
            [] if math.has_followups_ else ["followups"])
        rows["front_line"]["lacks"] = ";".join(filter(None, [rows["front_line"]["lacks"],
                                                              "decision_records"]))
    else:
        put("front_line", np.nan, 0, ["responses" if math is not None else no_math])
    if math is not None and math.clv_ is not None:
        put("segmentation", float(len(math.grid_accounts_)), float(len(math.asset_)))
    else:
        put("segmentation", np.nan, 0, ["lifetime_model" if math is not None else no_math])
    out = pd.DataFrame.from_dict(rows, orient="index").reindex(list(PRACTICES))
    out.index.name = "practice"
    return out


#: departure reasons that say the reason is not known
UNKNOWN_REASONS = ("", "unknown", "nan", "not known", "no reason given", "other / unknown")
#: the start of the code of a detailed report that could not run on data it had
#: (``failed:customer_math``; the error is in ``failures_``): what it would have said is
#: not known
FAILED = "failed:"
#: what the practices' ``lacks`` codes name
LACKS = ("responses", "lost_customers", "revenue", "lifetime_model", "followups",
         "decision_records", "revenue_lost")


class BoardPack(Analysis):
    """The board pack: seven sections of one customer story, from the detailed reports.

    Parameters
    ----------
    report_period : str
        The period the pack reports on: a year (``2025``) or a quarter (``2025Q4``);
        empty: the last whole year in the revenue table.
    comparison_period : str
        The period it is compared with; empty: as long a span just before.
    segment, account_manager : str
        Whose accounts the pack covers (every table is cut to them before any analysis
        is fitted; prospects stay whole); empty: every account. The plans section reads
        the portfolio plan's own accounts (``params/portfolio_plan.yaml``: key accounts)
        unless one of these is given.
    currency : str
        Shown with amounts of money; empty: the reports' own.
    previous_plan_date : str
        The date of the plan whose objectives are tracked (``YYYY-MM-DD``); empty: the
        plan date less the objectives' horizon (``params/planning.yaml``), so the
        objectives tracked are the ones due now.
    company_wide : float
        Coverage from which a CEM practice counts as applied company-wide.
    moving_share : float
        Share of the way to its target an objective's measure must cover to be moving.
    top : int
        Rows of each list in the pack (accounts at risk, managers, prospects).
    settings : dict, optional
        Per report, parameters that replace those of ``params/<report>.yaml``
        (``{"driver_analysis": {"n_boot": 200}}``).
    data_dir : str
        The data folder the tables come from: its ``cxkit.yaml`` gives the reports the
        parameters it gives their notebooks; empty: the reports' own ``data_dir``.

    Attributes
    ----------
    sections_ : dict of str to Section
        The seven sections by name (:data:`SECTIONS`), each with its numbers and tables.
    analyses_ : dict
        The fitted analyses by report name (only those that could be fitted).
    errors_ : dict of str to str
        Why a report's analysis could not be fitted, by report name: ``needs:TABLE;...``
        for tables the data folder lacks, ``failed:REPORT`` where it had them and the
        analysis stopped (its numbers are then not known, never 0).
    failures_ : dict of str to str
        The error each ``failed:`` report stopped with, by report name.
    span_, comparison_span_ : tuple of str
        First and last period label of the period and of the comparison (``()`` without
        a revenue table, or without data that far back for the comparison).
    tracking_ : DataFrame
        :func:`~cxkit.planning.tracking.track_objectives` for the plan's accounts (empty
        without a plan).
    scope_ : dict
        ``segment``, ``account_manager``, ``accounts`` (how many the pack covers).
    currency_ : str
        The currency shown: ``currency``, else the customer math report's.
    report_settings_ : dict
        The parameters each report's analysis was built with (:func:`report_settings`).

    Examples
    --------
    >>> from cxkit import io
    >>> from cxkit.board import BoardPack, TABLES
    >>> tables = io.load("data/sample", tables=["accounts"], optional=TABLES)
    >>> pack = BoardPack(settings={"driver_analysis": {"n_boot": 20},
    ...                            "chi_scorecard": {"n_boot": 20}}).fit(tables)
    >>> pack.span_, pack.sections_["asset"].available
    (('2025Q1', '2025Q4'), True)
    """

    title = "Board pack"

    def __init__(self, *, report_period: str = "", comparison_period: str = "",
                 segment: str = "", account_manager: str = "", currency: str = "",
                 previous_plan_date: str = "",
                 company_wide: float = 0.8, moving_share: float = 0.25, top: int = 10,
                 settings=None, data_dir: str = ""):
        self.data_dir = data_dir
        self.report_period = report_period
        self.comparison_period = comparison_period
        self.segment = segment
        self.account_manager = account_manager
        self.currency = currency
        self.previous_plan_date = previous_plan_date
        self.company_wide = company_wide
        self.moving_share = moving_share
        self.top = top
        self.settings = settings

    # ------------------------------------------------------------------ fitting
    def fit(self, tables: dict) -> "BoardPack":
        """Fit every detailed report's analysis the tables allow, and read the sections."""
        if "accounts" not in tables:
            raise ParameterError("the board pack needs the accounts table")
        tables = self._scoped(tables)
        given = self.settings or {}
        common = {"currency": self.currency} if self.currency else {}
        if self.data_dir:
            common["data_dir"] = self.data_dir
        self.report_settings_ = {}
        self.analyses_, self.errors_, self.failures_ = {}, {}, {}
        for name, report in REPORTS.items():
            settings = report_settings(name, {**common, **given.get(name, {})})
            if name == "portfolio_plan" and (self.segment or self.account_manager):
                settings.update(segment=self.segment, account_manager=self.account_manager)
            self.report_settings_[name] = settings
            missing = [t for t in report.tables if t not in tables]
            if missing:
                self.errors_[name] = "needs:" + ";".join(missing)
                continue
            mine = like(tables, {t: tables[t] for t in (*report.tables, *report.optional)
                               if t in tables})
            try:
                self.analyses_[name] = build(name, settings).fit(mine)
            except CxkitError as exc:  # unknown, never zero: the sections say why
                self.errors_[name] = f"{FAILED}{name}"
                self.failures_[name] = str(exc).splitlines()[0]
        self.currency_ = self.currency or self.report_settings_["customer_math"].get(
            "currency", "")
        math = self.analyses_.get("customer_math")
        self.span_, self.comparison_span_ = (), ()
        if math is not None:
            span, comparison = period_span(math.flows_.index, math.period_,
                                           self.report_period, self.comparison_period)
            self.span_, self.comparison_span_ = span, comparison or ()
        self.tracking_ = self._track(tables)
        self.sections_ = {s: getattr(self, f"_section_{s}")() for s in SECTIONS}
        return self

    def _scoped(self, tables: dict) -> dict:
        accounts = tables["accounts"]
        keep = pd.Series(True, index=accounts.index)
        for column in ("segment", "account_manager"):
            value = getattr(self, column)
            if value:
                known = accounts[column].astype(str)
                if not known.eq(value).any():
                    raise ParameterError(f"{column} {value!r} is not in the accounts table "
                                         f"(there are: {', '.join(sorted(known.unique())[:8])})")
                keep &= known.eq(value)
        self.scope_ = {"segment": self.segment, "account_manager": self.account_manager,
                       "accounts": int(keep.sum())}
        return tables if keep.all() else like(tables, for_accounts(tables,
                                                                  accounts.loc[keep, "account_id"]))

    def _track(self, tables: dict) -> pd.DataFrame:
        from .planning import KeyAccountPlanner
        from .planning.tracking import COLUMNS, LOST, track_objectives

        plan = self.analyses_.get("portfolio_plan")
        if plan is None:
            return pd.DataFrame(columns=COLUMNS)
        now = plan.planner_
        previous = (pd.Timestamp(self.previous_plan_date) if self.previous_plan_date else
                    now.plan_date_ - pd.DateOffset(months=now.config_.objectives.horizon_months))
        if previous >= now.plan_date_:
            raise ParameterError(f"previous_plan_date {previous.date()} is not before the "
                                 f"plan date {now.plan_date_.date()}")
        report = REPORTS["portfolio_plan"]
        mine = like(tables, {t: tables[t] for t in (*report.tables, *report.optional)
                               if t in tables})
        try:
            # the plan's own planner settings, on the earlier date
            before = KeyAccountPlanner(**{**now.get_params(),
                                          "plan_date": str(previous.date())}).fit(mine)
        except CxkitError as exc:
            self.errors_["previous_plan"] = str(exc)
            return pd.DataFrame(columns=COLUMNS)
        self.previous_plan_date_ = str(previous.date())
        tracked = track_objectives(before, now, self.moving_share)
        mine = tracked["account_id"].isin(plan.account_ids_) | tracked["status"].eq(LOST)
        return tracked[mine].reset_index(drop=True)

    def _needs(self, *reports) -> list[str]:
        return [self.errors_[r] for r in reports if r in self.errors_]

    # ------------------------------------------------------------------ sections
    def _section_asset(self) -> Section:
        s = Section("asset", ("customer_math",), self._needs("customer_math"))
        math = self.analyses_.get("customer_math")
        if math is None:
            return s
        spans = {"period": self.span_}
        if self.comparison_span_:
            spans["comparison"] = self.comparison_span_
        rows = {}
        for key, (first, last) in spans.items():
            w = math.window(first, last).iloc[0].to_dict()
            a = math.asset_window(first, last)
            rows[key] = {**w, **(a.iloc[0].to_dict() if len(a) else {})}
        s.numbers = {k: {c: (v if isinstance(v, str) else float(v)) for c, v in r.items()}
                     for k, r in rows.items()}
        if math.clv_ is None:
            s.needs.append("lifetime_model")
        else:
            s.numbers["customer_asset"] = float(math.asset_["value"].sum())
            s.numbers["current_customers"] = int(len(math.asset_))
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index.name = "span"
        s.tables = {"asset": table}
        return s

    def _section_losses(self) -> Section:
        s = Section("losses", ("customer_math", "chi_scorecard"),
                    self._needs("customer_math", "chi_scorecard"))
        math = self.analyses_.get("customer_math")
        card = self.analyses_.get("chi_scorecard")
        if math is not None:
            if len(math.lost_by_reason_):
                lbr = math.lost_by_reason_
                key = math.key_results()
                total = lbr["revenue_lost"].sum(min_count=1)
                s.numbers["lost_revenue"] = None if pd.isna(total) else float(total)
                s.numbers["lost_accounts"] = int(lbr["accounts"].sum())
                s.numbers["experience_share"] = key.get("experience_share_of_lost_revenue")
                exp = lbr[lbr["kind"] == "experience"]
                s.numbers["top_experience_reason"] = str(exp.index[0]) if len(exp) else ""
                s.numbers["top_reason"] = str(lbr.index[0])
                s.numbers["by_year"] = {str(y): {c: float(v) for c, v in r.items()}
                                        for y, r in math.lost_trend_.iterrows()}
                s.tables["lost_by_reason"] = lbr
                s.tables["lost_by_year"] = math.lost_trend_
            else:
                s.needs.append("lost_customers")
        to_call = math.detractors_to_call() if math is not None and len(math.closed_loop_) \
            else None
        if math is not None and to_call is None:
            s.needs.append("responses")
        latest = card.latest_ if card is not None else None
        if latest is not None or to_call is not None:
            risk = accounts_at_risk(latest, to_call, math.asset_ if math is not None else None)
            s.tables["at_risk"] = risk

            def total(column):  # unknown (None) where no account has one, never 0
                x = risk[column].sum(min_count=1)
                return None if pd.isna(x) else float(x)

            s.numbers["at_risk"] = {
                "accounts": int(len(risk)), "chi_red": int(risk["chi_red"].sum()),
                "chi_falling": int(risk["chi_falling"].sum()),
                "red_and_falling": int((risk["chi_red"] & risk["chi_falling"]).sum()),
                "detractors_waiting": (int((risk["detractors_waiting"] > 0).sum())
                                       if to_call is not None else None),
                "annual_revenue": total("annual_revenue"),
                "lifetime_value": total("lifetime_value")}
        return s

    def _section_loyalty(self) -> Section:
        s = Section("loyalty", ("driver_analysis",), self._needs("driver_analysis"))
        d = self.analyses_.get("driver_analysis")
        if d is None:
            return s
        key = d.key_results()
        top = key["top_drivers"]
        s.numbers = {"nps": key["nps"], "r2": key["r2"], "top_drivers": top,
                     "importance": {k: key["importance"][k] for k in top},
                     "fix_now": key["fix_now"]}
        fix = key["fix_now"][0] if key["fix_now"] else ""
        links = d.links_.dropna(subset=["r"]) if len(d.links_) else d.links_
        measure = {}
        if fix and len(links) and fix in links.index.get_level_values("driver"):
            mine = links.loc[fix]
            m = mine["r"].abs().idxmax()
            measure = {"driver": fix, "measure": str(m),
                       **key["measures"][f"{fix} ~ {m}"]}
        elif len(links):
            drv, m = d.top_measure_link()
            measure = {"driver": drv, "measure": m, **key["measures"][f"{drv} ~ {m}"]}
        else:
            s.needs.append("operations")
        s.numbers["measure"] = measure
        imp = pd.DataFrame.from_dict(key["importance"], orient="index")
        imp.index.name = "driver"
        s.tables = {"importance": imp.sort_values("share", ascending=False)}
        return s

    def _section_health(self) -> Section:
        s = Section("health", ("chi_scorecard",), self._needs("chi_scorecard"))
        card = self.analyses_.get("chi_scorecard")
        if card is None:
            return s
        key = card.key_results()
        s.numbers = {k: key[k] for k in ("period", "accounts", "median_chi", "bands",
                                          "falling", "rising")}
        lost = key.get("auc", {}).get("lost_next", {})
        if {"CHI", "NPS"} <= set(lost) and "gain" in lost["CHI"]:
            g = lost["CHI"]
            verdict = ("chi_better" if g["gain_low"] > 0 else
                       "nps_better" if g["gain_high"] < 0 else "unclear")
            s.numbers["predicts_losses"] = {"CHI": lost["CHI"], "NPS": lost["NPS"],
                                            "verdict": verdict}
        else:
            s.needs.append("proof")
        s.tables = {"by_segment": card.bands_by("segment"),
                    "by_manager": card.bands_by("account_manager").sort_values(
                        ["red", "accounts"], ascending=False, kind="stable")}
        return s

    def _section_plans(self) -> Section:
        from .planning.tracking import STATUSES

        s = Section("plans", ("portfolio_plan",), self._needs("portfolio_plan"))
        plan = self.analyses_.get("portfolio_plan")
        if plan is None:
            return s
        key = plan.key_results()
        s.numbers = {k: key[k] for k in ("title", "plan_date", "accounts", "objectives",
                                          "objective_owners")}
        t = self.tracking_
        if "previous_plan" in self.errors_:
            s.needs.append(self.errors_["previous_plan"])
        else:
            s.numbers["previous_plan_date"] = self.previous_plan_date_
        s.numbers["tracked"] = {st: int((t["status"] == st).sum()) for st in STATUSES}
        by_rule = pd.crosstab(t["rule"], t["status"]).reindex(columns=list(STATUSES),
                                                              fill_value=0)
        by_rule.columns.name = None
        s.tables = {"by_owner": plan.objectives_by_owner(), "status_by_rule": by_rule,
                    "tracked": t}
        return s

    def _section_growth(self) -> Section:
        s = Section("growth", ("prospect_profiling",), self._needs("prospect_profiling"))
        p = self.analyses_.get("prospect_profiling")
        if p is None:
            return s
        key = p.key_results()
        s.numbers = {k: key[k] for k in ("best_customers", "judged_customers", "base_rate")}
        s.numbers["rules"] = key["rules"]
        if len(p.scored_):
            s.numbers.update({k: key[k] for k in ("prospects", "prospects_matching")})
        else:
            s.needs.append("prospects")
        s.tables = {"profile": p.profile_,
                    "prospects": p.top_prospects(self.top) if len(p.scored_) else
                    pd.DataFrame()}
        return s

    def _section_practices(self) -> Section:
        s = Section("practices", ("customer_math", "portfolio_plan"))
        failed = self.errors_.get("customer_math", "")
        t = practices(self.analyses_.get("customer_math"), self.analyses_.get("portfolio_plan"),
                      self.company_wide,
                      no_math=failed if failed.startswith(FAILED) else "revenue")
        s.numbers = {p: {"coverage": (None if pd.isna(r["coverage"]) else float(r["coverage"])),
                         "company_wide": bool(r["company_wide"]),
                         "lacks": [x for x in r["lacks"].split(";") if x]}
                     for p, r in t.iterrows()}
        s.numbers["company_wide_from"] = self.company_wide
        s.needs = sorted({x for p in PRACTICES for x in s.numbers[p]["lacks"]
                          if x != "decision_records"})
        s.tables = {"practices": t}
        return s

    # ------------------------------------------------------------------ protocol
    def section(self, name: str) -> Section:
        """One section by name (:data:`SECTIONS`)."""
        if name not in SECTIONS:
            raise ParameterError(f"no section {name!r}; the sections are: {', '.join(SECTIONS)}")
        return self.sections_[name]

    def headlines(self) -> list[str]:
        """The story in one sentence per section, headline first."""
        from .present.board import lead_sentences
        return lead_sentences(self)

    def sentences(self, name: str) -> list[str]:
        """A section in plain sentences (or what it needs, where its inputs are missing)."""
        from .present.board import section_sentences
        return section_sentences(self, name)

    def key_results(self) -> dict:
        """Per section its numbers, what it needs and the reports they come from."""
        from .results import to_jsonable
        out = {"period": list(self.span_), "comparison_period": list(self.comparison_span_),
               "scope": self.scope_, "not_known": dict(self.failures_),
               "sections": {n: {"reports": list(s.reports), "needs": s.needs, **s.numbers}
                            for n, s in self.sections_.items()}}
        return to_jsonable(out)

    def summary_tables(self) -> dict:
        return {"CEM practices": self.sections_["practices"].tables["practices"]}

    def to_excel(self, path):
        """The client workbook: the story, then one sheet per section with its numbers."""
        from .present.board import workbook_sheets
        from .present.excel import write_workbook
        sheets, kinds, percent = workbook_sheets(self)
        return write_workbook(path, sheets, percent=percent, kinds=kinds,
                              currency=self.currency_)

    # ------------------------------------------------------------------ charts
    def plot_asset(self, ax=None):
        """The customer asset over the period as a bridge: start, added, taken, stayers'
        change, end (a note where there is no lifetime model)."""
        from .present import board
        return board.plot_asset(self, ax)

    def plot_losses(self, ax=None):
        """Revenue lost by departure reason (customer math's chart)."""
        from .present import board
        return board.plot_losses(self, ax)

    def plot_loyalty(self, ax=None):
        """Driver importance with intervals (driver analysis's chart)."""
        from .present import board
        return board.plot_loyalty(self, ax)

    def plot_health(self, ax=None):
        """Accounts per CHI band by segment (the scorecard's chart)."""
        from .present import board
        return board.plot_health(self, ax)

    def plot_plans(self, ax=None):
        """The previous plan's objectives by kind and status."""
        from .present import board
        return board.plot_plans(self, ax)

    def plot_growth(self, ax=None):
        """The best customers' profile (prospect profiling's chart)."""
        from .present import board
        return board.plot_growth(self, ax)

    def plot_practices(self, ax=None):
        """The five CEM practices' coverage against the company-wide line."""
        from .present import board
        return board.plot_practices(self, ax)
