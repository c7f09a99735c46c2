"""Results as plain text: the ``summary()`` of every analysis (statsmodels style).

Examples
--------
>>> print(summary_text("NPS", {"nps": 23.456, "responses": 1200, "top": ["a", "b"]}, {},
...                    ["NPS is +23."], width=40))
NPS
========================================
nps                                23.46
responses                          1,200
top                                 a, b
----------------------------------------
Findings
- NPS is +23.
"""
from __future__ import annotations

import numbers
import textwrap

import pandas as pd


def _value(v) -> str | None:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, numbers.Integral):
        return f"{v:,}"
    if isinstance(v, numbers.Real):
        return "—" if v != v else f"{v:,.2f}"
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)) and all(isinstance(x, (str, numbers.Number)) for x in v):
        return ", ".join(str(x) for x in v) if v else "none"
    return None  # nested: shown in the tables, not in the key numbers


def summary_text(title: str, key: dict, tables: dict, headlines: list[str],
                 width: int = 78) -> str:
    """Title, the key numbers that are scalars or short lists, tables, findings."""
    lines = [title, "=" * width]
    for name, v in key.items():
        text = _value(v)
        if text is None:
            continue
        label = str(name).replace("_", " ")
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
