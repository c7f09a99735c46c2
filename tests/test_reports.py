"""The presentation layer: HTML reports without code, tables formatted for a reader,
workbooks, labels."""
from __future__ import annotations

import nbformat
import pandas as pd

from cxkit.present import excel, html as html_, labels, show


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
    html = html_.html_report(_notebook())
    assert "secret_code_line" not in html and "boom()" not in html
    assert "progress bar noise" not in html
    assert "visible result" in html and "bad column" in html
    assert "<title>Quarterly review</title>" in html


def test_html_report_leaves_the_notebook_untouched():
    nb = _notebook()
    html_.html_report(nb)
    assert len(nb.cells[1].outputs) == 2


def test_table_formats_counts_shares_and_blanks():
    df = pd.DataFrame({"n": [1234, 5], "share": [0.256, None], "x": [1.25, 2.0]},
                      index=["a", "b"])
    html = show.table(df, percent=["share"]).to_html()
    assert "1,234" in html and "26%" in html and "—" in html and "1.2" in html


def test_pretty():
    assert labels.pretty("support_responsiveness") == "support responsiveness"


def test_workbook_keeps_customer_text_as_text_and_colours_bands(tmp_path):
    import openpyxl
    comments = ["=SUM(A1:A3) looks wrong", "+1 for the portal", "-- late again", "@Rita helped",
                "=HYPERLINK(\"http://x\",\"y\")", "http://example.com"]
    df = pd.DataFrame({"comment": comments, "chi": [30.0, 60.0, 80.0, None, 55.5, 75.0],
                       "share": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]},
                      index=pd.Index(list("abcdef"), name="account_id"))
    path = excel.write_workbook(tmp_path / "w.xlsx", {"Summary": ["First line", "=not a formula"],
                                                        "Accounts: key/growth": df},
                                  percent={"Accounts: key/growth": ["share"]},
                                  bands={"Accounts: key/growth": (["chi"], 50, 75)})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Accounts  key growth"]
    assert wb["Summary"]["A2"].value == "=not a formula" and wb["Summary"]["A2"].data_type == "s"
    ws = wb["Accounts  key growth"]
    assert [c.value for c in ws[1]] == ["account id", "comment", "CHI", "share"]
    for row, text in enumerate(comments, start=2):
        cell = ws.cell(row, 2)
        assert cell.value == text and cell.data_type == "s", text
        assert cell.hyperlink is None
    assert ws.cell(2, 3).value == 30 and ws.cell(5, 3).value is None
    assert ws.cell(2, 4).number_format == "0%"
    assert ws.freeze_panes == "B2"
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert len(rules) == 3
    assert not list(tmp_path.glob(".*tmp"))


def test_sheet_names_are_valid_and_unique():
    assert excel.sheet_name("a/b:c?", ["x"]) == "a b c"
    assert excel.sheet_name("Summary", ["summary"]) == "Summary 2"
    assert len(excel.sheet_name("x" * 40)) == 31


def test_tables_and_bullets_escape_customer_text():
    import pandas as pd

    from cxkit.chi import load_model

    df = pd.DataFrame({"comment": ["<script>alert(1)</script>", "=SUM(A1:A3)"], "chi": [40.0, 80]},
                      index=pd.Index(["<b>Acme</b>", "Beta"], name="name"))
    for styler in (show.table(df), show.table(df, labels=False),
                   show.band_table(df, load_model().band, ["chi"])):
        html = styler.to_html()
        assert "<script>" not in html and "<b>Acme" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "=SUM(A1:A3)" in html
    assert "<li>Acme &lt;script&gt; &amp; co</li>" in show.bullets(["Acme <script> & co"]).data


def test_notebook_imports_stay_light():
    """A kernel imports cxkit.present.show and cxkit.planning for every report of a batch;
    nbformat (and the jsonschema format checks it pulls in, 2 s) must not come with them."""
    import subprocess
    import sys
    code = ("import sys, cxkit.present.show, cxkit.planning, cxkit.results, cxkit.params;"
            "print('nbformat' in sys.modules, 'nbconvert' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
