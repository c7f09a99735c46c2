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

    pandas writes the cells (``pd.ExcelWriter`` with xlsxwriter); cxkit adds the layout.
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

    import pandas as pd

    from ..paths import atomic_write_bytes

    percent, bands, charts = percent or {}, bands or {}, charts or {}
    buf = io.BytesIO()
    # text stays text: no formulas, links or numbers made from a customer's words
    options = {"strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}
    with pd.ExcelWriter(buf, engine="xlsxwriter", date_format="yyyy-mm-dd",
                        datetime_format="yyyy-mm-dd",
                        engine_kwargs={"options": options}) as writer:
        wb = writer.book
        head = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
        fmt = {"int": wb.add_format({"num_format": "#,##0"}),
               "float": wb.add_format({"num_format": "#,##0.0"}),
               "pct": wb.add_format({"num_format": "0%"}),
               "wrap": wb.add_format({"text_wrap": True, "valign": "top"})}
        fills = {band: wb.add_format({"bg_color": colour.upper()})
                 for band, colour in BAND_COLOURS.items()}
        taken: list[str] = []
        for raw_name, content in sheets.items():
            name = sheet_name(raw_name, taken)
            taken.append(name)
            if not isinstance(content, pd.DataFrame):  # sentences, one per row
                pd.DataFrame({"text": [str(line) for line in content]}).to_excel(
                    writer, sheet_name=name, header=False, index=False)
                writer.sheets[name].set_column(0, 0, 120, fmt["wrap"])
                continue
            has_index = any(n is not None for n in content.index.names)
            df = content.reset_index() if has_index else content.reset_index(drop=True)
            df.columns = [pretty(" ".join(map(str, c)) if isinstance(c, tuple) else c)
                          for c in df.columns]
            df.to_excel(writer, sheet_name=name, index=False,
                        freeze_panes=(1, 1 if has_index else 0))
            ws = writer.sheets[name]
            _layout(ws, df, {pretty(c) for c in percent.get(raw_name, ())}, head, fmt)
            if len(df):  # every table can be sorted and filtered
                ws.autofilter(0, 0, len(df), len(df.columns) - 1)
            if raw_name in bands and len(df):
                _band_colours(ws, df, *bands[raw_name], fills)
            for i, spec in enumerate(charts.get(raw_name, ()) if len(df) else ()):
                ws.insert_chart(len(df) + 3 + 16 * i, 1, _chart(wb, name, df, spec),
                                {"x_scale": 1.4, "y_scale": 1.1})
    return atomic_write_bytes(path, buf.getvalue())


def _layout(ws, df, pct_cols, head, fmt) -> None:
    """Bold wrapped headers, column widths, and number formats by kind of column."""
    import pandas as pd

    for c, col in enumerate(df.columns):
        ws.write_string(0, c, str(col), head)
        values = df.iloc[:, c]
        width = min(max(max([len(str(col))] + [len(str(v)) for v in values.head(200)]) + 2,
                        8), 60)
        numeric = (pd.api.types.is_numeric_dtype(values)
                   and not pd.api.types.is_bool_dtype(values))
        style = (None if not numeric else fmt["pct"] if col in pct_cols else
                 fmt["int"] if pd.api.types.is_integer_dtype(values) else fmt["float"])
        ws.set_column(c, c, width, style)


def _band_colours(ws, df, cols, amber, green, fills) -> None:
    """Red below ``amber``, amber below ``green``, else green, on the named columns."""
    labels = list(df.columns)
    for col in cols:
        if pretty(col) not in labels:
            continue
        c = labels.index(pretty(col))
        rng = (1, c, len(df), c)
        ws.conditional_format(*rng, {"type": "cell", "criteria": "<", "value": amber,
                                     "format": fills["red"]})
        ws.conditional_format(*rng, {"type": "cell", "criteria": "between", "minimum": amber,
                                     "maximum": green - 1e-9, "format": fills["amber"]})
        ws.conditional_format(*rng, {"type": "cell", "criteria": ">=", "value": green,
                                     "format": fills["green"]})


def _chart(wb, name, df, spec):
    """A native Excel chart of the sheet's table (see :func:`write_workbook`)."""
    cols = list(df.columns)
    chart = wb.add_chart({"type": spec.get("type", "bar")})
    cat = cols.index(pretty(spec["categories"]))
    for v in spec["values"]:
        c = cols.index(pretty(v))
        chart.add_series({"name": [name, 0, c], "categories": [name, 1, cat, len(df), cat],
                          "values": [name, 1, c, len(df), c]})
    chart.set_title({"name": spec.get("title", "")})
    chart.set_legend({"position": "bottom"})
    return chart
