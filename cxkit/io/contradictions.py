"""Where the tables contradict themselves or each other: found once, for every report.

Each row of a table can be valid on its own and the data still be impossible: a
departure dated after the data ends, an account that keeps paying after it was lost, a
follow-up made before the answer it follows up, a quarter with no rows at all, one
person's name written in two forms. Read as they are, such rows give a wrong number and
no error. :func:`find` lists them, one :class:`Contradiction` per class, table and column,
against the data's span (:func:`cxkit.io.datamodel.data_span`).

What happens then is the data folder's rule, ``contradictions: error | show`` in its
``cxkit.yaml`` (default ``error``): ``error`` stops before anything is computed, one line
per contradiction naming the file, the column and up to five rows; ``show`` goes on and
every report lists them (its results file too, and the board pack at its opening).

The classes (:data:`KINDS`):

- ``after_the_data``: a date after the data ends (a departure in 2099 for an account that
  still pays, a follow-up after the last period);
- ``placeholder_date``: a date an export writes for "unknown" (1900-01-01, 1899-12-30,
  1970-01-01);
- ``paying_after_lost``: revenue in a period after the one of the account's lost date;
- ``followup_before_response``: a follow-up dated before the answer it follows up;
- ``missing_periods``: periods inside a table's range with no rows at all;
- ``names_differ_in_form``: one name written in forms that differ only by case, width or
  invisible characters (composed and decomposed accents are made one form on reading).

Examples
--------
>>> import pandas as pd
>>> acc = pd.DataFrame({"account_id": ["A1", "A2"], "status": ["lost", "active"],
...                     "customer_since": pd.to_datetime(["2020-01-01", "1900-01-01"]),
...                     "lost_date": pd.to_datetime(["2024-05-01", None])})
>>> rev = pd.DataFrame({"account_id": ["A1", "A1", "A2"],
...                     "period": ["2024Q2", "2024Q4", "2024Q4"], "revenue": [5.0, 5.0, 9.0]})
>>> for c in find({"accounts": acc, "revenue": rev}):
...     print(c.sentence())
Account A2: its customer-since date 1900-01-01 is a placeholder, not a date.
Account A1: revenue in 2024Q4, after it was lost on 2024-05-01.
The revenue table has no rows for 2024Q3 (between 2024Q2 and 2024Q4).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from .. import periods
from ..errors import DataError, ParameterError
from .datamodel import PERIOD_TABLES, DataSpan, data_span
from .folder import CONTRADICTIONS as MODES
from .schemas import TABLES
from .problems import MAX_ROWS_SHOWN, Problem, read_info

KINDS = ("after_the_data", "placeholder_date", "paying_after_lost", "followup_before_response",
         "missing_periods", "names_differ_in_form")
#: dates exports write where the date is unknown (Excel's day 0 and 1, the Unix epoch)
PLACEHOLDER_DATES = tuple(pd.Timestamp(d) for d in ("1899-12-30", "1899-12-31", "1900-01-01",
                                                    "1970-01-01"))
#: text columns that are people's own words, not names: never compared for their forms
FREE_TEXT = ("comment", "outcome", "note", "description")
#: what a date column records, in the client's words
_DATE_WORDS = {"customer_since": "customer-since date", "lost_date": "lost date",
               "followup_date": "follow-up date", "response_date": "answer date",
               "complaint_date": "complaint date"}


@dataclass
class Contradiction(Problem):
    """One contradiction: a class of :data:`KINDS` in one column of one table.

    ``str()`` is the line of an error (file, column, up to five rows);
    :meth:`sentence` says it in the client's words, naming the accounts.
    """

    kind: str = ""
    table: str = ""
    said: list[str] = field(default_factory=list)  # each case in words ("A1 on 2099-01-01")
    what: str = ""  # the sentence, with {cases} where the cases go

    def sentence(self) -> str:
        """The contradiction in plain words, naming up to five cases."""
        cases = ", ".join(self.said[:MAX_ROWS_SHOWN])
        more = len(self.said) - MAX_ROWS_SHOWN
        if more > 0:
            cases += f" and {more:,} more"
        return self.what.format(cases=cases, n=f"{self.n_rows:,}")

    def to_dict(self) -> dict:
        """As the results file holds it."""
        return {"kind": self.kind, "table": self.table, "file": self.file,
                "column": self.column, "rows": self.n_rows,
                "shown_rows": [r for r, _ in self.rows], "text": self.sentence()}


def mode_of(value: str | None) -> str:
    """The rule for contradictions: ``value`` if given, else ``error``; a clear error if
    it is neither ``error`` nor ``show``."""
    if not value:
        return "error"
    if value not in MODES:
        raise ParameterError(f"contradictions is '{value}'; it is error (stop and name them) "
                             "or show (go on and list them in the report)")
    return value


def _where(df: pd.DataFrame, name: str) -> tuple[str, int]:
    info = read_info(df)
    return info.get("file", name), int(info.get("offset", 2))


def _make(kind, name, df, column, mask, shown: pd.Series, said: list[str], what: str,
          message: str) -> Contradiction:
    file, offset = _where(df, name)
    values = shown[mask.reindex(shown.index, fill_value=False).astype(bool)]
    rows = [(int(i) + offset, v) for i, v in values.head(MAX_ROWS_SHOWN).items()]
    return Contradiction(file, message, column, rows, int(len(values)), kind=kind, table=name,
                         said=said, what=what)


def _day(t) -> str:
    return f"{pd.Timestamp(t):%Y-%m-%d}"


def _ids(df: pd.DataFrame) -> pd.Series:
    return (df["account_id"].astype(str) if "account_id" in df.columns
            else pd.Series([f"row {i}" for i in df.index], index=df.index))


def _fields(tables, kinds: tuple[str, ...]):
    """(table name, table, field) of every column of the data model of one of ``kinds``."""
    for name, df in tables.items():
        spec = TABLES.get(name)
        for f in spec.fields if spec is not None else ():
            if f.kind in kinds and f.name in df.columns:
                yield name, df, f


def _dates(tables, span: DataSpan) -> list[Contradiction]:
    out = []
    for name, df, f in _fields(tables, ("date",)):
        d = pd.to_datetime(df[f.name], errors="coerce")
        word = _DATE_WORDS.get(f.name, f.name.replace("_", " ") + " date"
                               if not f.name.endswith(("date", "_at")) else
                               f.name.replace("_", " "))
        ids = _ids(df)
        who = "Account" if "account_id" in df.columns else "Row"
        placeholder = d.dt.normalize().isin(PLACEHOLDER_DATES) & d.notna()
        if placeholder.any():
            said = [f"{a}" for a in ids[placeholder]]
            out.append(_make(
                "placeholder_date", name, df, f.name, placeholder,
                ids + " " + d.dt.strftime("%Y-%m-%d"), said,
                f"{who}{'s' if placeholder.sum() > 1 else ''} {{cases}}: "
                f"{'their' if placeholder.sum() > 1 else 'its'} {word} "
                f"{_day(d[placeholder].iloc[0])} is a placeholder, not a date.",
                "is a date exports write for 'unknown', not a date; leave it empty "
                "or give the real date"))
        if span.last_date is None:
            continue
        late = (d.dt.normalize() > span.last_date) & ~placeholder
        if late.any():
            said = [f"{a} on {_day(t)}" for a, t in zip(ids[late], d[late])]
            out.append(_make(
                "after_the_data", name, df, f.name, late,
                ids + " " + d.dt.strftime("%Y-%m-%d"), said,
                f"{{n}} {word}{'s' if late.sum() > 1 else ''} after the data ends on "
                f"{_day(span.last_date)}: {{cases}}.",
                f"is after the data ends ({_day(span.last_date)}, the last day of "
                f"{span.last_period or 'the last observation'})"))
    return out


def revenue_after_lost(revenue: pd.DataFrame, accounts: pd.DataFrame,
                       freq: str | None = None) -> pd.DataFrame:
    """Revenue in a period after the one of the account's lost date: a lost account that
    keeps paying.

    Returns
    -------
    DataFrame
        ``account_id``, ``period``, ``revenue``, ``lost_period``, ``lost_date``, indexed
        like the revenue rows.

    >>> acc = pd.DataFrame({"account_id": ["A"], "lost_date": pd.to_datetime(["2024-02-01"])})
    >>> rev = pd.DataFrame({"account_id": ["A", "A"], "period": ["2024Q1", "2024Q2"],
    ...                     "revenue": [3.0, 4.0]})
    >>> revenue_after_lost(rev, acc)[["account_id", "period", "lost_period"]]
      account_id  period lost_period
    1          A  2024Q2      2024Q1
    """
    freq = freq or periods.freq_of(revenue["period"].dropna().astype(str)) or "Q"
    lost = accounts.loc[accounts["lost_date"].notna(), ["account_id", "lost_date"]]
    lost = lost.drop_duplicates("account_id").set_index("account_id")["lost_date"]
    rev = revenue[(revenue["revenue"] > 0) & revenue["account_id"].isin(lost.index)]
    cols = ["account_id", "period", "revenue", "lost_period", "lost_date"]
    if rev.empty:
        return pd.DataFrame(columns=cols)
    when = lost.reindex(rev["account_id"]).to_numpy()
    lost_period = pd.PeriodIndex(pd.DatetimeIndex(when), freq=freq)
    after = pd.PeriodIndex(rev["period"].astype(str), freq=freq) > lost_period
    out = rev.loc[after, ["account_id", "period", "revenue"]].copy()
    out["lost_period"] = lost_period[after].astype(str)
    out["lost_date"] = when[after]
    return out[cols]


def _paying_after_lost(tables) -> list[Contradiction]:
    if not {"accounts", "revenue"} <= set(tables):
        return []
    rev = tables["revenue"]
    bad = revenue_after_lost(rev, tables["accounts"])
    if bad.empty:
        return []
    mask = rev.index.isin(bad.index)
    shown = rev["account_id"].astype(str) + " in " + rev["period"].astype(str)
    said = [f"{a} in {p}" for a, p in zip(bad["account_id"], bad["period"])]
    first = bad.iloc[0]
    n_acc = bad["account_id"].nunique()
    return [_make("paying_after_lost", "revenue", rev, "period", pd.Series(mask, index=rev.index),
                  shown, said,
                  (f"Account {first['account_id']}: revenue in {first['period']}, after it "
                   f"was lost on {_day(first['lost_date'])}." if len(bad) == 1 else
                   f"{n_acc:,} lost account{'s' if n_acc > 1 else ''} kept paying after "
                   "the date they were lost ({n} periods of revenue: {cases})."),
                  "is revenue after the account's lost date (accounts.lost_date); a lost "
                  "account that keeps paying is not lost, or the revenue is not its own")]


def _followups(tables, span: DataSpan) -> list[Contradiction]:
    if not {"followups", "responses"} <= set(tables):
        return []
    f, r = tables["followups"], tables["responses"]
    if "response_id" not in f.columns:
        return []
    answered = f["response_id"].map(r.drop_duplicates("response_id")
                                    .set_index("response_id")["response_date"])
    early = (f["followup_date"].dt.normalize() < answered.dt.normalize()).fillna(False)
    if not early.any():
        return []
    days = (answered - f["followup_date"]).dt.days
    shown = (f["response_id"].astype(str) + " followed up " + f["followup_date"]
             .dt.strftime("%Y-%m-%d") + ", answered " + answered.dt.strftime("%Y-%m-%d"))
    said = [f"{a} ({d:,} day{'s' if d != 1 else ''} before)"
            for a, d in zip(f.loc[early, "account_id"], days[early])]
    return [_make("followup_before_response", "followups", f, "followup_date", early, shown,
                  said, "{n} follow-ups dated before the answer they follow up: {cases}.",
                  "is before the date of the answer it follows up (responses.response_date)")]


def _missing_periods(tables) -> list[Contradiction]:
    out = []
    for name in PERIOD_TABLES:
        df = tables.get(name)
        if df is None or "period" not in df.columns:
            continue
        labels = df["period"].dropna().astype(str)
        freq = periods.freq_of(labels)
        if not freq or labels.empty:
            continue
        have = set(labels.unique())
        every = pd.period_range(min(have), max(have), freq=freq).astype(str)
        gaps = [p for p in every if p not in have]
        if not gaps:
            continue
        shown = ", ".join(gaps[:MAX_ROWS_SHOWN]) + (f" and {len(gaps) - MAX_ROWS_SHOWN} more"
                                                    if len(gaps) > MAX_ROWS_SHOWN else "")
        file, _ = _where(df, name)
        out.append(Contradiction(
            file, f"has no rows for {shown} (inside its range {min(have)} to {max(have)}); "
                  "give the missing periods, or cut the table before the gap",
            "period", kind="missing_periods", table=name, said=gaps,
            what=f"The {name} table has no rows for {{cases}} (between {min(have)} and "
                 f"{max(have)})."))
    return out


def fold(text: str) -> str:
    """A name as compared for its form: compatibility form (full-width letters as plain
    ones), case folded, invisible characters removed, spaces collapsed.

    >>> fold("José\\u200b NÚÑEZ") == fold("josé núñez") == fold("ｊｏｓé núñez")
    True
    """
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc"))
    return " ".join(text.casefold().split())


def _fold_all(unique: pd.Series) -> pd.Series:
    """:func:`fold` of each value; plain ASCII (nearly every id) folded in one vectorised
    step, where the compatibility form and invisible characters cannot differ."""
    text = unique.astype("string")
    plain = text.str.isascii().fillna(False).astype(bool)
    out = (text.str.lower().str.replace(r"[\x00-\x1f\x7f]", "", regex=True)
           .str.replace(r" {2,}", " ", regex=True).str.strip()).astype(object)
    if (~plain).any():
        out[~plain] = unique[~plain].map(fold)
    return out


def _forms(tables) -> list[Contradiction]:
    out = []
    for name, df, f in _fields(tables, ("id", "text")):
        if f.name in FREE_TEXT:
            continue
        values = df[f.name].dropna().astype(str)
        unique = pd.Series(values.unique())
        if len(unique) < 2:
            continue
        folded = _fold_all(unique)
        split = folded[folded.duplicated(keep=False)]
        if split.empty:
            continue
        groups = unique.groupby(folded).agg(list)
        groups = groups[groups.map(len) > 1]
        bad = values.isin({v for g in groups for v in g})
        said = [" and ".join(repr(v) for v in g) for g in groups]
        out.append(_make(
            "names_differ_in_form", name, df, f.name, bad.reindex(df.index, fill_value=False),
            df[f.name].astype(str), said,
            f"In the {name} table's {f.name.replace('_', ' ')}, {len(groups):,} "
            f"name{'s are' if len(groups) > 1 else ' is'} written in forms that differ "
            "only by case, width or invisible characters: {cases}.",
            "holds names written in forms that differ only by case, width or invisible "
            "characters (" + "; ".join(said[:3]) + "); write each in one form"))
    return out


def find(tables: Mapping[str, pd.DataFrame], today=None, span: DataSpan | None = None
         ) -> list[Contradiction]:
    """Every contradiction in ``tables`` (validated tables by name), class by class.

    Parameters
    ----------
    tables : mapping of str to DataFrame
    today : date, optional
        The day of the run (see :func:`cxkit.io.datamodel.data_span`).
    span : DataSpan, optional
        The tables' span, where it was taken already (default: taken here).

    Returns
    -------
    list of Contradiction
        Empty when the tables agree.
    """
    span = span if span is not None else data_span(tables, today)
    return (_dates(tables, span) + _paying_after_lost(tables) + _followups(tables, span)
            + _missing_periods(tables) + _forms(tables))


def raise_contradictions(found: list[Contradiction], where: str = "") -> None:
    """Raise one :class:`DataError`, a line per contradiction (none: nothing).

    ``where`` names the file that sets the rule (the data folder's ``cxkit.yaml``)."""
    if not found:
        return
    place = where or "the data folder's cxkit.yaml"
    hint = (f"; fix the data, or set contradictions: show in {place} (or -p contradictions "
            "show) to run and list them in the report")
    lines = [str(c) for c in found]
    lines[-1] += hint
    raise DataError("\n".join(lines))


__all__ = ["MODES", "KINDS", "PLACEHOLDER_DATES", "Contradiction", "find", "fold", "mode_of",
           "raise_contradictions", "revenue_after_lost"]
