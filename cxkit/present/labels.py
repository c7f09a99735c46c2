"""Labels: column names as words, band colours, trend arrows: how results look, in one place."""
from __future__ import annotations

import re

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

# codes of cxkit's data model shown as words where pretty() alone reads badly
CODE_WORDS = {"lens_lower": "lens: act on the lower side", "engagement": "engagement",
              "advocacy_play": "advocacy play", "chi_falling": "CHI falling",
              "coverage": "coverage of buying roles", "lost_next": "lost next period",
              "renewed_next": "renewed next period",
              "grew_next": "revenue grew next period", "ltr": "likelihood to recommend",
              "ci_low": "interval low", "ci_high": "interval high",
              "n_test": "held-out account-periods", "events_test": "held-out events"}
_CODE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)+")
_WORD = re.compile(r"[a-z][a-z0-9]*")

_WORDS = {"pct": "%", "pm": "PM", "nps": "NPS", "auc": "AUC", "ltr": "likelihood to recommend",
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


def sentence_start(text: str) -> str:
    """``text`` to begin a sentence: its first letter upper case, the rest as written
    (``str.capitalize`` would turn "IMAG1" into "Imag1" and "PM expertise" into
    "Pm expertise").

    >>> sentence_start("PM expertise"), sentence_start("iMAG1 trust"), sentence_start("")
    ('PM expertise', 'IMAG1 trust', '')
    """
    return text[:1].upper() + text[1:]


def and_list(items) -> str:
    """Words joined as a sentence lists them: ``a``, ``a and b``, ``a, b and c``.

    >>> and_list(["revenue", "lifetime value", "detractors waiting"])
    'revenue, lifetime value and detractors waiting'
    """
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def pretty(name: str) -> str:
    """A column name as words: ``on_time_shipment_pct`` → ``on-time shipment %``.

    >>> pretty("pm_expertise"), pretty("on_time_shipment_pct")
    ('PM expertise', 'on-time shipment %')
    """
    if name in CODE_WORDS:
        return CODE_WORDS[name]
    words = [_WORDS.get(w, w) for w in str(name).split("_")]
    text = " ".join(words)
    for raw, nice in _WORDS.items():
        if " " in raw:
            text = text.replace(raw, nice)
    return text


def is_code(value) -> bool:
    """Whether ``value`` is a code of the data model (``account_manager``, ``lens_lower``):
    lower-case words joined by underscores, shown to a reader as words.

    >>> is_code("account_manager"), is_code("A00066"), is_code("Tom Brennan")
    (True, False, False)
    """
    return isinstance(value, str) and _CODE.fullmatch(value) is not None


def words(value):
    """A cell shown to a reader: codes as words (:func:`pretty`), anything else unchanged.

    >>> words("lens_lower"), words("Juniper_Works"), words(3)
    ('lens: act on the lower side', 'Juniper_Works', 3)
    """
    return pretty(value) if is_code(value) else value


def code_column(values) -> bool:
    """Whether a column holds codes of the data model only (``owner_role``, ``rule``,
    ``act_on``): every non-empty value is a code. A column of names or comments where one
    value happens to look like a code is data and keeps its text.

    A code may be one word (``engagement``, ``communication``) beside codes of several
    (``lens_lower``, ``ease_of_doing_business``); a column of one-word values only is not
    taken for codes.

    >>> code_column(["account_manager", "project_manager", ""]), code_column(["acme_co", "Juniper"])
    (True, False)
    >>> code_column(["lens_lower", "engagement"]), code_column(["adoption", "renewal"])
    (True, False)
    """
    seen = [v for v in values if isinstance(v, str) and v != ""]
    return (any(is_code(v) for v in seen)
            and all(_WORD.fullmatch(v) or is_code(v) for v in seen))


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, with an s unless there is one: ``3 accounts``, ``1 owner``.

    >>> plural(3, "account"), plural(1, "owner"), plural(2, "account-lens pair")
    ('3 accounts', '1 owner', '2 account-lens pairs')
    """
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def flag_column(values) -> bool:
    """Whether a column holds flags (True / False), shown to a reader as yes / no."""
    import pandas as pd

    return pd.api.types.is_bool_dtype(values) or (
        values.dtype == object and values.map(lambda v: isinstance(v, bool)).any())
