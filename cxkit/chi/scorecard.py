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

from .. import periods
from ..errors import ParameterError
from ..present.labels import pretty
from .derive import derive_kpis, load_definitions
from .model import ChiModel, load_model
from .score import explain_change, normalise, score
from .validate import OUTCOMES, outcome_panel, predictive_power, suggest_weights

BAND_COLOURS = {"red": "#f4b6b6", "amber": "#ffe08a", "green": "#b7dfb0"}
BAND_ORDER = ["red", "amber", "green"]
ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


def kpi_wide(kpis: pd.DataFrame, names=()) -> pd.DataFrame:
    """Long KPI observations (account_id, period, kpi, value) to one row per account and period.

    Every KPI in ``names`` gets a column, missing everywhere if it was never observed (its
    stage then scores on its other KPIs).
    """
    wide = kpis.pivot_table(index=["account_id", "period"], columns="kpi", values="value",
                            aggfunc="mean")
    wide.columns.name = None
    wide = wide.reset_index()
    for k in names:
        if k not in wide.columns:
            wide[k] = np.nan
    return wide


def trend_arrow(change: float, threshold: float) -> str:
    """↑, ↓ or → for a change in CHI points (missing: empty)."""
    if change is None or np.isnan(change):
        return ""
    return ARROWS["up"] if change > threshold else ARROWS["down"] if change < -threshold \
        else ARROWS["flat"]


def style_bands(df: pd.DataFrame, model: ChiModel, columns, decimals: int = 0,
                formats: dict | None = None):
    """A Styler colouring CHI-like columns by band (red / amber / green).

    ``formats`` adds format strings for other columns (one ``format`` call: a second call
    on the Styler would reset these).
    """
    def colour(v):
        band = model.band(v) if isinstance(v, (int, float, np.floating)) else None
        return f"background-color: {BAND_COLOURS[band]}" if band else ""

    cols = [c for c in columns if c in df.columns]
    fmt = {c: f"{{:.{decimals}f}}" for c in cols} | dict(formats or {})
    from ..present.show import inert
    return inert(df.style.format(fmt, na_rep="—", escape="html")
                 .format_index(escape="html", axis=0).format_index(escape="html", axis=1)
                 .map(colour, subset=cols))


