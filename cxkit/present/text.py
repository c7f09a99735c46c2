"""Results as plain text: the ``summary()`` of every analysis (statsmodels style).

Examples
--------
>>> print(summary_text("NPS", {"nps": 23.456, "responses": 1200, "top": ["a", "b"]}, {},
...                    ["NPS is +23."], width=40))
NPS
========================================
NPS                                  +23
responses                          1,200
top                                 a, b
----------------------------------------
Findings
- NPS is +23.
"""
from __future__ import annotations

import textwrap

import pandas as pd


def summary_text(title: str, key: dict, tables: dict, headlines: list[str],
                 width: int = 78, currency: str = "") -> str:
    """Title, the key numbers in words (:func:`~cxkit.present.formats.key_rows`), tables,
    findings."""
    from .formats import key_rows

    lines = [title, "=" * width]
    for label, text in key_rows(key, currency):
        room = max(width - len(label) - 1, 10)
        if len(text) > room:
            text = text[: room - 1] + "…"
        lines.append(f"{label}{text:>{width - len(label)}}")
    for caption, df in tables.items():
        lines += ["-" * width, caption]
        if isinstance(df, pd.DataFrame) and df.empty:
            lines.append("(none)")
        else:
            with pd.option_context("display.width", width, "display.max_columns", 20,
                                   "display.precision", 2):
                lines.append(df.to_string(max_rows=30))
    lines += ["-" * width, "Findings"]
    lines += [textwrap.fill(s, width, initial_indent="- ", subsequent_indent="  ")
              for s in headlines]
    return "\n".join(lines)
