"""Scorecards that explain themselves: portfolio, per account, and proof against outcomes.

:class:`ChiScorecard` is what the chi_scorecard notebook reports: CHI for every account
and period, the portfolio by band, segment and account manager, trend arrows against
the previous period, the stages × periods of one account with the reasons it changed,
and whether CHI predicts losses, renewals and revenue growth better than NPS alone.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis import Analysis
from ..errors import ParameterError
from ..io.datamodel import change_direction, current_accounts, kpi_wide, reporting_period
from .derive import derive_kpis, load_definitions
from .model import BAND_NAMES, ChiModel, load_model
from .proof import OUTCOMES, outcome_panel, predictive_power, suggest_weights
from .score import ChiChange, explain_change, normalise, score


class ChiScorecard(Analysis):
    """Score a portfolio with a health-index model and explain it.

    Parameters
    ----------
    model : ChiModel or path
        The model (default ``params/chi_model.yaml``).
    derive : bool
        Compute the KPIs that ``definitions`` defines from the raw exports in
        ``data_dir`` (DuckDB), taking the others from the ``kpis`` table.
    definitions : path
        KPI definitions (default ``params/chi_kpis.yaml``).
    data_dir : path, optional
        The data folder holding the raw exports; needed with ``derive``.
    period : str
        Period of the KPIs.
    trend_threshold : float
        CHI points of change counted as rising or falling (smaller: flat).
    account_id : str
        Account to explain; empty: the one whose CHI fell most in the latest period.
    n_boot : int
        Resamples for the AUC intervals.
    random_state : int, optional

    Attributes
    ----------
    model_ : ChiModel
    scores_ : DataFrame
        ``account_id``, ``period``, ``chi``, ``band``, ``coverage``, ``reason``, stages.
    wide_, normalised_ : DataFrame
        The KPIs scored (one column per KPI) and the same normalised to 0–100.
    missing_kpis_ : list of str
        KPIs of the model never observed.
    latest_period_, previous_period_ : str
        The last period and the one before ("" with a single period).
    latest_ : DataFrame
        The latest period, one row per account that is a customer in it, least healthy
        first, indexed by ``account_id``: ``name``, ``segment``, ``account_manager``,
        ``chi``, ``band``, ``previous``, ``change``, ``trend`` (``up``, ``down``, ``flat``
        beyond ``trend_threshold``; "" without a previous score), ``coverage``, stages.
    account_ : str
        The account explained ("" when no account's CHI changed).
    explain_ : ChiChange
        :func:`explain_change` for it (empty, with its ``reason``, when impossible).
    proof_ : DataFrame
        :func:`predictive_power` tables of CHI, NPS and both, indexed by (``outcome``,
        ``predictors``), for each outcome the data allows: ``lost_next``,
        ``renewed_next`` (needs ``crm_opportunities``), ``grew_next`` (needs
        ``revenue``); empty when none could be tested.
    proof_test_from_ : str
        First held-out period of the proof ("" without one).
    proof_notes_ : dict
        Per outcome, why it could not be tested or why its AUCs are uncertain ("" if fine).
    weights_ : DataFrame
        :func:`suggest_weights` from next-period losses (empty when impossible).

    Examples
    --------
    >>> from cxkit.io import load
    >>> tables = load("data/sample", tables=["accounts", "kpis"], optional=["responses"])
    >>> card = ChiScorecard(n_boot=20, random_state=1).fit(tables)
    >>> card.latest_period_, len(card.latest_) > 0, card.explain_.explained
    ('2025Q4', True, True)
    """

    title = "Customer Health Index scorecard"

    def __init__(self, *, model="params/chi_model.yaml", derive: bool = False,
                 definitions="params/chi_kpis.yaml", data_dir=None, period: str = "",
                 trend_threshold: float = 2.0, account_id: str = "", n_boot: int = 500,
                 random_state=None):
        self.model = model
        self.derive = derive
        self.definitions = definitions
        self.data_dir = data_dir
        self.period = period
        self.trend_threshold = trend_threshold
        self.account_id = account_id
        self.n_boot = n_boot
        self.random_state = random_state

    def fit(self, tables) -> "ChiScorecard":
        """Score ``tables`` (validated, with ``kpis`` and ``accounts``); returns self."""
        self.period_ = reporting_period(tables, self.period)
        model = self.model if isinstance(self.model, ChiModel) else load_model(
            self.model or "params/chi_model.yaml")
        for name in ("kpis", "accounts"):
            if name not in tables:
                raise ParameterError(f"the data folder has no {name} table to score")
        long = tables["kpis"]
        if self.derive:
            if not self.data_dir:
                raise ParameterError("deriving KPIs from raw exports needs the data folder "
                                     "(data_dir)")
            defs = load_definitions(self.definitions or "params/chi_kpis.yaml")
            derived = derive_kpis(self.data_dir, defs)
            long = pd.concat([derived, long[~long["kpi"].isin(defs["kpis"])]], ignore_index=True)
        self.model_ = model
        observed = set(long["kpi"])
        # a KPI never observed is missing everywhere, not an error here; none observed is:
        # a health index of nothing would read as no account red, amber or green
        self.missing_kpis_ = [k for k in model.kpi_names if k not in observed]
        if len(self.missing_kpis_) == len(model.kpi_names):
            from ..errors import DataError, listing
            source = self.model if isinstance(self.model, str) else "the health-index model"
            raise DataError(
                f"kpis: none of the KPIs of {source or 'params/chi_model.yaml'} is in the "
                f"data (the model scores {listing(model.kpi_names, 8)}; the data has "
                f"{listing(sorted(observed), 8) or 'none'}); point `model` at a health-index model of "
                "your own KPIs")
        wide = kpi_wide(long, model.kpi_names)
        self.normalised_ = normalise(wide, model)  # once, for scores and explanations
        self.scores_ = wide[["account_id", "period"]].join(
            score(wide, model, normalised=self.normalised_))
        self.wide_ = wide
        self._latest(tables["accounts"])
        self._explain()
        self._prove(tables)
        return self

    def _prove(self, tables) -> None:
        panel = outcome_panel(self.scores_, tables["accounts"], tables.get("responses"),
                              self.period_, revenue=tables.get("revenue"),
                              opportunities=tables.get("crm_opportunities"))
        sets = {"CHI": ["chi"], "NPS": ["ltr"], "CHI + NPS": ["chi", "ltr"]}
        if "ltr" not in panel.columns:
            sets = {"CHI": ["chi"]}
        parts, self.proof_notes_ = {}, {}
        for outcome in OUTCOMES:
            if outcome not in panel.columns:
                continue
            try:
                parts[outcome] = predictive_power(panel, sets, outcome=outcome, n_boot=self.n_boot,
                                                  random_state=self.random_state)
                self.proof_notes_[outcome] = parts[outcome].note()
            except ParameterError as exc:
                self.proof_notes_[outcome] = str(exc)
        self.proof_ = pd.DataFrame(
            columns=["auc", "ci_low", "ci_high", "n_test", "events_test"],
            index=pd.MultiIndex.from_tuples([], names=["outcome", "predictors"]))
        self.proof_test_from_ = ""
        if parts:
            self.proof_ = pd.concat({o: p.table.drop(columns=["n_train"])
                                     for o, p in parts.items()}, names=["outcome"])
            self.proof_test_from_ = next(iter(parts.values())).test_from
        try:
            self.weights_ = suggest_weights(panel, self.model_)
        except ParameterError as exc:
            self.weights_ = pd.DataFrame(columns=["configured", "suggested", "coefficient"],
                                         index=pd.Index([], name="stage"))
            self.proof_notes_["weights"] = str(exc)

    def _latest(self, accounts: pd.DataFrame) -> None:
        s = self.scores_.sort_values(["account_id", "period"])
        labels = sorted(s["period"].unique())
        self.latest_period_ = labels[-1]
        self.previous_period_ = labels[-2] if len(labels) > 1 else ""
        cur = s[s["period"] == self.latest_period_].set_index("account_id")
        prev = (s[s["period"] == self.previous_period_].set_index("account_id")["chi"]
                if self.previous_period_ else pd.Series(dtype=float))
        info = accounts.set_index("account_id")
        live = current_accounts(info, self.latest_period_, self.period_)
        cur = cur[cur.index.isin(info.index[live])]
        out = info.loc[cur.index, ["name", "segment", "account_manager"]].copy()
        out["chi"] = cur["chi"]
        out["band"] = cur["band"]
        out["previous"] = prev.reindex(cur.index)
        out["change"] = out["chi"] - out["previous"]
        out["trend"] = change_direction(out["change"], self.trend_threshold)
        out["coverage"] = cur["coverage"]
        for st in self.model_.stage_names:
            out[st] = cur[st]
        self.latest_ = out.sort_values("chi")

    def _explain(self) -> None:
        target = self.account_id
        before, after = self.previous_period_, self.latest_period_
        if not target:
            drops = self.latest_["change"].dropna()
            if drops.empty:
                self.account_ = ""
                self.explain_ = ChiChange.empty(reason="no account has a CHI in two periods")
                return
            target = drops.idxmin()
        self.account_ = str(target)
        try:
            self.explain_ = explain_change(self.wide_, self.model_, target, before, after,
                                           normalised=self.normalised_)
        except ParameterError as exc:
            self.explain_ = ChiChange.empty(target, before, after, str(exc))

    # ------------------------------------------------------------------ tables
    def bands_by(self, by: str) -> pd.DataFrame:
        """Accounts per band in the latest period, by ``segment`` or ``account_manager``.

        Returns
        -------
        DataFrame
            Indexed by the group: ``red``, ``amber``, ``green``, ``accounts`` (with a
            CHI), ``median_chi``.
        """
        t = pd.crosstab(self.latest_[by], self.latest_["band"]).reindex(
            columns=list(BAND_NAMES), fill_value=0)
        t["accounts"] = t.sum(axis=1)
        t["median_chi"] = self.latest_.groupby(by)["chi"].median()
        t.columns.name = None
        return t

    def watch_list(self, n: int = 15, stages: bool = True) -> pd.DataFrame:
        """The ``n`` least healthy accounts of the latest period with their trend and stages.

        Parameters
        ----------
        n : int
        stages : bool
            Include one column per stage (the workbook); without, the list fits a page:
            the number of red stages and the weakest stage stand in for them.

        Returns
        -------
        DataFrame
            Indexed by ``account_id``: ``name``, ``segment``, ``account_manager``, ``chi``,
            ``trend``, ``change``, ``red_stages`` (stages below the amber band),
            ``weakest_stage`` and ``weakest_score``, then (with ``stages``) one column
            per stage; least healthy first.
        """
        names = self.model_.stage_names
        top = self.latest_.dropna(subset=["chi"]).head(n)
        scores = top[names]
        out = top[["name", "segment", "account_manager", "chi", "trend", "change"]].assign(
            red_stages=(scores < self.model_.bands["amber"]).sum(axis=1),
            weakest_stage=scores.idxmin(axis=1, skipna=True) if len(top) else
            pd.Series(dtype=object),
            weakest_score=scores.min(axis=1))
        return out.join(scores) if stages else out

    def trend(self) -> pd.DataFrame:
        """The portfolio's health by period.

        Returns
        -------
        DataFrame
            Indexed by ``period``: ``accounts`` scored, ``median_chi`` and the accounts in
            each band (``red``, ``amber``, ``green``).
        """
        s = self.scores_.dropna(subset=["chi"])
        out = pd.crosstab(s["period"], s["band"]).reindex(columns=list(BAND_NAMES),
                                                          fill_value=0)
        out.insert(0, "median_chi", s.groupby("period")["chi"].median())
        out.insert(0, "accounts", out[list(BAND_NAMES)].sum(axis=1))
        out.columns.name = None
        return out

    def change_table(self, n: int = 8) -> pd.DataFrame:
        """The KPIs that moved the explained account's CHI most, as measured and as scored.

        Returns
        -------
        DataFrame
            Indexed by (``stage``, ``kpi``), largest contribution either way first:
            ``direction`` (``higher_is_better`` or ``lower_is_better``), ``value_before``
            and ``value_after`` (the KPI as measured, in its own unit), ``before`` and
            ``after`` (normalised 0–100, higher is healthier) and ``contribution`` (CHI
            points). Empty when no change is explained.
        """
        c = self.largest_contributions(n)
        kpis = {k.name: k.direction for s in self.model_.stages for k in s.kpis}
        direction = [kpis.get(k, "") for k in c.index.get_level_values(-1)] if len(c) else []
        return c.assign(direction=direction)[["direction", "value_before", "value_after",
                                              "before", "after", "contribution"]]

    def account_history(self, account_id: str = "") -> pd.DataFrame:
        """Stages × periods (and CHI) of one account: the heat map behind its scorecard.

        Default the account explained; empty when there is none. Raises ParameterError
        for an account without scores.
        """
        account_id = account_id or self.account_
        if not account_id:
            return pd.DataFrame(index=pd.Index([*self.model_.stage_names, "chi"]))
        rows = self.scores_[self.scores_["account_id"] == account_id].set_index("period")
        if rows.empty:
            raise ParameterError(f"account {account_id!r} has no scores")
        return rows[self.model_.stage_names + ["chi"]].T

    def largest_contributions(self, n: int = 8) -> pd.DataFrame:
        """The KPIs that moved the explained account's CHI most (see :meth:`ChiChange.largest`)."""
        return self.explain_.largest(n)

    def summary_tables(self) -> dict:
        return {"Accounts by segment": self.bands_by("segment"),
                "Proof against outcomes": self.proof_}

    # ------------------------------------------------------------------ report
    def headlines(self) -> list[str]:
        """The findings in plain sentences."""
        from ..present.labels import pretty

        lat = self.latest_
        shares = lat["band"].value_counts(normalize=True).reindex(list(BAND_NAMES), fill_value=0)
        out = [f"In {self.latest_period_} the median account health is {lat['chi'].median():.0f} "
               f"of 100 across {len(lat):,} accounts: {shares['red']:.0%} red (below "
               f"{self.model_.bands['amber']:g}), {shares['amber']:.0%} amber, "
               f"{shares['green']:.0%} green (from {self.model_.bands['green']:g})."]
        if self.previous_period_:
            down = int((lat["trend"] == "down").sum())
            up = int((lat["trend"] == "up").sum())
            out.append(f"Since {self.previous_period_}, health fell by more than "
                       f"{self.trend_threshold:g} points at {down:,} accounts and rose at {up:,}.")
        seg = self.bands_by("segment")
        if "key" in seg.index:
            k = seg.loc["key"]
            out.append(f"Key accounts: {int(k['red']):,} of {int(k['accounts']):,} red, median "
                       f"health {k['median_chi']:.0f}.")
        e = self.explain_
        if e.explained:
            stages = e.by_stage.sort_values()
            worst = [f"{pretty(s)} ({v:+.1f})" for s, v in stages.head(2).items() if v < 0]
            name = lat.loc[self.account_, "name"] if self.account_ in lat.index else self.account_
            out.append(f"{name} ({self.account_}) moved from {e.chi_before:.0f} to "
                       f"{e.chi_after:.0f}"
                       + (f", mostly through {' and '.join(worst)}." if worst else "."))
        elif self.account_:
            out.append(f"{self.account_} cannot be explained: {e.reason}.")
        out.extend(self._proof_sentences())
        if self.missing_kpis_:
            out.append(f"No data for KPI(s) {', '.join(self.missing_kpis_)}: their stages "
                       "score on the other KPIs.")
        return out

    def _proof_sentences(self) -> list[str]:
        out = []
        for outcome, what in OUTCOMES.items():
            note = self.proof_notes_.get(outcome, "")
            if note:
                out.append(note)
                continue
            if outcome not in self.proof_.index.get_level_values(0):
                continue
            p = self.proof_.loc[outcome]
            text = "; ".join(f"{name} {r['auc']:.2f} ({r['ci_low']:.2f} to {r['ci_high']:.2f})"
                             for name, r in p.iterrows() if name in ("CHI", "NPS"))
            verdict = ""
            if {"CHI", "NPS"} <= set(p.index) and "gain" in p.columns:
                g = p.loc["CHI"]  # CHI's AUC minus NPS's, paired interval
                gap = f" (AUC {g['gain']:+.2f}, {g['gain_low']:+.2f} to {g['gain_high']:+.2f})"
                verdict = (f" CHI predicts it better than NPS alone{gap}." if g["gain_low"] > 0
                           else f" NPS alone predicts it better than CHI{gap}."
                           if g["gain_high"] < 0 else
                           f" Neither is clearly better{gap}.")
            out.append(f"Predicting {what} ({int(p['events_test'].iloc[0]):,} in the periods "
                       f"from {self.proof_test_from_}, each predicted from the periods before "
                       f"it), AUC: {text}.{verdict}")
        return out

    def to_excel(self, path) -> Path:
        """The scorecard as an Excel workbook: summary, portfolio, groups, one account, proof."""
        from ..present.excel import write_workbook

        m = self.model_
        stage_cols = ["chi", "previous", *m.stage_names]
        sheets = {"Summary": self.headlines(),
                  "Trend": self.trend(),
                  "Portfolio": self.latest_,
                  "Accounts to watch": self.watch_list(25),
                  "By segment": self.bands_by("segment"),
                  "By account manager": self.bands_by("account_manager")}
        bands = {"Portfolio": (stage_cols, m.bands["amber"], m.bands["green"]),
                 "By segment": (["median_chi"], m.bands["amber"], m.bands["green"])}
        if self.account_:
            name = f"Account {self.account_}"
            sheets[name] = history = self.account_history()
            bands[name] = (list(history.columns), m.bands["amber"], m.bands["green"])
        if self.explain_.explained:
            sheets["Why it changed"] = self.change_table(len(self.explain_.contributions))
        if len(self.proof_):
            sheets["Proof against outcomes"] = self.proof_
        if len(self.weights_):
            sheets["Suggested weights"] = self.weights_
        charts = {"Trend": [{"type": "line", "title": "Median CHI by period",
                             "categories": "period", "values": ["median_chi"]},
                            {"type": "column", "subtype": "stacked",
                             "title": "Accounts per band by period", "categories": "period",
                             "values": list(BAND_NAMES)}],
                  "By segment": [{"type": "bar", "subtype": "stacked",
                                  "title": "Accounts per band by segment",
                                  "categories": "segment", "values": list(BAND_NAMES)}]}
        return write_workbook(path, sheets, bands=bands, charts=charts)

    def key_results(self) -> dict:
        lat = self.latest_
        out = {"period": self.latest_period_, "accounts": int(len(lat)),
               "median_chi": float(lat["chi"].median()),
               "bands": {b: int(n) for b, n in lat["band"].value_counts()
                         .reindex(list(BAND_NAMES), fill_value=0).items()},
               "falling": int((lat["trend"] == "down").sum()),
               "rising": int((lat["trend"] == "up").sum()),
               "explained_account": self.account_}
        if len(self.proof_):
            # with CHI's row: its AUC minus NPS's and the paired interval, where both ran
            cols = ("auc", "ci_low", "ci_high", "events_test", "n_test", "gain", "gain_low",
                    "gain_high")
            out["auc"] = {o: {k: {c: float(r[c]) for c in cols[:5 + 3 * (k == "CHI")]
                                  if c in r.index and pd.notna(r[c])}
                              for k, r in self.proof_.loc[o].iterrows()}
                          for o in self.proof_.index.unique(level="outcome")}
        return out

    # ------------------------------------------------------------------ charts
    def plot_distribution(self, ax=None):
        """Histogram of CHI in the latest period, coloured by band; returns the axis."""
        return _plot_distribution(self.latest_, self.model_, ax)

    def plot_bands_by(self, by: str = "account_manager", ax=None):
        """Stacked bars of accounts per band by ``segment`` or ``account_manager``."""
        return _plot_bands_by(self.bands_by(by), ax)

    def plot_account(self, ax=None):
        """Stages × periods heat map of the explained account; returns the axis."""
        if not self.account_:
            from ..present.show import empty_chart
            return empty_chart(ax, self.explain_.reason)
        return _plot_account_heatmap(self.account_history(),
                                     f"{self.account_}: stage scores by period", ax)

    def plot_contributions(self, ax=None):
        """Each stage's contribution to the explained account's change in CHI."""
        if not self.explain_.explained:
            from ..present.show import empty_chart
            return empty_chart(ax, self.explain_.reason)
        return _plot_contributions(self.explain_, ax)


# ---------------------------------------------------------------------- plots
def _plot_distribution(latest: pd.DataFrame, model: ChiModel, ax=None):
    import matplotlib.pyplot as plt
    import seaborn as sns

    from ..present.labels import BAND_COLOURS
    from ..present.show import plain_text
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    edges = np.arange(0, 105, 5)
    for band, lo, hi in (("red", 0, model.bands["amber"]),
                         ("amber", model.bands["amber"], model.bands["green"]),
                         ("green", model.bands["green"], 100.01)):
        vals = latest["chi"][(latest["chi"] >= lo) & (latest["chi"] < hi)]
        ax.hist(vals, bins=edges, color=BAND_COLOURS[band], edgecolor="white", label=band)
    ax.set_xlabel("Customer Health Index (0–100)")
    ax.set_ylabel("accounts")
    ax.set_title("Account health in the latest period")
    ax.legend(frameon=False)
    sns.despine(ax=ax)
    return plain_text(ax)


def _plot_bands_by(table: pd.DataFrame, ax=None):
    import matplotlib.pyplot as plt
    import seaborn as sns

    from ..present.labels import BAND_COLOURS
    from ..present.show import plain_text
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.4 * len(table) + 1.2))
    left = np.zeros(len(table))
    for band in BAND_NAMES:
        ax.barh(table.index.astype(str), table[band], left=left, color=BAND_COLOURS[band],
                label=band, edgecolor="white")
        left += table[band].to_numpy()
    ax.set_xlabel("accounts")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    sns.despine(ax=ax)
    return plain_text(ax)