class ChiScorecard:
    """Score a portfolio with a health-index model and explain it.

    Parameters
    ----------
    model : ChiModel or path
        The model (default ``params/chi_model.yaml``).
    derive : bool
        Compute the KPIs that ``definitions`` defines from the raw exports of the data
        folder (DuckDB), taking the others from the ``kpis`` table.
    definitions : path
        KPI definitions (default ``params/chi_kpis.yaml``).
    period : str
        Period of the KPIs.
    trend_threshold : float
        CHI points of change shown as ↑ or ↓ (smaller: →).
    account_id : str, optional
        Account to explain; default the one whose CHI fell most in the latest period.
    n_boot : int
        Resamples for the AUC intervals.
    random_state : int, optional

    Attributes
    ----------
    scores_ : DataFrame
        ``account_id``, ``period``, ``chi``, ``band``, ``coverage``, ``reason``, stages.
    wide_, normalised_ : DataFrame
        The KPIs scored (one column per KPI) and the same normalised to 0–100.
    latest_ : DataFrame
        The latest period, one row per account, with ``previous``, ``change``, ``trend``
        and account details (name, segment, account manager).
    account_, explain_ : str, DataFrame
        The account explained and :func:`explain_change` for it (None if impossible).
    proof_ : DataFrame or None
        :func:`predictive_power` of CHI, NPS and both, indexed by (``outcome``,
        ``predictors``), for each outcome the data allows: ``lost_next``,
        ``renewed_next`` (needs ``crm_opportunities``), ``grew_next`` (needs ``revenue``).
    proof_notes_ : dict
        Per outcome, why it could not be tested or why its AUCs are uncertain ("" if fine).
    weights_ : DataFrame or None
        :func:`suggest_weights` from next-period losses.
    """

    def __init__(self, model=None, derive: bool = False, definitions=None, period: str = "Q",
                 trend_threshold: float = 2.0, account_id: str | None = None,
                 n_boot: int = 500, random_state=None):
        self.model = model
        self.derive = derive
        self.definitions = definitions
        self.period = period
        self.trend_threshold = trend_threshold
        self.account_id = account_id or None
        self.n_boot = n_boot
        self.random_state = random_state

    def fit(self, tables, data_dir=None) -> "ChiScorecard":
        """Score ``tables`` (validated, with ``kpis`` and ``accounts``); returns self."""
        periods.check(self.period)
        self.model_ = self.model if isinstance(self.model, ChiModel) else load_model(
            self.model or "params/chi_model.yaml")
        if "kpis" not in tables:
            raise ParameterError("the data folder has no kpis table to score")
        long = tables["kpis"]
        if self.derive:
            if data_dir is None:
                raise ParameterError("deriving KPIs from raw exports needs the data folder")
            defs = load_definitions(self.definitions or "params/chi_kpis.yaml")
            derived = derive_kpis(data_dir, defs)
            long = pd.concat([derived, long[~long["kpi"].isin(defs["kpis"])]], ignore_index=True)
        observed = set(long["kpi"])
        # a KPI never observed is missing everywhere, not an error here
        self.missing_kpis_ = [k for k in self.model_.kpi_names if k not in observed]
        wide = kpi_wide(long, self.model_.kpi_names)
        self.normalised_ = normalise(wide, self.model_)  # once, for scores and explanations
        self.scores_ = wide[["account_id", "period"]].join(
            score(wide, self.model_, normalised=self.normalised_))
        self.wide_ = wide
        self._latest(tables["accounts"])
        self._explain()
        self._prove(tables)
        return self

    def _prove(self, tables) -> None:
        panel = outcome_panel(self.scores_, tables["accounts"], tables.get("responses"),
                              self.period, revenue=tables.get("revenue"),
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
                self.proof_notes_[outcome] = parts[outcome].attrs["note"]
            except ParameterError as exc:
                self.proof_notes_[outcome] = str(exc)
        self.proof_ = None
        if parts:
            self.proof_ = pd.concat({o: p.drop(columns=["n_train"]) for o, p in parts.items()},
                                    names=["outcome"])
            self.proof_.attrs["test_from"] = next(iter(parts.values())).attrs["test_from"]
        try:
            self.weights_ = suggest_weights(panel, self.model_)
        except ParameterError as exc:
            self.weights_ = None
            self.proof_notes_["weights"] = str(exc)

    def _latest(self, accounts: pd.DataFrame) -> None:
        s = self.scores_.sort_values(["account_id", "period"])
        labels = sorted(s["period"].unique())
        self.latest_period_ = labels[-1]
        self.previous_period_ = labels[-2] if len(labels) > 1 else None
        cur = s[s["period"] == self.latest_period_].set_index("account_id")
        prev = (s[s["period"] == self.previous_period_].set_index("account_id")["chi"]
                if self.previous_period_ else pd.Series(dtype=float))
        info = accounts.set_index("account_id")
        live = info["status"].eq("active") | (
            periods.labels(info["lost_date"], self.period) >= self.latest_period_)
        cur = cur[cur.index.isin(info.index[live])]
        out = info.loc[cur.index, ["name", "segment", "account_manager"]].copy()
        out["chi"] = cur["chi"]
        out["band"] = cur["band"]
        out["previous"] = prev.reindex(cur.index)
        out["change"] = out["chi"] - out["previous"]
        out["trend"] = [trend_arrow(c, self.trend_threshold) for c in out["change"]]
        out["coverage"] = cur["coverage"]
        for st in self.model_.stage_names:
            out[st] = cur[st]
        self.latest_ = out.sort_values("chi")

    def _explain(self) -> None:
        self.explain_ = None
        target = self.account_id
        if target is None:
            drops = self.latest_["change"].dropna()
            if drops.empty:
                self.account_ = None
                return
            target = drops.idxmin()
        self.account_ = target
        try:
            self.explain_ = explain_change(self.wide_, self.model_, target, self.previous_period_,
                                           self.latest_period_, normalised=self.normalised_)
        except ParameterError as exc:
            self.explain_note_ = str(exc)

    # ------------------------------------------------------------------ tables
    def bands_by(self, by: str) -> pd.DataFrame:
        """Accounts per band in the latest period, by ``segment`` or ``account_manager``."""
        t = pd.crosstab(self.latest_[by], self.latest_["band"]).reindex(columns=BAND_ORDER,
                                                                         fill_value=0)
        t["accounts"] = t.sum(axis=1)
        t["median_chi"] = self.latest_.groupby(by)["chi"].median()
        t.columns.name = None
        return t

    def account_history(self, account_id: str | None = None) -> pd.DataFrame:
        """Stages × periods (and CHI) of one account: the heat map behind its scorecard."""
        account_id = account_id or self.account_
        rows = self.scores_[self.scores_["account_id"] == account_id].set_index("period")
        if rows.empty:
            raise ParameterError(f"account {account_id!r} has no scores")
        return rows[self.model_.stage_names + ["chi"]].T

    # ------------------------------------------------------------------ report
    def headlines(self) -> list[str]:
        """The findings in plain sentences."""
        lat = self.latest_
        shares = lat["band"].value_counts(normalize=True).reindex(BAND_ORDER, fill_value=0)
        out = [f"In {self.latest_period_} the median account health is {lat['chi'].median():.0f} "
               f"of 100 across {len(lat):,} accounts: {shares['red']:.0%} red (below "
               f"{self.model_.bands['amber']:g}), {shares['amber']:.0%} amber, "
               f"{shares['green']:.0%} green (from {self.model_.bands['green']:g})."]
        if self.previous_period_:
            down = int((lat["trend"] == ARROWS["down"]).sum())
            up = int((lat["trend"] == ARROWS["up"]).sum())
            out.append(f"Since {self.previous_period_}, health fell by more than "
                       f"{self.trend_threshold:g} points at {down:,} accounts and rose at {up:,}.")
        seg = self.bands_by("segment")
        if "key" in seg.index:
            k = seg.loc["key"]
            out.append(f"Key accounts: {int(k['red']):,} of {int(k['accounts']):,} red, median "
                       f"health {k['median_chi']:.0f}.")
        if self.explain_ is not None:
            e = self.explain_
            stages = e.attrs["by_stage"].sort_values()
            worst = [f"{pretty(s)} ({v:+.1f})" for s, v in stages.head(2).items() if v < 0]
            name = lat.loc[self.account_, "name"] if self.account_ in lat.index else self.account_
            out.append(f"{name} ({self.account_}) moved from {e.attrs['chi_before']:.0f} to "
                       f"{e.attrs['chi_after']:.0f}"
                       + (f", mostly through {' and '.join(worst)}." if worst else "."))
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
            if self.proof_ is None or outcome not in self.proof_.index.get_level_values(0):
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
            out.append(f"Predicting {what} on held-out periods from "
                       f"{self.proof_.attrs['test_from']}, AUC: {text}.{verdict}")
        return out

    def to_excel(self, path) -> Path:
        """The scorecard as an Excel workbook: summary, portfolio, groups, one account, proof."""
        from ..present.excel import write_workbook

        m = self.model_
        stage_cols = ["chi", "previous", *m.stage_names]
        sheets = {"Summary": self.headlines(),
                  "Portfolio": self.latest_,
                  "By segment": self.bands_by("segment"),
                  "By account manager": self.bands_by("account_manager")}
        bands = {"Portfolio": (stage_cols, m.bands["amber"], m.bands["green"]),
                 "By segment": (["median_chi"], m.bands["amber"], m.bands["green"])}
        if self.account_ is not None:
            name = f"Account {self.account_}"
            sheets[name] = self.account_history()
            bands[name] = (list(self.account_history().columns), m.bands["amber"],
                           m.bands["green"])
        if self.explain_ is not None:
            sheets["Why it changed"] = self.explain_
        if self.proof_ is not None:
            sheets["Proof against outcomes"] = self.proof_
        if self.weights_ is not None:
            sheets["Suggested weights"] = self.weights_
        return write_workbook(path, sheets, bands=bands)

    def key_results(self) -> dict:
        lat = self.latest_
        out = {"period": self.latest_period_, "accounts": int(len(lat)),
               "median_chi": float(lat["chi"].median()),
               "bands": lat["band"].value_counts().reindex(BAND_ORDER, fill_value=0).to_dict(),
               "falling": int((lat["trend"] == ARROWS["down"]).sum()),
               "rising": int((lat["trend"] == ARROWS["up"]).sum()),
               "explained_account": self.account_}
        if self.proof_ is not None:
            out["auc"] = {o: {k: {c: float(r[c]) for c in ("auc", "ci_low", "ci_high",
                                                             "events_test", "n_test")}
                              for k, r in self.proof_.loc[o].iterrows()}
                          for o in self.proof_.index.unique(level="outcome")}
        return out


# ---------------------------------------------------------------------- plots
def plot_distribution(latest: pd.DataFrame, model: ChiModel, ax=None):
    """Histogram of CHI in the latest period, coloured by band."""
    import matplotlib.pyplot as plt
    import seaborn as sns

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
    from ..present.show import plain_text
    return plain_text(ax)


def plot_bands_by(table: pd.DataFrame, ax=None):
    """Stacked bars of accounts per band for each group (segment, account manager)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.4 * len(table) + 1.2))
    left = np.zeros(len(table))
    for band in BAND_ORDER:
        ax.barh(table.index.astype(str), table[band], left=left, color=BAND_COLOURS[band],
                label=band, edgecolor="white")
        left += table[band].to_numpy()
    ax.set_xlabel("accounts")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    sns.despine(ax=ax)
    from ..present.show import plain_text
    return plain_text(ax)


def plot_account_heatmap(history: pd.DataFrame, title: str = "", ax=None):
    """Stages × periods heat map of one account (0–100, red to green)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(min(2 + 0.7 * history.shape[1], 12), 5))
    sns.heatmap(history, vmin=0, vmax=100, cmap="RdYlGn", annot=True, fmt=".0f", cbar=False,
                linewidths=0.5, ax=ax, yticklabels=[pretty(i) for i in history.index])
    ax.set_xlabel("")
    ax.set_title(title)
    from ..present.show import plain_text
    return plain_text(ax)


def plot_contributions(explain: pd.DataFrame, ax=None):
    """Each stage's contribution to the change in CHI (CHI points)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    by_stage = explain.attrs["by_stage"].sort_values()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(by_stage) + 1.2))
    colours = ["#c00000" if v < 0 else "#70ad47" for v in by_stage]
    ax.barh([pretty(s) for s in by_stage.index], by_stage, color=colours)
    ax.axvline(0, color="#555555", lw=0.8)
    ax.set_xlabel("contribution to the change in CHI (points)")
    ax.set_title(f"Why CHI moved from {explain.attrs['chi_before']:.0f} to "
                 f"{explain.attrs['chi_after']:.0f}")
    sns.despine(ax=ax)
    from ..present.show import plain_text
    return plain_text(ax)
