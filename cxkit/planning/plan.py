"""Key-account plans: the whole portfolio prepared once, then read account by account.

:class:`KeyAccountPlanner` computes, for the planning window before the plan date, every
account's key weight, lens scores (raw and key-weighted), advocacy rung, influencer
coverage, CHI and NPS trends and objectives. :meth:`KeyAccountPlanner.account` returns an
:class:`AccountPlan` (what the key_account_plan notebook and the client workbook show);
:meth:`KeyAccountPlanner.portfolio` returns accounts of one manager or segment side by
side (the portfolio_plan notebook).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from .. import nps
from ..analysis import Analysis
from ..errors import ParameterError
from ..io.tables import contradictions_of
from ..io.datamodel import (change_direction, current_accounts, driver_columns,
                            reporting_period, yearly_revenue)
from .advocacy import account_rungs, coverage, ladder
from .config import PlanningConfig, check_config, load_config
from .keyweight import key_weight
from .lenses import account_lenses, group_lenses
from .objectives import objectives

# the columns of KeyAccountPlanner.portfolio (and PortfolioPlan.accounts), in order
PORTFOLIO_COLUMNS = ["name", "segment", "account_manager", "tenure_years",
                     "interaction_frequency", "key_weight", "spend", "growth", "chi",
                     "chi_trend", "nps", "respondents", "rung", "roles_missing", "objectives"]

# the planner's frames with rows per account, and the column naming the account (None: the
# index): what KeyAccountPlanner.slices cuts to one account
_ACCOUNT_FRAMES = {"key_weights_": None, "accounts_": None, "lenses_": None, "rungs_": None,
                   "economics_": None, "coverage_": None, "answers_": "account_id",
                   "previous_answers_": "account_id", "chi_": "account_id",
                   "objectives_": "account_id"}


def rating_moments(answers: pd.DataFrame) -> pd.DataFrame:
    """Count, mean and sum of squared deviations of each driver rating.

    What one account's ratings are compared with: the rest of the portfolio's moments are
    these less the account's own (Chan et al.'s pairwise update, run backwards), so the
    comparison needs neither the other accounts' answers nor a pass over them.

    Parameters
    ----------
    answers : DataFrame
        Survey responses (``KeyAccountPlanner.answers_``); the driver columns are those of
        :func:`cxkit.io.datamodel.driver_columns`, less the planner's ``role`` and
        ``key_weight``.

    Returns
    -------
    DataFrame
        Indexed by ``driver``: ``n`` (answers), ``mean`` and ``m2`` (sum of squared
        deviations from the mean; the variance is ``m2 / (n - 1)``).

    Examples
    --------
    >>> rating_moments(pd.DataFrame({"ltr": [9, 7], "speed": [6.0, 8.0]}))
             n  mean   m2
    driver
    speed    2   7.0  2.0
    """
    drivers = [c for c in driver_columns(answers) if c not in ("role", "key_weight")]
    r = answers[drivers].astype(float)
    mean = r.mean()
    return pd.DataFrame({"n": r.count(), "mean": mean, "m2": ((r - mean) ** 2).sum()}
                        ).rename_axis("driver")


def welch_interval(x_n, x_mean, x_var, y_n, y_mean, y_var, confidence: float = 0.95
                   ) -> tuple[float, float]:
    """Welch's interval for the difference of two means, from the groups' summaries.

    The convention of R's ``t.test(x, y)`` (unequal variances, Welch–Satterthwaite degrees
    of freedom) and of ``scipy.stats.ttest_ind(x, y, equal_var=False)``. NaN when either
    group has fewer than two values or both have no spread.

    Examples
    --------
    R's ``t.test(mpg ~ am, data = mtcars)`` gives -11.280194 to -3.209684:

    >>> lo, hi = welch_interval(19, 17.147368, 14.699298, 13, 24.392308, 38.025769)
    >>> round(lo, 4), round(hi, 4)
    (-11.2802, -3.2097)
    """
    from scipy.special import stdtrit

    if x_n < 2 or y_n < 2:
        return np.nan, np.nan
    a, b = x_var / x_n, y_var / y_n
    se2 = a + b
    if not se2 > 0:
        return np.nan, np.nan
    df = se2 ** 2 / (a ** 2 / (x_n - 1) + b ** 2 / (y_n - 1))
    half = float(stdtrit(df, 0.5 + confidence / 2)) * np.sqrt(se2)
    diff = x_mean - y_mean
    return float(diff - half), float(diff + half)


class KeyAccountPlanner(Analysis):
    """Prepare key-account plans for a portfolio: the portfolio-wide work, done once.

    Parameters
    ----------
    config : str, dict or PlanningConfig
        Planning configuration: the path of its YAML (``params/planning.yaml``), the
        same settings as a dict, or a :class:`~cxkit.planning.config.PlanningConfig`.
    plan_date : str
        Date of the plan (``YYYY-MM-DD``); empty: the latest survey response.
    model : str
        Health-index model for the CHI trend (``params/chi_model.yaml``); used when the
        data has a ``kpis`` table.
    period : str
        Period of revenue and KPIs: Q, M or Y.
    trend_threshold : float
        CHI points of change counted as rising or falling.

    Attributes
    ----------
    config_ : PlanningConfig
    period_ : str
        The period length read (``period``, or the tables' labels).
    data_contradictions_ : list
        The contradictions in the tables (:mod:`cxkit.io.contradictions`), which the
        account plans list when the data folder's rule is ``show``.
    plan_date_ : Timestamp
    window_ : tuple of Timestamp
        The planning window (start exclusive, end inclusive).
    accounts_ : DataFrame
        Accounts that are customers on the plan date, with their key weight columns.
    answers_ : DataFrame
        Survey responses in the window, with ``role`` and ``key_weight``.
    lenses_ : DataFrame
        :func:`~cxkit.planning.account_lenses` for every account with answers.
    rungs_, ladder_ : DataFrame
        Each account's advocacy rung; accounts, spend and growth per rung.
    coverage_ : DataFrame
        Buying-influencer coverage per account.
    economics_ : DataFrame
        Spend and growth per account (:func:`cxkit.io.datamodel.yearly_revenue`).
    chi_ : DataFrame
        ``account_id``, ``period``, ``chi``, ``band`` for the accounts (empty without
        KPIs or a model).
    chi_bands_ : dict
        Lower bounds of the amber and green CHI bands.
    objectives_ : DataFrame
        Every account's objectives.
    ratings_ : DataFrame
        :func:`rating_moments` of the window's answers: what an account's driver ratings
        are compared with.
    portfolio_accounts_ : int
        Accounts in the whole portfolio. A slice (:meth:`slices`) keeps the number while
        its frames hold its own account only.

    Examples
    --------
    >>> from cxkit import io
    >>> from cxkit.planning import KeyAccountPlanner
    >>> planner = KeyAccountPlanner().fit(io.load("data/sample"))
    >>> plan = planner.account(planner.accounts_.index[0])
    >>> sorted(plan.header())[:3]
    ['account_id', 'account_manager', 'chi']
    """

    title = "Key-account planning"

    def __init__(self, *, config="params/planning.yaml", plan_date: str = "",
                 model: str = "params/chi_model.yaml", period: str = "",
                 trend_threshold: float = 2.0):
        self.config = config
        self.plan_date = plan_date
        self.model = model
        self.period = period
        self.trend_threshold = trend_threshold

    def fit(self, tables: dict) -> "KeyAccountPlanner":
        """Prepare every account's plan from validated tables; returns self."""
        self.period_ = reporting_period(tables, self.period)
        self.data_contradictions_ = list(contradictions_of(tables))
        cfg = (check_config(self.config, "config")
               if isinstance(self.config, (dict, PlanningConfig)) else load_config(self.config))
        for name in ("accounts", "responses"):
            if name not in tables:
                raise ParameterError(f"the data folder has no {name} table to plan from")
        accounts = tables["accounts"].set_index("account_id")
        responses = tables["responses"]
        cfg = self.config_ = cfg.for_data(responses)
        self.plan_date_ = (pd.Timestamp(self.plan_date) if self.plan_date
                           else responses["response_date"].max().normalize())
        start = self.plan_date_ - pd.DateOffset(months=cfg.window_months)
        self.window_ = (start, self.plan_date_)
        self.plan_period_ = str(self.plan_date_.to_period(self.period_))
        live = current_accounts(accounts, self.plan_date_)
        kw = key_weight(accounts[live].reset_index(), self.plan_date_, cfg)
        self.key_weights_ = kw
        self.accounts_ = accounts[live].join(kw.drop(columns=["interaction_frequency"]))
        contacts = tables.get("contacts")
        win = responses[(responses["response_date"] > start)
                        & (responses["response_date"] <= self.plan_date_)
                        & responses["account_id"].isin(self.accounts_.index)].copy()
        if contacts is not None:
            win["role"] = win["contact_id"].map(contacts.set_index("contact_id")["role"])
        win["key_weight"] = win["account_id"].map(kw["key_weight"])
        self.answers_ = win
        self.previous_answers_ = responses[
            (responses["response_date"] > start - pd.DateOffset(months=cfg.window_months))
            & (responses["response_date"] <= start)]
        self.lenses_ = account_lenses(win, self.accounts_, cfg)
        self.rungs_ = account_rungs(win, cfg.advocacy.satisfied_from)
        rev = tables.get("revenue")
        self.economics_ = (yearly_revenue(rev, self.plan_period_, self.period_)
                           .reindex(self.accounts_.index) if rev is not None else
                           pd.DataFrame(index=self.accounts_.index,
                                        columns=["spend", "previous", "growth"], dtype=float))
        self.ladder_ = ladder(self.rungs_, self.economics_, min_count=cfg.min_count)
        self.ratings_ = rating_moments(win)
        self.coverage_ = coverage(contacts, win, self.accounts_.index)
        self.chi_ = self._chi(tables)
        self.objectives_ = objectives(self.accounts_, cfg, self.plan_date_, lenses=self.lenses_,
                                      rungs=self.rungs_, chi=self.chi_, coverage=self.coverage_,
                                      key_weights=self.key_weights_)
        self.portfolio_accounts_ = len(self.accounts_)
        return self

    def _chi(self, tables) -> pd.DataFrame:
        self.chi_bands_ = {"amber": 50.0, "green": 75.0}
        if "kpis" not in tables or not self.model:
            return pd.DataFrame({"account_id": pd.Series(dtype=object),
                                 "period": pd.Series(dtype=object),
                                 "chi": pd.Series(dtype=float), "band": pd.Series(dtype=object)})
        from ..chi import load_model, score
        from ..io.datamodel import kpi_wide

        model = load_model(self.model)
        self.chi_bands_ = model.bands
        wide = kpi_wide(tables["kpis"], model.kpi_names)
        wide = wide[wide["period"] <= self.plan_period_]
        scored = wide[["account_id", "period"]].join(score(wide, model)[["chi", "band"]])
        return scored[scored["account_id"].isin(self.accounts_.index)].reset_index(drop=True)

    # ------------------------------------------------------------------ slices
    def slices(self, account_ids) -> Iterator[tuple[str, "KeyAccountPlanner"]]:
        """Each account's share of the fitted portfolio: what its :class:`AccountPlan` reads.

        A slice is this planner with every per-account frame cut to one account, and the
        portfolio-wide results (``ratings_``, ``ladder_``, ``config_``, the plan date) kept
        whole, so ``AccountPlan.from_planner(slice, account)`` equals the plan read from the
        whole planner, at a cost that does not grow with the portfolio. A batch stores
        them (:mod:`cxkit.planning.prepared`) so each account's run reads only its own.
        The portfolio-wide views (``headlines``, ``select``, ``account_table``...) refuse
        a slice.

        Parameters
        ----------
        account_ids : iterable of str
            Accounts to cut out; those that are not customers on the plan date are skipped.

        Yields
        ------
        (str, KeyAccountPlanner)
            The account and its slice.
        """
        import copy

        where = {}
        for attr, column in _ACCOUNT_FRAMES.items():
            frame = getattr(self, attr)
            keys = (frame[column] if column else frame.index).to_numpy()
            where[attr] = pd.Series(np.arange(len(frame))).groupby(keys).indices
        none = np.array([], dtype=int)
        for account in account_ids:
            if account not in self.accounts_.index:
                continue
            part = copy.copy(self)
            for attr in _ACCOUNT_FRAMES:
                setattr(part, attr, getattr(self, attr).iloc[where[attr].get(account, none)])
            yield account, part

    def _whole(self) -> None:
        if len(self.accounts_) != self.portfolio_accounts_:
            raise ParameterError("this is one account's slice of the portfolio: fit a "
                                 "KeyAccountPlanner for the portfolio's views")

    # ------------------------------------------------------------------ protocol
    def headlines(self) -> list[str]:
        """The portfolio prepared, in plain sentences."""
        self._whole()
        n, heard = len(self.accounts_), self.answers_["account_id"].nunique()
        o = self.objectives_
        return [f"{n:,} accounts are customers on {self.plan_date_.date()}; {heard:,} of them "
                f"gave feedback in the last {self.config_.window_months} months "
                f"({len(self.answers_):,} responses).",
                f"{len(o):,} objectives proposed for {o['owner'].nunique():,} owners."
                if len(o) else "No rule proposes an objective."]

    def key_results(self) -> dict:
        """The numbers a batch collects about the whole portfolio."""
        self._whole()
        o = self.objectives_
        return {"plan_date": str(self.plan_date_.date()), "accounts": int(len(self.accounts_)),
                "accounts_heard": int(self.answers_["account_id"].nunique()),
                "responses": int(len(self.answers_)), "objectives": int(len(o)),
                "objective_rules": {str(k): int(v) for k, v in o["rule"].value_counts().items()}}

    def summary_tables(self) -> dict:
        self._whole()
        return {"Objectives by rule": self.objectives_.groupby("rule").size()
                .to_frame("objectives")}

    def plot_key_weights(self, ax=None):
        """How much each segment's feedback counts: accounts by key weight; returns the axis."""
        self._whole()
        import matplotlib.pyplot as plt
        import seaborn as sns

        from ..present.show import plain_text
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3.2))
        a = self.accounts_
        edges = np.linspace(0, 1, 11)
        groups = [(str(seg), a.loc[a["segment"] == seg, "key_weight"])
                  for seg in sorted(a["segment"].dropna().unique())]
        ax.hist([g for _, g in groups], bins=edges, stacked=True,
                label=[name for name, _ in groups], edgecolor="white")
        ax.set_xlabel("key weight (1: the account's feedback counts in full)")
        ax.set_ylabel("accounts")
        ax.set_title(f"Key weight of the {len(a):,} customer accounts on {self.plan_date_.date()}")
        ax.legend(frameon=False, title="segment")
        sns.despine(ax=ax)
        return plain_text(ax)

    # ------------------------------------------------------------------ views
    def account(self, account_id: str) -> "AccountPlan":
        """The plan of one account (a customer on the plan date): an :class:`AccountPlan`."""
        return AccountPlan.from_planner(self, account_id)

    def default_account(self) -> str:
        """The key account with the most revenue (any account if there is no key one)."""
        self._whole()
        a = self.accounts_.join(self.economics_[["spend"]])
        key = a[a["segment"] == "key"] if (a["segment"] == "key").any() else a
        return str(key["spend"].fillna(0).idxmax())

    def select(self, account_manager: str = "", segment: str = "") -> list[str]:
        """Account ids of one account manager and/or segment (all when both are empty)."""
        self._whole()
        a = self.accounts_
        keep = pd.Series(True, index=a.index)
        if account_manager:
            keep &= a["account_manager"] == account_manager
        if segment:
            keep &= a["segment"] == segment
        if not keep.any():
            raise ParameterError(f"no customer accounts for account manager {account_manager!r}"
                                 f" and segment {segment!r}" if account_manager else
                                 f"no customer accounts in segment {segment!r}")
        return list(a.index[keep])

    def account_table(self, account_ids) -> pd.DataFrame:
        """Accounts side by side: key weight, spend, CHI, NPS, rung, coverage, objectives.

        Returns
        -------
        DataFrame
            Indexed by ``account_id``: :data:`PORTFOLIO_COLUMNS`.
        """
        self._whole()
        rows = [self.account(a).header() for a in account_ids]
        out = pd.DataFrame(rows).set_index("account_id")
        return out[PORTFOLIO_COLUMNS]

    def group_lenses(self, by: str, account_ids=None) -> pd.DataFrame:
        """Lens scores per ``by`` (an accounts column: project_manager, segment...)."""
        self._whole()
        if by not in self.accounts_.columns:
            raise ParameterError(f"accounts have no column {by!r} to group lenses by")
        ans = self.answers_
        if account_ids is not None:
            ans = ans[ans["account_id"].isin(account_ids)]
        return group_lenses(ans, ans["account_id"].map(self.accounts_[by]).rename(by),
                            self.config_)


