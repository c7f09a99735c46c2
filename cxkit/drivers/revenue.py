"""Tie likelihood to recommend to revenue: do promoters grow more?

:func:`account_periods` builds the account-level panel: for each account and period
with survey responses, the account's mean likelihood to recommend and its NPS category
(by that mean), its revenue in the period and in the next one, and the log growth
between them. Only periods in which the account was a customer throughout, and the next
one too, count as growth: a first or last period is prorated revenue, not growth.

Both use cluster-robust errors by account with the CR1 small-sample factor and
intervals and p-values from Student's t with G − 1 degrees of freedom (G accounts), as
Stata's ``regress, vce(cluster)`` and R's ``coeftest(vcovCL, df = G − 1)``.

:class:`RevenueLink` regresses growth on likelihood to recommend (or on the NPS
category) with size and industry controls and errors clustered by account;
:func:`category_economics` gives the spend and growth of promoters, passives and
detractors with intervals.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .. import periods
from ..errors import ParameterError
from ..nps import categories, respondent_weights

PREDICTORS = ("ltr", "category")
CATEGORY_ORDER = ["detractor", "passive", "promoter"]


def account_periods(responses: pd.DataFrame, revenue: pd.DataFrame, accounts: pd.DataFrame,
                    contacts: pd.DataFrame | None = None, freq: str = "Q", score: str = "ltr",
                    scheme: str = "all", role_weights=None) -> pd.DataFrame:
    """The account × period panel behind the revenue link.

    Parameters
    ----------
    responses, revenue, accounts : DataFrame
        Validated tables (see ``docs/data-model.md``).
    contacts : DataFrame, optional
        Needed for role weights or the decision-maker scheme.
    freq : str
        Period of the revenue table (``"Q"``, ``"M"`` or ``"Y"``).
    scheme, role_weights
        How respondents make an account's score (:func:`cxkit.nps.respondent_weights`).

    Returns
    -------
    DataFrame
        One row per account and period with responses and revenue in it and the next
        period: ``account_id``, ``period``, ``ltr`` (the account's weighted mean),
        ``category``, ``responses``, ``revenue``, ``next_revenue``, ``growth``
        (log of next / this), ``industry``, ``segment``, ``log_employees``.
    """
    w = respondent_weights(responses, contacts, scheme, role_weights)
    period = periods.labels(responses["response_date"], freq)
    frame = pd.DataFrame({"account_id": responses["account_id"], "period": period,
                          "ws": responses[score].astype(float) * w, "w": w})
    frame = frame[frame["w"] > 0].dropna(subset=["ws"])
    g = frame.groupby(["account_id", "period"])
    panel = pd.DataFrame({"ltr": g["ws"].sum() / g["w"].sum(), "responses": g.size()}).reset_index()
    panel["category"] = pd.Categorical(categories(panel["ltr"]).to_numpy(), CATEGORY_ORDER)
    rev = revenue.sort_values(["account_id", "period"]).copy()
    rev["next_period"] = (pd.PeriodIndex(rev["period"], freq=freq) + 1).astype(str)
    nxt = rev[["account_id", "period", "revenue"]].rename(
        columns={"period": "next_period", "revenue": "next_revenue"})
    rev = rev.merge(nxt, on=["account_id", "next_period"], how="left")
    acc = accounts.set_index("account_id")
    start = pd.PeriodIndex(rev["period"], freq=freq).start_time
    end_next = (pd.PeriodIndex(rev["period"], freq=freq) + 1).end_time
    since = acc["customer_since"].reindex(rev["account_id"]).to_numpy()
    lost = acc["lost_date"].reindex(rev["account_id"]).to_numpy()
    whole = (since < start.to_numpy()) & (pd.isna(lost) | (lost > end_next.to_numpy()))
    rev = rev[whole & rev["next_revenue"].notna() & (rev["revenue"] > 0)
              & (rev["next_revenue"] > 0)]
    out = panel.merge(rev[["account_id", "period", "revenue", "next_revenue"]],
                      on=["account_id", "period"], how="inner")
    out["growth"] = np.log(out["next_revenue"] / out["revenue"])
    out = out.join(acc[["industry", "segment", "employees"]], on="account_id")
    out["log_employees"] = np.log(out["employees"].astype(float))
    return out.drop(columns="employees").reset_index(drop=True)


class RevenueLink:
    """Revenue growth on likelihood to recommend (or NPS category), with controls.

    Parameters
    ----------
    predictor : {"ltr", "category"}
        ``ltr``: growth per point of the account's mean likelihood to recommend.
        ``category``: growth of passives and promoters against detractors.
    controls : list of str
        Numeric or categorical columns of the panel (default size and industry).
    confidence : float

    Attributes
    ----------
    effect_ : DataFrame
        The predictor's terms: ``coef`` (difference in log growth per period), ``se``,
        ``ci_low``, ``ci_high``, ``p_value``, ``pct`` (the same as a % change in growth).
    n_ : int
        Account-periods used; ``n_accounts_`` accounts.
    result_ : statsmodels results
    """

    def __init__(self, predictor: str = "ltr", controls=("log_employees", "industry"),
                 confidence: float = 0.95):
        if predictor not in PREDICTORS:
            raise ParameterError(f"predictor must be one of {', '.join(PREDICTORS)}, got "
                                 f"{predictor!r}")
        self.predictor = predictor
        self.controls = list(controls)
        self.confidence = confidence

    def _design(self, panel: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        parts, terms = [], []
        if self.predictor == "ltr":
            parts.append(panel[["ltr"]].astype(float))
            terms = ["ltr"]
        else:
            dummies = pd.get_dummies(panel["category"], dtype=float)[["passive", "promoter"]]
            parts.append(dummies)
            terms = ["passive", "promoter"]
        for c in self.controls:
            if c not in panel.columns:
                raise ParameterError(f"control '{c}' is not a column of the panel")
            col = panel[c]
            if pd.api.types.is_numeric_dtype(col):
                parts.append(col.astype(float).to_frame(c))
            else:
                parts.append(pd.get_dummies(col.astype(str), prefix=c, drop_first=True,
                                            dtype=float))
        X = sm.add_constant(pd.concat(parts, axis=1), has_constant="add")
        return X, terms

    def fit(self, panel: pd.DataFrame) -> "RevenueLink":
        """Fit on :func:`account_periods`; returns self."""
        if len(panel) < 10:
            raise ParameterError(f"{len(panel)} account-periods with responses and a full next "
                                 "period of revenue: too few for a revenue model")
        X, terms = self._design(panel)
        groups = pd.factorize(panel["account_id"])[0]
        result = sm.OLS(panel["growth"].astype(float), X).fit(
            cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        ci = result.conf_int(alpha=1 - self.confidence)
        eff = pd.DataFrame({"coef": result.params[terms], "se": result.bse[terms],
                            "ci_low": ci.loc[terms, 0], "ci_high": ci.loc[terms, 1],
                            "p_value": result.pvalues[terms]})
        eff["pct"] = 100 * np.expm1(eff["coef"])
        eff.index.name = "term"
        self.effect_ = eff
        self.n_ = int(len(panel))
        self.n_accounts_ = int(panel["account_id"].nunique())
        self.result_ = result
        return self

    def summary(self) -> str:
        head = ("per point of likelihood to recommend" if self.predictor == "ltr"
                else "against detractors")
        lines = [f"Revenue growth to the next period, {head}; controls: "
                 f"{', '.join(self.controls) or 'none'}; errors clustered by account; "
                 f"n = {self.n_:,} account-periods of {self.n_accounts_:,} accounts.", ""]
        for term, r in self.effect_.iterrows():
            lines.append(f"  {term}: {r['pct']:+.2f}% growth per period "
                         f"({100 * np.expm1(r['ci_low']):+.2f}% to {100 * np.expm1(r['ci_high']):+.2f}%),"
                         f" p = {r['p_value']:.3g}")
        return "\n".join(lines)


def category_economics(panel: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Spend and growth of promoters, passives and detractors, with intervals.

    Means by category from a regression on category indicators without intercept,
    with errors clustered by account (CR1; intervals from t with G − 1 degrees of
    freedom, G accounts, as Stata's ``vce(cluster)``).

    Returns
    -------
    DataFrame
        Indexed by ``category``: ``account_periods``, ``accounts``, ``revenue``
        (mean revenue per period), ``revenue_ci_low``, ``revenue_ci_high``, ``growth_pct``
        (mean growth to the next period, %), ``growth_ci_low``, ``growth_ci_high``.
    """
    d = pd.get_dummies(panel["category"], dtype=float).reindex(columns=CATEGORY_ORDER,
                                                               fill_value=0.0)
    present = [c for c in CATEGORY_ORDER if d[c].sum() > 0]
    groups = pd.factorize(panel["account_id"])[0]
    out = pd.DataFrame(index=pd.Index(present, name="category"))
    out["account_periods"] = [int(d[c].sum()) for c in present]
    out["accounts"] = [int(panel.loc[d[c] > 0, "account_id"].nunique()) for c in present]
    alpha = 1 - confidence
    for name, y, scale in (("revenue", panel["revenue"], 1.0), ("growth", panel["growth"], 100.0)):
        res = sm.OLS(y.astype(float), d[present]).fit(cov_type="cluster",
                                                     cov_kwds={"groups": groups}, use_t=True)
        ci = res.conf_int(alpha=alpha)
        col = "revenue" if name == "revenue" else "growth_pct"
        if name == "growth":  # mean log growth, shown as % change
            out[col] = 100 * np.expm1(res.params[present].to_numpy())
            out[f"{name}_ci_low"] = 100 * np.expm1(ci.loc[present, 0].to_numpy())
            out[f"{name}_ci_high"] = 100 * np.expm1(ci.loc[present, 1].to_numpy())
        else:
            out[col] = res.params[present].to_numpy() * scale
            out[f"{name}_ci_low"] = ci.loc[present, 0].to_numpy() * scale
            out[f"{name}_ci_high"] = ci.loc[present, 1].to_numpy() * scale
    return out


def plot_category_economics(economics: pd.DataFrame, ax=None):
    """Revenue growth per period of detractor, passive and promoter accounts, with intervals."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    colours = {"detractor": "#c00000", "passive": "#a6a6a6", "promoter": "#70ad47"}
    y = economics["growth_pct"]
    err = np.vstack([y - economics["growth_ci_low"], economics["growth_ci_high"] - y])
    ax.bar(economics.index, y, yerr=err, capsize=4,
           color=[colours.get(c, "#2e75b6") for c in economics.index])
    ax.axhline(0, color="#555555", lw=0.8)
    ax.set_ylabel("revenue growth per period (%)")
    ax.set_title("Revenue growth by NPS category of the account")
    sns.despine(ax=ax)
    from ..present.show import plain_text
    return plain_text(ax)
