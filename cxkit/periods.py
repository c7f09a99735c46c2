"""Periods: the labels that tie tables together (``2024Q1``, ``2024-03``, ``2024``).

Every analysis groups dated rows (responses, tickets) into the periods that revenue,
KPIs and operational measures are recorded in. One place says which periods there are
and how a date becomes a label.

>>> import pandas as pd
>>> labels(pd.Series(pd.to_datetime(["2024-02-10", "2024-11-30"])), "Q").tolist()
['2024Q1', '2024Q4']
"""
from __future__ import annotations

import pandas as pd

from .errors import ParameterError

FREQS = {"Q": "quarter", "M": "month", "Y": "year"}
PER_YEAR = {"Q": 4, "M": 12, "Y": 1}


def check(freq: str) -> str:
    """Return ``freq`` if it is a period cxkit knows (Q, M, Y); else a clear error."""
    if freq not in FREQS:
        raise ParameterError(f"period must be one of {', '.join(FREQS)} "
                             f"({', '.join(FREQS.values())}), got {freq!r}")
    return freq


def unit(freq: str) -> str:
    """The period as a word: ``"Q"`` → ``"quarter"``."""
    return FREQS[check(freq)]


def per_year(freq: str) -> int:
    """Periods in a year: ``"Q"`` → 4."""
    return PER_YEAR[check(freq)]


def freq_of(labels) -> str | None:
    """The period length that labels are written in: ``"Q"`` (``2024Q1``), ``"M"``
    (``2024-03``) or ``"Y"`` (``2024``); None for no labels (a table mixing lengths is
    refused when it is read).

    >>> freq_of(["2024Q1", "2024Q2"]), freq_of(pd.Series(["2024-03"])), freq_of(["2024"]), freq_of([])
    ('Q', 'M', 'Y', None)
    """
    for label in labels:
        if isinstance(label, str) and label:
            text = label.strip()
            return "Q" if "Q" in text.upper() else "M" if "-" in text else "Y"
    return None


def labels(dates: pd.Series, freq: str = "Q") -> pd.Series:
    """The period label of each date (missing dates stay missing)."""
    return dates.dt.to_period(check(freq)).astype(str).where(dates.notna())
