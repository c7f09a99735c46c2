"""What a data folder holds: the computations behind the data overview notebook.

Functions take the validated tables (see :func:`cxkit.io.load`) and return
DataFrames with documented columns; :class:`Overview` gathers them, and its
:meth:`Overview.headlines` say in plain sentences what was loaded. Plot functions take
``ax=None`` and return the axis.

Examples
--------
>>> from cxkit.io import load
>>> from cxkit.overview import Overview
>>> ov = Overview().fit(load("data/sample", optional=["revenue"]))
>>> ov.key_results()["accounts"]
1000
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from . import periods
from .analysis import Analysis
from .io.datamodel import current_accounts, reporting_period
from .io.schemas import ROLES, TABLES
from .io.tables import reading_notes

RATE_COLUMNS = ["segment", "contacts", "respondents", "responses", "periods", "response_rate",
                "decision_maker"]

def describe_tables(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows, columns and the date or period range of each table.

    Returns
    -------
    DataFrame
        Indexed by table, with columns ``rows``, ``columns``, ``first``, ``last``
        (first and last date or period, as text; empty where the table has neither).
    """
    out = []
    for name, df in tables.items():
        first = last = None
        dates = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]
        if "period" in df.columns:
            first, last = df["period"].min(), df["period"].max()
        elif dates:
            col = df[dates[0]].dropna()
            if len(col):
                first, last = col.min().date().isoformat(), col.max().date().isoformat()
        out.append({"table": name, "rows": len(df), "columns": df.shape[1],
                    "first": first, "last": last})
    return pd.DataFrame(out).set_index("table")


UNKNOWN_ROLE = "role not known"


def responses_by_role(responses: pd.DataFrame, contacts: pd.DataFrame | None, freq: str = "Q"
                      ) -> pd.DataFrame:
    """Number of responses per period and respondent role.

    Returns
    -------
    DataFrame
        Indexed by ``period``; one column per role (decision maker, influencer,
        user; one column "role not known" without contacts) and ``total``. Periods with no
        response inside the range show 0.
    """
    period = periods.labels(responses["response_date"], freq)
    if contacts is None:  # a survey export alone: who answered is not known by role
        role = pd.Series(UNKNOWN_ROLE, index=responses.index)
        columns = [UNKNOWN_ROLE]
    else:
        role = responses["contact_id"].map(contacts.set_index("contact_id")["role"])
        columns = list(ROLES)
    table = pd.crosstab(period, role).reindex(columns=columns, fill_value=0)
    if len(table):
        full = pd.period_range(table.index.min(), table.index.max(), freq=freq).astype(str)
        table = table.reindex(full, fill_value=0)
    table.index.name = "period"
    table.columns.name = None
    table["total"] = table.sum(axis=1)
    return table


