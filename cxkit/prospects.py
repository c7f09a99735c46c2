"""Prospect profiling: find prospects that look like the best customers.

The best customers are defined in params from what customer-experience data says about
them (advocacy, health, lifetime value, NPS). Their firmographic profile is compared with
the rest of the base (:func:`profile`); a shallow decision tree is read into rules a
salesperson can read (:func:`fit_rules`), each measured on accounts it was not fitted on
(:func:`cross_validate_rules`); rules can also be written by hand (:func:`parse_rule`).
Prospects are scored by the rules they match (:func:`score_prospects`), with the role to
approach first (:func:`role_targeting`).

Conventions
-----------
- A categorical attribute in a tree is coded by the order of its values' rate of best
  customers in the training accounts, so one split can group values ("industry is
  Software or Logistics"): for a binary outcome this ordering gives the best split
  (Breiman et al. 1984, CART, section 9.4).
- Intervals for shares and rates are Wilson intervals (R's ``prop.test(correct =
  FALSE)``); the interval of a lift is the rate's interval over the base rate.

Examples
--------
>>> rule = parse_rule("industry in [Software, Logistics] and employees 200-2000")
>>> rule_text(rule)
'industry is Software or Logistics and employees 200–2,000'
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import model_validator

from .analysis import Analysis
from .intervals import wilson
from .errors import DataError, ParameterError
from .io.contradictions import fold
from .io.datamodel import current_accounts
from .settings import Annotated, Field, Options

CRITERIA = {
    "advocacy": ("reference", "advocate"),
    "chi": ("green", "amber"),
    "lifetime_value": ("top_tercile", "top_half"),
    "nps": ("promoter", "passive"),
}
COMBINE = ("all", "any")  # a best customer meets all the criteria, or any of them
# account columns that describe the relationship, not the company
NOT_FIRMOGRAPHIC = {"account_id", "name", "customer_since", "account_manager", "project_manager",
                    "interaction_frequency", "status", "lost_date", "segment"}
ROLE_COLUMNS = {"decision maker": "decision_makers", "influencer": "influencers",
                "user": "users"}
EMPLOYEE_BANDS = [0, 50, 200, 1000, 2000, 10000, np.inf]


# --------------------------------------------------------------------------- best customers
class BestDefinition(Options):
    """Who counts as a best customer.

    Parameters
    ----------
    criteria : dict
        Criterion → level, combinable: ``advocacy`` (``reference``: the account's
        respondents are at least references on the advocacy ladder; ``advocate``),
        ``chi`` (``green``: the latest CHI band; ``amber``: amber or green),
        ``lifetime_value`` (``top_tercile``, ``top_half`` of the customer asset),
        ``nps`` (``promoter``, ``passive``: passive or promoter; the account's mean
        likelihood to recommend).
    combine : {"all", "any"}
        Whether a best customer meets every criterion or any of them.
    """

    criteria: dict[str, str] = {"advocacy": "advocate"}
    combine: str = "all"

    def __init__(self, criteria: dict | None = None, combine: str = "all"):
        super().__init__(criteria={"advocacy": "advocate"} if criteria is None else criteria,
                         combine=combine)

    @model_validator(mode="after")
    def _known(self):
        # named as the notebook's parameters are: best, best_combine
        if not self.criteria:
            raise ValueError("best: name at least one criterion, e.g. {advocacy: reference}")
        for k, v in self.criteria.items():
            if k not in CRITERIA:
                raise ValueError(f"best: unknown criterion {k!r} (known: {', '.join(CRITERIA)})")
            if v not in CRITERIA[k]:
                raise ValueError(f"best: {k} must be one of {', '.join(CRITERIA[k])}, not {v!r}")
        if self.combine not in COMBINE:
            raise ValueError(f"best_combine must be all or any, not {self.combine!r}")
        return self

    def sentence(self) -> str:
        """The definition in words."""
        words = {("advocacy", "reference"): "a reference account or advocate",
                 ("advocacy", "advocate"): "an advocate (recommends us unasked)",
                 ("chi", "green"): "in the green CHI band",
                 ("chi", "amber"): "in the amber or green CHI band",
                 ("lifetime_value", "top_tercile"): "in the top third by lifetime value",
                 ("lifetime_value", "top_half"): "in the top half by lifetime value",
                 ("nps", "promoter"): "a promoter (mean likelihood to recommend 9 or more)",
                 ("nps", "passive"): "not a detractor (mean likelihood to recommend 7 or more)"}
        parts = [words[(k, v)] for k, v in self.criteria.items()]
        join = " and " if self.combine == "all" else " or "
        return "A best customer is " + join.join(parts) + "."


def best_customers(tables: dict, definition: BestDefinition, chi_bands: pd.DataFrame | None
                   = None, asset: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which current customers are best customers, by the definition.

    Parameters
    ----------
    tables : dict
        The validated tables (``accounts``; ``responses`` for advocacy and NPS).
    definition : BestDefinition
    chi_bands : DataFrame, optional
        ``account_id``, ``period``, ``band`` (:func:`cxkit.customer_math.chi_bands`), for
        the ``chi`` criterion.
    asset : DataFrame, optional
        :func:`cxkit.customer_math.customer_asset`, for the ``lifetime_value`` criterion.

    Returns
    -------
    DataFrame
        Indexed by ``account_id`` (current customers that can be judged on every
        criterion): one boolean column per criterion and ``best``.

    Raises
    ------
    DataError
        If the data for a criterion is missing, or the definition selects no account or
        every account.
    """
    from .nps import categories
    from .planning.advocacy import account_rungs

    accounts = tables["accounts"]
    current = accounts.loc[current_accounts(accounts), "account_id"]
    cols = {}
    responses = tables.get("responses")
    for crit, level in definition.criteria.items():
        if crit in ("advocacy", "nps") and (responses is None or not len(responses)):
            raise DataError(f"best: the {crit} criterion needs survey responses")
        if crit == "advocacy":
            rung = account_rungs(responses)["rung"]
            order = list(rung.cat.categories)
            cols[crit] = rung.cat.codes >= order.index(level)
        elif crit == "nps":
            mean = responses.groupby("account_id")["ltr"].mean()
            cat = categories(mean).set_axis(mean.index)
            cols[crit] = cat.eq("promoter") if level == "promoter" else cat.ne("detractor")
        elif crit == "chi":
            if chi_bands is None or not len(chi_bands):
                raise DataError("best: the chi criterion needs the kpis table")
            b = chi_bands.dropna(subset=["band"]).sort_values("period")
            band = b.groupby("account_id")["band"].last()
            cols[crit] = band.eq("green") if level == "green" else band.isin(["green", "amber"])
        else:  # lifetime value
            if asset is None or not len(asset):
                raise DataError("best: the lifetime_value criterion needs a lifetime model "
                                "(the revenue table, and customers seen on three anniversaries)")
            q = 2 / 3 if level == "top_tercile" else 0.5
            cols[crit] = asset["value"] >= asset["value"].quantile(q)
    frame = pd.DataFrame(cols).reindex(current.to_numpy())
    frame.index.name = "account_id"
    frame = frame.dropna()  # judged on every criterion
    frame = frame.astype(bool)
    frame["best"] = frame.all(axis=1) if definition.combine == "all" else frame.any(axis=1)
    n = int(frame["best"].sum())
    if n == 0 or n == len(frame):
        raise DataError(f"best: {definition.sentence()[:-1]} selects {n} of {len(frame)} "
                        "current customers; a profile needs both best customers and others "
                        "(change the best definition)")
    return frame


