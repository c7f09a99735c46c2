"""Hostile and malformed input: nothing hangs, runs code, turns into markup or changes a number.

One test (or more) per class of failure: parameter files built from YAML aliases;
``-p`` values that YAML would re-type; text from the data that reaches a report as
Markdown, HTML, math or a chart label; reports that load anything from the network;
malformed tables that used to validate (repeated headers, ambiguous or mixed dates,
Excel serial dates, non-finite numbers, mixed period lengths, UTF-16, control
characters, Parquet with the wrong types, a folder or broken link in a table's place);
what a killed or disk-full run leaves behind. Every input file is checked to be
byte-identical after it was read.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from cxkit import cli
from cxkit.errors import DataError, ParameterError, RunError
from cxkit.io import load, load_table

BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _cli(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_errors(err: str) -> list[str]:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines and all(ln.startswith("cxkit: error: ") for ln in lines), err
    assert "Traceback" not in err
    return lines


# =========================================================================== YAML
def test_yaml_bomb_parameter_file_is_refused_at_once(tmp_path, capsys, root):
    """A 'billion laughs' of ~500 bytes: refused before anything expands (was 51 s, 920 MB)."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    assert bomb.stat().st_size < 600
    before = _digests(tmp_path)
    code, _, err = _cli(capsys, "run", "data_overview", "-f", str(bomb), "--out",
                        str(tmp_path / "out"))
    assert code == 1
    [line] = _one_line_errors(err)
    assert "bomb.yaml" in line and "anchors and aliases" in line and "line 1" in line
    assert _digests(tmp_path) == before and not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["&a [1, 2]", "[*a]", "{x: &x 1, y: *x}"])
def test_yaml_aliases_in_p_values_are_refused(capsys, value):
    code, _, err = _cli(capsys, "run", "driver_analysis", "-p", "columns", value)
    assert code == 1
    assert "anchors and aliases" in _one_line_errors(err)[0]


@pytest.mark.parametrize("loader", ["chi", "kpis", "planning"])
def test_yaml_aliases_in_configuration_files_are_refused(tmp_path, loader):
    from cxkit.chi import load_model
    from cxkit.chi.derive import load_definitions
    from cxkit.planning import load_config
    path = tmp_path / "config.yaml"
    path.write_text(BOMB)
    read = {"chi": load_model, "kpis": load_definitions, "planning": load_config}[loader]
    with pytest.raises(ParameterError, match="anchors and aliases .* not allowed at line 1"):
        read(str(path))


# =========================================================================== -p values
def test_p_values_are_typed_by_the_notebook_declaration(monkeypatch, capsys):
    """A str parameter takes the text as typed: no YAML comment, octal, date or None."""
    seen = {}

    def fake_run(notebook, params_file, overrides, out_dir, **kw):
        from cxkit.runner import find_notebook, run_parameters
        seen.update(run_parameters(find_notebook(notebook), params_file, overrides))
        raise RunError("stopped by the test")

    monkeypatch.setattr("cxkit.runner.run_notebook", fake_run)
    # the values only: whether the data has such an account is tests/test_preflight.py's
    monkeypatch.setattr("cxkit.preflight.check", lambda *a, **k: None)
    code, _, err = _cli(capsys, "run", "key_account_plan", "-p", "account_id", "A00003 #2",
                        "-p", "plan_date", "2024-03-31", "-p", "comments", "00012",
                        "-p", "period", "")
    assert "stopped by the test" in err and code == 1
    assert seen["account_id"] == "A00003 #2"
    assert seen["plan_date"] == "2024-03-31"
    assert seen["comments"] == 12
    assert seen["period"] == ""
    _cli(capsys, "run", "key_account_plan", "-p", "account_id", "00123",
         "-p", "model", "-2+3")  # a value starting with '-' is a value, not an option
    assert seen["account_id"] == "00123" and seen["model"] == "-2+3"


def test_p_value_of_the_wrong_type_is_named(capsys):
    code, _, err = _cli(capsys, "run", "driver_analysis", "-p", "n_boot", "lots")
    assert code == 1
    assert "parameter 'n_boot' must be int, got 'lots'" in _one_line_errors(err)[0]


def test_parameter_file_keeps_text_of_str_parameters(tmp_path, root, monkeypatch):
    from cxkit.runner import run_parameters
    monkeypatch.setattr("cxkit.preflight.check", lambda *a, **k: None)  # no account 00123
    f = tmp_path / "p.yaml"
    f.write_text("account_id: 00123\nplan_date: 2024-03-31\ncomments: 5\n")
    values = run_parameters(root / "notebooks" / "key_account_plan.ipynb", f)
    assert values == {"account_id": "00123", "plan_date": "2024-03-31", "comments": 5}


