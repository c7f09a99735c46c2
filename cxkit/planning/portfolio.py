"""The accounts of one account manager or segment side by side: the portfolio plan.

Built on a fitted :class:`~cxkit.planning.KeyAccountPlanner`: the same key weights,
lenses, rungs, coverage and objectives as the account plans, read across accounts.
Feedback pooled across accounts is weighted by key weight (how sure each account's
feedback is), shown beside the raw figure.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import nps
from ..errors import ParameterError
from ..analysis import Analysis
from .advocacy import RUNGS, ladder
from .plan import KeyAccountPlanner, _ReadsPlanner


class PortfolioPlan(_ReadsPlanner, Analysis):
    """Accounts of one account manager and/or segment, side by side.

    Parameters
    ----------
    account_manager, segment : str
        Which accounts; empty means any. Both empty: every customer account.
    config, plan_date, model, period, trend_threshold
        As for :class:`~cxkit.planning.KeyAccountPlanner`.
    currency : str
        Shown with amounts of money (``EUR``, ``$``); empty: amounts alone.

    Attributes
    ----------
    planner_ : KeyAccountPlanner
        The portfolio the plan is read from (fitted by ``fit``, or given to
        :meth:`from_planner`).
    account_ids_ : list of str
        The accounts, by revenue (highest first).
    accounts_ : DataFrame
        One row per account: :data:`~cxkit.planning.plan.PORTFOLIO_COLUMNS`, indexed by
        ``account_id``, in the order of ``account_ids_``.

    Examples
    --------
    >>> from cxkit import io
    >>> from cxkit.planning import PortfolioPlan
    >>> plan = PortfolioPlan(segment="key").fit(io.load("data/sample"))
    >>> bool(plan.accounts()["segment"].eq("key").all())
    True
    """

    def __init__(self, *, account_manager: str = "", segment: str = "",
                 config="params/planning.yaml", plan_date: str = "",
                 model: str = "params/chi_model.yaml", period: str = "",
                 trend_threshold: float = 2.0, currency: str = ""):
        self.account_manager = account_manager
        self.currency = currency
        self.segment = segment
        self.config = config
        self.plan_date = plan_date
        self.model = model
        self.period = period
        self.trend_threshold = trend_threshold

    @classmethod
    def from_planner(cls, planner: KeyAccountPlanner, account_manager: str = "",
                     segment: str = "", currency: str = "") -> "PortfolioPlan":
        """The accounts of ``account_manager`` and/or ``segment`` read from a fitted
        planner (no second fit)."""
        return cls._from(planner, account_manager=account_manager, segment=segment,
                         currency=currency)

    def _read(self, planner: KeyAccountPlanner) -> "PortfolioPlan":
        ids = planner.select(self.account_manager, self.segment)
        spend = planner.economics_["spend"].reindex(ids).fillna(-np.inf)
        self.planner_ = planner
        self.account_ids_ = list(spend.sort_values(ascending=False, kind="stable").index)
        self.accounts_ = planner.account_table(self.account_ids_)
        return self

    @property
    def title(self) -> str:
        """``"key accounts of Dana Lee"``, ``"growth accounts"``, ``"all accounts"``."""
        kind = f"{self.segment} accounts" if self.segment else "accounts"
        if self.account_manager:
            return f"{kind} of {self.account_manager}"
        return kind if self.segment else "all accounts"

    def accounts(self) -> pd.DataFrame:
        """A copy of :attr:`accounts_`."""
        return self.accounts_.copy()

    def shown_accounts(self) -> pd.DataFrame:
        """:meth:`accounts` without the columns every row shares (the chosen segment or
        account manager)."""
        drop = [c for c, chosen in (("segment", self.segment),
                                    ("account_manager", self.account_manager)) if chosen]
        return self.accounts().drop(columns=drop)

    def lenses(self) -> pd.DataFrame:
        """Lens scores of every account, raw and key-weighted, with the place to act.

        Indexed by ``account_id``, with the account's ``name`` first; accounts without
        feedback in the window have no rows.
        """
        lz = self.planner_.lenses_
        out = lz.loc[lz.index.isin(self.account_ids_)]
        order = {a: i for i, a in enumerate(self.account_ids_)}
        out = out.iloc[np.argsort([order[a] for a in out.index], kind="stable")]
        return out.assign(name=self.planner_.accounts_["name"].reindex(out.index).to_numpy())[
            ["name", *lz.columns]]

    def weighting_changes(self) -> pd.DataFrame:
        """The lens rows where key weighting changes the conclusion or moves a score.

        Rows where it changes the lower side come first, then by the largest move.
        """
        lz = self.lenses()
        lz = lz[lz["weighting_changes"]]
        moved = pd.concat([(lz["value_pct_weighted"] - lz["value_pct"]).abs(),
                           (lz["obstacle_pct_weighted"] - lz["obstacle_pct"]).abs()],
                          axis=1).max(axis=1)
        order = np.lexsort((-moved.to_numpy(), (lz["act_on"] == lz["act_on_raw"]).to_numpy()))
        return lz.iloc[order]

    def group_lenses(self, by: str = "project_manager") -> pd.DataFrame:
        """Lens scores per ``by`` (project manager, account manager...) over these accounts:
        answers pooled raw and weighted by key weight."""
        return self.planner_.group_lenses(by, self.account_ids_)

    def nps(self) -> pd.DataFrame:
        """NPS of these accounts' answers in the window: raw and weighted by key weight.

        Returns
        -------
        DataFrame
            Indexed by ``weighting`` (``raw``, ``key-weighted``): ``nps``, ``ci_low``,
            ``ci_high``, ``n``, ``n_eff`` of :func:`cxkit.nps.estimate`.
        """
        ans = self.planner_.answers_
        ans = ans[ans["account_id"].isin(self.account_ids_)].dropna(subset=["ltr"])
        rows = {"raw": nps.estimate(ans["ltr"]).as_dict(),
                "key-weighted": nps.estimate(ans["ltr"], weights=ans["key_weight"]).as_dict()}
        out = pd.DataFrame(rows).T
        out.index.name = "weighting"
        return out[["nps", "ci_low", "ci_high", "n", "n_eff"]].astype(float)

    def ladder(self) -> pd.DataFrame:
        """Accounts, spend and growth per advocacy rung, over these accounts
        (:func:`~cxkit.planning.ladder`: no interval below ``min_count`` accounts)."""
        rungs = self.planner_.rungs_
        rungs = rungs[rungs.index.isin(self.account_ids_)]
        return ladder(rungs, self.planner_.economics_, min_count=self.planner_.config_.min_count)

    def coverage_gaps(self) -> pd.DataFrame:
        """Accounts missing feedback from a buying-influencer role, and which roles."""
        a = self.accounts()
        gaps = a[a["roles_missing"].astype(str).str.len() > 0]
        return gaps[["name", "account_manager", "respondents", "roles_missing"]]

    def objectives(self, first: str = "owner") -> pd.DataFrame:
        """Every objective of these accounts, by owner and due date.

        Parameters
        ----------
        first : {"owner", "due"}
            Sort by owner, then due date (a list per person), or by due date first (what
            is due soonest, whoever owns it).
        """
        if first not in ("owner", "due"):
            raise ParameterError(f"objectives sorted first by 'owner' or 'due', not {first!r}")
        o = self.planner_.objectives_
        o = o[o["account_id"].isin(self.account_ids_)]
        o = o.assign(name=o["account_id"].map(self.planner_.accounts_["name"]))
        cols = ["account_id", "name", *[c for c in o.columns if c not in ("account_id", "name")]]
        keys = ["owner", "due"] if first == "owner" else ["due", "owner"]
        return o[cols].sort_values([*keys, "account_id"], kind="stable").reset_index(drop=True)

    def objectives_by_owner(self) -> pd.DataFrame:
        """How many objectives each owner carries, most first.

        Returns
        -------
        DataFrame
            Indexed by ``owner``: ``objectives``, ``accounts`` (with at least one of
            them) and ``first_due`` (the earliest due date).
        """
        o = self.objectives()
        out = o.groupby("owner").agg(objectives=("rule", "size"),
                                     accounts=("account_id", "nunique"),
                                     first_due=("due", "min"))
        return out.sort_values(["objectives", "accounts"], ascending=False, kind="stable")

    def headlines(self) -> list[str]:
        """The portfolio in plain sentences."""
        from ..present.formats import fmt, money
        from ..present.labels import plural, pretty

        a = self.accounts()
        n = len(a)
        out = [f"{n} {self.title} on {self.planner_.plan_date_.date()}."]
        spend = a["spend"].dropna()
        if len(spend):
            prev = self.planner_.economics_["previous"].reindex(spend.index).sum()
            text = f"Revenue over the last 12 months: {money(spend.sum(), self.currency)}"
            if prev > 0:
                text += f", {fmt(spend.sum() / prev - 1, 'growth')} on the year before"
            out.append(text + ".")
        chi = a["chi"].dropna()
        if len(chi):
            amber = self.planner_.chi_bands_["amber"]
            falling = int((a["chi_trend"] == "down").sum())
            out.append(f"Health (CHI): median {chi.median():.0f} of 100; "
                       f"{plural(int((chi < amber).sum()), 'account')} in the red band, "
                       f"{falling} falling.")
        score = self.nps()
        if score.loc["raw", "n"] > 0:
            out.append(f"NPS {score.loc['raw', 'nps']:+.0f} raw, "
                       f"{score.loc['key-weighted', 'nps']:+.0f} weighted by key weight "
                       f"({score.loc['raw', 'n']:.0f} responses in the last "
                       f"{self.planner_.config_.window_months} months).")
        lz = self.lenses()
        acts = lz.loc[lz["act_on"] != "", "act_on"]
        if len(acts):
            top = acts.value_counts()
            out.append(f"Most common place to act: {pretty(top.index[0])}, the lower side of its"
                       f" lens for {top.iloc[0]} of {acts.index.nunique()} accounts with "
                       "feedback.")
            flips = lz[lz["act_on"] != lz["act_on_raw"]]
            moved = lz["weighting_changes"].sum() - len(flips)
            out.append(f"Key weighting changes the lower side in "
                       f"{plural(len(flips), 'account-lens pair')} and moves a score by "
                       f"{self.planner_.config_.flag_points:.0f}"
                       f" points or more in {moved} more: those are flagged below.")
        rungs = a["rung"].value_counts()
        heard = {r: int(rungs.get(r, 0)) for r in reversed(RUNGS)}
        out.append("Advocacy: " + ", ".join(f"{k} {v}" for k, v in heard.items() if v)
                   + (f", no feedback {int(rungs.get('no feedback', 0))}"
                      if rungs.get("no feedback", 0) else "") + ".")
        gaps = self.coverage_gaps()
        if len(gaps):
            out.append(f"{plural(len(gaps), 'account')} with no feedback from a "
                       "buying-influencer role.")
        o = self.objectives()
        if len(o):
            out.append(f"{plural(len(o), 'objective')} for "
                       f"{plural(o['owner'].nunique(), 'owner')}; most often: "
                       f"{pretty(o['rule'].value_counts().index[0])}.")
        return out

    def key_results(self) -> dict:
        """The numbers a batch run or a dashboard collects."""
        a = self.accounts()
        lz = self.lenses()
        score = self.nps()
        return {"title": self.title, "account_manager": self.account_manager,
                "segment": self.segment, "plan_date": str(self.planner_.plan_date_.date()),
                "accounts": len(a), "spend": float(a["spend"].sum()),
                "nps_raw": float(score.loc["raw", "nps"]),
                "nps_key_weighted": float(score.loc["key-weighted", "nps"]),
                "lens_rows": len(lz), "lens_rows_flagged": int(lz["weighting_changes"].sum()),
                "act_on": lz.loc[lz["act_on"] != "", "act_on"].value_counts().to_dict(),
                "objectives": int(len(self.objectives())),
                "objective_owners": int(self.objectives()["owner"].nunique()),
                "coverage_gaps": int(len(self.coverage_gaps())),
                "rungs": a["rung"].value_counts().to_dict()}

    def summary_tables(self) -> dict:
        return {"NPS": self.nps(), "Advocacy": self.ladder()[["accounts", "share"]]}

    def to_excel(self, path, by: str = "project_manager") -> Path:
        """The portfolio workbook: summary, accounts, lenses, lenses per ``by``, objectives."""
        from ..present.excel import write_workbook
        from ..present.labels import pretty
        from ..present.workbooks import OBJECTIVE_KINDS
        from .lenses import lens_table

        bands = self.planner_.config_.score_bands
        pct = ["value_pct", "value_pct_weighted", "obstacle_pct", "obstacle_pct_weighted"]
        sheets = {"Summary": self.headlines(),
                  "Objectives by owner": self.objectives_by_owner(),
                  "Accounts": self.accounts(),
                  "Lenses": lens_table(self.lenses()),
                  f"Lenses by {pretty(by)}": lens_table(self.group_lenses(by)),
                  "Objectives": self.objectives().drop(columns="item"),
                  "Advocacy": self.ladder(),
                  "Coverage gaps": self.coverage_gaps()}
        band_spec = {"Lenses": (pct, bands.amber, bands.green),
                     f"Lenses by {pretty(by)}": (pct, bands.amber, bands.green)}
        if len(self.planner_.chi_):
            band_spec["Accounts"] = (["chi"], self.planner_.chi_bands_["amber"],
                                     self.planner_.chi_bands_["green"])
        charts = {"Objectives by owner": [{"type": "bar", "title": "Objectives per owner",
                                           "categories": "owner", "values": ["objectives"]}],
                  "Advocacy": [{"type": "column", "title": "Accounts per advocacy rung",
                                "categories": "rung", "values": ["accounts"]}]}
        kinds = {"Objectives": OBJECTIVE_KINDS}
        return write_workbook(path, sheets, bands=band_spec, charts=charts, kinds=kinds,
                              currency=self.currency)

    def plot_lenses(self, ax=None, top: int | None = 25):
        """Heat map of the accounts' key-weighted lens scores (:func:`plot_portfolio_lenses`).

        Parameters
        ----------
        ax : matplotlib Axes, optional
        top : int, optional
            Show the ``top`` accounts by revenue (the order of :meth:`accounts`); the title
            says how many there are. ``None``: every account.
        """
        lenses = self.lenses()
        if lenses.empty:
            from ..present.show import empty_chart
            return empty_chart(ax, "No feedback in the planning window: no lens scores.")
        shown = list(dict.fromkeys(lenses.index))
        note = ""
        if top is not None and len(shown) > top:
            note = (f"the {top} largest of {len(shown)} accounts with feedback; "
                    "all of them in the workbook's Lenses sheet")
            lenses = lenses.loc[lenses.index.isin(shown[:top])]
        return plot_portfolio_lenses(lenses, self.planner_.config_.score_bands, ax, note=note)


def plot_portfolio_lenses(lenses: pd.DataFrame, bands=(50, 75), ax=None, note: str = ""):
    """Heat map: accounts down, lens sides across, key-weighted % scores in the cells.

    The place to act (the lower side of each lens) is boxed; ``*`` marks a cell of a lens
    where key weighting changes the conclusion or moves a score.

    Parameters
    ----------
    lenses : DataFrame
        :meth:`PortfolioPlan.lenses`.
    bands : ScoreBands or (amber, green)
        % scores where the colours turn from red to amber and from amber to green
        (``score_bands`` of ``params/planning.yaml``).
    ax : matplotlib Axes, optional
    note : str
        A second title line, e.g. which accounts are shown.

    Returns
    -------
    matplotlib Axes
    """
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Rectangle

    from ..present.labels import pretty

    lens_names = list(dict.fromkeys(lenses["lens"]))
    accounts = list(dict.fromkeys(lenses.index))
    cols = [(lens, side) for lens in lens_names for side in ("value", "obstacle")]
    row_of = {a: i for i, a in enumerate(accounts)}
    col_of = {c: j for j, c in enumerate(cols)}
    grid = np.full((len(accounts), len(cols)), np.nan)
    act = np.zeros_like(grid, dtype=bool)
    flag = np.zeros_like(grid, dtype=bool)
    labels = {}
    for (acc, row) in zip(lenses.index, lenses.itertuples(index=False)):
        i = row_of[acc]
        for side in ("value", "obstacle"):
            j = col_of[(row.lens, side)]
            grid[i, j] = getattr(row, f"{side}_pct_weighted")
            act[i, j] = row.act_on == getattr(row, side) and row.act_on != ""
            flag[i, j] = bool(row.weighting_changes)
            labels[j] = f"{row.lens}\n" + "\n".join(textwrap.wrap(pretty(getattr(row, side)), 14))
    names = lenses.groupby(level=0)["name"].first().reindex(accounts)
    if ax is None:
        _, ax = plt.subplots(figsize=(2.5 + 1.2 * len(cols), 1.4 + 0.3 * len(accounts)))
    amber, green = (bands.amber, bands.green) if hasattr(bands, "amber") else bands
    cmap = ListedColormap(["#E8A6A0", "#F5D68A", "#A9D5A0"])
    norm = BoundaryNorm([0, amber, green, 100.0001], cmap.N)
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            if np.isnan(grid[i, j]):
                continue
            ax.text(j, i, f"{grid[i, j]:.0f}{'*' if flag[i, j] else ''}", ha="center",
                    va="center", fontsize=8, fontweight="bold" if act[i, j] else "normal")
            if act[i, j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=1.6,
                                       edgecolor="#333333"))
    ax.set_xticks(range(len(cols)), [labels.get(j, "") for j in range(len(cols))], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(accounts)), [f"{n} ({a})" for a, n in names.items()], fontsize=8)
    title = "Key-weighted % scores (boxed: the place to act; *: weighting matters)"
    ax.set_title(title + (f"\n{note[0].upper()}{note[1:]}" if note else ""), fontsize=9, pad=40)
    ax.grid(False)
    from ..present.show import plain_text
    return plain_text(ax)


__all__ = ["PortfolioPlan", "plot_portfolio_lenses"]
