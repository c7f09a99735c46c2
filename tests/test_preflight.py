"""Parameters checked against the data before a kernel starts; where each way of running writes."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import papermill as pm
import pytest

from cxkit import params, preflight
from cxkit.errors import ParameterError
from cxkit.runner import default_out_dir, run_notebook, run_parameters


def cxkit(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cxkit", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if a notebook would be executed: the checks must come first."""
    def refuse(*a, **k):
        raise AssertionError("a kernel was started")
    monkeypatch.setattr(pm, "execute_notebook", refuse)


@pytest.fixture
def renamed_driver(tmp_path, small_dir):
    """A data folder whose export calls shipping_confidence 'Delivery confidence'."""
    folder = tmp_path / "acme"
    shutil.copytree(small_dir, folder)
    r = pd.read_csv(folder / "responses.csv", dtype=str)
    r.rename(columns={"shipping_confidence": "Delivery confidence"}).to_csv(
        folder / "responses.csv", index=False)
    return folder


def test_a_renamed_driver_that_breaks_measures_is_named_with_its_file_before_the_kernel(
        renamed_driver, root, no_kernel):
    """The mapping renames a driver that the folder's own `measures` still names."""
    (renamed_driver / "cxkit.yaml").write_text(
        "notebooks:\n  driver_analysis:\n    measures:\n"
        "      shipping_confidence: [on_time_shipment_pct]\n", encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        run_notebook("driver_analysis", overrides={
            "data_dir": str(renamed_driver),
            "columns": {"responses": {"Delivery confidence": "delivery_confidence"}}})
    text = str(err.value)
    assert "cxkit.yaml: parameter 'measures' names driver 'shipping_confidence'" in text
    assert "after the column mapping; did you mean 'delivery_confidence'?" in text
    assert not (root / "reports" / "acme").exists()  # nothing written


def test_the_shipped_parameters_never_break_another_data_folder(renamed_driver, root,
                                                               no_kernel):
    """The sample's measures live in data/sample/cxkit.yaml: on another folder the shipped
    params/driver_analysis.yaml names nothing that folder lacks."""
    (renamed_driver / "cxkit.yaml").unlink()  # a client's folder: not the sample's description
    values = run_parameters(root / "notebooks" / "driver_analysis.ipynb", overrides={
        "data_dir": str(renamed_driver),
        "columns": {"responses": {"Delivery confidence": "delivery_confidence"}}})
    assert not values.get("measures")
    sample = run_parameters(root / "notebooks" / "driver_analysis.ipynb")
    assert sample["measures"]["shipping_confidence"] == ["on_time_shipment_pct",
                                                         "expedited_shipment_pct"]


def test_every_bad_value_is_named_at_once_with_did_you_mean(root, no_kernel):
    with pytest.raises(ParameterError) as err:
        run_parameters(root / "notebooks" / "driver_analysis.ipynb", overrides={
            "method": "shapely", "data_dir": "data/sampel", "period": "q",
            "columns": {"respones": {"a": "b"}}})
    lines = str(err.value).splitlines()
    assert len(lines) == 4 and all(line.startswith("command line: parameter '") for line in lines)
    text = str(err.value)
    assert "'method' is 'shapely'; did you mean 'shapley'?" in text
    assert "'period' is 'q'; did you mean 'Q'?" in text
    assert "'data_dir' names data/sampel, which is not a folder; did you mean 'data/sample'?" in text
    assert "'columns' names table 'respones'; did you mean 'responses'?" in text


def test_files_accounts_and_dates_are_checked(root, no_kernel):
    nb = root / "notebooks"
    with pytest.raises(ParameterError, match=r"'model' names params/chi_modl.yaml, which is not "
                                             r"a file; did you mean 'params/chi_model.yaml'\?"):
        run_parameters(nb / "chi_scorecard.ipynb", overrides={"model": "params/chi_modl.yaml"})
    accounts = pd.read_csv(root / "data" / "sample" / "accounts.csv", dtype=str)
    manager = accounts["account_manager"].iloc[0]
    with pytest.raises(ParameterError) as err:
        run_parameters(nb / "portfolio_plan.ipynb", overrides={
            "account_manager": manager[:-1], "lens_group": "project_manger",
            "plan_date": "2024-13-01"})
    text = str(err.value)
    assert f"'account_manager' is '{manager[:-1]}', not an account manager in " \
           f"data/sample/accounts.csv; did you mean '{manager}'?" in text
    assert "'lens_group' names column 'project_manger'" in text and "'project_manager'?" in text
    assert "'plan_date' is '2024-13-01', not a date written YYYY-MM-DD" in text
    # the values that are right pass
    run_parameters(nb / "portfolio_plan.ipynb", overrides={"account_manager": manager})


def test_a_params_file_is_named_as_the_source(tmp_path, root, no_kernel):
    f = tmp_path / "mine.yaml"
    f.write_text("best: {advocacy: advocates}\n")
    with pytest.raises(ParameterError) as err:
        run_parameters(root / "notebooks" / "prospect_profiling.ipynb", params_file=f)
    assert str(err.value) == (f"{f}: parameter 'best' sets advocacy to 'advocates'; did you "
                              "mean 'advocate'? (one of reference, advocate)")


def test_the_notebook_check_gives_the_same_messages(root):
    """JupyterLab and plain papermill: params.check runs the same checks in the kernel."""
    namespace = {"__annotations__": {"data_dir": str, "method": str},
                 "data_dir": "data/sample", "method": "relative_weight"}
    with pytest.raises(ParameterError, match=r"^driver_analysis: parameter 'method' is "
                                             r"'relative_weight'; did you mean 'relative_weights'"):
        params.check(namespace, "driver_analysis")
    namespace["method"] = "relative_weights"
    assert params.check(namespace, "driver_analysis")["method"] == "relative_weights"


def test_the_notebook_check_leaves_the_data_to_the_runner(monkeypatch):
    """Under `cxkit run` and `cxkit batch` the runner checked the same values against the
    data before the kernel started (a batch once for all accounts): types still are."""
    monkeypatch.setenv(params.CHECKED_VAR, "1")
    namespace = {"__annotations__": {"data_dir": str, "method": str},
                 "data_dir": "data/sample", "method": "relative_weight"}
    assert params.check(namespace, "driver_analysis")["method"] == "relative_weight"
    namespace["method"] = 3
    with pytest.raises(ParameterError, match="method"):
        params.check(namespace, "driver_analysis")


def test_did_you_mean_sees_through_case_and_spacing():
    assert preflight.did_you_mean("Q1_LTR", ["Q1 LTR", "ltr"]) == "; did you mean 'Q1 LTR'?"
    assert preflight.did_you_mean("zzz", ["ltr"]) == ""


def test_validate_takes_the_same_columns_parameter_as_run(tmp_path, small_dir):
    folder = tmp_path / "export"
    shutil.copytree(small_dir, folder)
    r = pd.read_csv(folder / "responses.csv", dtype=str)
    r.rename(columns={"ltr": "Q1 LTR"}).to_csv(folder / "responses.csv", index=False)
    bad = cxkit("validate", str(folder))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "-p columns '{responses: {Your column: ltr}}'" in bad.stderr
    good = cxkit("validate", str(folder), "-p", "columns", "{responses: {Q1 LTR: ltr}}")
    assert good.returncode == 0, good.stderr
    assert "valid" in good.stdout
    typo = cxkit("validate", str(folder), "-p", "columns", "{responses: {Q1_LTR: ltr}}")
    assert typo.returncode == 1 and "did you mean 'Q1 LTR'?" in typo.stderr
    other = cxkit("validate", str(folder), "-p", "colums", "{}")
    assert other.returncode == 1 and "did you mean 'columns'?" in other.stderr


def test_default_output_folder_is_named_for_the_data(root):
    assert default_out_dir({"data_dir": "data/sample"}) == root / "reports"
    assert default_out_dir({}) == root / "reports"
    assert default_out_dir({"data_dir": str(root / "data" / "sample")}) == root / "reports"
    assert default_out_dir({"data_dir": "/clients/acme_2026"}) == root / "reports" / "acme_2026"
    odd = default_out_dir({"data_dir": "/clients/<Acme> & Co"})
    assert odd.parent == root / "reports" and odd.name.startswith("Acme_Co-")


def test_run_without_out_on_other_data_writes_beside_not_over_the_demo(tmp_path, small_dir,
                                                                        monkeypatch):
    """`cxkit run` with a client's data_dir and no --out: reports/<data folder>/, not reports/."""
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    (project / "params").mkdir()
    from cxkit.paths import project_root
    shutil.copy(project_root() / "notebooks" / "data_overview.ipynb", project / "notebooks")
    data = tmp_path / "acme_2026"
    shutil.copytree(small_dir, data)

    def fake_execute(input_path, output_path, **kw):  # the notebook as it is, no kernel
        shutil.copy(input_path, output_path)

    monkeypatch.setattr(pm, "execute_notebook", fake_execute)
    result = run_notebook("data_overview", overrides={"data_dir": str(data)}, root=project)
    assert result.html == project / "reports" / "acme_2026" / "data_overview.html"
    assert result.html.is_file() and not (project / "reports" / "data_overview.html").exists()



def test_a_data_folder_with_a_quote_in_its_name_is_suggested_whole(tmp_path):
    there = tmp_path / "O'Brien exports"
    there.mkdir()
    typed = tmp_path / "O'Brien export"
    assert preflight.problems({"data_dir": str(typed)}) == [
        f"parameter 'data_dir' names {typed}, which is not a folder; did you mean '{there}'?"]


def test_a_lens_question_the_survey_lacks_is_named_before_the_kernel(renamed_driver, root,
                                                                    no_kernel):
    """The shipped lenses read the sample's questions: on another survey, the file is named."""
    with pytest.raises(ParameterError) as err:
        run_parameters(root / "notebooks" / "key_account_plan.ipynb",
                       overrides={"data_dir": str(renamed_driver)})
    text = str(err.value)
    assert ("parameter 'config' names params/planning.yaml, whose lens 'Fulfilment' "
            "(lenses[1].value) reads question 'shipping_confidence'") in text
    assert "does not have; write lenses of this survey's questions" in text
    assert text.startswith("params/key_account_plan.yaml: parameter 'config'")