class _ReadsPlanner:
    """A view of a :class:`KeyAccountPlanner`'s portfolio: fitted with its own planner, or
    read from one already fitted. The view's settings include the planner's; ``_read``
    takes the fitted planner."""

    def fit(self, tables: dict):
        """Prepare the portfolio (a :class:`KeyAccountPlanner`) and read this view of it."""
        settings = {k: getattr(self, k) for k in KeyAccountPlanner._param_names()}
        return self._read(KeyAccountPlanner(**settings).fit(tables))

    @classmethod
    def _from(cls, planner: KeyAccountPlanner, **own):
        """A view with its own settings and the planner's, read from the fitted planner."""
        return cls(**own, **planner.get_params())._read(planner)


class AccountPlan(_ReadsPlanner, Analysis):
    """One account's plan: header, lenses, drivers, advocacy, coverage, comments, objectives.

    Parameters
    ----------
    account_id : str
        The account; empty: the key account with the most revenue.
    config, plan_date, model, period, trend_threshold
        As for :class:`KeyAccountPlanner`.
    currency : str
        Shown with amounts of money (``EUR``, ``$``); empty: amounts alone.

    Attributes
    ----------
    planner_ : KeyAccountPlanner
        The portfolio the plan is read from (fitted by ``fit``, or given to
        :meth:`from_planner`: fit the portfolio once, read many accounts).
    account_id_ : str
    info_ : Series
        The account's row of ``planner_.accounts_``.
    answers_ : DataFrame
        Its survey responses in the planning window.

    Examples
    --------
    >>> from cxkit import io
    >>> plan = AccountPlan(account_id="A00001").fit(io.load("data/sample"))
    >>> plan.account_id_, plan.header()["segment"]
    ('A00001', 'growth')
    """

    title = "Key-account plan"

    def __init__(self, *, account_id: str = "", config="params/planning.yaml",
                 plan_date: str = "", model: str = "params/chi_model.yaml", period: str = "",
                 trend_threshold: float = 2.0, currency: str = ""):
        self.account_id = account_id
        self.currency = currency
        self.config = config
        self.plan_date = plan_date
        self.model = model
        self.period = period
        self.trend_threshold = trend_threshold

    @classmethod
    def from_planner(cls, planner: KeyAccountPlanner, account_id: str = "",
                     currency: str = "") -> "AccountPlan":
        """The plan of ``account_id`` read from a fitted planner (no second fit)."""
        return cls._from(planner, account_id=account_id, currency=currency)

    def _read(self, planner: KeyAccountPlanner) -> "AccountPlan":
        account_id = self.account_id or planner.default_account()
        if account_id not in planner.accounts_.index:
            raise ParameterError(f"account {account_id!r} is not a customer on "
                                 f"{planner.plan_date_.date()} (or not in the accounts table)")
        self.planner_ = planner
        self.account_id_ = account_id
        self.info_ = planner.accounts_.loc[account_id]
        self.answers_ = planner.answers_[planner.answers_["account_id"] == account_id]
        return self

    def header(self) -> dict:
        """Who the account is and how it is doing: key weight, revenue, CHI, NPS, rung."""
        p, a, i = self.planner_, self.account_id_, self.info_
        eco = p.economics_.loc[a] if a in p.economics_.index else pd.Series(dtype=float)
        out = {"account_id": a, "name": i["name"], "segment": i["segment"],
               "account_manager": i["account_manager"],
               "project_manager": i.get("project_manager", ""),
               "customer_since": i["customer_since"].date(),
               "tenure_years": float(i["tenure_years"]),
               "interaction_frequency": i["interaction_frequency"],
               "key_weight": float(i["key_weight"]),
               "spend": float(eco.get("spend", np.nan)), "growth": float(eco.get("growth", np.nan))}
        chi = self.chi_history()
        out["chi"] = float(chi["chi"].iloc[-1]) if len(chi) else np.nan
        out["chi_change"] = float(chi["chi"].diff().iloc[-1]) if len(chi) > 1 else np.nan
        out["chi_trend"] = change_direction(out["chi_change"], p.trend_threshold)
        now = self.answers_["ltr"].dropna()
        before = p.previous_answers_.loc[p.previous_answers_["account_id"] == a, "ltr"].dropna()
        out["nps"] = nps.estimate(now).nps if len(now) else np.nan
        out["nps_previous"] = nps.estimate(before).nps if len(before) else np.nan
        out["nps_change"] = out["nps"] - out["nps_previous"]
        out["respondents"] = int(self.answers_["contact_id"].nunique())
        out["responses"] = int(len(self.answers_))
        r = p.rungs_["rung"].get(a)
        out["rung"] = str(r) if r is not None and pd.notna(r) else "no feedback"
        cov = p.coverage_.loc[a]
        out["roles_missing"] = cov["missing"]
        out["objectives"] = int((p.objectives_["account_id"] == a).sum())
        return out

    def header_table(self) -> pd.DataFrame:
        """:meth:`header` as a two-column table of readable items and values (text)."""
        from ..present.formats import fmt, kind_of
        from ..present.labels import arrow, pretty

        def show(k, v):
            if k == "chi_trend":
                return arrow(v)
            if k == "tenure_years":
                return f"{v:.1f}"
            if k == "roles_missing":
                return v or "none"
            kind = kind_of(k, v)  # money, growth, signed NPS... by the key's name
            return fmt(v, kind, self.currency) if kind else str(v)

        h = self.header()
        return pd.DataFrame({"value": [show(k, v) for k, v in h.items()]},
                            index=pd.Index([pretty(k) for k in h], name="item"))

    def chi_history(self) -> pd.DataFrame:
        """CHI by period (empty without KPIs)."""
        chi = self.planner_.chi_
        return chi[chi["account_id"] == self.account_id_].dropna(subset=["chi"]).sort_values(
            "period")[["period", "chi", "band"]].reset_index(drop=True)

    def lenses(self) -> pd.DataFrame:
        """This account's lens scores, raw and key-weighted, with the place to act."""
        lz = self.planner_.lenses_
        return lz.loc[lz.index == self.account_id_].reset_index(drop=True)

    def drivers(self, min_difference: float = 0.5, confidence: float = 0.95) -> pd.DataFrame:
        """Driver ratings where this account differs from the rest of the portfolio.

        The interval on the difference is Welch's (R's ``t.test(x, y)``), kept within the
        differences the rating scale allows (± its span); with fewer
        than the configuration's ``min_count`` answers from the account it is NaN: too
        few to tell.

        Returns
        -------
        DataFrame
            Indexed by ``driver``: ``account`` and ``portfolio`` (mean ratings in the
            window), ``difference`` with its interval ``ci_low`` / ``ci_high``,
            ``answers`` and ``differs`` (the interval excludes 0 and the difference is at
            least ``min_difference`` points), sorted by the size of the difference.
        """
        cfg = self.planner_.config_
        rows = {}
        for d, (n, mean, m2) in self.planner_.ratings_[["n", "mean", "m2"]].iterrows():
            x = self.answers_[d].dropna().astype(float)
            nx, ny = len(x), n - len(x)  # the rest: the portfolio less this account
            mx = x.mean() if nx else np.nan
            my = (n * mean - nx * mx) / ny if nx and ny else mean if ny else np.nan
            m2y = (m2 - ((x - mx) ** 2).sum() - nx * ny / n * (mx - my) ** 2) if nx and ny \
                else m2
            lo = hi = np.nan
            if nx >= max(cfg.min_count, 2) and ny > 1:
                lo, hi = welch_interval(nx, mx, x.var(), ny, my, max(m2y, 0.0) / (ny - 1),
                                        confidence)
                span = cfg.scale_max - cfg.scale_min
                lo, hi = max(lo, -span), min(hi, span)
            rows[d] = {"account": mx, "portfolio": my, "difference": mx - my,
                       "ci_low": lo, "ci_high": hi, "answers": nx}
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "driver"
        out["differs"] = ((out["ci_low"] > 0) | (out["ci_high"] < 0)) & (
            out["difference"].abs() >= min_difference)
        return out.reindex(out["difference"].abs().sort_values(ascending=False).index)

    def advocacy(self) -> pd.DataFrame:
        """How far up the advocacy ladder this account's respondents are.

        Returns
        -------
        DataFrame
            Indexed by ``rung`` (satisfied, reference, advocate): ``respondents`` (people
            whose latest answer in the window reached the rung or a higher one) and
            ``share`` (of the account's respondents, 0–1). Empty without feedback. The
            account's own rung is ``header()["rung"]``.
        """
        from .advocacy import RUNGS

        r = self.planner_.rungs_
        rungs = pd.Index(RUNGS[1:], name="rung")
        if self.account_id_ not in r.index:
            return pd.DataFrame({"respondents": pd.Series(dtype=int),
                                 "share": pd.Series(dtype=float)}).rename_axis("rung")
        row = r.loc[self.account_id_]
        share = row[list(rungs)].astype(float).to_numpy()
        return pd.DataFrame({"respondents": np.rint(share * row["respondents"]).astype(int),
                             "share": share}, index=rungs)

    def coverage(self) -> pd.DataFrame:
        """Contacts and respondents per buying-influencer role."""
        from ..io.schemas import ROLES

        c = self.planner_.coverage_.loc[self.account_id_]
        return pd.DataFrame({"contacts": [c[f"{r} contacts"] for r in ROLES],
                             "respondents": [c[f"{r} responses"] for r in ROLES]},
                            index=pd.Index(ROLES, name="role")).assign(
            heard=lambda t: t["respondents"] > 0)

    def comments(self, n: int = 8) -> pd.DataFrame:
        """The most recent verbatim comments (customer text: escape it when showing it)."""
        c = self.answers_.dropna(subset=["comment"])
        c = c[c["comment"].astype(str).str.strip() != ""]
        cols = ["response_date", "role", "ltr", "comment"]
        c = c.sort_values("response_date", ascending=False).head(n)
        out = c[[x for x in cols if x in c.columns]].copy()
        out["response_date"] = out["response_date"].dt.date
        return out.reset_index(drop=True)

    def objectives(self) -> pd.DataFrame:
        """This account's objectives with owner, target, due date and evidence."""
        o = self.planner_.objectives_
        return o[o["account_id"] == self.account_id_].drop(columns="account_id").reset_index(
            drop=True)

    def headlines(self) -> list[str]:
        """The plan in plain sentences."""
        from ..present.formats import fmt, money
        from ..present.labels import arrow, pretty, weighting_note

        h = self.header()
        cfg = self.planner_.config_
        lenses = self.lenses()
        z = lenses["credibility"].mean() if len(lenses) else np.nan
        text = (f"{h['name']} ({h['account_id']}), a {h['segment']} account, has been a "
                f"customer for {h['tenure_years']:.1f} years with "
                f"{h['interaction_frequency']} contact: key weight {h['key_weight']:.2f} of 1")
        if np.isnan(z):
            out = [text + "."]
        elif z >= 0.95:
            out = [text + ", so its own answers count in full in its lens scores."]
        else:
            out = [text + f", so in its lens scores its own answers count for {z:.0%} and its "
                   f"segment's for {1 - z:.0%} (fewer answers or a lower key weight lean more "
                   "on the segment)."]
        if not np.isnan(h["spend"]):
            text = f"Revenue over the last 12 months: {money(h['spend'], self.currency)}"
            if not np.isnan(h["growth"]):
                text += f", {fmt(h['growth'], 'growth')} on the year before"
            out.append(text + ".")
        if not np.isnan(h["chi"]):
            text = f"Health (CHI) {h['chi']:.0f} of 100"
            if not np.isnan(h["chi_change"]):
                text += f" {arrow(h['chi_trend'])} ({h['chi_change']:+.1f} on the period before)"
            out.append(text + ".")
        if h["responses"]:
            text = (f"NPS {h['nps']:+.0f} from {h['responses']} responses of "
                    f"{h['respondents']} people in the last {cfg.window_months} months")
            if not np.isnan(h["nps_previous"]):
                text += f" ({h['nps_previous']:+.0f} the 12 months before)"
            out.append(text + f"; advocacy rung: {h['rung']}.")
        else:
            out.append(f"No survey feedback in the last {cfg.window_months} months.")
        for _, r in lenses.iterrows():
            if not r["act_on"]:
                continue
            side = "value" if r["act_on"] == r["value"] else "obstacle"
            other = "obstacle" if side == "value" else "value"
            low, high = r[f"{side}_pct_weighted"], r[f"{other}_pct_weighted"]
            if round(low) == round(high):  # level: the obstacle is what stands in the way
                text = (f"Lens {r['lens']}: {pretty(r['value'])} and "
                        f"{pretty(r['obstacle'])} are level ({low:.0f}%, key-weighted): act "
                        f"on {pretty(r['act_on'])}, what stands in the way")
            else:
                text = (f"Lens {r['lens']}: {pretty(r['act_on'])} is the lower side "
                        f"({low:.0f}% against {high:.0f}%, key-weighted): the place to act")
            if r["weighting_changes"]:
                text += f"; {weighting_note(r)} (raw {r[f'{side}_pct']:.0f}% against " \
                        f"{r[f'{other}_pct']:.0f}%)"
            out.append(text + ".")
        if h["roles_missing"]:
            out.append(f"No feedback in the window from: {h['roles_missing']}.")
        n = h["objectives"]
        out.append(f"{n} objective{'s' if n != 1 else ''} proposed below." if n else
                   "No rule proposes an objective for this account.")
        return out

    def key_results(self) -> dict:
        """The numbers a batch run collects: header, lens scores, objectives."""
        h = self.header()
        out = {k: (str(v) if k == "customer_since" else v) for k, v in h.items()}
        out["lenses"] = {r["lens"]: {"act_on": r["act_on"],
                                     "value_pct_weighted": r["value_pct_weighted"],
                                     "obstacle_pct_weighted": r["obstacle_pct_weighted"],
                                     "weighting_changes": bool(r["weighting_changes"])}
                         for _, r in self.lenses().iterrows()}
        out["objective_rules"] = self.objectives()["rule"].tolist()
        out["plan_date"] = str(self.planner_.plan_date_.date())
        return out

    def summary_tables(self) -> dict:
        return {"Lenses": self.lenses()[["lens", "value_pct_weighted", "obstacle_pct_weighted",
                                         "act_on"]],
                "Objectives": self.objectives()[["rule", "owner", "due"]]}

    def to_excel(self, path) -> Path:
        """The client workbook for this account (:func:`cxkit.present.workbooks.account_workbook`)."""
        from ..present.workbooks import account_workbook

        return account_workbook(self, path)

    def plot_lenses(self, ax=None):
        """Each lens's two sides, key-weighted, raw as a thin marker; returns the axis."""
        lenses = self.lenses()
        if lenses.empty:
            from ..present.show import empty_chart
            return empty_chart(ax, "No feedback in the planning window: no lens scores.")
        return plot_lenses(lenses, ax)


