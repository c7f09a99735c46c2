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


def write_workbook(path, sheets, percent=None, bands=None, charts=None, kinds=None,
                   currency: str = "") -> Path:
    """Write sheets of tables and sentences to an Excel workbook, atomically.

    pandas writes the cells (``pd.ExcelWriter`` with xlsxwriter); cxkit adds the layout.
    Every text cell is written as text: a customer's comment that starts with ``=``,
    ``+``, ``-`` or ``@`` stays a comment, never a formula or a link. Numbers are written
    as numbers with a number format by kind; flags read yes / no and codes of the data
    model (``account_manager``) words. Headers are bold, frozen and repeated on every
    printed page; each sheet prints one page wide (landscape when wide), charts whole.
    Band columns are coloured red / amber / green. A table longer than a sheet holds
    (:data:`EXCEL_ROWS`) keeps its first rows, says so in the sheet, and is written whole
    as CSV beside the workbook (``<workbook>.<sheet>.csv``).

    Parameters
    ----------
    path : path
    sheets : dict
        Sheet name → DataFrame (written with its index), list of sentences, or dict of
        named values (a two-column item / value sheet, each value in its own format).
    percent : dict, optional
        Sheet name → columns holding shares (0–1), shown as percentages.
    kinds : dict, optional
        Sheet name → {column: kind} (:mod:`cxkit.present.formats`). Other numeric columns
        get the kind their name says (``spend`` money, ``growth`` growth, ``nps`` signed,
        ``chi`` and ``..._pct`` scores: :func:`~cxkit.present.formats.kind_of`).
    currency : str
        In the number format of money.
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
    from pathlib import Path

    import pandas as pd

    from ..paths import atomic_write_bytes, file_stem

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
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        fills = {band: wb.add_format({"bg_color": colour.upper()})
                 for band, colour in BAND_COLOURS.items()}
        taken: list[str] = []
        kinds = kinds or {}
        for raw_name, content in sheets.items():
            name = sheet_name(raw_name, taken)
            taken.append(name)
            if isinstance(content, dict):  # named values, each in its own format
                _record_sheet(writer, name, content, head, wb, currency)
                continue
            if not isinstance(content, pd.DataFrame):  # sentences, one per row
                lines = [str(line) for line in content]
                ws = wb.add_worksheet(name)
                writer.sheets[name] = ws
                ws.set_column(0, 0, SENTENCE_WIDTH, wrap)
                for i, line in enumerate(lines):  # LibreOffice does not grow wrapped rows
                    ws.write_string(i, 0, line, wrap)
                    ws.set_row(i, 15 * max(1, -(-len(line) // (SENTENCE_WIDTH - 10))))
                _print_setup(ws, rows=len(lines), cols=1, header=False)
                continue
            has_index = any(n is not None for n in content.index.names)
            df = content.reset_index() if has_index else content.reset_index(drop=True)
            note = None
            if len(df) > EXCEL_ROWS - 1:  # beyond a sheet: the top rows, and all of them beside
                ending = f".{file_stem(name)}.csv"  # beside it, as a run's outputs are
                full = Path(path).with_name(Path(path).stem + ending)
                atomic_write_bytes(full, _inert_csv(content, has_index))
                kept = EXCEL_ROWS - 3  # the header, a blank row and the note
                note = (f"The first {kept:,} of {len(df):,} rows: more than an Excel sheet "
                        f"holds. Every row is in the CSV file beside this workbook, named "
                        f"like it with {ending} at the end.")
                df = df.head(kept)
            df.columns = [" ".join(map(str, c)) if isinstance(c, tuple) else c
                          for c in df.columns]
            by_kind = _kinds(df, set(percent.get(raw_name, ())), kinds.get(raw_name, {}))
            df = _readable(df)
            df.columns = [pretty(c) for c in df.columns]
            df.to_excel(writer, sheet_name=name, index=False,
                        freeze_panes=(1, 1 if has_index else 0))
            ws = writer.sheets[name]
            _layout(ws, df, {pretty(c): k for c, k in by_kind.items()}, head, wb, currency)
            if len(df):  # every table can be sorted and filtered
                ws.autofilter(0, 0, len(df), len(df.columns) - 1)
            if note:
                ws.write_string(len(df) + 2, 0, note)
            if raw_name in bands and len(df):
                _band_colours(ws, df, *bands[raw_name], fills)
            specs = charts.get(raw_name, ()) if len(df) else ()
            for i, spec in enumerate(specs):
                ws.insert_chart(len(df) + 3 + 18 * i, 1, _chart(wb, name, df, spec),
                                {"x_scale": 1.4, "y_scale": 1.1})
            _print_setup(ws, rows=len(df) + 1 + 18 * len(specs), cols=len(df.columns))
    return atomic_write_bytes(path, buf.getvalue())


def _inert_csv(df, index: bool) -> bytes:
    """A table as CSV that a spreadsheet opens as text: a cell that would start a formula
    (``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a leading ``'``, as OWASP
    advises for CSV files (numbers are left as they are)."""
    import pandas as pd

    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            text = out[c].astype("string")
            risky = text.str.match(r"[=+\-@\t\r]").fillna(False).astype(bool)
            out[c] = text.where(~risky, "'" + text)
    return out.to_csv(index=index).encode("utf-8-sig")  # BOM: Excel reads it as UTF-8


#: rows of an Excel sheet, its header included
EXCEL_ROWS = 1_048_576
SENTENCE_WIDTH = 64  # characters per line of a sentence sheet: within a portrait page


def _kinds(df, pct_cols, given) -> dict:
    """The kind of number of each numeric column: given, a share, or from its name."""
    import pandas as pd

    from .formats import kind_of

    out = {}
    for col in df.columns:
        values = df[col]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        # kind_of reads the name, and the value only for whole or not: the dtype decides
        sample = 1 if pd.api.types.is_integer_dtype(values) else 0.5
        out[col] = (given.get(col) or ("share" if col in pct_cols else None)
                    or kind_of(str(col), sample) or "ratio")
    return out


def _readable(df):
    """Flags as yes / no and columns of codes of the data model as words (a column of
    names or comments keeps its text); numbers stay numbers."""
    from .formats import fmt
    from .labels import code_column, flag_column, words

    df = df.copy()
    for col in df.columns:
        values = df[col]
        if flag_column(values):
            df[col] = values.map(lambda v: fmt(v, "yesno") if isinstance(v, bool) else v)
        elif code_column(values):
            df[col] = values.map(words)
    return df


def _layout(ws, df, kinds, head, wb, currency) -> None:
    """Bold wrapped headers, column widths, and number formats by kind of column."""
    from .formats import excel_format

    formats = {}
    for c, col in enumerate(df.columns):
        ws.write_string(0, c, str(col), head)
        values = df.iloc[:, c]
        width = min(max(max([len(str(col))] + [len(str(v)) for v in values.head(200)]) + 2,
                        8), 60)
        style = None
        if col in kinds:
            code = excel_format(kinds[col], currency) or "#,##0.00"
            if code not in formats:
                formats[code] = wb.add_format({"num_format": code})
            style = formats[code]
            width = max(width, 12 if kinds[col] == "money" else 8)
        elif width >= 40:  # long text wraps within the column
            style = formats.setdefault("wrap", wb.add_format({"text_wrap": True,
                                                                "valign": "top"}))
        ws.set_column(c, c, width, style)


def _record_sheet(writer, name, record: dict, head, wb, currency) -> None:
    """Named values as item / value rows, each number in the format of its kind."""
    import numbers

    from .formats import excel_format, fmt, kind_of
    from .labels import words

    ws = wb.add_worksheet(name)
    writer.sheets[name] = ws
    ws.write_string(0, 0, "item", head)
    ws.write_string(0, 1, "value", head)
    formats = {}
    for i, (key, v) in enumerate(record.items(), start=1):
        ws.write_string(i, 0, pretty(key))
        if isinstance(v, bool):
            ws.write_string(i, 1, fmt(v, "yesno"))
        elif isinstance(v, numbers.Real) and v == v:
            code = excel_format(kind_of(key, v) or "ratio", currency) or "#,##0.00"
            if code not in formats:
                formats[code] = wb.add_format({"num_format": code, "align": "right"})
            ws.write_number(i, 1, float(v), formats[code])
        elif v is None or (isinstance(v, numbers.Real) and v != v) or v == "":
            ws.write_string(i, 1, "none" if key.endswith("missing") else "—")
        else:
            ws.write_string(i, 1, str(words(str(v))))
    ws.set_column(0, 0, max(len(pretty(k)) for k in record) + 2 if record else 10)
    ws.set_column(1, 1, 24)
    _print_setup(ws, rows=len(record) + 1, cols=2)


def _print_setup(ws, rows: int, cols: int, header: bool = True) -> None:
    """Print one page wide (landscape beyond 8 columns), header row on every page.

    The print area is the used range with its charts (no explicit area: one would cut
    the charts drawn beside narrow tables)."""
    ws.set_paper(9)  # A4; Letter users print the same fit-to-width pages
    if cols > 8:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as it needs
    if header:
        ws.repeat_rows(0)


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
    """A native Excel chart of the sheet's table (see :func:`write_workbook`); a series
    named for a CHI band (red, amber, green) takes the band's colour."""
    cols = list(df.columns)
    kind = {"type": spec.get("type", "bar")}
    if spec.get("subtype"):
        kind["subtype"] = spec["subtype"]
    chart = wb.add_chart(kind)
    cat = cols.index(pretty(spec["categories"]))
    for v in spec["values"]:
        c = cols.index(pretty(v))
        series = {"name": [name, 0, c], "categories": [name, 1, cat, len(df), cat],
                  "values": [name, 1, c, len(df), c]}
        if v in BAND_COLOURS:
            series["fill"] = {"color": BAND_COLOURS[v]}
        chart.add_series(series)
    chart.set_title({"name": spec.get("title", "")})
    chart.set_legend({"position": "bottom"} if len(spec["values"]) > 1 else {"none": True})
    if kind["type"] == "bar":  # first category on top, as in the table
        chart.set_y_axis({"reverse": True})
    return chart
