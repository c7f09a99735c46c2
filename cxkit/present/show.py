"""Results in a notebook: one look, sentences as bullets, tables formatted for a reader,
chart labels as plain text.

Text from the data (names, ids, comments, column headers) is shown as text, never as
markup: sentences and tables are escaped HTML marked so that no math typesetter reads
``$...$`` in them, and chart labels are drawn without mathtext.
"""
from __future__ import annotations

from .html import without_bidi_controls
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

    items = "".join(f"<li>{html.escape(without_bidi_controls(str(s)))}</li>\n"
                    for s in sentences)
    return HTML(f'<ul class="cxkit-bullets {NO_MATH}">\n{items}</ul>')


CONTRADICTIONS_HEADING = "Where the data contradicts itself"


def contradictions(found):
    """The contradictions in the data, as a section of the report: a heading, a sentence
    on what the numbers used, and one bullet each; nothing at all when there are none.

    ``found``: loaded tables (:class:`cxkit.io.Tables`) or their contradictions.

    Examples
    --------
    >>> contradictions([]).data
    ''
    """
    import html

    from IPython.display import HTML

    found = list(getattr(found, "contradictions", found))
    if not found:
        return HTML("")
    items = "".join(f"<li>{html.escape(without_bidi_controls(c.sentence()))}</li>\n" for c in found)
    return HTML(f"<h2>{CONTRADICTIONS_HEADING}</h2>\n<p>This report was set to show "
                "contradictions in the data rather than stop at them: the numbers below use "
                f"the data as it is, and these rows may make some of them wrong.</p>\n"
                f'<ul class="cxkit-bullets {NO_MATH}">\n{items}</ul>')


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
          labels: bool = True, kinds: dict | None = None, currency: str = "",
          intervals: dict | None = None, rows: int | None = None, rest: str = "",
          empty: str | None = None):
    """A DataFrame formatted for a reader: numbers by kind, words for codes, "—" for empty.

    Parameters
    ----------
    df : DataFrame
    percent : iterable of str
        Columns holding shares (0–1), shown as percentages (kind ``share``).
    integer : iterable of str
        Columns shown as whole numbers (kind ``count``); other numeric columns get
        ``decimals``.
    caption : str, optional
    labels : bool
        Show column names, index names, index labels and codes in cells
        (``account_manager``) as words (:func:`~cxkit.present.labels.pretty`).
    kinds : dict, optional
        Column → kind of number (:mod:`cxkit.present.formats`): ``money``, ``share``,
        ``rate``, ``growth``, ``score``, ``change``, ``nps``, ``rating``, ``count``, ``ratio``.
    currency : str
        The unit of ``money`` columns, said once in their header ("spend (EUR)") so the
        cells hold the amounts alone and the table stays narrow.
    intervals : dict, optional
        Column → (low column, high column): the two bounds shown as one column
        "<column> interval" ("-3.0 to -0.9") right after it, in the column's kind; a
        missing bound reads "too few to tell".
    rows : int, optional
        Show only the first ``rows`` rows; the caption then says how many there are.
    rest : str
        Where the reader finds all of them, e.g. "the workbook's Objectives sheet".
    empty : str, optional
        The sentence shown instead of a table with no rows (an HTML paragraph), e.g.
        "No written comments in the planning window."; default an empty table.

    A row number index (0, 1, 2, …) is not shown, flags read yes / no, and a value that
    rounds to zero has no sign.

    Returns
    -------
    pandas.io.formats.style.Styler
        (an ``IPython.display.HTML`` paragraph when ``empty`` is given and there are no rows)

    Examples
    --------
    >>> import pandas as pd
    >>> html = table(pd.DataFrame({"owner_role": ["account_manager"], "heard": [True],
    ...                            "spend": [2984804.6]}), kinds={"spend": "money"},
    ...              currency="EUR").to_html()
    >>> "account manager" in html and ">yes<" in html and "spend (EUR)" in html
    True
    >>> ">2,984,805<" in html
    True
    >>> ">0<" in html  # no row number
    False
    >>> table(pd.DataFrame({"comment": []}), empty="No comments.").data
    '<p class="tex2jax_ignore mathjax_ignore">No comments.</p>'
    >>> long = pd.DataFrame({"n": range(40)})
    >>> "The first 5 of 40 rows; all of them are in the workbook." in table(
    ...     long, rows=5, rest="the workbook").to_html()
    True
    """
    import html
    from functools import partial

    import pandas as pd

    from .formats import currency_prefix
    from .formats import fmt as by_kind
    from .labels import code_column, flag_column, words

    if empty is not None and len(df) == 0:
        from IPython.display import HTML
        return HTML(f'<p class="{NO_MATH}">{html.escape(empty)}</p>')
    kinds = dict(kinds or {})
    kinds |= {c: "share" for c in percent} | {c: "count" for c in integer}
    unit = currency_prefix(currency).strip()
    in_header = {c: f"{c} ({unit})" for c, k in kinds.items() if k == "money" and unit}
    if intervals:
        in_header |= {f"{c} interval": f"{c} interval ({unit})" for c in intervals
                      if c in in_header}
    if rows is not None and len(df) > rows:
        note = f"The first {rows:,} of {len(df):,} rows" + (
            f"; all of them are in {rest}." if rest else ".")
        caption = f"{caption} {note}" if caption else note
        df = df.head(rows)
    if intervals:
        df = _merge_intervals(df, intervals, kinds, decimals, "")
    fmt = {}
    for col in df.columns:
        values = df[col]
        if col in kinds:  # amounts alone: the currency is in the header
            fmt[col] = partial(by_kind, kind=kinds[col], currency="" if unit else currency)
        elif flag_column(values):
            fmt[col] = partial(by_kind, kind="yesno")
        elif pd.api.types.is_integer_dtype(values):
            fmt[col] = partial(by_kind, kind="count")
        elif pd.api.types.is_float_dtype(values):
            fmt[col] = partial(by_kind, kind="ratio", decimals=decimals)
        elif pd.api.types.is_datetime64_any_dtype(values):
            fmt[col] = "{:%Y-%m-%d}".format  # dates as dates, without a midnight time
        elif labels and code_column(values):
            fmt[col] = words
    shown = df
    if labels:  # relabel a copy: the caller's frame keeps its names
        shown = df.rename(columns=pretty)
        shown.index = shown.index.set_names([pretty(n) if n else n for n in df.index.names])
        fmt = {pretty(c): f for c, f in fmt.items()}
        in_header = {pretty(c): f"{pretty(c)} ({unit})" for c in in_header}
    if in_header:
        shown = shown.rename(columns=in_header)
        fmt = {in_header.get(c, c): f for c, f in fmt.items()}
    # text in cells (names, customers' comments) is data: escaped, never HTML
    styler = shown.style.format(fmt, na_rep="—", escape="html")
    if labels:
        styler = styler.format_index(pretty, axis=0, escape="html")
    else:
        styler = styler.format_index(escape="html", axis=0)
    styler = styler.format_index(escape="html", axis=1)
    styler = _keep_short_on_one_line(styler, df)
    if _row_numbers(df.index):
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return inert(styler)


