"""Results in a notebook: one look, sentences as bullets, tables formatted for a reader,
chart labels as plain text.

Text from the data (names, ids, comments, column headers) is shown as text, never as
markup: sentences and tables are escaped HTML marked so that no math typesetter reads
``$...$`` in them, and chart labels are drawn without mathtext.
"""
from __future__ import annotations

from .labels import pretty


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


def empty_chart(ax, text: str):
    """A chart with nothing to show that says why: ``text`` on blank axes; returns ``ax``."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.2))
    ax.axis("off")
    ax.text(0, 0.5, text, va="center", wrap=True)
    return plain_text(ax)


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


def band_table(df, band, columns, decimals: int = 0, formats: dict | None = None,
               arrows=()):
    """A table with CHI-like columns coloured by band (red / amber / green).

    Parameters
    ----------
    df : DataFrame
    band : callable
        A value's band name (``red``, ``amber``, ``green``) or None: the CHI model's
        ``band`` method.
    columns : iterable of str
        Columns coloured by band and shown with ``decimals``.
    formats : dict, optional
        Format strings for other columns (one ``format`` call: a second call on the
        Styler would reset these).
    arrows : iterable of str
        Columns of directions (``up``, ``down``, ``flat``) shown as arrows.

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> import pandas as pd
    >>> from cxkit.chi import load_model
    >>> html = band_table(pd.DataFrame({"chi": [30.4, 80.0]}), load_model().band,
    ...                   ["chi"]).to_html()
    >>> "#f4b6b6" in html and "#b7dfb0" in html and ">30<" in html
    True
    """
    import numbers

    from .labels import BAND_COLOURS, arrow

    def colour(v):
        name = band(v) if isinstance(v, numbers.Real) else None
        return f"background-color: {BAND_COLOURS[name]}" if name else ""

    cols = [c for c in columns if c in df.columns]
    fmt = {c: f"{{:.{decimals}f}}" for c in cols} | dict(formats or {})
    fmt |= {c: arrow for c in arrows if c in df.columns}
    return inert(df.style.format(fmt, na_rep="—", escape="html")
                 .format_index(escape="html", axis=0).format_index(escape="html", axis=1)
                 .map(colour, subset=cols))
