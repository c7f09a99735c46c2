"""Reports a manager reads: HTML without code.

papermill's report mode hides code in the notebook but not in HTML, so the HTML
report is made with nbconvert's exporter with input cells excluded. Prompts and
error-stream noise (warnings, progress bars) are left out too; a failed cell's
error is kept, so a failed report says so.

Text from the data (names, ids, comments, column headers) is shown as text, never
as markup: sentences and tables are escaped HTML marked so that no math typesetter
reads ``$...$`` in them, and chart labels are drawn without mathtext. A report opens
complete offline: it loads no script, font or style from the network (no
require.js, MathJax or Mermaid), and its Content-Security-Policy forbids any
request beyond the images embedded in it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .paths import atomic_write_text

if TYPE_CHECKING:  # nbformat is imported where it is used: see html_report
    import nbformat


def html_report(notebook: nbformat.NotebookNode | str | os.PathLike, title: str | None = None
                ) -> str:
    """Render an executed notebook as an HTML report with no code.

    Parameters
    ----------
    notebook : NotebookNode or path
        The executed notebook.
    title : str, optional
        Page title; default the notebook's first heading.

    Returns
    -------
    str
        A self-contained HTML page (charts embedded as images).
    """
    import nbformat  # here, not at the top: a notebook's kernel imports this module and
    from nbconvert import HTMLExporter  # nbformat's import costs it 2 s (jsonschema formats)

    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(
        str(notebook), as_version=4)
    nb = nbformat.from_dict(nb)  # a copy: the executed notebook keeps everything
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    if title is None:
        title = _first_heading(nb) or "cxkit report"
    nb.metadata["title"] = title
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, extra_loaders=[_report_template()],
                            template_file=_REPORT_TEMPLATE)
    body, _ = exporter.from_notebook_node(nb)
    return body


_REPORT_TEMPLATE = "cxkit_report.html.j2"
# A report must open complete offline and run nothing: JupyterLab's template without the
# scripts it loads from a CDN (require.js, MathJax, Mermaid), and a policy that refuses any
# request but the images embedded in the page.
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                           "font-src data:; base-uri 'none'; form-action 'none'")


def _report_template():
    from jinja2 import DictLoader

    return DictLoader({_REPORT_TEMPLATE: (
        "{%- extends 'index.html.j2' -%}\n"
        "{%- block html_head_js -%}\n"
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        "{%- endblock html_head_js -%}\n"
        "{% block jupyter_widgets %}{% endblock jupyter_widgets %}\n"
        "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
        "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n")})


def _first_heading(nb) -> str | None:
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            for line in cell.get("source", "").splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return None


def write_html_report(notebook, path: str | os.PathLike, title: str | None = None) -> Path:
    """Render :func:`html_report` and write it atomically to ``path``."""
    return atomic_write_text(path, html_report(notebook, title))


# --------------------------------------------------------------------------- in notebooks
def setup_notebook() -> None:
    """One look for every notebook: seaborn theme, readable figures, tidy pandas tables."""
    import matplotlib as mpl
    import pandas as pd
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    # labels come from the data: "$" in a name is a dollar sign, never mathtext
    mpl.rcParams.update({"figure.dpi": 100, "savefig.bbox": "tight", "figure.figsize": (8, 3.5),
                         "text.parse_math": False})
    pd.set_option("display.precision", 2)
    pd.set_option("display.max_rows", 30)


# MathJax 2 and 3 (nbconvert, Jupyter Notebook, JupyterLab) leave elements of these classes
# alone, so "$5 $10" in a customer's name is never typeset as math.
NO_MATH = "tex2jax_ignore mathjax_ignore"


def bullets(sentences):
    """Show plain sentences as a bullet list in a notebook.

    The sentences are cxkit's own words built from results, but they quote names from
    the data. They are shown as escaped HTML, never Markdown: ``[x](javascript:...)``,
    ``![x](http://...)``, ``<b>`` and ``$x$`` in a name stay the characters they are.

    Returns
    -------
    IPython.display.HTML

    Examples
    --------
    >>> bullets(["Acme [click](javascript:x) <b>$5</b>"]).data
    '<ul class="cxkit-bullets tex2jax_ignore mathjax_ignore">\\n<li>Acme [click](javascript:x) &lt;b&gt;$5&lt;/b&gt;</li>\\n</ul>'
    """
    import html

    from IPython.display import HTML

    items = "".join(f"<li>{html.escape(str(s))}</li>\n" for s in sentences)
    return HTML(f'<ul class="cxkit-bullets {NO_MATH}">\n{items}</ul>')


def inert(styler):
    """Mark a Styler's table so that no math typesetter reads ``$...$`` in its cells."""
    return styler.set_table_attributes(f'class="{NO_MATH}"')


def plain_text(ax):
    """Draw every label of ``ax``'s figure as plain text, never mathtext; returns ``ax``.

    A name from the data with a ``$`` in it (``Acme $ Co``) would otherwise be parsed as
    TeX math and fail to draw. Tick labels are created now, as plain text; the notebooks
    also switch mathtext off for every chart (:func:`setup_notebook`).
    """
    import matplotlib as mpl
    from matplotlib.text import Text

    fig = ax.figure
    with mpl.rc_context({"text.parse_math": False}):
        for a in fig.axes:
            for axis in (a.xaxis, a.yaxis):
                axis.get_ticklabels()  # creates the tick labels under this rc
    for text in fig.findobj(Text):
        text.set_parse_math(False)
    return ax


def table(df, percent=(), integer=(), decimals: int = 1, caption: str | None = None,
          labels: bool = True):
    """A DataFrame formatted for a reader: thousands separators, percentages, "—" for empty.

    Parameters
    ----------
    df : DataFrame
    percent : iterable of str
        Columns holding shares (0–1), shown as percentages.
    integer : iterable of str
        Columns shown as whole numbers; other numeric columns get ``decimals``.
    caption : str, optional
    labels : bool
        Show column names, index names and index labels as words (:func:`pretty`).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    import html

    import pandas as pd

    fmt = {}
    for col in df.columns:
        if col in percent:
            fmt[col] = "{:.0%}".format
        elif col in integer:
            fmt[col] = "{:,.0f}".format
        elif pd.api.types.is_integer_dtype(df[col]):
            fmt[col] = "{:,}".format
        elif pd.api.types.is_float_dtype(df[col]):
            fmt[col] = f"{{:,.{decimals}f}}".format
        elif pd.api.types.is_datetime64_any_dtype(df[col]):
            fmt[col] = "{:%Y-%m-%d}".format  # dates as dates, without a midnight time
    shown = df
    if labels:  # relabel a copy: the caller's frame keeps its names
        shown = df.rename(columns=pretty)
        shown.index = shown.index.set_names([pretty(n) if n else n for n in df.index.names])
        fmt = {pretty(c): f for c, f in fmt.items()}
    # text in cells (names, customers' comments) is data: escaped, never HTML
    styler = shown.style.format(fmt, na_rep="—", escape="html")
    if labels:
        styler = styler.format_index(pretty, axis=0, escape="html")
    else:
        styler = styler.format_index(escape="html", axis=0)
    styler = styler.format_index(escape="html", axis=1)
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return inert(styler)


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


# --------------------------------------------------------------------------- workbooks
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

    from .paths import atomic_write_bytes

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
    fills = {"red": wb.add_format({"bg_color": "#F4B6B6"}),
             "amber": wb.add_format({"bg_color": "#FFE08A"}),
             "green": wb.add_format({"bg_color": "#B7DFB0"})}
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