def _merge_intervals(df, intervals, kinds, decimals, currency):
    """Each (low, high) pair of columns as one text column after the column it bounds."""
    from .formats import fmt as by_kind

    out = df.copy()
    for col, (lo, hi) in intervals.items():
        if not {col, lo, hi} <= set(out.columns):  # a table without this interval
            continue
        kind = kinds.get(col, "ratio")
        dec = decimals if kind == "ratio" else None

        def text(a, b, kind=kind, dec=dec):
            if a != a or b != b:  # NaN: no interval
                return "too few to tell"
            return f"{by_kind(a, kind, currency, dec)} to {by_kind(b, kind, currency, dec)}"

        values = [text(a, b) for a, b in zip(out[lo], out[hi])]
        out = out.drop(columns=[lo, hi])
        out.insert(list(out.columns).index(col) + 1, f"{col} interval", values)
    return out


SHORT_CELL = 16  # characters: "EUR 146,314,060", "-1.4 to +0.4", a date


def _keep_short_on_one_line(styler, df):
    """Cells of columns whose values are short (ids, numbers, amounts, "70 → 72") on one
    line. Longer text (names, question names, comments) wraps only where the table would
    not fit otherwise (the layout is automatic), and reads from the left, as text does
    (JupyterLab aligns every cell right). By column position, so a repeated index (lens
    rows of one account) is fine."""
    import pandas as pd

    short, text = [], []
    for i, c in enumerate(df.columns):
        if not len(df):
            continue
        longest = df[c].astype(str).str.len().max()
        if longest <= SHORT_CELL:
            short.append(i)
        elif not pd.api.types.is_numeric_dtype(df[c]):
            text.append(i)
    styles = [{"selector": f"td.col{i}", "props": "white-space: nowrap"} for i in short]
    styles += [{"selector": f"td.col{i}, th.col_heading.col{i}", "props": "text-align: left"}
               for i in text]
    return styler.set_table_styles(styles, overwrite=False) if styles else styler


