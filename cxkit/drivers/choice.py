"""Which ratings are drivers: chosen the way an analyst would, and said in the report.

A survey export holds the outcome (likelihood to recommend) among its ratings, and often
other outcome items beside it: overall satisfaction, would choose us again, would renew.
Taken as drivers, such an item "explains" recommendation because it measures the same
loyalty, and it tops the list. With no drivers named, :func:`choose_drivers` takes every
rating of the responses (:func:`cxkit.io.datamodel.driver_columns`) and leaves out:

- the columns the data folder declares ``not_drivers`` (``cxkit.yaml``);
- ratings whose names say they are outcomes (recommend, loyalty, satisfaction,
  likelihood, NPS: :func:`cxkit.io.datamodel.names_outcome`).

A driver kept that correlates above :data:`OUTCOME_LIKE_R` with the outcome is named as
probably another outcome measure: it stays in the analysis (named drivers are never
second-guessed), and the report says so.

Examples
--------
>>> import pandas as pd
>>> r = pd.DataFrame({"response_id": ["a", "b", "c", "d"], "ltr": [9, 7, 3, 10],
...                   "overall_satisfaction": [9, 8, 2, 10], "delivery": [8, 9, 4, 7],
...                   "price": [5, 7, 6, 6]})
>>> c = choose_drivers(r, "ltr")
>>> c.drivers
['delivery', 'price']
>>> c.left_out["reason"].tolist()
['its name says it is an outcome']
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..io.datamodel import driver_columns, names_outcome
from ..io.tables import read_info

#: a driver correlating above this with the outcome is probably another outcome measure
OUTCOME_LIKE_R = 0.8
DECLARED = "declared not a driver in the data folder"
NAMED = "its name says it is an outcome"


@dataclass(frozen=True)
class DriverChoice:
    """The drivers of an analysis and those left out, with the reason.

    Attributes
    ----------
    drivers : list of str
        The drivers analysed.
    named : bool
        The drivers were named (``drivers=``) rather than found.
    left_out : DataFrame
        Indexed by ``column``: ``reason`` (empty where nothing was left out).
    outcome_like : DataFrame
        Indexed by ``driver``: ``r``, its correlation with the outcome, above
        :data:`OUTCOME_LIKE_R` (kept, and named in the report).
    """

    drivers: list
    named: bool
    left_out: pd.DataFrame
    outcome_like: pd.DataFrame

    def sentences(self, outcome_words: str = "likelihood to recommend") -> list[str]:
        """What was left out and why, and which drivers look like outcomes, in words."""
        out = []
        for reason, rows in self.left_out.groupby("reason", sort=False):
            names = ", ".join(f"'{c}'" for c in rows.index)
            why = ("their names say they are outcomes like the recommend question, not "
                   "drivers of it" if reason == NAMED else
                   "the survey's set-up names them as outcomes, not drivers")
            out.append(f"Not analysed as drivers, as {why}: {names}.")
        for d, r in self.outcome_like["r"].items():
            out.append(f"'{d}' correlates {r:.2f} with {outcome_words}: probably another "
                       "outcome measure rather than a driver of it; its importance is read "
                       "with that in mind.")
        return out

    def key_results(self) -> dict:
        """For the JSON results: ``left_out`` {column: reason}, ``outcome_like`` {driver: r}."""
        return {"left_out": self.left_out["reason"].to_dict(),
                "outcome_like": {d: float(r) for d, r in self.outcome_like["r"].items()}}


def choose_drivers(responses: pd.DataFrame, outcome: str, drivers=None,
                   threshold: float = OUTCOME_LIKE_R) -> DriverChoice:
    """The drivers to analyse: those named, else every rating that is not an outcome.

    Parameters
    ----------
    responses : DataFrame
        A loaded responses table (what the data folder declared travels with it).
    outcome : str
        The outcome column.
    drivers : list of str, optional
        Drivers named by the analyst: taken as they are (checked later, when prepared).
    threshold : float
        Correlation with the outcome above which a driver is named as outcome-like.

    Returns
    -------
    DriverChoice
    """
    named = bool(drivers)
    left: dict[str, str] = {}
    if named:
        chosen = list(drivers)
    else:
        declared = read_info(responses).get("not_drivers", [])
        for c in declared:
            if c in responses.columns and c != outcome:
                left[c] = DECLARED
        chosen = []
        for c in driver_columns(responses):
            if c == outcome:
                continue
            if names_outcome(c):
                left[c] = NAMED
            else:
                chosen.append(c)
    like = {}
    if outcome in responses.columns:
        y = pd.to_numeric(responses[outcome], errors="coerce")
        for d in chosen:
            if d not in responses.columns:
                continue
            x = pd.to_numeric(responses[d], errors="coerce")
            ok = x.notna() & y.notna()
            if ok.sum() > 2 and x[ok].nunique() > 1 and y[ok].nunique() > 1:
                r = float(np.corrcoef(x[ok], y[ok])[0, 1])
                if abs(r) > threshold:
                    like[d] = r
    return DriverChoice(
        drivers=chosen, named=named,
        left_out=pd.DataFrame({"reason": pd.Series(left, dtype=object)},
                              index=pd.Index(list(left), name="column", dtype=object)),
        outcome_like=pd.DataFrame({"r": pd.Series(like, dtype=float)},
                                  index=pd.Index(list(like), name="driver", dtype=object)))