# --------------------------------------------------------------------------- attributes
def attribute_columns(accounts: pd.DataFrame, prospects: pd.DataFrame | None = None) -> list[str]:
    """The firmographic columns: those of accounts that describe the company (and, with
    ``prospects``, that the prospects table has too)."""
    cols = [c for c in accounts.columns if c not in NOT_FIRMOGRAPHIC]
    if prospects is not None:
        cols = [c for c in cols if c in prospects.columns]
    return cols


def employee_band(employees: pd.Series) -> pd.Series:
    """Employees as a band label (``200–999``), for profiles; empty where unknown."""
    labels = ["1–49", "50–199", "200–999", "1,000–1,999", "2,000–9,999", "10,000+"]
    out = pd.cut(employees.astype(float), EMPLOYEE_BANDS, right=False, labels=labels)
    return out.astype(object).where(out.notna(), None)


def profile(accounts: pd.DataFrame, best: pd.Series, columns: list[str],
            confidence: float = 0.95) -> pd.DataFrame:
    """The best customers' firmographic profile against the rest of the base.

    Parameters
    ----------
    accounts : DataFrame
        The accounts table.
    best : Series
        :func:`best_customers` ``best``, indexed by ``account_id``.
    columns : list of str
        Attribute columns; ``employees`` is shown in bands.

    Returns
    -------
    DataFrame
        One row per ``attribute`` and ``value``: ``accounts``, ``best`` (of them best
        customers), ``share_of_best`` and ``share_of_rest`` (of the best customers and of
        the others, the share with this value), ``rate`` (best customers among the
        accounts with the value), ``lift`` (rate over the base rate) and its interval
        ``lift_low``, ``lift_high`` (the Wilson interval of the rate over the base rate).
        Sorted by attribute, then lift.
    """
    a = accounts.set_index("account_id").reindex(best.index)
    y = best.to_numpy(bool)
    base = y.mean()
    rows = []
    for col in columns:
        values = employee_band(a[col]) if col == "employees" else a[col]
        values = values.astype(object).where(values.notna(), "(unknown)")
        t = pd.crosstab(values, y).reindex(columns=[False, True], fill_value=0)
        for v, (n_rest, n_best) in t.iterrows():
            rows.append({"attribute": col, "value": str(v), "accounts": int(n_rest + n_best),
                         "best": int(n_best)})
    out = pd.DataFrame(rows)
    out["share_of_best"] = out["best"] / y.sum()
    out["share_of_rest"] = (out["accounts"] - out["best"]) / (~y).sum()
    out["rate"] = out["best"] / out["accounts"]
    out["lift"] = out["rate"] / base
    lo, hi = wilson(out["best"], out["accounts"], confidence)
    out["lift_low"], out["lift_high"] = lo / base, hi / base
    return out.sort_values(["attribute", "lift"], ascending=[True, False],
                           kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Condition:
    """One condition of a rule: a set of values, or a numeric range ``[low, high)``."""

    attribute: str
    values: tuple = ()  # categorical: the values allowed
    low: float = -np.inf
    high: float = np.inf

    @property
    def numeric(self) -> bool:
        return not self.values

    def holds(self, column: pd.Series) -> np.ndarray:
        """Whether each value meets the condition (missing values: False)."""
        if self.numeric:
            x = pd.to_numeric(column, errors="coerce").to_numpy(float)
            return (x >= self.low) & (x < self.high)
        return column.astype(object).isin(self.values).to_numpy()

    def text(self) -> str:
        if self.numeric:
            lo, hi = self.low, self.high
            name = self.attribute
            if np.isfinite(lo) and np.isfinite(hi):
                return f"{name} {lo:,.0f}–{hi:,.0f}"
            return f"{name} {'at least ' + format(lo, ',.0f') if np.isfinite(lo) else 'under ' + format(hi, ',.0f')}"
        vals = [str(v) for v in self.values]
        shown = vals[0] if len(vals) == 1 else ", ".join(vals[:-1]) + " or " + vals[-1]
        return f"{self.attribute} is {shown}"


@dataclass(frozen=True)
class Rule:
    """Conditions that all hold; ``source`` is ``fitted`` or ``hand``."""

    conditions: tuple[Condition, ...]
    source: str = "fitted"
    name: str = ""

    def matches(self, frame: pd.DataFrame, skip_missing: bool = False) -> np.ndarray:
        """Rows meeting every condition (with ``skip_missing``, a condition on a missing
        value or a missing column is skipped, as long as one condition is checked)."""
        ok = np.ones(len(frame), dtype=bool)
        checked = np.zeros(len(frame), dtype=bool)
        for c in self.conditions:
            if c.attribute not in frame.columns:
                if skip_missing:
                    continue
                return np.zeros(len(frame), dtype=bool)
            col = frame[c.attribute]
            present = col.notna().to_numpy()
            hold = c.holds(col)
            ok &= (hold | ~present) if skip_missing else hold
            checked |= present
        return ok & checked


def rule_text(rule: Rule) -> str:
    """A rule in words: ``industry is Software or Logistics and employees 200–2,000``."""
    return " and ".join(c.text() for c in rule.conditions)


_RANGE = re.compile(r"^\s*([\w ]+?)\s+(-?[\d.,]+)\s*-\s*(-?[\d.,]+)\s*$")
_CMP = re.compile(r"^\s*([\w ]+?)\s*(>=|<)\s*(-?[\d.,]+)\s*$")
_IN = re.compile(r"^\s*([\w ]+?)\s+(?:in|is)\s+\[?([^\]]*)\]?\s*$")


def parse_rule(text: str, name: str = "") -> Rule:
    """A hand-written rule: conditions joined by ``and``.

    A condition is ``attribute in [a, b]`` (or ``attribute is a``), ``attribute low-high``
    (a range, low included, high not), ``attribute >= x`` or ``attribute < x``.

    >>> rule_text(parse_rule("region is EMEA and employees >= 500"))
    'region is EMEA and employees at least 500'
    """
    conds = []
    for part in re.split(r"\s+and\s+", str(text).strip()):
        num = lambda s: float(s.replace(",", ""))  # noqa: E731
        if m := _RANGE.match(part):
            conds.append(Condition(m[1].strip(), low=num(m[2]), high=num(m[3])))
        elif m := _CMP.match(part):
            conds.append(Condition(m[1].strip(), low=num(m[3])) if m[2] == ">="
                         else Condition(m[1].strip(), high=num(m[3])))
        elif m := _IN.match(part):
            values = tuple(v.strip().strip("'\"") for v in m[2].split(",") if v.strip())
            if not values:
                raise ParameterError(f"rule {name or text!r}: no values in {part.strip()!r}")
            conds.append(Condition(m[1].strip(), values=values))
        else:
            raise ParameterError(f"rule {name or text!r}: cannot read {part.strip()!r}; write "
                                 "'attribute in [a, b]', 'attribute 200-2000', "
                                 "'attribute >= 500' or 'attribute < 50', joined by 'and'")
    return Rule(tuple(conds), source="hand", name=name)


def check_rule(rule: Rule, accounts: pd.DataFrame, columns: list[str]) -> None:
    """Raise a ParameterError naming the rule if it names an unknown attribute or value."""
    label = rule.name or rule_text(rule)
    for c in rule.conditions:
        if c.attribute not in columns:
            raise ParameterError(f"rule {label!r}: unknown attribute {c.attribute!r} (known: "
                                 f"{', '.join(columns)})")
        col = accounts[c.attribute]
        if c.numeric and not pd.api.types.is_numeric_dtype(col):
            raise ParameterError(f"rule {label!r}: {c.attribute!r} is not a number; use "
                                 f"'{c.attribute} in [...]'")
        if not c.numeric:
            known = set(col.dropna().astype(str))
            unknown = [v for v in c.values if v not in known]
            if unknown:
                raise ParameterError(f"rule {label!r}: {c.attribute} has no value "
                                     f"{', '.join(map(repr, unknown))} in the accounts")


def _encode(frame: pd.DataFrame, columns: list[str], y: np.ndarray | None = None,
            orders: dict | None = None):
    """Numeric matrix for the tree: numbers as they are, categories by their best rate."""
    orders = dict(orders or {})
    X = np.empty((len(frame), len(columns)))
    for j, col in enumerate(columns):
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            X[:, j] = s.to_numpy(float)
            continue
        s = s.astype(object)
        if col not in orders:
            rate = pd.Series(y, index=s.index).groupby(s).mean().sort_values(kind="stable")
            orders[col] = list(rate.index)
        rank = {v: i for i, v in enumerate(orders[col])}
        X[:, j] = s.map(rank).astype(float).to_numpy()
    return X, orders


def fit_rules(accounts: pd.DataFrame, best: pd.Series, columns: list[str], max_depth: int = 3,
              min_leaf: float = 0.05, random_state: int = 0) -> list[Rule]:
    """Rules from a shallow decision tree: the leaves where best customers are more common
    than in the base, best first.

    Leaves are ranked by the lower end of the Wilson interval (95 %) of their rate of best
    customers, not by the rate itself: a small leaf with a high rate by chance does not
    come first. On the committed sample this lifted the first rule's held-out lift from
    1.15 to 1.54; on 5,000-account portfolios the order is the same as by rate
    (``benchmarks/bench_rule_learners.py``).

    Parameters
    ----------
    min_leaf : float
        Smallest leaf, as a share of the accounts (scikit-learn's ``min_samples_leaf``).
    """
    from sklearn.tree import DecisionTreeClassifier

    a = accounts.set_index("account_id").reindex(best.index)
    y = best.to_numpy(bool)
    X, orders = _encode(a, columns, y)
    X = np.where(np.isnan(X), -1.0, X)  # unknown: below every value (never in a range rule)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_leaf,
                                  random_state=random_state).fit(X, y)
    t = tree.tree_
    base = y.mean()
    rules: list[tuple[float, Rule]] = []

    def walk(node, bounds):
        if t.children_left[node] == -1:
            rate = t.value[node][0][1] / t.value[node][0].sum() if t.value[node][0].sum() else 0
            if rate > base and bounds:
                n = t.n_node_samples[node]
                low = wilson(np.array([rate * n]), np.array([n]))[0][0]
                rules.append((low, Rule(_conditions(bounds, columns, orders))))
            return
        j, thr = t.feature[node], t.threshold[node]
        lo, hi = bounds.get(j, (-np.inf, np.inf))
        walk(t.children_left[node], {**bounds, j: (lo, min(hi, thr))})
        walk(t.children_right[node], {**bounds, j: (max(lo, thr), hi)})

    walk(0, {})
    rules.sort(key=lambda r: -r[0])
    return [r for _, r in rules]


