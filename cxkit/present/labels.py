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


def weighting_note(lens_row) -> str:
    """What key weighting changed on a lens row, in words ("" when nothing).

    Examples
    --------
    >>> weighting_note({"weighting_changes": True, "act_on": "pm_expertise",
    ...                 "act_on_raw": "data_accuracy", "moved_points": 3.2})
    'weighting changes the lower side'
    >>> weighting_note({"weighting_changes": True, "act_on": "pm_expertise",
    ...                 "act_on_raw": "pm_expertise", "moved_points": 6.4})
    'weighting moves a score by 6 points'
    """
    if not lens_row["weighting_changes"]:
        return ""
    if lens_row["act_on"] and lens_row["act_on"] != lens_row["act_on_raw"]:
        return "weighting changes the lower side"
    return f"weighting moves a score by {lens_row['moved_points']:.0f} points"


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