def _row_numbers(index) -> bool:
    """An unnamed 0, 1, 2, … index: row numbers, not labels a reader needs."""
    import pandas as pd

    return (index.name is None and index.nlevels == 1 and len(index) > 0
            and pd.api.types.is_integer_dtype(index)
            and (index == pd.RangeIndex(len(index))).all())


def objectives(df, **kw):
    """Objectives as a table: ``current`` and ``target`` in their ``unit`` ("64%", "weekly").

    ``df`` has the columns of :func:`cxkit.planning.objectives` (any subset holding
    ``current``, ``target`` and ``unit``); ``kw`` go to :func:`table`.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"objective": ["Move to weekly engagement"], "current": [4.0],
    ...                   "target": [52.0], "unit": ["contacts a year"]})
    >>> objectives(o).data[["current", "target"]].iloc[0].tolist()
    ['quarterly', 'weekly']
    """
    from .formats import in_unit

    out = df.copy()
    for c in ("current", "target"):
        out[c] = [in_unit(x, u) for x, u in zip(df[c], df["unit"])]
    return table(out.drop(columns="unit"), **kw)


def band_table(df, band, columns, decimals: int = 0, formats: dict | None = None,
               arrows=(), labels: bool = True):
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
        Format strings (or kinds of :mod:`cxkit.present.formats`) for other columns.
    arrows : iterable of str
        Columns of directions (``up``, ``down``, ``flat``) shown as arrows.
    labels : bool
        Column and index names, and codes in cells, as words.

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> import pandas as pd
    >>> from cxkit.chi import load_model
    >>> html = band_table(pd.DataFrame({"chi": [30.4, 80.0]}), load_model().band,
    ...                   ["chi"]).to_html()
    >>> "#f4b6b6" in html and "#b7dfb0" in html and ">30<" in html and ">CHI<" in html
    True
    """
    import numbers
    from functools import partial

    from .formats import KINDS, fmt as by_kind
    from .labels import BAND_COLOURS, arrow, code_column, words

    def colour(v):
        name = band(v) if isinstance(v, numbers.Real) else None
        return f"background-color: {BAND_COLOURS[name]}" if name else ""

    name = pretty if labels else str
    cols = [c for c in columns if c in df.columns]
    fmt = {c: f"{{:.{decimals}f}}" for c in cols}
    for c, f in (formats or {}).items():
        fmt[c] = partial(by_kind, kind=f) if f in KINDS else f
    fmt |= {c: arrow for c in arrows if c in df.columns}
    if labels:
        fmt |= {c: words for c in df.columns if c not in fmt and code_column(df[c])}
    shown = df.rename(columns=name)
    shown.index = shown.index.set_names([name(n) if n else n for n in df.index.names])
    styler = (shown.style.format({name(c): f for c, f in fmt.items()}, na_rep="—",
                                 escape="html")
              .format_index(escape="html", axis=0).format_index(escape="html", axis=1)
              .map(colour, subset=[name(c) for c in cols]))
    styler = _keep_short_on_one_line(styler, df)
    if _row_numbers(df.index):
        styler = styler.hide(axis="index")
    return inert(styler)


class KeyNumbers:
    """The key numbers of an analysis as a two-column table in words (HTML in a notebook,
    aligned text elsewhere). The JSON results file keeps the raw keys and values.

    Examples
    --------
    >>> print(key_numbers({"accounts": 249, "median_chi": 55.14, "falling": 103}))
    accounts    249
    median CHI  55
    falling     103
    """

    def __init__(self, rows):
        self.rows = list(rows)

    def __repr__(self) -> str:
        width = max((len(label) for label, _ in self.rows), default=0)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in self.rows)

    def _repr_html_(self) -> str:
        import html

        body = "".join(f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
                       f"<td style='text-align:left'>{html.escape(value)}</td></tr>\n"
                       for label, value in self.rows)
        return f'<table class="cxkit-key-numbers {NO_MATH}">\n{body}</table>'


def key_numbers(key: dict, currency: str = "") -> KeyNumbers:
    """An analysis's ``key_results()`` shown in words (:func:`cxkit.present.formats.key_rows`)."""
    from .formats import key_rows

    return KeyNumbers(key_rows(key, currency))