def _nice(x: float) -> float:
    """A tree threshold (a midpoint between two values) as a round number."""
    if not np.isfinite(x) or x <= 0:
        return x
    step = 10 ** max(int(np.floor(np.log10(x))) - 1, 0)
    return float(np.round(x / step) * step)


def _conditions(bounds: dict, columns: list[str], orders: dict) -> tuple[Condition, ...]:
    out = []
    for j, (lo, hi) in sorted(bounds.items()):
        col = columns[j]
        if col in orders:
            ranks = np.arange(len(orders[col]))
            keep = (ranks > lo) & (ranks <= hi)
            values = tuple(v for v, k in zip(orders[col], keep) if k)[::-1]  # best first
            out.append(Condition(col, values=values))
        else:
            # the tree sends x <= threshold left: [low, high) with high just above it
            low = _nice(lo) if np.isfinite(lo) else -np.inf
            high = _nice(hi) if np.isfinite(hi) else np.inf
            if low <= 0:
                low = -np.inf
            out.append(Condition(col, low=low, high=high))
    return tuple(out)


def _precision_and_lift(out: pd.DataFrame, base: float, confidence: float) -> None:
    """Add precision (best / support), its Wilson interval and the lift, in place."""
    out["precision"] = out["best"] / out["support"].where(out["support"] > 0)
    lo, hi = wilson(out["best"], out["support"], confidence)
    out["precision_low"], out["precision_high"] = lo, hi
    out["lift"] = out["precision"] / base
    out["lift_low"], out["lift_high"] = lo / base, hi / base


