"""Labels: column names as words, band colours, trend arrows: how results look, in one place."""
from __future__ import annotations

# CHI bands (names and thresholds live in the model: cxkit.chi.model) as a reader sees them
BAND_COLOURS = {"red": "#f4b6b6", "amber": "#ffe08a", "green": "#b7dfb0"}
# a change beyond the threshold (cxkit.io.datamodel.change_direction) as an arrow
ARROWS = {"up": "↑", "down": "↓", "flat": "→", "": ""}


def arrow(direction: str) -> str:
    """The arrow of a direction: ``"up"`` → ``↑`` (missing: empty).

    >>> arrow("down"), arrow("")
    ('↓', '')
    """
    return ARROWS[direction or ""]

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
