"""Workbooks for clients: tables and sentences, text kept as text, formats by kind."""
from __future__ import annotations

from pathlib import Path

from .labels import BAND_COLOURS, pretty

_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})
_CONTROL = {c: " " for c in range(32)} | {127: " "}


def sheet_name(text: str, taken=()) -> str:
    """A valid, unused Excel sheet name.

    At most 31 characters, none of ``[]:*?/\\`` or control characters, not starting or
    ending with an apostrophe, not Excel's reserved ``History``, and distinct from
    ``taken`` ignoring case (Excel compares sheet names without case).

    Examples
    --------
    >>> sheet_name("A0001'"), sheet_name("'Quote'd'"), sheet_name("history")
    ('A0001', "Quote'd", 'history 2')
    """
    base = (str(text).translate(_BAD_SHEET_CHARS).translate(_CONTROL).strip()
            .strip("'").strip())[:31].strip().strip("'") or "Sheet"
    taken_lower = {t.lower() for t in taken} | {"history"}
    name, i = base, 2
    while name.lower() in taken_lower:
        name = f"{base[:28].rstrip(chr(39))} {i}"
        i += 1
    return name


def write_workbook(path, sheets, percent=None, bands=None, charts=None) -> Path:
    """Write sheets of tables and sentences to an Excel workbook, atomically.

    Every text cell is written as text: a customer's comment that starts with ``=``,
    ``+``, ``-`` or ``@`` stays a comment, never a formula or a link. Headers are bold
    and frozen, numbers formatted, and band columns coloured red / amber / green.

    Parameters
    ----------
    path : path
    sheets : dict
        Sheet name → DataFrame (written with its index) or list of sentences.
    percent : dict, optional
        Sheet name → columns holding shares (0–1), shown as percentages.
    bands : dict, optional
        Sheet name → (columns, amber, green): values below ``amber`` red, below ``green``
        amber, else green.
    charts : dict, optional
        Sheet name → list of native Excel charts drawn from the sheet's table, each a dict:
        ``type`` (``bar``, ``column``, ``line``), ``title``, ``categories`` (column of
        labels) and ``values`` (list of columns, one series each).

    Returns
    -------
    Path
    """
    import io
    import math
    from datetime import date, datetime

    import numpy as np
    import pandas as pd
    import xlsxwriter

    from ..paths import atomic_write_bytes

    percent, bands, charts = percent or {}, bands or {}, charts or {}
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    head = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    fmt = {"int": wb.add_format({"num_format": "#,##0"}),
           "float": wb.add_format({"num_format": "#,##0.0"}),
           "pct": wb.add_format({"num_format": "0%"}),
           "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
           "wrap": wb.add_format({"text_wrap": True, "valign": "top"})}
    fills = {band: wb.add_format({"bg_color": colour.upper()})
             for band, colour in BAND_COLOURS.items()}
    taken: list[str] = []
    for raw_name, content in sheets.items():
        name = sheet_name(raw_name, taken)
        taken.append(name)
        ws = wb.add_worksheet(name)
        if not isinstance(content, pd.DataFrame):
            ws.set_column(0, 0, 120, fmt["wrap"])
            for r, line in enumerate(content):
                ws.write_string(r, 0, str(line))
            continue
        df = content.reset_index() if any(n is not None for n in content.index.names) \
            else content.reset_index(drop=True)
        df.columns = [pretty(" ".join(map(str, c)) if isinstance(c, tuple) else c)
                      for c in df.columns]
        pct_cols = {pretty(c) for c in percent.get(raw_name, ())}
        for c, col in enumerate(df.columns):
            ws.write_string(0, c, str(col), head)
            values = df.iloc[:, c]
            width = max([len(str(col))] + [len(str(v)) for v in values.head(200)]) + 2
            ws.set_column(c, c, min(max(width, 8), 60))
            numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
            style = (fmt["pct"] if col in pct_cols else
                     fmt["int"] if pd.api.types.is_integer_dtype(values) else fmt["float"])
            for r, v in enumerate(values, start=1):
                if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
                    ws.write_blank(r, c, None)
                elif isinstance(v, (bool, np.bool_)):
                    ws.write_boolean(r, c, bool(v))
                elif isinstance(v, (pd.Timestamp, datetime, date)):
                    ws.write_datetime(r, c, pd.Timestamp(v).to_pydatetime(), fmt["date"])
                elif numeric and isinstance(v, (int, float, np.integer, np.floating)):
                    ws.write_number(r, c, float(v), style)
                else:
                    ws.write_string(r, c, str(v))
        ws.freeze_panes(1, 1 if any(n is not None for n in content.index.names) else 0)
        if len(df):  # every table can be sorted and filtered
            ws.autofilter(0, 0, len(df), len(df.columns) - 1)
        if raw_name in bands and len(df):
            cols, amber, green = bands[raw_name]
            for col in cols:
                label = pretty(col)
                if label not in list(df.columns):
                    continue
                c = list(df.columns).index(label)
                rng = (1, c, len(df), c)
                ws.conditional_format(*rng, {"type": "cell", "criteria": "<", "value": amber,
                                             "format": fills["red"]})
                ws.conditional_format(*rng, {"type": "cell", "criteria": "between",
                                             "minimum": amber, "maximum": green - 1e-9,
                                             "format": fills["amber"]})
                ws.conditional_format(*rng, {"type": "cell", "criteria": ">=", "value": green,
                                             "format": fills["green"]})
        for i, spec in enumerate(charts.get(raw_name, ())):
            if not len(df):
                continue
            cols = list(df.columns)
            chart = wb.add_chart({"type": spec.get("type", "bar")})
            cat = cols.index(pretty(spec["categories"]))
            for v in spec["values"]:
                c = cols.index(pretty(v))
                chart.add_series({"name": [name, 0, c], "categories": [name, 1, cat, len(df), cat],
                                  "values": [name, 1, c, len(df), c]})
            chart.set_title({"name": spec.get("title", "")})
            chart.set_legend({"position": "bottom"})
            ws.insert_chart(len(df) + 3 + 16 * i, 1, chart, {"x_scale": 1.4, "y_scale": 1.1})
    wb.close()
    return atomic_write_bytes(path, buf.getvalue())