def rule_table(rules: list[Rule], frame: pd.DataFrame, y: np.ndarray,
               confidence: float = 0.95) -> pd.DataFrame:
    """Support, precision and lift of each rule on the accounts given.

    Returns ``rule``, ``support`` (accounts matching), ``best`` (of them best customers),
    ``precision`` with its Wilson interval ``precision_low``, ``precision_high``, ``lift``
    and its interval ``lift_low``, ``lift_high``.
    """
    base = y.mean()
    rows = []
    for r in rules:
        m = r.matches(frame)
        rows.append({"rule": rule_text(r), "support": int(m.sum()), "best": int(y[m].sum())})
    out = pd.DataFrame(rows, columns=["rule", "support", "best"])
    _precision_and_lift(out, base, confidence)
    return out


def cross_validate_rules(accounts: pd.DataFrame, best: pd.Series, columns: list[str],
                         n_rules: int = 3, folds: int = 5, max_depth: int = 3,
                         min_leaf: float = 0.05, confidence: float = 0.95,
                         random_state: int = 0) -> pd.DataFrame:
    """Held-out figures of the fitted rules, by their rank.

    In each of ``folds`` stratified folds, rules are fitted on the other folds and the
    rule at each rank (1 = best in training) is measured on the held-out fold. The
    figures of rank k add up the held-out accounts of every fold's k-th rule: they are
    what the k-th rule fitted on all accounts can be expected to do on new accounts.

    Returns
    -------
    DataFrame
        Indexed by ``rank`` (1..n_rules): ``support`` (held-out accounts matched, over all
        folds), ``best``, ``precision`` and ``lift`` with Wilson-based intervals
        (``precision_low`` ... ``lift_high``), ``folds`` (folds that had a rule of that
        rank).
    """
    from sklearn.model_selection import StratifiedKFold

    a = accounts.set_index("account_id").reindex(best.index)
    y = best.to_numpy(bool)
    sums = np.zeros((n_rules, 3))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    for train, test in cv.split(np.zeros(len(y)), y):
        rules = fit_rules(a.iloc[train].reset_index(), best.iloc[train], columns, max_depth,
                          min_leaf, random_state)
        for k, r in enumerate(rules[:n_rules]):
            m = r.matches(a.iloc[test])
            sums[k] += (m.sum(), y[test][m].sum(), 1)
    base = y.mean()
    out = pd.DataFrame(sums, columns=["support", "best", "folds"],
                       index=pd.RangeIndex(1, n_rules + 1, name="rank")).astype(int)
    _precision_and_lift(out, base, confidence)
    return out[["support", "best", "precision", "precision_low", "precision_high", "lift",
                "lift_low", "lift_high", "folds"]]