# =========================================================================== reports
NAME = "[click](javascript:alert(1)) ![x](http://x.test/pixel) $5 and $10 <img src=x onerror=alert(1)>"
MANAGER = "Casey $Dollar$ [m](http://x.test/m)"
PM = "Pat <script>alert(1)</script> $x^2$"
ACCOUNT = "Acme'"
DRIVER = "ease $ of [doing](http://x.test/d) business"
COMMENT = "[c](javascript:alert(2)) $c$ <b>bold</b> =HYPERLINK(\"http://x.test\")"


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory, small_dir):
    """The small portfolio with names, ids, a header and a comment written to attack."""
    folder = tmp_path_factory.mktemp("hostile")
    for p in small_dir.iterdir():
        if p.is_file():
            shutil.copy(p, folder / p.name)
    accounts = pd.read_csv(folder / "accounts.csv", dtype=str, keep_default_na=False)
    key = accounts[(accounts["segment"] == "key") & (accounts["status"] == "active")]
    old = key["account_id"].iloc[0]
    accounts.loc[accounts["account_id"] == old, "name"] = NAME
    accounts.loc[accounts["segment"] == "key", "account_manager"] = MANAGER
    accounts.loc[accounts["segment"] == "key", "project_manager"] = PM
    for p in sorted(folder.glob("*.csv*")):
        df = pd.read_csv(p, dtype=str, keep_default_na=False) if p.name != "accounts.csv" \
            else accounts
        if "account_id" in df.columns:
            df.loc[df["account_id"] == old, "account_id"] = ACCOUNT
        if p.name.startswith("prospects"):
            df.loc[0, "name"] = NAME
        if p.name.startswith("responses"):
            df = df.rename(columns={"ease_of_doing_business": DRIVER})
            df.loc[df.index[df["account_id"] == ACCOUNT][-1], "comment"] = COMMENT
        df.to_csv(p, index=False)
    return folder


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.tags, self.text, self.meta = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "formaction", "poster", "srcset", "data",
                        "background", "xlink:href"):
                self.urls.append((tag, name, value or ""))
            if name.startswith("on"):
                self.urls.append((tag, name, "event handler"))
        if tag == "meta":
            self.meta.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def assert_inert_and_offline(html: str):
    """No script, no network request, no live link: every URL is embedded or on the page."""
    page = _Links()
    page.feed(html)
    assert "script" not in page.tags
    for tag, name, value in page.urls:
        assert value.startswith(("data:", "#")), (tag, name, value[:80])
    css_urls = re.findall(r"url\(\s*['\"]?([^'\")]*)", html) + re.findall(r"@import\s+['\"]?([^'\";]+)", html)
    assert all(u.startswith(("data:", "#")) for u in css_urls), css_urls[:5]
    policy = [m for m in page.meta if m.get("http-equiv") == "Content-Security-Policy"]
    assert policy and "default-src 'none'" in policy[0]["content"]
    assert "mathjax" not in html.lower().replace("mathjax_ignore", "")
    return "".join(page.text)


HOSTILE_RUNS = {
    "key_account_plan": {"account_id": ACCOUNT},
    "portfolio_plan": {"account_manager": MANAGER},
    "chi_scorecard": {"account_id": ACCOUNT},
    "driver_analysis": {"n_boot": 50},
    "data_overview": {},
    "customer_math": {},
    "prospect_profiling": {},
}


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory, hostile_dir):
    from cxkit.runner import run_notebook
    before = _digests(hostile_dir)
    out = tmp_path_factory.mktemp("hostile_reports")
    results = {}
    for notebook, values in HOSTILE_RUNS.items():
        try:
            results[notebook] = run_notebook(notebook, overrides={"data_dir": str(hostile_dir),
                                                                  **values}, out_dir=out)
        except RunError as exc:
            results[notebook] = exc
    assert _digests(hostile_dir) == before  # inputs byte-identical
    return out, results


@pytest.mark.parametrize("notebook", list(HOSTILE_RUNS))
def test_text_from_the_data_is_text_in_every_report(hostile_reports, notebook):
    out, results = hostile_reports
    assert not isinstance(results[notebook], Exception), str(results[notebook])
    html = (out / f"{notebook}.html").read_text(encoding="utf-8")
    text = assert_inert_and_offline(html)
    shown = {"key_account_plan": [NAME, COMMENT.split(" =")[0]],
             "portfolio_plan": [MANAGER], "chi_scorecard": [ACCOUNT],
             "driver_analysis": [], "data_overview": [], "customer_math": [],
             "prospect_profiling": []}[notebook]
    for literal in shown:  # the attack is shown, character for character, as text
        assert literal in text, literal


def test_workbooks_with_hostile_names_open(hostile_reports, tmp_path):
    import openpyxl

    from .conftest import converts_in_libreoffice
    out, _ = hostile_reports
    for name in ("key_account_plan", "chi_scorecard", "portfolio_plan"):
        wb = openpyxl.load_workbook(out / f"{name}.xlsx")
        for ws in wb.worksheets:
            assert not ws.title.startswith("'") and not ws.title.endswith("'")
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f" and cell.hyperlink is None
    converts_in_libreoffice(out / "chi_scorecard.xlsx", tmp_path)  # no repair needed


def test_chart_labels_from_the_data_are_plain_text():
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    from cxkit.chi.scorecard import _plot_bands_by as plot_bands_by
    table = pd.DataFrame({"red": [1, 2], "amber": [0, 1], "green": [3, 0]},
                         index=[MANAGER, "Ann $\\badmacro$"])
    with matplotlib.rc_context({"text.parse_math": True}):  # not the notebooks' setting
        ax = plot_bands_by(table)
        ax.set_title(NAME)
        buf = io.BytesIO()
        ax.figure.savefig(buf, format="png")  # mathtext would raise on \badmacro
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert MANAGER in labels and all(not t.get_parse_math() for t in ax.get_yticklabels())
    plt.close(ax.figure)


def test_sheet_names_from_the_data_are_safe_and_distinct():
    from cxkit.present.excel import sheet_name
    taken = []
    for raw in ["A0001'", "'", "History", "a/b:c?*[x]", "x" * 40, "A0001", "a0001 "]:
        name = sheet_name(raw, taken)
        assert 0 < len(name) <= 31 and not set("[]:*?/\\") & set(name)
        assert not name.startswith("'") and not name.endswith("'")
        assert name.lower() not in {t.lower() for t in taken} | {"history"}
        taken.append(name)


