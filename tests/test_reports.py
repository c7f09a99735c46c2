"""HTML reports without code; tables formatted for a reader."""
from __future__ import annotations

import nbformat
import pandas as pd

from cxkit import reports


def _notebook():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("secret_code_line = compute()")
    code.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="visible result"),
        nbformat.v4.new_output("stream", name="stderr", text="progress bar noise"),
    ]
    failed = nbformat.v4.new_code_cell("boom()")
    failed.outputs = [nbformat.v4.new_output("error", ename="DataError", evalue="bad column",
                                             traceback=["DataError: bad column"])]
    nb.cells = [nbformat.v4.new_markdown_cell("# Quarterly review\n\nText."), code, failed]
    return nb


def test_html_report_hides_code_and_stderr_keeps_results_and_errors():
    html = reports.html_report(_notebook())
    assert "secret_code_line" not in html and "boom()" not in html
    assert "progress bar noise" not in html
    assert "visible result" in html and "bad column" in html
    assert "<title>Quarterly review</title>" in html


def test_html_report_leaves_the_notebook_untouched():
    nb = _notebook()
    reports.html_report(nb)
    assert len(nb.cells[1].outputs) == 2


def test_table_formats_counts_shares_and_blanks():
    df = pd.DataFrame({"n": [1234, 5], "share": [0.256, None], "x": [1.25, 2.0]},
                      index=["a", "b"])
    html = reports.table(df, percent=["share"]).to_html()
    assert "1,234" in html and "26%" in html and "—" in html and "1.2" in html


def test_pretty():
    assert reports.pretty("support_responsiveness") == "support responsiveness"
