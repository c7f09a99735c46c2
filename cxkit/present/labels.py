"""Labels: column names as words."""
from __future__ import annotations

_WORDS = {"pct": "%", "pm": "PM", "nps": "NPS", "ltr": "likelihood to recommend",
          "csat": "CSAT", "kpi": "KPI", "chi": "CHI", "on time": "on-time"}


def pretty(name: str) -> str:
    """A column name as words: ``on_time_shipment_pct`` → ``on-time shipment %``.

    >>> pretty("pm_expertise"), pretty("on_time_shipment_pct")
    ('PM expertise', 'on-time shipment %')
    """
    words = [_WORDS.get(w, w) for w in str(name).split("_")]
    text = " ".join(words)
    for raw, nice in _WORDS.items():
        if " " in raw:
            text = text.replace(raw, nice)
    return text