# =========================================================================== tables
@pytest.fixture
def folder(tmp_path, small_dir):
    """A writable copy of the small portfolio's required tables (CSV)."""
    f = tmp_path / "data"
    f.mkdir()
    for name in ("accounts", "contacts", "responses", "revenue", "operations"):
        src = next(small_dir.glob(f"{name}.csv*"))
        pd.read_csv(src, dtype=str, keep_default_na=False).to_csv(f / f"{name}.csv", index=False)
    return f


def _rewrite_csv(path: Path, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


def _refused(capsys, folder, *fragments, extra=()) -> str:
    """`cxkit validate` stops with one-line errors naming every fragment; inputs unchanged."""
    before = _digests(folder)
    code, out, err = _cli(capsys, "validate", str(folder), *extra)
    assert code == 1, out
    lines = _one_line_errors(err)
    text = "\n".join(lines)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert _digests(folder) == before
    return text


@pytest.mark.parametrize("header", ["ltr", " ltr", "LTR "])
def test_a_repeated_header_is_refused(capsys, folder, header):
    _rewrite_csv(folder / "responses.csv",
                 lambda ls: [ls[0] + f",{header}"] + [ln + ",10" for ln in ls[1:]])
    _refused(capsys, folder, "responses.csv, column 'ltr'", "the header has this column 2 times")


def test_a_repeated_header_in_parquet_is_refused(folder):
    import pyarrow as pa
    import pyarrow.parquet as pq
    responses = pd.read_csv(folder / "responses.csv", dtype=str, keep_default_na=False)
    table = pa.Table.from_pandas(responses, preserve_index=False)
    table = table.append_column("ltr", pa.array([10.0] * len(responses)))
    (folder / "responses.csv").unlink()
    pq.write_table(table, folder / "responses.parquet")
    with pytest.raises(DataError, match=r"responses.parquet, column 'ltr': the header has this "
                                        r"column 2 times, as columns 5 and 17"):
        load(folder)


def test_a_repeated_name_column_in_accounts_is_refused(capsys, folder):
    _rewrite_csv(folder / "accounts.csv",
                 lambda ls: [ls[0] + ",name"] + [ln + ",Other name" for ln in ls[1:]])
    _refused(capsys, folder, "accounts.csv, column 'name'", "columns 2 and 13")


def test_a_column_with_values_but_no_header_is_refused(capsys, folder):
    _rewrite_csv(folder / "responses.csv", lambda ls: [ls[0] + ","] + [ln + ",7" for ln in ls[1:]])
    _refused(capsys, folder, "responses.csv", "has values but no header")


def _dates(folder, column, values, table="accounts"):
    df = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    df[column] = (list(values) * len(df))[:len(df)]
    df.to_csv(folder / f"{table}.csv", index=False)
    return df


def test_dates_that_could_be_either_way_round_are_refused_unless_named(capsys, folder, tmp_path):
    _dates(folder, "customer_since", ["03/04/2019", "12/01/2020", "01/12/2018"])
    text = _refused(capsys, folder, "accounts.csv, column 'customer_since'",
                    "could be day-first or month-first", "date_format", "row 2 of the file")
    assert "3 Apr 2019 day-first, 4 Mar 2019 month-first" in text
    f = tmp_path / "p.yaml"
    f.write_text("date_format: DD/MM/YYYY\n")
    code, out, _ = _cli(capsys, "validate", str(folder), "-f", str(f))
    assert code == 0, out
    got = load_table(folder, "accounts", date_format="DD/MM/YYYY")["customer_since"]
    assert got.iloc[0] == pd.Timestamp("2019-04-03") and got.iloc[1] == pd.Timestamp("2020-01-12")
    got = load_table(folder, "accounts", date_format="MM/DD/YYYY")["customer_since"]
    assert got.iloc[0] == pd.Timestamp("2019-03-04")


def test_a_strftime_date_format_leaves_iso_dates_of_other_tables_alone(folder):
    _dates(folder, "customer_since", ["01.02.2019", "31.03.2020"])
    tables = load(folder, date_format="%d.%m.%Y")  # responses keep their ISO dates
    assert tables["accounts"]["customer_since"].iloc[0] == pd.Timestamp("2019-02-01")
    assert tables["responses"]["response_date"].notna().all()
    with pytest.raises(ParameterError, match="date_format must be DD/MM/YYYY"):
        load(folder, date_format="D.M.Y")


def test_day_first_dates_are_inferred_from_the_column(folder):
    _dates(folder, "customer_since", ["03/04/2019", "25/12/2020"])  # 25/12 settles it
    got = load_table(folder, "accounts")["customer_since"]
    assert got.iloc[0] == pd.Timestamp("2019-04-03") and got.iloc[1] == pd.Timestamp("2020-12-25")


def test_dates_mixing_day_first_and_month_first_name_the_rows(capsys, folder):
    _dates(folder, "customer_since", ["25/12/2019", "13/01/2020", "12/31/2018", "2019-05-05"])
    text = _refused(capsys, folder, "column 'customer_since'", "mixes day-first",
                    "month-first dates", "row 4 of the file: '12/31/2018'")
    assert "nan" not in text


def test_unreadable_dates_name_the_rows(capsys, folder):
    _dates(folder, "customer_since", ["2019-05-05", "31/02/2020", "yesterday"])
    _refused(capsys, folder, "column 'customer_since'", "is not a date",
             "row 3 of the file: '31/02/2020'", "row 4: 'yesterday'")


def test_excel_serial_dates_are_converted(tmp_path, folder):
    accounts = load_table(folder, "accounts")
    raw = pd.read_csv(folder / "accounts.csv", dtype=str, keep_default_na=False)
    serial = (accounts["customer_since"] - pd.Timestamp("1899-12-30")).dt.days
    xlsx = raw.assign(customer_since=serial, employees=raw["employees"].astype(int))
    (folder / "accounts.csv").unlink()
    xlsx.to_excel(folder / "accounts.xlsx", index=False)
    got = load_table(folder, "accounts")
    pd.testing.assert_series_equal(got["customer_since"], accounts["customer_since"])
    parquet = raw.assign(customer_since=serial.astype("int64"))
    (folder / "accounts.xlsx").unlink()
    parquet.to_parquet(folder / "accounts.parquet")
    pd.testing.assert_series_equal(load_table(folder, "accounts")["customer_since"],
                                   accounts["customer_since"])
    parquet.loc[2, "customer_since"] = 1_700_000_000_000  # epoch milliseconds: not a date
    parquet.to_parquet(folder / "accounts.parquet")
    with pytest.raises(DataError, match=r"customer_since'.*read as an Excel serial day "
                                        r"number.* in 1 row \(row 3 of the file: "
                                        r"1700000000000\)"):
        load_table(folder, "accounts")
    parquet.loc[2, "customer_since"] = 2019  # a year is not the serial day 2019 (1905)
    parquet.to_parquet(folder / "accounts.parquet")
    with pytest.raises(DataError, match=r"1950-2099.* \(row 3 of the file: 2019\)"):
        load_table(folder, "accounts")


@pytest.mark.parametrize("table,column,value", [
    ("revenue", "revenue", "inf"), ("revenue", "revenue", "Infinity"),
    ("operations", "on_time_shipment_pct", "-inf"), ("responses", "product_quality", "inf"),
])
def test_non_finite_numbers_are_refused(capsys, folder, table, column, value):
    df = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    df.loc[3, column] = value
    df.to_csv(folder / f"{table}.csv", index=False)
    _refused(capsys, folder, f"{table}.csv, column '{column}'", "is not a finite number",
             f"row 5 of the file: {value}")


def test_a_table_mixing_quarters_and_months_is_refused(capsys, folder):
    df = pd.read_csv(folder / "revenue.csv", dtype=str, keep_default_na=False)
    df.loc[[4, 9], "period"] = ["2023-03", "2023-06"]
    df.to_csv(folder / "revenue.csv", index=False)
    _refused(capsys, folder, "revenue.csv, column 'period'", "mixes period lengths",
             "months in 2 rows", "row 6 of the file: '2023-03'")


def test_utf16_files_are_read_or_named(capsys, folder):
    text = (folder / "accounts.csv").read_text(encoding="utf-8")
    (folder / "accounts.csv").write_bytes(text.encode("utf-16"))  # with a byte-order mark
    assert len(load(folder)["accounts"]) == text.count("\n") - 1
    (folder / "accounts.csv").write_bytes(text.encode("utf-16-le"))  # without one
    _refused(capsys, folder, "accounts.csv", "UTF-16", "save it as a UTF-8 CSV")


def test_control_characters_in_data_are_shown_not_obeyed(capsys, folder):
    _rewrite_csv(folder / "responses.csv",
                 lambda ls: [ls[0] + ",\x1b[31mred\x1b[0m,\x1b[31mred\x1b[0m"]
                 + [ln + ",1,2" for ln in ls[1:]])
    text = _refused(capsys, folder, "\\x1b[31mred\\x1b[0m")
    assert "\x1b" not in text
    df = pd.read_csv(folder / "responses.csv", dtype=str, keep_default_na=False)
    df = df.iloc[:, :-2]
    df.loc[0, "ltr"] = "\x1b]0;owned\x07"
    df.to_csv(folder / "responses.csv", index=False)
    text = _refused(capsys, folder, "column 'ltr'", "\\x1b]0;owned\\x07")
    assert "\x1b" not in text and "\x07" not in text


def test_parquet_of_the_wrong_types_names_rows_numbered_like_the_file(folder):
    df = pd.read_csv(folder / "accounts.csv", dtype=str, keep_default_na=False)
    df["employees"] = df["employees"].astype(float)
    df.loc[3, "employees"] = 12.5
    (folder / "accounts.csv").unlink()
    df.to_parquet(folder / "accounts.parquet")
    # Parquet has no header row: the 4th record is row 4 (in the CSV it was row 5)
    with pytest.raises(DataError, match=r"column 'employees': is not a whole number in 1 row "
                                        r"\(row 4 of the file: 12.5\)"):
        load(folder)
    df.loc[3, "employees"] = 12.0
    df.to_parquet(folder / "accounts.parquet")
    contacts = pd.read_csv(folder / "contacts.csv", dtype=str, keep_default_na=False)
    contacts.loc[3, "account_id"] = "NOPE"
    (folder / "contacts.csv").unlink()
    contacts.to_parquet(folder / "contacts.parquet")
    with pytest.raises(DataError, match=r"contacts.parquet, column 'account_id': names an "
                                        r"unknown account .* \(row 4 of the file: 'NOPE'\)"):
        load(folder)


def test_validation_keeps_pandera_warnings_to_itself(folder):
    df = pd.read_csv(folder / "revenue.csv", dtype=str, keep_default_na=False)
    df.loc[2, "revenue"] = "lots"
    df.to_csv(folder / "revenue.csv", index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DataError):
            load(folder, optional=["revenue"])
    assert not [w for w in caught if issubclass(w.category, UserWarning)], \
        [str(w.message) for w in caught]


@pytest.mark.parametrize("kind", ["folder", "broken link"])
def test_an_optional_table_that_is_not_a_file_is_named(capsys, folder, kind):
    (folder / "revenue.csv").unlink()
    if kind == "folder":
        (folder / "revenue.csv").mkdir()
    else:
        (folder / "revenue.csv").symlink_to(folder / "gone.csv")
    _refused(capsys, folder, "revenue.csv", "is a folder" if kind == "folder" else "broken link")


# =========================================================================== runs
def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _kill_orphaned_kernels(folder: Path) -> None:
    """The kernel of a killed run lives on in its own session until it notices (ipykernel
    polls its parent), and may still create its sockets: stop it, as it will stop itself."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = []
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and str(folder).encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


def test_a_killed_run_leaves_nothing_behind_after_the_next_one(tmp_path, small_dir):
    """kill -9 in the middle of `cxkit run`: the next run removes what it left."""
    from cxkit.paths import HOST
    from cxkit.runner import _kernels_parent, run_notebook
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "cxkit", "run", "data_overview", "-p",
                             "data_dir", str(small_dir), "--out", str(out)],
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(out.glob(".data_overview.*.tmp.ipynb")) and time.monotonic() < deadline:
        time.sleep(0.05)
    kernels = _kernels_parent()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    left = list(out.glob(".*.tmp*"))
    assert left, "the run was not caught in the middle"
    mine = [p for p in kernels.iterdir() if p.name.startswith(f"{HOST}-{proc.pid}-")]
    assert mine
    _kill_orphaned_kernels(mine[0])
    stale = out / f".data_overview.html.{HOST}-{_dead_pid()}.1.tmp"  # a killed atomic write
    stale.write_text("half")
    live = out / f".other.{HOST}-{os.getpid()}.1.tmp.json"  # a run still going: kept
    live.write_text("{}")
    run_notebook("data_overview", overrides={"data_dir": str(small_dir)}, out_dir=out)
    assert sorted(p.name for p in out.glob(".*")) == [live.name]
    assert not [p for p in kernels.iterdir() if p.name.startswith(f"{HOST}-{proc.pid}-")]
    assert (out / "data_overview.html").exists()


def test_a_full_disk_names_the_file_and_keeps_the_last_report(tmp_path, small_dir,
                                                              monkeypatch, capsys):
    import papermill as pm

    from cxkit import runner
    out = tmp_path / "out"
    runner.run_notebook("data_overview", overrides={"data_dir": str(small_dir)}, out_dir=out)
    good = _digests(out)

    def full_html(nb, path, title=None):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(runner, "write_html_report", full_html)
    code, _, err = _cli(capsys, "run", "data_overview", "-p", "data_dir", str(small_dir),
                        "--out", str(out))
    [line] = _one_line_errors(err)
    assert code == 1 and "data_overview.html: No space left on device" in line
    assert "the previous report is kept" in line
    assert _digests(out) == good  # nothing lost, nothing half-written

    def full_notebook(src, dst, **kw):  # the executed notebook cut short by a full disk
        Path(dst).write_text('{"cells": [{"cell_type": "code", "sour')
        raise OSError(errno.ENOSPC, "No space left on device", dst)

    monkeypatch.setattr(pm, "execute_notebook", full_notebook)
    code, _, err = _cli(capsys, "run", "data_overview", "--out", str(out))
    [line] = _one_line_errors(err)
    assert "No space left on device" in line and "incomplete and was removed" in line
    assert _digests(out) == good and not (out / "data_overview.failed.ipynb").exists()


def test_atomic_write_names_the_target_when_the_disk_is_full(tmp_path, monkeypatch):
    from cxkit import paths

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(paths.os, "fsync", no_space)
    target = tmp_path / "report.html"
    target.write_text("previous")
    with pytest.raises(OSError) as err:
        paths.atomic_write_text(target, "new")
    assert err.value.filename == str(target) and err.value.errno == errno.ENOSPC
    assert target.read_text() == "previous" and sorted(tmp_path.iterdir()) == [target]


def test_batch_json_survives_an_account_called_batch(tmp_path, small_dir, monkeypatch):
    """The batch's own file and an account's files never share a name."""
    from cxkit import batch
    out = tmp_path / "out"
    accounts = ["batch", "Q1", "Q1.failed", "Acme", "ACME"]
    monkeypatch.setattr(batch, "select_accounts", lambda *a, **k: accounts)

    def fake_runner(workers):
        def run(tasks):
            for t in tasks:
                stem = Path(t["out_dir"]) / t["stem"]
                for suffix in (".html", ".json", ".failed.ipynb"):
                    stem.with_name(stem.name + suffix).write_text(t["account"])
                yield batch._outcome(t["account"], time.perf_counter(), files=[])
        return run

    monkeypatch.setattr(batch, "_on_processes", fake_runner)
    result = batch.run_batch("key_account_plan", "all", out_dir=out, workers=1,
                             progress=False)
    summary = json.loads((out / "batch.json").read_text())
    assert summary["n_reports"] == 5 and result.ok
    names = [p.name.casefold() for p in out.iterdir()]
    assert len(names) == len(set(names)) == 1 + 3 * len(accounts)


# =========================================================================== contradictions
# Each class of cxkit.io.contradictions, built as the probe built it: a valid table made
# to contradict itself or another, the command, the one-line error (or, with the rule
# `show`, the contradiction listed). Inputs are byte-identical afterwards (_refused).
def _table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, name: str, df: pd.DataFrame) -> None:
    df.to_csv(folder / f"{name}.csv", index=False)


def _paying(folder: Path) -> str:
    """An active account with revenue in every period of the table."""
    rev = _table(folder, "revenue")
    acc = _table(folder, "accounts")
    every = rev.groupby("account_id")["period"].nunique() == rev["period"].nunique()
    active = set(acc.loc[acc["status"] == "active", "account_id"])
    return sorted(a for a in every[every].index if a in active)[0]


def test_a_declared_period_that_differs_from_the_labels_is_refused(capsys, folder, tmp_path):
    """Quarterly revenue run as months: refused before a kernel starts (was EUR 1,271M)."""
    before = _digests(folder)
    code, _, err = _cli(capsys, "run", "customer_math", "-p", "data_dir", str(folder),
                        "-p", "period", "M", "--out", str(tmp_path / "out"))
    assert code == 1
    [line] = _one_line_errors(err)
    assert "parameter 'period' is 'M'" in line and "labelled in quarters" in line
    assert not (tmp_path / "out").exists() and _digests(folder) == before


def test_monthly_revenue_is_read_as_months(folder):
    """The period comes from the labels: monthly revenue gives monthly flows and rates."""
    from cxkit.customer_math import CustomerMath
    rev = _table(folder, "revenue")
    months = []
    for r in rev.itertuples():
        q = pd.Period(r.period, freq="Q")
        for m in range(3):
            months.append({"account_id": r.account_id,
                           "period": str(q.asfreq("M", "start") + m),
                           "revenue": float(r.revenue) / 3})
    monthly = pd.DataFrame(months)
    acc = _table(folder, "accounts")  # a lost account pays up to the month of its loss
    lost = pd.to_datetime(acc.set_index("account_id")["lost_date"].replace("", None))
    month_of_loss = lost.dt.strftime("%Y-%m").reindex(monthly["account_id"]).fillna("9999-12")
    monthly = monthly[monthly["period"].to_numpy() <= month_of_loss.to_numpy()]
    _write(folder, "revenue", monthly)
    tables = load(folder, tables=["accounts", "revenue"])
    math = CustomerMath().fit(tables)
    assert math.period_ == "M" and math.flows_.index[0] == monthly["period"].min()
    # independent: customers at the start are those paying in the first month
    first = monthly[monthly["period"] == monthly["period"].min()]
    assert math.flows_["end"].iloc[0] == first.loc[first["revenue"] > 0, "account_id"].nunique()
    assert any("Per month" in h or "per month" in h for h in math.headlines())
    assert len(acc) == len(tables["accounts"])


@pytest.mark.parametrize("column, value, words", [
    ("lost_date", "2099-01-01", "after the data ends"),
    ("customer_since", "2099-03-01", "after the data ends"),
    ("customer_since", "1900-01-01", "is a date exports write for 'unknown'"),
])
def test_dates_outside_the_data_are_contradictions(capsys, folder, column, value, words):
    """A departure in 2099 for an account that pays every quarter; a customer since 2099; a
    sentinel 1900-01-01 that refitted the lifetime model for everyone."""
    acc = _table(folder, "accounts")
    who = _paying(folder)
    acc.loc[acc["account_id"] == who, column] = value
    if column == "lost_date":
        acc.loc[acc["account_id"] == who, "status"] = "lost"
    _write(folder, "accounts", acc)
    text = _refused(capsys, folder, "accounts.csv", f"column '{column}'", words, who)
    assert "contradictions: show" in text


def _pays_after_its_loss(folder: Path) -> tuple[str, str]:
    """A lost account given revenue in the table's last period: (account, period)."""
    acc, rev = _table(folder, "accounts"), _table(folder, "revenue")
    who = acc.loc[acc["status"] == "lost", "account_id"].iloc[0]
    last = rev["period"].max()
    rev = pd.concat([rev[~((rev["account_id"] == who) & (rev["period"] == last))],
                     pd.DataFrame([{"account_id": who, "period": last, "revenue": "1000.0"}])])
    _write(folder, "revenue", rev)
    return who, last


def test_a_lost_account_that_keeps_paying_is_a_contradiction(capsys, folder):
    who, last = _pays_after_its_loss(folder)
    _refused(capsys, folder, "revenue.csv", "after the account's lost date", f"{who} in {last}")


def test_follow_ups_dated_before_their_answer_are_contradictions(capsys, folder, small_dir):
    shutil.copy(next(small_dir.glob("followups.csv*")), folder / "followups.csv")
    f = _table(folder, "followups")
    r = _table(folder, "responses").set_index("response_id")["response_date"]
    answered = pd.to_datetime(r.reindex(f["response_id"]).to_numpy())
    rows = f.index[pd.notna(answered)][:3]
    early = (answered - pd.Timedelta(days=30)).strftime("%Y-%m-%d")
    f.loc[rows, "followup_date"] = early[rows]
    _write(folder, "followups", f)
    _refused(capsys, folder, "followups.csv", "column 'followup_date'",
             "before the date of the answer", "in 3 rows")


def test_a_missing_quarter_is_named(capsys, folder):
    rev = _table(folder, "revenue")
    gap = sorted(rev["period"].unique())[4]
    _write(folder, "revenue", rev[rev["period"] != gap])
    _refused(capsys, folder, "revenue.csv", f"has no rows for {gap}")


def test_names_in_two_unicode_forms_are_one_name(folder):
    """'José Núñez' half composed, half decomposed (as macOS writes it) is one manager."""
    import unicodedata
    acc = _table(folder, "accounts")
    name = "Jos\u00e9 N\u00fa\u00f1ez"
    mine = acc.index[:10]
    acc.loc[mine, "account_manager"] = name
    acc.loc[mine[::2], "account_manager"] = unicodedata.normalize("NFD", name)
    assert acc["account_manager"].nunique() > acc.loc[mine, "account_manager"].nunique() - 1
    _write(folder, "accounts", acc)
    tables = load(folder)
    assert (tables["accounts"]["account_manager"] == name).sum() == 10
    assert not tables.contradictions


def test_names_that_differ_only_by_case_or_invisible_characters_are_named(capsys, folder):
    acc = _table(folder, "accounts")
    acc.loc[acc.index[:4], "account_manager"] = "Ana Silva"
    acc.loc[acc.index[4], "account_manager"] = "ANA SILVA"
    acc.loc[acc.index[5], "account_manager"] = "Ana\u200b Silva"
    _write(folder, "accounts", acc)
    _refused(capsys, folder, "column 'account_manager'", "differ only by case",
             "'Ana Silva' and 'ANA SILVA'")


def test_with_the_rule_show_contradictions_are_listed_in_the_report(capsys, folder, tmp_path):
    """contradictions: show runs; validate, the report and its results file list them."""
    from cxkit.runner import run_notebook
    who, last = _pays_after_its_loss(folder)
    (folder / "cxkit.yaml").write_text("contradictions: show\n", encoding="utf-8")
    before = _digests(folder)
    code, out, err = _cli(capsys, "validate", str(folder))
    assert code == 0, err
    assert "Contradictions" in out and f"{who} in {last}" in out
    result = run_notebook("data_overview", overrides={"data_dir": str(folder)},
                          out_dir=tmp_path / "out")
    html = result.html.read_text(encoding="utf-8")
    assert "Where the data contradicts itself" in html and who in html
    saved = json.loads(result.results.read_text(encoding="utf-8"))
    [c] = saved["contradictions"]
    assert c["kind"] == "paying_after_lost" and c["table"] == "revenue" and who in c["text"]
    assert _digests(folder) == before


def test_a_report_that_cannot_run_is_not_known_in_the_board_pack(small_dir, tmp_path):
    """One revenue row after a lost account's date, customer math set to stop at it: the
    pack says at its top what it lacks and why, and prints no EUR 0 or 0 of 5."""
    from cxkit.board import BoardPack
    from cxkit.reports import tables_of
    folder = tmp_path / "data"
    shutil.copytree(small_dir, folder)
    who, last = _pays_after_its_loss(folder)
    tables = load(folder, contradictions="show", **tables_of("board_pack"))
    pack = BoardPack(currency="EUR", data_dir=str(folder),
                     settings={"customer_math": {"contradictions": "error"}}).fit(tables)
    lead = pack.headlines()
    assert lead[0].startswith("This pack is not complete") and "Customer math" in lead[0]
    assert "after the account's lost_date" in lead[0]
    text = " ".join(s for n in pack.sections_ for s in pack.sentences(n))
    assert "EUR 0 " not in text and "0 with a detractor" not in text
    assert "revenue table" not in text  # it has one: the cause is named instead
    risk = pack.key_results()["sections"]["losses"].get("at_risk")
    if risk:
        assert risk["annual_revenue"] is None and risk["detractors_waiting"] is None
    assert pack.key_results()["not_known"]["customer_math"]


def test_revenue_lost_unknown_is_said_as_unknown(small_dir):
    """revenue_lost empty in every row: no 'nan%', the reasons by count."""
    import numpy as np

    from cxkit.customer_math import CustomerMath
    tables = load(small_dir, tables=["accounts", "revenue"], optional=["lost_customers"])
    tables["lost_customers"] = tables["lost_customers"].assign(revenue_lost=np.nan)
    reasons = sorted(tables["lost_customers"]["primary_reason"].str.lower().unique())
    math = CustomerMath(experience_reasons=reasons[:2], other_reasons=reasons[2:]).fit(tables)
    text = " ".join(math.headlines())
    assert "nan" not in text and "not recorded" in text
    assert math.key_results().get("experience_share_of_lost_revenue") is None
    assert math.lost_by_reason_["revenue_lost"].isna().all()


def test_a_revenue_table_of_one_period_is_named(folder):
    from cxkit.customer_math import CustomerMath
    rev = _table(folder, "revenue")
    _write(folder, "revenue", rev[rev["period"] == rev["period"].max()])
    with pytest.raises(DataError, match="revenue in two periods at least"):
        CustomerMath().fit(load(folder, tables=["accounts", "revenue"]))


def test_a_departure_no_lost_customers_row_explains_is_a_contradiction(small_dir):
    """An account won back and lost again: its second departure is named."""
    from cxkit.customer_math import CustomerMath, reconcile
    tables = load(small_dir, tables=["accounts", "revenue"], optional=["lost_customers"])
    math = CustomerMath(contradictions="show").fit(tables)
    gone = math.movements_[math.movements_["movement"] == "lost"].iloc[0]
    lc = tables["lost_customers"]
    lc = lc[lc["account_id"] != gone["account_id"]]  # its reason is not recorded
    acc = tables["accounts"].copy()
    acc.loc[acc["account_id"] == gone["account_id"], ["status", "lost_date"]] = \
        ["active", pd.NaT]
    found = reconcile(tables["revenue"], acc, "Q", lc, None, math.movements_)
    hit = found[found["problem"] == "departure_without_reason"]
    assert (hit["account_id"] == gone["account_id"]).any()
    assert (hit["period"] == str(gone["period"])).any()
    assert reconcile(tables["revenue"], tables["accounts"], "Q", tables["lost_customers"],
                     None, math.movements_).query("problem == 'departure_without_reason'").empty


@pytest.mark.parametrize("name, value, words", [
    ("followup_days", "1000000", "must be from 0 to 3650"),
    ("discount_rate", "1e308", "must be above 0 and at most 1"),
])
def test_parameters_out_of_bounds_are_refused_before_a_kernel(capsys, tmp_path, name, value,
                                                              words):
    code, _, err = _cli(capsys, "run", "customer_math", "-p", name, value,
                        "--out", str(tmp_path / "out"))
    assert code == 1
    [line] = _one_line_errors(err)
    assert f"parameter '{name}'" in line and words in line
    assert not (tmp_path / "out").exists()


def test_a_comparison_period_not_before_the_report_period_is_refused(capsys, tmp_path):
    code, _, err = _cli(capsys, "run", "board_pack", "-p", "report_period", "2025",
                        "-p", "comparison_period", "2025Q3", "--out", str(tmp_path / "out"))
    assert code == 1
    [line] = _one_line_errors(err)
    assert "comparison_period" in line and "does not end before" in line


def test_a_line_break_in_a_value_stays_on_one_line(capsys, tmp_path):
    code, _, err = _cli(capsys, "run", "key_account_plan", "-p", "account_id", "A0001\nX",
                        "--out", str(tmp_path / "out"))
    assert code == 1
    [line] = _one_line_errors(err)
    assert "A0001\\nX" in line


def test_a_link_out_of_the_data_folder_is_not_followed(capsys, folder, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("root:*:20228:0:99999:7:::\n", encoding="utf-8")
    (folder / "accounts.csv").unlink()
    (folder / "accounts.csv").symlink_to(secret)
    text = _refused(capsys, folder, "accounts.csv", "a link to a file outside the data folder")
    assert "root:" not in text and "20228" not in text


def test_bidi_controls_from_the_data_do_not_reach_the_html():
    from cxkit.present.html import without_bidi_controls
    from cxkit.present.show import bullets
    name = "Acme \u202egpj.exe"
    assert "\u202e" not in bullets([name]).data
    assert without_bidi_controls(f"<td>{name}</td>") == "<td>Acme gpj.exe</td>"


def test_prospect_values_are_read_in_the_accounts_form_and_unseen_ones_never_win():
    """'software' is 'Software'; 'zzzz', a Cyrillic look-alike or a zero-width space is a
    value no customer has: it meets no rule, so it never ranks above a real match."""
    import numpy as np

    from cxkit.prospects import Condition, Rule, score_prospects
    rule = Rule((Condition("industry", ("Software",)), Condition("region", ("EMEA",))))
    prospects = pd.DataFrame({
        "prospect_id": ["P1", "P2", "P3", "P4", "P5"],
        "industry": ["Software", "software", "zzzz", "S\u043eftware", "Soft\u200bware"],
        "region": ["EMEA"] * 5})
    known = {"industry": {"Software", "Logistics"}, "region": {"EMEA", "APAC"}}
    s = score_prospects(prospects, [rule], pd.Series([0.6]), 0.1, ["industry", "region"],
                        known=known).set_index("prospect_id")
    assert s.loc["P1", "fit_score"] == s.loc["P2", "fit_score"] == 0.6  # case folded
    assert s.loc["P5", "fit_score"] == 0.6  # an invisible character is not a new industry
    for p in ("P3", "P4"):  # unseen: no match, flagged, below every real match
        assert s.loc[p, "fit_score"] == 0.1 and s.loc[p, "unseen"] == "industry"
        assert np.isnan(s.loc[p, "best_rule"]) if not pd.isna(s.loc[p, "best_rule"]) else True
    assert s.loc["P3", "rank"] > s.loc["P2", "rank"]


def test_a_table_longer_than_a_sheet_keeps_its_top_and_is_written_whole_beside(tmp_path,
                                                                                 monkeypatch):
    """More prospects than an Excel sheet holds (1,048,576 rows): the report is written;
    the sheet holds the first rows and says where the rest is (the limit is patched to
    keep the test fast: the same code runs at Excel's)."""
    import openpyxl

    from cxkit.present import excel
    monkeypatch.setattr(excel, "EXCEL_ROWS", 30)
    df = pd.DataFrame({"rank": range(1, 101), "name": ["=HYPERLINK(\"x\")"] + ["Acme"] * 99})
    path = excel.write_workbook(tmp_path / "prospects.xlsx", {"Prospects": df})
    ws = openpyxl.load_workbook(path)["Prospects"]
    assert ws.max_row == 30 and "first 27 of 100 rows" in ws.cell(30, 1).value
    assert [ws.cell(r, 1).value for r in (2, 28)] == [1, 27]
    full = pd.read_csv(tmp_path / "prospects.Prospects.csv", encoding="utf-8-sig")
    assert len(full) == 100 and full["rank"].tolist() == list(range(1, 101))
    assert full["name"].iloc[0].startswith("'=")  # text, not a formula, in a spreadsheet
    monkeypatch.setattr(excel, "EXCEL_ROWS", 101)  # exactly at the limit: nothing dropped
    path = excel.write_workbook(tmp_path / "at_limit.xlsx", {"Prospects": df})
    assert openpyxl.load_workbook(path)["Prospects"].max_row == 101