def response_rates(accounts: pd.DataFrame, contacts: pd.DataFrame, responses: pd.DataFrame,
                   freq: str = "Q") -> pd.DataFrame:
    """Survey coverage of each account.

    The response rate is the share of an account's contacts who answer in a
    period, averaged over the periods of the survey range in which the account
    was a customer: respondent-periods / (contacts × customer periods).

    Returns
    -------
    DataFrame
        Indexed by ``account_id``, with ``segment``, ``contacts`` (known contacts),
        ``respondents`` (contacts who answered at least once), ``responses``,
        ``periods`` (periods of the survey range the account was a customer in),
        ``response_rate`` (0–1; empty without contacts or periods) and
        ``decision_maker`` (whether a decision maker ever answered).
    """
    period = periods.labels(responses["response_date"], freq)
    span = pd.period_range(period.min(), period.max(), freq=freq) if len(period) else \
        pd.PeriodIndex([], freq=freq)
    acc = accounts.set_index("account_id")
    since = acc["customer_since"].dt.to_period(freq)
    until = acc["lost_date"].dt.to_period(freq)
    n_periods = pd.Series(0, index=acc.index)
    for p in span:
        n_periods += ((since <= p) & (until.isna() | (until >= p))).astype(int)
    respondent_periods = (pd.DataFrame({"account_id": responses["account_id"],
                                        "contact_id": responses["contact_id"], "period": period})
                          .drop_duplicates().groupby("account_id").size())
    n_contacts = contacts.groupby("account_id").size()
    respondents = responses.groupby("account_id")["contact_id"].nunique()
    n_responses = responses.groupby("account_id").size()
    dm_ids = set(contacts.loc[contacts["role"].eq("decision maker"), "contact_id"])
    dm = responses[responses["contact_id"].isin(dm_ids)].groupby("account_id").size()
    out = pd.DataFrame(index=pd.Index(accounts["account_id"], name="account_id"))
    out["segment"] = accounts.set_index("account_id")["segment"]
    out["contacts"] = n_contacts.reindex(out.index, fill_value=0).astype(int)
    out["respondents"] = respondents.reindex(out.index, fill_value=0).astype(int)
    out["responses"] = n_responses.reindex(out.index, fill_value=0).astype(int)
    out["periods"] = n_periods.reindex(out.index, fill_value=0).astype(int)
    exposure = (out["contacts"] * out["periods"]).where(lambda x: x > 0)
    out["response_rate"] = respondent_periods.reindex(out.index, fill_value=0) / exposure
    out["decision_maker"] = dm.reindex(out.index, fill_value=0).gt(0)
    return out


