"""Running notebooks: reports without code, results JSON, clear failures, the CLI."""
from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import papermill as pm
import pytest

from cxkit.errors import DataError, RunError
from cxkit.runner import list_notebooks, run_notebook

from .conftest import SMALL_ACCOUNTS

NOTEBOOKS = list_notebooks()


def cxkit(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cxkit", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def small_reports(tmp_path_factory, small_dir):
    """Every notebook run through `cxkit run` (papermill) on the small portfolio."""
    out = tmp_path_factory.mktemp("reports")
    runs = {}
    for nb in NOTEBOOKS:
        runs[nb.stem] = cxkit("run", nb.stem, "-p", "data_dir", str(small_dir), "--out", str(out))
    return out, runs


@pytest.mark.parametrize("notebook", [nb.stem for nb in NOTEBOOKS])
def test_run_writes_report_without_code_and_results(small_reports, notebook):
    out, runs = small_reports
    proc = runs[notebook]
    assert proc.returncode == 0, proc.stderr
    html = (out / f"{notebook}.html").read_text()
    source = nbformat.read(out / f"{notebook}.ipynb", as_version=4)
    assert "hl-ipython3" not in html  # nbconvert's class for highlighted code: none shown
    for cell in source.cells:
        if cell.cell_type == "code":
            first = next((ln for ln in cell.source.splitlines() if ln and not ln.startswith("#")), "")
            assert first not in html or len(first) < 12, first
    assert "data:image/png;base64" in html  # charts are embedded
    results = json.loads((out / f"{notebook}.json").read_text())
    assert results["notebook"] == notebook
    assert not list(out.glob(".*.tmp*"))  # no temporary files left
    if notebook == "chi_scorecard":  # the notebook's workbook is renamed in with the report
        import openpyxl
        assert "Portfolio" in openpyxl.load_workbook(out / f"{notebook}.xlsx").sheetnames
    assert "Kernel is running over TCP" not in proc.stderr


def test_data_overview_results_match_the_generated_truth(small_reports, small_portfolio):
    out, _ = small_reports
    res = json.loads((out / "data_overview.json").read_text())["results"]
    t = small_portfolio.tables
    assert res["accounts"] == SMALL_ACCOUNTS
    assert res["responses"] == len(t["responses"])
    assert res["lost_accounts"] == int(t["accounts"]["status"].eq("lost").sum())
    assert res["first_period"] == small_portfolio.truth["generator"]["periods"][0]


def test_failed_run_keeps_error_notebook_and_previous_report(tmp_path, data_copy, small_dir):
    folder, corrupt = data_copy
    out = tmp_path / "out"
    run_notebook("data_overview", overrides={"data_dir": str(small_dir)}, out_dir=out)
    good = (out / "data_overview.html").read_bytes()
    corrupt("responses", lambda d: d.assign(ltr="11"))
    with pytest.raises(DataError, match="column 'ltr'"):  # before a kernel starts
        run_notebook("data_overview", overrides={"data_dir": str(folder)}, out_dir=out)
    assert not (out / "data_overview.failed.ipynb").exists()
    with pytest.raises(RunError) as err:  # unchecked (as a batch's runs are): in the kernel
        run_notebook("data_overview", overrides={"data_dir": str(folder)}, out_dir=out,
                     checked=True)
    message = str(err.value)
    assert "data_overview failed in cell" in message
    assert "DataError" in message and "column 'ltr'" in message
    assert len(message.splitlines()) == 1
    assert (out / "data_overview.html").read_bytes() == good  # nothing lost
    failed = nbformat.read(out / "data_overview.failed.ipynb", as_version=4)
    errors = [o for c in failed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "DataError"


@pytest.mark.parametrize("parameters,expected", [
    ({"dta_dir": "data/sample"}, "unknown parameter 'dta_dir'; did you mean 'data_dir'"),
    ({"columns": "responses"}, "parameter 'columns' must be dict"),
])
def test_notebook_checks_its_own_parameters_under_plain_papermill(tmp_path, root, parameters,
                                                                  expected):
    """papermill only warns about unknown parameters; the notebook itself stops."""
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(root / "notebooks" / "data_overview.ipynb"),
                            str(tmp_path / "out.ipynb"), parameters=parameters,
                            progress_bar=False, cwd=str(tmp_path))
    assert err.value.ename == "ParameterError"
    assert expected in err.value.evalue


def test_cli_rejects_bad_parameter_before_running(tmp_path):
    proc = cxkit("run", "data_overview", "-p", "dta_dir", "x", "--out", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.startswith("cxkit: error: data_overview: unknown parameter 'dta_dir'")
    assert "Traceback" not in proc.stderr
    assert not list(tmp_path.iterdir())


def test_cli_run_failure_is_one_line_no_traceback(tmp_path, data_copy):
    folder, corrupt = data_copy
    corrupt("accounts", lambda d: d.assign(segment="platinum"))
    proc = cxkit("run", "data_overview", "-p", "data_dir", str(folder), "--out", str(tmp_path))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("cxkit: error:")]
    assert len(errors) == 1 and "column 'segment'" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_validate(tmp_path, data_copy, sample_dir):
    ok = cxkit("validate", str(sample_dir))
    assert ok.returncode == 0 and "valid" in ok.stdout and "responses" in ok.stdout
    folder, corrupt = data_copy
    corrupt("responses", lambda d: d.assign(response_date="yesterday"))
    corrupt("contacts", lambda d: d.iloc[0:0])
    bad = cxkit("validate", str(folder))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 2 and all(ln.startswith("cxkit: error: ") for ln in lines)
    assert any("contacts.csv: has no rows" in ln for ln in lines)
    assert any("column 'response_date': is not a date" in ln for ln in lines)


def test_cli_validate_with_column_mapping(tmp_path, data_copy):
    folder, corrupt = data_copy
    corrupt("responses", lambda d: d.rename(columns={"ltr": "Q1_LTR"}))
    assert cxkit("validate", str(folder)).returncode == 1
    mapping = tmp_path / "p.yaml"
    mapping.write_text("columns:\n  responses: {Q1_LTR: ltr}\n")
    assert cxkit("validate", str(folder), "-f", str(mapping)).returncode == 0


def test_cli_sample_writes_a_valid_folder(tmp_path):
    proc = cxkit("sample", "--out", str(tmp_path / "s"), "--accounts", "25", "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    assert cxkit("validate", str(tmp_path / "s")).returncode == 0
    truth = json.loads((tmp_path / "s" / "truth.json").read_text())
    assert truth["generator"]["n_accounts"] == 25
    small = cxkit("sample", "--out", str(tmp_path / "t"), "--accounts", "3")
    assert small.returncode == 1 and "at least 10" in small.stderr


def test_cli_unknown_notebook():
    proc = cxkit("run", "no_such_notebook")
    assert proc.returncode == 1 and "notebook 'no_such_notebook' not found" in proc.stderr


def test_demo_runs_every_notebook_on_the_sample(demo_dir):
    for nb in NOTEBOOKS:
        assert (demo_dir / f"{nb.stem}.html").is_file()
        assert (demo_dir / f"{nb.stem}.json").is_file()


def test_cli_paths_are_relative_to_the_working_folder(tmp_path, small_dir):
    """Options typed in a shell are read from where the user is, not the project root."""
    import shutil
    shutil.copytree(small_dir, tmp_path / "exports")
    ok = cxkit("validate", "exports", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    made = cxkit("sample", "--out", "made", "--accounts", "12", cwd=tmp_path)
    assert made.returncode == 0 and (tmp_path / "made" / "accounts.csv").is_file()
