"""Reports a manager reads: HTML without code.

papermill's report mode hides code in the notebook but not in HTML, so the HTML
report is made with nbconvert's exporter with input cells excluded. Prompts and
error-stream noise (warnings, progress bars) are left out too; a failed cell's
error is kept, so a failed report says so.
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat

from .paths import atomic_write_text


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
    from nbconvert import HTMLExporter

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
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


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
    mpl.rcParams.update({"figure.dpi": 100, "savefig.bbox": "tight", "figure.figsize": (8, 3.5)})
    pd.set_option("display.precision", 2)
    pd.set_option("display.max_rows", 30)


def bullets(sentences):
    """Show plain sentences as a Markdown bullet list in a notebook.

    The sentences are cxkit's own words built from results; anything from a
    customer must be escaped before it reaches Markdown or HTML.

    Returns
    -------
    IPython.display.Markdown
    """
    from IPython.display import Markdown

    return Markdown("\n".join(f"- {s}" for s in sentences))


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
    shown = df
    if labels:  # relabel a copy: the caller's frame keeps its names
        shown = df.rename(columns=pretty)
        shown.index = shown.index.set_names([pretty(n) if n else n for n in df.index.names])
        fmt = {pretty(c): f for c, f in fmt.items()}
    styler = shown.style.format(fmt, na_rep="—")
    if labels:
        styler = styler.format_index(pretty, axis=0)
    if caption:
        styler = styler.set_caption(caption)
    return styler


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