def _plot_account_heatmap(history: pd.DataFrame, title: str = "", ax=None):
    import matplotlib.pyplot as plt
    import seaborn as sns

    from ..present.labels import pretty
    from ..present.show import plain_text
    if ax is None:
        _, ax = plt.subplots(figsize=(min(2 + 0.7 * history.shape[1], 12), 5))
    sns.heatmap(history, vmin=0, vmax=100, cmap="RdYlGn", annot=True, fmt=".0f", cbar=False,
                linewidths=0.5, ax=ax, yticklabels=[pretty(i) for i in history.index])
    ax.set_xlabel("")
    ax.set_title(title)
    return plain_text(ax)


def _plot_contributions(change: ChiChange, ax=None):
    import matplotlib.pyplot as plt
    import seaborn as sns

    from ..present.labels import pretty
    from ..present.show import plain_text
    by_stage = change.by_stage.sort_values()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(by_stage) + 1.2))
    colours = ["#c00000" if v < 0 else "#70ad47" for v in by_stage]
    ax.barh([pretty(s) for s in by_stage.index], by_stage, color=colours)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlabel("contribution to the change in CHI (points)")
    ax.set_title(f"Why CHI moved from {change.chi_before:.0f} to {change.chi_after:.0f}")
    sns.despine(ax=ax)
    return plain_text(ax)