# --------------------------------------------------------------------------- roles and scoring
def role_targeting(responses: pd.DataFrame, contacts: pd.DataFrame, matched: pd.Index,
                   confidence: float = 0.95) -> pd.DataFrame:
    """Which role, at accounts like these, is most likely to recommend and advocate.

    Parameters
    ----------
    matched : Index
        The accounts a rule matches.

    Returns
    -------
    DataFrame
        Indexed by ``role``: ``respondents``, ``ltr`` (mean likelihood to recommend) with a
        t interval ``ltr_low``, ``ltr_high`` kept within 0–10 (NaN below 5 answers:
        :func:`cxkit.planning.advocacy.mean_interval`), ``advocacy`` (share of answers willing to be
        a reference or recommending unasked) with a Wilson interval ``advocacy_low``,
        ``advocacy_high``. Sorted by advocacy, then likelihood to recommend.
    """
    from .planning.advocacy import mean_interval

    r = responses[responses["account_id"].isin(matched)]
    role = r["contact_id"].map(contacts.set_index("contact_id")["role"].astype(object))
    adv = (r.get("prompted_advocacy", pd.Series(False, index=r.index)).fillna(False).astype(bool)
           | r.get("unprompted_advocacy", pd.Series(False, index=r.index)).fillna(False)
           .astype(bool))
    rows = []
    for name in ROLE_COLUMNS:
        sel = role.eq(name).to_numpy()
        x = r.loc[sel, "ltr"].astype(float)
        n = len(x)
        m, m_lo, m_hi = mean_interval(x, confidence, lower=0, upper=10)
        k = int(adv[sel].sum())
        lo, hi = wilson([k], [n], confidence)
        rows.append({"role": name, "respondents": n, "ltr": m, "ltr_low": m_lo,
                     "ltr_high": m_hi, "advocacy": k / n if n else np.nan,
                     "advocacy_low": lo[0], "advocacy_high": hi[0]})
    out = pd.DataFrame(rows).set_index("role")
    return out.sort_values(["advocacy", "ltr"], ascending=False, na_position="last")


def score_prospects(prospects: pd.DataFrame, rules: list[Rule], precision: pd.Series,
                    rest_precision: float, columns: list[str], roles: pd.Series | None = None,
                    known: dict | None = None) -> pd.DataFrame:
    """Score each prospect by the best rule it matches (vectorised: one pass per rule).

    Parameters
    ----------
    rules : list of Rule
    precision : Series
        Each rule's held-out precision, in the order of ``rules``.
    rest_precision : float
        The rate of best customers among accounts no rule matches: the score of a
        prospect that matches none.
    columns : list of str
        The attribute columns; a prospect missing some is scored on the rest and flagged.
    roles : Series, optional
        The role to approach for each rule, in the order of ``rules``.
    known : dict of str to set, optional
        The values each categorical attribute takes among the accounts. A prospect's value
        is first read in the accounts' form (case, width and invisible characters aside:
        ``software`` is ``Software``). A value outside them (an industry no customer is in)
        says nothing about fit: it meets no condition on its attribute, so it never
        scores above a known value, and the prospect is flagged (``unseen``).

    Returns
    -------
    DataFrame
        The prospects with ``rules_matched`` (rule numbers, 1-based), ``best_rule``,
        ``fit_score`` (held-out precision of the best rule matched), ``complete`` (share
        of the attribute columns present and known), ``partial`` (some missing),
        ``unseen`` (attributes whose value no account has, comma-separated; empty if
        none), ``role_to_approach``,
        ``no_contact_in_role`` (the prospect's contact count for that role is 0), and
        ``rank`` (by fit score, ties by completeness).
    """
    if len(precision) != len(rules):
        raise ParameterError(f"one precision per rule: {len(rules)} rules, "
                             f"{len(precision)} precisions")
    p = prospects.copy()
    judged = p.copy()  # what the rules see: values in the accounts' own form, unseen ones
    unseen = np.full(len(p), "", dtype=object)  # failing every condition on them
    unknown = pd.DataFrame(False, index=p.index, columns=list(columns))
    for c, values in (known or {}).items():
        if c in p:
            # "software", "Ｓoftware" or "Soft\u200bware" is the accounts' "Software"
            own = {fold(v): v for v in values}
            written = p[c].astype(object)
            as_known = written.map(lambda v: own.get(fold(v), v) if isinstance(v, str) else v)
            new = (written.notna() & ~as_known.isin(values)).to_numpy()
            judged[c] = as_known.where(~new, UNSEEN)
            if c in unknown:
                unknown[c] = new
            unseen = np.where(new, np.where(unseen == "", c, unseen + ", " + c), unseen)
    p["unseen"] = unseen
    present = pd.DataFrame({c: (judged[c].notna() & ~unknown[c]) if c in judged else False
                            for c in columns})
    p["complete"] = present.mean(axis=1).to_numpy()
    p["partial"] = p["complete"] < 1
    prec = np.asarray(precision, float)
    match = np.column_stack([r.matches(judged, skip_missing=True) for r in rules]) if rules else \
        np.zeros((len(p), 0), dtype=bool)
    score = np.where(match, np.nan_to_num(prec, nan=-1.0)[None, :], -1.0)
    best = score.argmax(axis=1) if rules else np.zeros(len(p), dtype=int)
    any_match = match.any(axis=1)
    p["fit_score"] = np.where(any_match, score.max(axis=1) if rules else np.nan, rest_precision)
    p["best_rule"] = pd.array(np.where(any_match, best + 1, 0), dtype="Int64")
    p.loc[~any_match, "best_rule"] = pd.NA
    # "1, 3": each distinct set of rules matched is written once, then looked up by code
    code = match.astype(np.int64) @ (1 << np.arange(match.shape[1], dtype=np.int64))
    uniq, inverse = np.unique(code, return_inverse=True)
    text = np.array([", ".join(str(k + 1) for k in range(match.shape[1]) if c >> k & 1)
                     for c in uniq], dtype=object)
    p["rules_matched"] = text[inverse]
    if roles is not None and rules:
        role = np.asarray(roles, dtype=object)[best]
        p["role_to_approach"] = np.where(any_match, role, None)
        counts = np.full(len(p), np.nan)
        for name, col in ROLE_COLUMNS.items():
            if col in p:
                sel = p["role_to_approach"].to_numpy() == name
                counts[sel] = p.loc[sel, col].to_numpy(float)
        p["no_contact_in_role"] = counts == 0
    p = p.sort_values(["fit_score", "complete"], ascending=False, kind="stable")
    p["rank"] = np.arange(1, len(p) + 1)
    return p.reset_index(drop=True)


