"""Every demo report and workbook as its reader gets it (issue 14, "How this is checked").

The reports are laid out by headless Chromium at the width of a printed page and printed to
PDF; the workbooks are printed by LibreOffice. Both are skipped where the program is not
installed (CI installs neither: it would make CI slow); the text checks always run.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import openpyxl
import pytest

from cxkit.io import TABLES
from cxkit.runner import list_notebooks

from .conftest import converts_in_libreoffice, printed_pages

NOTEBOOKS = [nb.stem for nb in list_notebooks()]
PAGE_WIDTH = 726  # CSS px: Letter, less the report's 12 mm print margins (A4 is 718 wide)
# printed pages (portrait Letter) of each report on the 1,000-account sample, and of each
# workbook (those listing every account or prospect run longest), as measured, rounded up
REPORT_PAGES = {"board_pack": 7, "chi_scorecard": 10, "customer_math": 15, "data_overview": 6,
                "driver_analysis": 10, "key_account_plan": 6, "portfolio_plan": 10,
                "prospect_profiling": 10}
WORKBOOK_PAGES = {"board_pack": 30, "chi_scorecard": 18, "customer_math": 37, "key_account_plan": 12,
                  "portfolio_plan": 21, "prospect_profiling": 30}
PROBE = """<script>(() => {
  const wide = [];
  const page = window.innerWidth;  // the printed page's width (print has no scroll bar)
  document.querySelectorAll('.jp-OutputArea-output table').forEach((t, i) => {
    // an ancestor that scrolls or clips sideways is where a wide table is cut off
    let cut = null;
    for (let e = t.parentElement; e && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1) {
        cut = e;
        break;
      }
    }
    const right = t.getBoundingClientRect().left + t.scrollWidth;
    if (cut || right > page + 1) {
      const head = Array.from(t.querySelectorAll('thead th')).map(th => th.textContent.trim());
      wide.push(`table ${i + 1} (${head.filter(Boolean).slice(0, 4).join(', ')}): ` +
                `${t.scrollWidth} px` + (cut ? ` in a box of ${cut.clientWidth}` : '') +
                `, ends at ${Math.round(right)} of ${page}`);
    }
  });
  const out = document.createElement('pre');
  out.id = 'cxkit-wide'; out.textContent = JSON.stringify(wide);
  document.body.appendChild(out);
})();</script>"""


def _chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
        "google-chrome")
    if found is None:
        pytest.skip("Chromium is not installed")
    return [found, "--headless", "--no-sandbox", "--disable-gpu"]


def _report_text(path) -> str:
    """The words a reader sees: outputs and markdown, without styles, scripts and tags."""
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def _headers(path) -> list[str]:
    page = path.read_text(encoding="utf-8")
    return [html.unescape(re.sub(r"<[^>]+>", "", h)).strip()
            for h in re.findall(r"<th\b[^>]*>(.*?)</th>", page, flags=re.S)]


DATA_MODEL_COLUMNS = {c for schema in TABLES.values() for c in schema.columns if "_" in c}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_report_text_has_no_python_repr_or_raw_column_names(demo_dir, name):
    path = demo_dir / f"{name}.html"
    text = _report_text(path)
    for token in ("True", "False", "None", "nan", "NaN", "{'", "[]", "dtype"):
        hits = [m.start() for m in re.finditer(rf"(?<![\w-]){re.escape(token)}(?![\w-])", text)]
        assert not hits, f"{name}: {token!r} in the report: …{text[hits[0] - 60:hits[0] + 60]}…"
    raw = sorted({h for h in _headers(path) if h in DATA_MODEL_COLUMNS
                  or re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", h)})
    assert not raw, f"{name}: raw column names in table headers: {raw}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_report_tables_fit_the_printed_page(demo_dir, name, tmp_path):
    browser = _chromium()
    page = (demo_dir / f"{name}.html").read_text(encoding="utf-8")
    # a copy that may run the probe: the report itself refuses every script
    probe = re.sub(r'<meta[^>]*Content-Security-Policy[^>]*>', "", page)
    (tmp_path / "probe.html").write_text(probe.replace("</body>", PROBE + "</body>"),
                                         encoding="utf-8")
    dom = subprocess.run([*browser, f"--user-data-dir={tmp_path / 'profile'}",
                          f"--window-size={PAGE_WIDTH},1000", "--dump-dom",
                          (tmp_path / "probe.html").as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'<pre id="cxkit-wide">(.*?)</pre>', dom, flags=re.S)
    assert found, "the layout probe did not run"
    wide = json.loads(html.unescape(found.group(1)))
    assert not wide, f"{name}: tables wider than a printed page: {wide}"
    pdf = tmp_path / f"{name}.pdf"
    subprocess.run([*browser, f"--user-data-dir={tmp_path / 'profile'}",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    (demo_dir / f"{name}.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert printed_pages(pdf) <= REPORT_PAGES[name]


def _workbooks(demo_dir):
    return sorted(demo_dir.glob("*.xlsx"))


def test_every_workbook_has_a_page_budget(demo_dir):
    assert {p.stem for p in _workbooks(demo_dir)} == set(WORKBOOK_PAGES)


@pytest.mark.parametrize("name", sorted(WORKBOOK_PAGES))
def test_workbook_numbers_are_numbers_and_it_prints_within_budget(demo_dir, name, tmp_path):
    path = demo_dir / f"{name}.xlsx"
    number_as_text = re.compile(r"[-+]?(EUR )?[\d,]+(\.\d+)?%?")
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        # a number written as text is an error, except in a column of lists ("1, 3"),
        # where "1" is a list of one; years are labels; headers are text
        for column in ws.iter_cols(min_row=2):
            text = [c for c in column if isinstance(c.value, str) and c.value.strip()]
            for cell in text:
                assert cell.value not in ("True", "False", "None", "nan"), (
                    f"{name}.xlsx, sheet {ws.title!r}, cell {cell.coordinate}: {cell.value!r}")
            lists = any(re.fullmatch(r"\d+(, \d+)+", c.value.strip()) for c in text)
            numeric = [c for c in text if number_as_text.fullmatch(c.value.strip())
                       and not re.fullmatch(r"(19|20)\d\d", c.value.strip())]  # years: labels
            assert lists or not numeric, (
                f"{name}.xlsx, sheet {ws.title!r}: numbers stored as text in "
                f"{[(c.coordinate, c.value) for c in numeric[:3]]}")
    assert converts_in_libreoffice(path, tmp_path) <= WORKBOOK_PAGES[name]
