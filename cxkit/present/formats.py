"""Numbers as a reader expects them: one convention for every report and workbook.

=========  ===========================  ===================  =====================
kind       what it holds                report               workbook number format
=========  ===========================  ===================  =====================
money      an amount of the currency    ``EUR 4,997,108``    ``"EUR "#,##0``
                                        (``EUR 5.0M`` in
                                        sentences and key
                                        numbers)
share      a share, 0 to 1              ``80%``              ``0%``
rate       retention or churn a period  ``97.8%``            ``0.0%``
growth     a change as a share          ``+20%``             ``+0%;-0%;0%``
percent    a change already in %        ``+1.9%``            ``+0.0"%"``
score      a 0–100 score (CHI, lens %)  ``69``               ``0``
change     a change of a score          ``+8.7``             ``+0.0;-0.0;0.0``
nps        a Net Promoter Score         ``+20``              ``+0;-0;0``
rating     a 0–10 rating                ``7.2``              ``0.0``
count      a whole number               ``1,338``            ``#,##0``
ratio      a measure such as R² or AUC  ``0.58``             ``0.00``
yesno      a flag                       ``yes`` / ``no``     text
=========  ===========================  ===================  =====================

No ``-0``: a value that rounds to zero is shown without a sign. A missing value is "—".
The currency is a parameter of every notebook that shows money: a code (``EUR``) is
written before the amount with a space, a symbol (``$``, ``€``) without one; empty shows
the amount alone. In a report table the currency is said once, in the column's header
("spend (EUR)"), and the cells hold the amounts alone.
"""
from __future__ import annotations

import math
import numbers

KINDS = ("money", "share", "rate", "growth", "percent", "score", "change", "nps", "rating",
         "count", "ratio", "yesno")
MISSING = "—"


def _missing(x) -> bool:
    return x is None or (isinstance(x, numbers.Real) and not isinstance(x, bool)
                         and math.isnan(x))


def _number(x: float, decimals: int, signed: bool = False) -> str:
    text = f"{x:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:  # no "-0" or "+0"
        return text.lstrip("-")
    return "+" + text if signed and x > 0 else text


def currency_prefix(currency: str) -> str:
    """How ``currency`` stands before an amount: ``"EUR "``, ``"$"`` or ``""``.

    >>> currency_prefix("EUR"), currency_prefix("$"), currency_prefix("")
    ('EUR ', '$', '')
    """
    currency = (currency or "").strip()
    return f"{currency} " if currency.isalpha() and len(currency) > 1 else currency


def money(x, currency: str = "", signed: bool = False, whole: bool = False) -> str:
    """An amount with the currency, at the precision a reader needs.

    From a million on in millions with one decimal, from a billion on in billions with
    two (what a board reads, and what no rounding in the last digits of a fitted model
    changes); below, whole with thousands. ``whole=True`` gives every digit (a table's
    column of amounts, where the digits line up).

    >>> money(461588018, "EUR"), money(-1910863, "$"), money(22159.4, "EUR"), money(None)
    ('EUR 461.6M', '-$1.9M', 'EUR 22,159', '—')
    >>> money(4997108.05, "EUR", whole=True), money(1.254e9, "EUR", signed=True)
    ('EUR 4,997,108', '+EUR 1.25bn')
    """
    if _missing(x):
        return MISSING
    size = abs(x)
    if whole or size < 999_950:
        text = _number(size, 0)
    elif size < 999_950_000:
        text = _number(size / 1e6, 1) + "M"
    else:
        text = _number(size / 1e9, 2) + "bn"
    sign = "-" if x < 0 and text != "0" else "+" if signed and x > 0 and text != "0" else ""
    return f"{sign}{currency_prefix(currency)}{text}"


