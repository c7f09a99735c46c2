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

from ..paths import atomic_write_text

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
    return without_bidi_controls(body)


#: the characters that reorder text (embeddings, overrides, isolates): from the data, a
#: right-to-left override turns "Acme gpj.exe" into a name that reads otherwise
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068"
                                       "\u2069"), None)


def without_bidi_controls(text: str) -> str:
    """``text`` without the controls that reorder it (:data:`BIDI_CONTROLS`): a report
    shows the characters of a name in the order they were written.

    >>> without_bidi_controls("Acme \u202egpj.exe")
    'Acme gpj.exe'
    """
    return text.translate(BIDI_CONTROLS)


_REPORT_TEMPLATE = "cxkit_report.html.j2"
# A report must open complete offline and run nothing: JupyterLab's template without the
# scripts it loads from a CDN (require.js, MathJax, Mermaid), and a policy that refuses any
# request but the images embedded in the page.
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                           "font-src data:; base-uri 'none'; form-action 'none'")


# Tables sized for a page: compact cells, columns as wide as their content (JupyterLab's
# fixed table layout wraps names onto three lines), outputs as wide as the text (no empty
# prompt column, no fixed-layout box that cuts a wide table off), nothing cut off in print
# (the output area scrolls sideways; paper cannot). "body" outranks JupyterLab's rules, which come later.
REPORT_CSS = """
body .jp-OutputArea-child { display: block; overflow: visible; }
body .jp-OutputArea-child .jp-OutputPrompt { display: none; }
body .jp-OutputArea-output { overflow-x: auto; }
body .jp-RenderedHTMLCommon table { font-size: 12px; table-layout: auto; margin-left: 0; }
body .jp-RenderedHTMLCommon td, body .jp-RenderedHTMLCommon th { padding: 0.25em 0.35em; }
body .jp-RenderedHTMLCommon caption { text-align: left; font-weight: bold; }
@media print {
  @page { margin: 14mm 12mm; }
  .jp-OutputArea, .jp-OutputArea-output { overflow: visible !important; }
  body .jp-RenderedHTMLCommon table { font-size: 8.5pt; page-break-inside: auto; }
  .jp-RenderedHTMLCommon tr { page-break-inside: avoid; }
  .jp-RenderedHTMLCommon thead { display: table-header-group; }
  .jp-RenderedImage img { max-width: 100% !important; height: auto; page-break-inside: avoid; }
  h1, h2, h3 { page-break-after: avoid; }
}
"""


def _report_template():
    from jinja2 import DictLoader

    return DictLoader({_REPORT_TEMPLATE: (
        "{%- extends 'index.html.j2' -%}\n"
        "{%- block html_head_js -%}\n"
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        f"<style>{REPORT_CSS}</style>\n"
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