#: what the rules see of a value no account has: present (never skipped as missing), and
#: meeting no condition
UNSEEN = "\x00unseen"


# --------------------------------------------------------------------------- the analysis
class ProspectSettings(Options):
    """The rules of :class:`ProspectProfiler`'s settings (checked by ``fit``)."""

    n_rules: Annotated[int, Field(ge=1)] = 3
    max_depth: Annotated[int, Field(ge=1)] = 3
    min_leaf: Annotated[float, Field(gt=0, le=0.5)] = 0.05
    folds: Annotated[int, Field(ge=2)] = 5
    confidence: Annotated[float, Field(gt=0, lt=1)] = 0.95
    random_state: int = 0


class ProspectProfiler(Analysis):
    """Best customers' profile, readable rules, scored prospects, the role to approach.

    Parameters
    ----------
    best : dict
        Best-customer criteria (see :class:`BestDefinition`).
    best_combine : {"all", "any"}
    rules : dict
        Hand-written rules, name → text (see :func:`parse_rule`), scored beside the fitted.
    n_rules : int
        Fitted rules to keep.
    max_depth, min_leaf : int, float
        The tree's depth and smallest leaf (share of accounts).
    folds : int
        Cross-validation folds for the held-out figures.
    chi_model : str, optional
        The health-index model, for the ``chi`` criterion.
    confidence : float
    random_state : int

    Attributes
    ----------
    definition_ : BestDefinition
    best_ : DataFrame
        :func:`best_customers`.
    columns_ : list of str
        Attribute columns the rules use (in accounts and prospects).
    profile_ : DataFrame
        :func:`profile`.
    rules_ : list of Rule
        Fitted rules (on all accounts), then the hand-written ones.
    rule_table_ : DataFrame
        One row per rule: ``number``, ``source``, ``rule``, ``sentence``, held-out
        ``support``, ``best``, ``precision``, ``lift`` and intervals, ``role_to_approach``.
    roles_ : dict of int to DataFrame
        :func:`role_targeting` per rule number.
    scored_ : DataFrame
        :func:`score_prospects` (empty without a prospects table).
    """

    title = "Prospect profiling"
    settings_model = ProspectSettings

    def __init__(self, *, best=None, best_combine: str = "all", rules=None, n_rules: int = 3,
                 max_depth: int = 3, min_leaf: float = 0.05, folds: int = 5, chi_model=None,
                 confidence: float = 0.95, random_state: int = 0):
        self.best = best
        self.best_combine = best_combine
        self.rules = rules
        self.n_rules = n_rules
        self.max_depth = max_depth
        self.min_leaf = min_leaf
        self.folds = folds
        self.chi_model = chi_model
        self.confidence = confidence
        self.random_state = random_state

    def fit(self, tables: dict) -> "ProspectProfiler":
        """Fit on the tables :func:`cxkit.io.load` returns (accounts and responses needed)."""
        self.check_settings()
        self.definition_ = BestDefinition(dict(self.best or {"advocacy": "advocate"}),
                                          self.best_combine)
        chi, asset = self._inputs(tables)
        self.best_ = best_customers(tables, self.definition_, chi, asset)
        accounts = tables["accounts"]
        prospects = tables.get("prospects")
        self.columns_ = attribute_columns(accounts, prospects)
        if not self.columns_:
            raise DataError("no attribute column is in both the accounts and the prospects "
                            "tables (industry, employees, region...)")
        y = self.best_["best"]
        self.base_rate_ = float(y.mean())
        self.profile_ = profile(accounts, y, attribute_columns(accounts), self.confidence)
        fitted = fit_rules(accounts, y, self.columns_, self.max_depth, self.min_leaf,
                           self.random_state)[: self.n_rules]
        cv = cross_validate_rules(accounts, y, self.columns_, self.n_rules, self.folds,
                                  self.max_depth, self.min_leaf, self.confidence,
                                  self.random_state)
        hand = []
        for name, text in (self.rules or {}).items():
            rule = parse_rule(text, name)
            check_rule(rule, accounts, attribute_columns(accounts))
            hand.append(rule)
        self.rules_ = fitted + hand
        a = accounts.set_index("account_id").reindex(y.index)
        yy = y.to_numpy(bool)
        on_all = rule_table(hand, a, yy, self.confidence)  # hand rules were not fitted here
        rows = []
        for i, r in enumerate(fitted):
            rows.append({"source": "fitted", **cv.loc[i + 1].to_dict()})
        counts = ["support", "best", "folds"]
        for i in range(len(hand)):
            rows.append({"source": "hand", **on_all.iloc[i].drop("rule").to_dict(),
                         "folds": 0})
        t = pd.DataFrame(rows, columns=["source", "support", "best", "precision",
                                        "precision_low", "precision_high", "lift", "lift_low",
                                        "lift_high", "folds"])
        t[counts] = t[counts].astype(int)
        t.insert(0, "number", range(1, len(t) + 1))
        t.insert(2, "name", [r.name for r in self.rules_])
        t.insert(3, "rule", [rule_text(r) for r in self.rules_])
        t["in_sample_support"] = [int(r.matches(a).sum()) for r in self.rules_]
        self.roles_, roles = {}, []
        responses, contacts = tables.get("responses"), tables.get("contacts")
        for i, r in enumerate(self.rules_):
            matched = y.index[r.matches(a)]
            if responses is not None and contacts is not None:
                rt = role_targeting(responses, contacts, matched, self.confidence)
                self.roles_[i + 1] = rt
                roles.append(rt.index[0] if rt["respondents"].iloc[0] > 0 else None)
            else:
                roles.append(None)
        t["role_to_approach"] = roles
        self.rule_table_ = t
        none = ~np.column_stack([r.matches(a) for r in self.rules_]).any(axis=1) \
            if self.rules_ else np.ones(len(a), bool)
        self.rest_rate_ = float(yy[none].mean()) if none.any() else self.base_rate_
        if prospects is not None and len(prospects):
            known = {c: set(a[c].dropna().astype(object)) for c in self.columns_
                     if not pd.api.types.is_numeric_dtype(a[c])}
            self.scored_ = score_prospects(prospects, self.rules_, t["precision"],
                                           self.rest_rate_, self.columns_,
                                           t["role_to_approach"], known)
        else:
            self.scored_ = pd.DataFrame()
        return self

    def _inputs(self, tables):
        chi = asset = None
        crit = (self.best or {"advocacy": "advocate"})
        if "chi" in crit and tables.get("kpis") is not None:
            from .chi import ChiModel, load_model
            from .customer_math import chi_bands
            model = self.chi_model if isinstance(self.chi_model, ChiModel) else load_model(
                self.chi_model or "params/chi_model.yaml")
            chi = chi_bands(tables["kpis"], model)
        if "lifetime_value" in crit and tables.get("revenue") is not None:
            from .customer_math import CustomerMath
            asset = CustomerMath(contradictions="show").fit(tables).asset_
        return chi, asset

    # ------------------------------------------------------------------ reading
    def sentences(self) -> list[str]:
        """Each rule as a sentence with its held-out figures."""
        out = []
        for r in self.rule_table_.itertuples():
            where = ("held out" if r.source == "fitted" else "on all accounts; written by hand")
            if not r.support:
                out.append(f"Rule {r.number}: {r.rule}: no account matched ({where}).")
                continue
            out.append(f"Rule {r.number}: {r.rule} → {r.lift:.1f}× the base rate of best "
                       f"customers ({r.support:,} accounts {where}, {r.precision:.0%} of them "
                       f"best customers, {r.precision_low:.0%}–{r.precision_high:.0%}); "
                       f"approach the {r.role_to_approach or 'role unknown'} first.")
        return out

    def headlines(self) -> list[str]:
        """Plain sentences: who the best customers are, the top rule, the prospects."""
        b = self.best_["best"]
        out = [f"{self.definition_.sentence()} {int(b.sum()):,} of {len(b):,} current customers "
               f"({b.mean():.0%}) are."]
        if len(self.rule_table_):
            out.append(self.sentences()[0])
            top = self.rule_table_.iloc[0]
            if top["source"] == "fitted" and not top["lift_low"] > 1:
                out.append(f"Not sure yet: on accounts it was not fitted on, the top rule's "
                           f"lift could be {top['lift_low']:.1f}× to {top['lift_high']:.1f}×, "
                           f"so it may be no better than the base rate. "
                           f"{int(b.sum()):,} best customers are too few for a sure profile.")
        if len(self.scored_):
            s = self.scored_
            top = s[s["best_rule"].notna()]
            unseen = int(s["unseen"].ne("").sum())
            out.append(f"{len(top):,} of {len(s):,} prospects match a rule; "
                       f"{int(s['partial'].sum()):,} were scored on partial data"
                       + (f"; {unseen:,} have a value no customer has (an industry or "
                          "region none of them is in), which meets no rule." if unseen
                          else "."))
        return out

    def top_prospects(self, n: int = 25) -> pd.DataFrame:
        """The first ``n`` scored prospects, with the columns a salesperson reads.

        Returns ``rank``, the prospect's id, name and attributes, ``fit_score``,
        ``best_rule``, ``rules_matched``, ``role_to_approach``, ``no_contact_in_role``,
        ``partial``, ``complete``, ``unseen`` (only when some prospect has a value no
        account has) and its contact counts (those the table has); empty without a
        prospects table.
        """
        s = self.scored_
        if s.empty:
            return pd.DataFrame()
        cols = ["rank", "prospect_id", "name", *self.columns_, "fit_score", "best_rule",
                "rules_matched", "role_to_approach", "no_contact_in_role", "partial",
                "complete", "unseen", *ROLE_COLUMNS.values()]
        if not s["unseen"].ne("").any():
            cols.remove("unseen")  # an empty column says nothing
        return s[[c for c in dict.fromkeys(cols) if c in s.columns]].head(n)

    def prospects_to_call(self, n: int = 25) -> pd.DataFrame:
        """:meth:`top_prospects` with the main columns a report prints: ``rank``, ``name``,
        the attributes, ``fit_score``, ``best_rule``, ``role_to_approach``,
        ``no_contact_in_role``, ``complete``; empty without a prospects table."""
        top = self.top_prospects(n)
        if top.empty:
            return top
        cols = ["rank", "name", *self.columns_, "fit_score", "best_rule", "role_to_approach",
                "no_contact_in_role", "complete"]
        return top[[c for c in cols if c in top.columns]].reset_index(drop=True)

    def summary_tables(self) -> dict:
        cols = ["source", "rule", "support", "precision", "lift", "lift_low", "lift_high",
                "role_to_approach"]
        return {"Rules (held-out figures for fitted rules)":
                self.rule_table_.set_index("number")[cols]}

    def key_results(self) -> dict:
        """JSON-ready numbers: the definition, best customers, rules, prospects."""
        from .results import to_jsonable
        t = self.rule_table_
        out = {"best_definition": self.definition_.sentence(),
               "best_customers": int(self.best_["best"].sum()),
               "judged_customers": int(len(self.best_)), "base_rate": self.base_rate_,
               "rules": [{"rule": r.rule, "source": r.source, "support": int(r.support),
                          "precision": r.precision, "lift": r.lift,
                          "role_to_approach": r.role_to_approach} for r in t.itertuples()]}
        if len(self.scored_):
            out.update({"prospects": int(len(self.scored_)),
                        "prospects_matching": int(self.scored_["best_rule"].notna().sum()),
                        "prospects_partial": int(self.scored_["partial"].sum()),
                        "prospects_unseen_value": int(self.scored_["unseen"].ne("").sum())})
        return to_jsonable(out)

    def to_excel(self, path):
        """The sales workbook: scored prospects (sorted, filterable), rules, profile."""
        from .present.excel import write_workbook
        sheets = {"Summary": self.headlines() + [""] + self.sentences()}
        if len(self.scored_):  # rank and fit first, then the company and its contacts
            sheets["Prospects"] = self.top_prospects(len(self.scored_))
        sheets["Rules"] = self.rule_table_
        sheets["Profile"] = self.profile_
        for k, rt in self.roles_.items():
            sheets[f"Roles rule {k}"] = rt
        rates = ["precision", "precision_low", "precision_high"]
        pct = {"Prospects": ["fit_score", "complete"], "Rules": rates,
               "Profile": ["share_of_best", "share_of_rest", "rate"]}
        pct.update({f"Roles rule {k}": ["advocacy", "advocacy_low", "advocacy_high"]
                    for k in self.roles_})
        return write_workbook(path, sheets, percent=pct)

    def plot_profile(self, ax=None):
        """Lift of each attribute value over the base rate, with intervals."""
        import matplotlib.pyplot as plt
        import seaborn as sns

        from .present.show import plain_text
        p = self.profile_[self.profile_["accounts"] >= 5].iloc[::-1]
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.28 * max(len(p), 1) + 1.2))
        labels = (p["attribute"] + ": " + p["value"]).to_numpy()
        y = np.arange(len(p))
        colour = np.where(p["lift_low"] > 1, "#55a868", np.where(p["lift_high"] < 1, "#c44e52",
                                                                  "#8c8c8c"))
        # rounding can put an interval's end a hair inside its estimate: never below zero
        err = np.clip([p["lift"] - p["lift_low"], p["lift_high"] - p["lift"]], 0, None)
        ax.errorbar(p["lift"], y, xerr=err, fmt="none", ecolor="#bbbbbb", capsize=2)
        ax.scatter(p["lift"], y, c=colour, zorder=3)
        ax.axvline(1, color="black", linewidth=0.8)
        ax.set_yticks(y, labels)
        ax.set_xlabel("lift: rate of best customers over the base rate (1 = as the base)")
        sns.despine(ax=ax)
        return plain_text(ax)