def plot_lenses(lenses: pd.DataFrame, ax=None):
    """Horizontal bars of each lens's two sides, key-weighted, raw as a thin marker.

    Parameters
    ----------
    lenses : DataFrame
        :meth:`AccountPlan.lenses` (or rows of :func:`account_lenses`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    from ..present.labels import pretty
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.9 + 0.8 * len(lenses)))
    y = np.arange(len(lenses))
    h = 0.38
    for off, side, colour in ((-h / 2, "value", "#4C72B0"), (h / 2, "obstacle", "#DD8452")):
        ax.barh(y + off, lenses[f"{side}_pct_weighted"], height=h, color=colour,
                label=f"{side} (key-weighted)")
        ax.scatter(lenses[f"{side}_pct"], y + off, marker="|", s=200, color="black", zorder=3)
        for yy, q, v in zip(y + off, lenses[side], lenses[f"{side}_pct_weighted"]):
            ax.text(1, yy, f" {pretty(q)}", va="center", ha="left", fontsize=8, color="white")
            ax.text(v, yy, f" {v:.0f}%", va="center", fontsize=8)
    ax.set_yticks(y, lenses["lens"])
    ax.set_xlim(0, 105)
    ax.set_xlabel("% score (bars key-weighted, | raw)")
    ax.invert_yaxis()
    # beside the bars, not over them: a long last bar would hide under the legend
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    sns.despine(ax=ax)
    from ..present.show import plain_text
    return plain_text(ax)


__all__ = ["AccountPlan", "KeyAccountPlanner", "PORTFOLIO_COLUMNS", "plot_lenses"]