def fmt(x, kind: str, currency: str = "", decimals: int | None = None,
        whole: bool = True) -> str:
    """``x`` shown as its ``kind`` (see the table above).

    Money is whole (``whole=True``, for tables), or in millions from a million on
    (``whole=False``, for sentences and key numbers; see :func:`money`).

    Examples
    --------
    >>> fmt(0.8, "share"), fmt(0.1977, "growth"), fmt(-0.001, "growth"), fmt(20, "nps")
    ('80%', '+20%', '0%', '+20')
    >>> fmt(68.58, "score"), fmt(-8.7, "change"), fmt(7.25, "rating"), fmt(1338, "count")
    ('69', '-8.7', '7.2', '1,338')
    >>> fmt(True, "yesno"), fmt(float("nan"), "share"), fmt(0.583, "ratio")
    ('yes', '—', '0.58')
    >>> fmt(0.9784, "rate"), fmt(0.0171, "rate")
    ('97.8%', '1.7%')
    """
    if kind == "yesno":
        return MISSING if x is None else "yes" if x else "no"
    if _missing(x):
        return MISSING
    if kind == "money":
        return money(x, currency, whole=whole)
    if kind == "share":
        return _number(100 * x, 0 if decimals is None else decimals) + "%"
    if kind == "rate":  # retention and churn per period: 97.8% and 1.7% differ from 98%, 2%
        return _number(100 * x, 1 if decimals is None else decimals) + "%"
    if kind == "growth":
        return _number(100 * x, 0 if decimals is None else decimals, signed=True) + "%"
    if kind == "percent":
        return _number(x, 1 if decimals is None else decimals, signed=True) + "%"
    if kind == "score":
        return _number(x, 0 if decimals is None else decimals)
    if kind == "change":
        return _number(x, 1 if decimals is None else decimals, signed=True)
    if kind == "nps":
        return _number(x, 0 if decimals is None else decimals, signed=True)
    if kind == "rating":
        return _number(x, 1 if decimals is None else decimals)
    if kind == "count":
        return _number(x, 0)
    if kind == "ratio":
        return _number(x, 2 if decimals is None else decimals)
    raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")


_FREQUENCY_OF = {52: "weekly", 12: "monthly", 4: "quarterly"}


def in_unit(x, unit: str) -> str:
    """A number in its unit, as an objective's current value and target are shown.

    ``%`` a % score, ``CHI`` health-index points, ``responses`` a count of answers,
    ``contacts a year`` an interaction frequency (52 reads "weekly").

    >>> in_unit(63.6, "%"), in_unit(61.2, "CHI"), in_unit(1, "responses"), in_unit(0, "responses")
    ('64%', 'CHI 61', '1 response', '0 responses')
    >>> in_unit(4, "contacts a year"), in_unit(26, "contacts a year"), in_unit(None, "%")
    ('quarterly', '26 contacts a year', '—')
    """
    if _missing(x):
        return MISSING
    if unit == "%":
        return _number(x, 0) + "%"
    if unit == "CHI":
        return "CHI " + _number(x, 0)
    if unit == "contacts a year" and round(x) in _FREQUENCY_OF and float(x).is_integer():
        return _FREQUENCY_OF[round(x)]
    if unit == "responses":
        return f"{_number(x, 0)} response" + ("" if x == 1 else "s")
    return f"{_number(x, 0)} {unit}".strip()


def excel_format(kind: str, currency: str = "") -> str | None:
    """The Excel number format of ``kind`` (None: text or general).

    >>> excel_format("money", "EUR"), excel_format("share"), excel_format("nps")
    ('"EUR "#,##0', '0%', '+0;-0;0')
    """
    prefix = currency_prefix(currency).replace('"', "")
    return {"money": f'"{prefix}"#,##0' if prefix else "#,##0",
            "share": "0%", "rate": "0.0%", "growth": "+0%;-0%;0%", "percent": '+0.0"%";-0.0"%";0.0"%"',
            "score": "0", "change": "+0.0;-0.0;0.0",
            "nps": "+0;-0;0", "rating": "0.0", "count": "#,##0", "ratio": "0.00"}.get(kind)


# -- key numbers in words ------------------------------------------------------------------
_MONEY = ("revenue", "spend", "asset", "expansion", "contraction", "lifetime_value",
          "needed_to_stand_still", "clv", "margin_value")
_SHARE = ("retention", "rate", "share", "promoters", "detractors", "precision", "fit_score",
          "p_top", "complete")
_RATIO = ("key_weight", "r2", "auc", "lift", "alpha", "beta", "r")