def missingness(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Missing values per table and column, most missing first.

    Columns where empty means something by design (the lost date of an active
    account, an optional comment, an open complaint's resolution time) are left
    out: see ``blank_is_missing`` in the data model.

    Returns
    -------
    DataFrame
        Columns ``table``, ``column``, ``missing`` (count), ``share`` (0–1);
        only columns with at least one missing value.
    """
    rows = []
    for name, df in tables.items():
        spec = TABLES.get(name)
        miss = df.isna().sum()
        for col, k in miss[miss > 0].items():
            f = spec.field(col) if spec else None
            if f is not None and not f.blank_is_missing:
                continue
            rows.append({"table": name, "column": col, "missing": int(k), "share": k / len(df)})
    out = pd.DataFrame(rows, columns=["table", "column", "missing", "share"])
    return out.sort_values(["share", "table"], ascending=[False, True]).reset_index(drop=True)


class Overview(Analysis):
    """What a data folder holds: tables, responses by role, response rates, gaps.

    Parameters
    ----------
    period : {"Q", "M", "Y"}
        Period for counts over time.

    Attributes
    ----------
    tables_ : DataFrame
        :func:`describe_tables`.
    by_role_ : DataFrame
        :func:`responses_by_role`.
    rates_ : DataFrame
        :func:`response_rates`.
    missing_ : DataFrame
        :func:`missingness`.
    counts_ : dict
        ``accounts``, ``active_accounts``, ``lost_accounts``, ``contacts``, ``respondents``
        (contacts who answered), ``responses``; None where a table that would say is
        missing (a survey export without accounts or contacts).
    """

    title = "Data overview"

    def __init__(self, *, period: str = ""):
        self.period = period

    def fit(self, tables: Mapping[str, pd.DataFrame]) -> "Overview":
        """Describe validated tables (responses needed; accounts and contacts for the
        coverage of each account and the roles)."""
        self.period_ = reporting_period(tables, self.period)
        a, c, r = tables.get("accounts"), tables.get("contacts"), tables["responses"]
        self.tables_ = describe_tables(tables)
        self.by_role_ = responses_by_role(r, c, self.period_)
        self.rates_ = (response_rates(a, c, r, self.period_) if a is not None and c is not None
                       else pd.DataFrame(columns=RATE_COLUMNS).rename_axis("account_id"))
        self.missing_ = missingness(tables)
        self.reading_ = reading_notes(tables)
        self.survey_only_ = a is None
        self.counts_ = {
            "accounts": len(a) if a is not None else int(r["account_id"].nunique()),
            "active_accounts": int(current_accounts(a).sum()) if a is not None else None,
            "lost_accounts": int(a["status"].eq("lost").sum()) if a is not None else None,
            "contacts": len(c) if c is not None else None,
            "respondents": int(r["contact_id"].nunique()), "responses": len(r)}
        return self

    @property
    def first_period(self) -> str:
        return str(self.by_role_.index.min())

    @property
    def last_period(self) -> str:
        return str(self.by_role_.index.max())

    def rates_by_segment(self) -> pd.DataFrame:
        """Median contacts, respondents, responses and response rate per account, by
        segment (indexed by ``segment``; empty without accounts and contacts)."""
        cols = ["contacts", "respondents", "responses", "response_rate"]
        if self.rates_.empty:
            return pd.DataFrame(columns=cols).rename_axis("segment")
        return self.rates_.groupby("segment")[cols].median()

    def key_results(self) -> dict:
        """The headline numbers, for the JSON results file (None where the data cannot
        say: the response rates of a survey export without accounts and contacts)."""
        r = self.rates_
        known = not r.empty
        return {
            **self.counts_, "first_period": self.first_period,
            "last_period": self.last_period,
            "median_response_rate": float(r["response_rate"].median()) if known else None,
            "accounts_without_response": int(r["responses"].eq(0).sum()) if known else None,
            "accounts_without_decision_maker": (int((~r["decision_maker"].astype(bool)).sum())
                                                if known else None),
            "rows_per_table": self.tables_["rows"].to_dict(),
        }

    def summary_tables(self) -> dict:
        return {"Tables": self.tables_, "Per account, by segment (medians)":
                self.rates_by_segment()}

    def headlines(self) -> list[str]:
        """Plain sentences on what was loaded, for a reader who does not read tables."""
        r = self.rates_
        n = self.counts_
        unit = periods.unit(self.period_)
        per = self.by_role_["total"]
        spread = (f"Each {unit} brought between {per.min():,} and {per.max():,} responses "
                  f"(median {per.median():,.0f}).")
        if self.survey_only_ or r.empty:
            if self.survey_only_:
                first = (f"The data is a survey export: {n['responses']:,} responses from "
                         f"{n['respondents']:,} respondents, from {self.first_period} to "
                         f"{self.last_period}, with no accounts table")
            else:
                first = (f"The data covers {n['accounts']:,} accounts "
                         f"({n['active_accounts']:,} active, {n['lost_accounts']:,} lost) and "
                         f"{n['responses']:,} survey responses, from {self.first_period} to "
                         f"{self.last_period}, with no contacts table")
            missing = "" if "contacts" in self.tables_.index or not self.survey_only_ \
                else " and no contacts table"
            return [first + missing + ": how well each account is covered and which roles "
                    "answer are not known.", spread] + self._reading_and_gaps()
        shares = self.by_role_[list(ROLES)].sum() / max(n["responses"], 1)
        silent = int(r["responses"].eq(0).sum())
        no_dm = int((~r["decision_maker"].astype(bool)).sum())
        accounts = max(n["accounts"], 1)
        out = [
            f"The data covers {n['accounts']:,} accounts ({n['active_accounts']:,} active, "
            f"{n['lost_accounts']:,} lost) and {n['responses']:,} survey responses from "
            f"{n['contacts']:,} contacts, from {self.first_period} to {self.last_period}.",
            spread[:-1] + f". Decision makers gave {shares['decision maker']:.0%} of "
            f"responses, influencers {shares['influencer']:.0%} and users {shares['user']:.0%}.",
            f"At the median account {r['response_rate'].median():.0%} of known contacts "
            f"answer in a {unit}; {silent:,} account{'s' if silent != 1 else ''} "
            f"({silent / accounts:.0%}) never answered, and {no_dm:,} "
            f"({no_dm / accounts:.0%}) have no answer from a decision maker, so "
            "their view rests on influencers and users.",
        ]
        return out + self._reading_and_gaps()

    def _reading_and_gaps(self) -> list[str]:
        """How the files were read (where the data folder says so) and the most skipped
        question."""
        from .present.labels import pretty
        out = []
        for note in self.reading_:  # "responses: ratings read on ..."
            table, said = note.split(": ", 1)
            out.append(f"In the {table} table: {said}")
        m = self.missing_[self.missing_["table"].eq("responses")
                          & ~self.missing_["column"].isin(["comment"])]
        if len(m):
            top = m.iloc[0]
            out.append(f"The question skipped most often is {pretty(top['column'])}, blank in "
                       f"{top['share']:.1%} of responses; analyses report how many answers "
                       "each result rests on.")
        else:
            out.append("No rating question was skipped.")
        return out

    def plot_responses_by_role(self, ax=None):
        """Stacked bars of responses per period by role; returns the axis."""
        return plot_responses_by_role(self.by_role_, ax)

    def plot_response_rates(self, ax=None):
        """Distribution of account response rates by segment; returns the axis (a note on
        it without accounts and contacts)."""
        if self.rates_.empty:
            from .present.show import empty_chart
            return empty_chart(ax, "No accounts and contacts tables: the response rate of "
                                   "each account is not known.")
        return plot_response_rates(self.rates_, ax)

    def plot_missingness(self, ax=None):
        """The most-missing columns; returns the axis."""
        return plot_missingness(self.missing_, ax)


# --------------------------------------------------------------------------- plots
ROLE_COLOURS = {"decision maker": "#1f4e79", "influencer": "#5b9bd5", "user": "#bdd7ee",
                UNKNOWN_ROLE: "#9e9e9e"}


def _ax(ax, size=(8, 3.5)):
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_responses_by_role(by_role: pd.DataFrame, ax=None):
    """Stacked bars of responses per period by role; returns the axis."""
    import seaborn as sns

    ax = _ax(ax)
    roles = [c for c in by_role.columns if c != "total"]
    data = by_role[roles]
    bottom = np.zeros(len(data))
    for role in roles:
        ax.bar(data.index, data[role], bottom=bottom, label=role, color=ROLE_COLOURS[role])
        bottom += data[role].to_numpy()
    ax.set_ylabel("responses")
    ax.set_title("Survey responses per period, by role")
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="role")
    ax.set_ylim(0, bottom.max() * 1.05 if len(bottom) else 1)
    ax.tick_params(axis="x", rotation=45)
    sns.despine(ax=ax)
    from .present.show import plain_text
    return plain_text(ax)


def plot_response_rates(rates: pd.DataFrame, ax=None):
    """Distribution of account response rates by segment; returns the axis."""
    import seaborn as sns
    ax = _ax(ax)
    data = rates.dropna(subset=["response_rate"])
    sns.histplot(data=data, x="response_rate", hue="segment", multiple="stack",
                 bins=np.arange(0, min(data["response_rate"].max(), 1) + 0.05, 0.025) if len(data)
                 else 10, ax=ax, palette="crest",
                 hue_order=[s for s in ("key", "growth", "standard") if s in set(data["segment"])])
    ax.set_xlabel("share of an account's contacts who answer in a period")
    ax.set_ylabel("accounts")
    ax.set_title("Response rate per account")
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    sns.despine(ax=ax)
    from .present.show import plain_text
    return plain_text(ax)


def plot_missingness(missing: pd.DataFrame, ax=None, top: int = 12):
    """Horizontal bars of the most-missing columns; returns the axis."""
    import seaborn as sns

    ax = _ax(ax, (8, 0.35 * max(min(len(missing), top), 3) + 1))
    data = missing.head(top).iloc[::-1]
    from .present.labels import pretty
    labels = [f"{pretty(c)} ({pretty(t)})" for t, c in zip(data["table"], data["column"])]
    ax.barh(labels, data["share"], color="#c55a11")
    ax.set_xlabel("share of rows missing")
    ax.set_title("Where values are missing")
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    sns.despine(ax=ax)
    from .present.show import plain_text
    return plain_text(ax)