def kind_of(name: str, value, parent: str = "") -> str | None:
    """The kind of a key number from its name (None: text, shown as it is).

    ``ci_low`` and ``ci_high`` take the kind of what they bound (``parent``).

    >>> kind_of("spend", 1.0), kind_of("nps_change", -30.0), kind_of("median_chi", 55.1)
    ('money', 'nps', 'score')
    >>> kind_of("ci_low", 18.9, parent="nps"), kind_of("objectives", 3), kind_of("growth", .2)
    ('nps', 'count', 'growth')
    >>> kind_of("logo_retention", 0.978), kind_of("ci_high", 0.045, parent="churn_rate")
    ('rate', 'rate')
    """
    import re

    if isinstance(value, bool):
        return "yesno"
    if not isinstance(value, numbers.Real):
        return None
    lower = str(name).lower()
    if lower in ("ci_low", "ci_high", "low", "high") and parent:
        return kind_of(parent, value)
    words = re.split(r"[_ ]", lower)
    if words[-1] in ("low", "high") and len(words) > 1:  # pct_low: as pct
        return kind_of("_".join(words[:-1]), value, parent)
    whole = isinstance(value, numbers.Integral)
    if "nps" in words:
        return "nps"
    if lower == "pct":
        return "percent"
    if "growth" in words:
        return "growth"
    if "chi" in words:
        return "change" if "change" in words else "score"
    if "pct" in words:
        return "score"
    if ("churn" in words or "retention" in words) and not whole:
        return "rate"
    shares = any(w in _SHARE or w.endswith("share") for w in words) or lower in _SHARE
    if shares and not whole:
        return "share"
    if any(m in lower for m in _MONEY):
        return "money"
    if lower in _RATIO or words[-1] in _RATIO:
        return "ratio"
    if whole or float(value).is_integer():
        return "count"
    return "ratio"


def _scalar(x) -> bool:
    return x is None or isinstance(x, (str, numbers.Number))


def _show(name, value, parent: str = "", currency: str = "") -> str:
    from .labels import words

    if isinstance(value, str):
        return str(words(value))
    kind = kind_of(name, value, parent)
    return fmt(value, kind, currency, whole=False) if kind else str(value)


def _record(name: str, d: dict, currency: str) -> str:
    """A dict of scalars in words: the main value first, its interval, then the rest."""
    from .labels import pretty

    keys = list(d)
    main = next((k for k in keys if not k.endswith(("_low", "_high")) and
                 isinstance(d[k], numbers.Real) and not isinstance(d[k], bool)), None)
    parts, used = [], set()
    for lo, hi in (("ci_low", "ci_high"), (f"{main}_low", f"{main}_high")):
        if main is not None and not used and {lo, hi} <= set(d):
            parts.append(f"{_show(main, d[main], name, currency)} "
                         f"({_show(lo, d[lo], main, currency)} to "
                         f"{_show(hi, d[hi], main, currency)})")
            used = {main, lo, hi}
    text_keys = [k for k in keys if isinstance(d[k], str) and k not in used]
    if not parts and text_keys:  # a record named by its text (a rule, a name)
        parts.append(_show(text_keys[0], d[text_keys[0]]))
        used.add(text_keys[0])
    parts += [f"{pretty(k)} {_show(k, d[k], name, currency)}" for k in keys
              if k not in used and _scalar(d[k])]
    return ", ".join(parts) if parts else "none"


def key_rows(key: dict, currency: str = "", _label: str = "") -> list[tuple[str, str]]:
    """The key numbers of an analysis as (label, value) rows in words.

    Scalars are formatted by kind (:func:`kind_of`); a dict of scalars becomes one row
    ("red 89, amber 155, green 5", or a value with its interval); deeper dicts and lists
    of records become one row per entry. The JSON results keep the raw keys.

    Examples
    --------
    >>> key_rows({"spend": 4997108.05, "bands": {"red": 89, "green": 5},
    ...           "nps": {"nps": 21.4, "ci_low": 18.9, "ci_high": 23.9, "n": 2939},
    ...           "top_drivers": ["product_quality", "pm_expertise"]}, currency="EUR")
    ... # doctest: +NORMALIZE_WHITESPACE
    [('spend', 'EUR 5.0M'), ('bands', 'red 89, green 5'),
     ('NPS', '+21 (+19 to +24), n 2,939'), ('top drivers', 'product quality, PM expertise')]
    """
    from .labels import pretty

    rows = []
    for name, value in key.items():
        label = f"{_label}: {pretty(name)}" if _label else pretty(name)
        if isinstance(value, dict):
            if all(_scalar(v) for v in value.values()):
                rows.append((label, _record(name, value, currency)))
            else:
                rows += key_rows(value, currency, label)
        elif isinstance(value, (list, tuple)):
            if all(isinstance(v, dict) for v in value):
                rows += [(f"{label} {i}", _record(name, v, currency))
                         for i, v in enumerate(value, 1)]
            else:
                rows.append((label, ", ".join(_show(name, v, currency=currency)
                                              for v in value) or "none"))
        else:
            rows.append((label, "none" if value in ("", None) else
                         _show(name, value, currency=currency)))
    return rows
