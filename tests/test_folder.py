"""A data folder that describes itself (cxkit.yaml): reading, errors, precedence."""
from __future__ import annotations

import hashlib
import shutil
import unicodedata

import pandas as pd
import pytest

from cxkit.errors import DataError, ParameterError
from cxkit.io import describe, load
from cxkit.io.folder import merge_columns
from cxkit.paths import project_root
from cxkit.runner import run_parameters


@pytest.fixture
def survey(tmp_path):
    """A survey export with its own file and column names, and no cxkit.yaml yet."""
    pd.DataFrame({"RespID": ["a1", "a2", "a3", "a4"],
                  "Date": ["2025-01-03", "2025-02-03", "2025-03-03", "2025-04-03"],
                  "Q1 LTR": [9, 3, "", 10], "Q2 Speed": [7, -99, 5, 6],
                  "Région": ["Nord", "Sud", "Nord", "Est"]}
                 ).to_csv(tmp_path / "export 2025.csv", index=False)
    return tmp_path


def _describe(folder, text):
    (folder / "cxkit.yaml").write_text(text, encoding="utf-8")


GOOD = ('tables:\n  responses:\n    file: "export 2025.csv"\n'
        '    columns: {RespID: response_id, Date: response_date, "Q1 LTR": ltr}\n'
        '    missing: [-99]\n')


def test_the_description_names_the_file_the_columns_and_the_codes(survey):
    _describe(survey, GOOD)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in survey.iterdir()}
    r = load(survey, tables=["responses"])["responses"]
    assert list(r["response_id"]) == ["a1", "a2", "a3", "a4"]
    assert r["ltr"].isna().tolist() == [False, False, True, False]  # an empty answer: missing
    assert r["Q2 Speed"].isna().tolist() == [False, True, False, False]  # -99: no answer
    assert r.attrs["cxkit"]["missing_codes"] == {"Q2 Speed": 1}
    assert r.attrs["cxkit"]["texts"] == ["Région"]
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in survey.iterdir()}
    assert before == after  # the inputs are only read


@pytest.mark.parametrize("text,fragment", [
    ("tables:\n  respones: {}\n", "unknown table 'respones'; did you mean 'responses'?"),
    ("tables:\n  responses:\n    scale: {default: 1..7}\n",
     "tables.responses.scale.default: '1..7' is not a scale; write it as low-high"),
    ("tables:\n  responses:\n    file: ../elsewhere.csv\n", "is not inside the data folder"),
    ("tables:\n  responses:\n    colums: {}\n", "unknown setting 'colums'"),
    ("date_format: 31/12/2025\n", "date_format: date_format must be DD/MM/YYYY"),
    ("tables:\n  responses:\n    columns: {a: ltr, b: ltr}\n",
     "'ltr' is the name of more than one column"),
    ("tables: [responses]\n", "tables"),
])
def test_a_wrong_description_is_named_with_its_file(survey, text, fragment):
    _describe(survey, text)
    with pytest.raises(ParameterError) as err:
        describe(survey)
    assert "cxkit.yaml" in str(err.value) and fragment in str(err.value), str(err.value)


def test_a_file_the_description_names_that_is_not_there(survey):
    _describe(survey, 'tables:\n  responses:\n    file: "export 2024.csv"\n')
    with pytest.raises(DataError, match="table 'responses' is missing \\(its file 'export "
                                        "2024.csv', named in cxkit.yaml, is not there\\)"):
        load(survey, tables=["responses"])


def test_a_rating_off_its_declared_scale_names_the_files_column(survey):
    _describe(survey, GOOD.replace("    missing: [-99]\n", "    scale: {default: 1-7}\n"))
    with pytest.raises(DataError) as err:
        load(survey, tables=["responses"])
    text = str(err.value)
    assert "column 'ltr' (the file's 'Q1 LTR'): outside the 1–7 scale" in text
    assert "column 'Q2 Speed': outside the 1–7 scale; if -99 means no answer" in text


def test_names_in_two_unicode_forms_are_one_name(survey):
    nfd = unicodedata.normalize("NFD", "Région")
    assert nfd != "Région"
    _describe(survey, GOOD.replace("    missing", f'    text: ["{nfd}"]\n    missing'))
    r = load(survey, tables=["responses"],
             columns={"responses": {unicodedata.normalize("NFD", "Q1 LTR"): "ltr"}})["responses"]
    assert "Région" in r.columns and r.attrs["cxkit"]["texts"] == ["Région"]


def test_precedence_defaults_params_folder_file_command_line(survey, tmp_path_factory):
    """params/NOTEBOOK.yaml < cxkit.yaml < -f < -p; mappings merge per column."""
    _describe(survey, GOOD + "parameters:\n  top_n: 4\n  n_boot: 300\n"
              "notebooks:\n  driver_analysis:\n    n_boot: 200\n")
    nb = project_root() / "notebooks" / "driver_analysis.ipynb"
    values = run_parameters(nb, overrides={"data_dir": str(survey)}, against_data=False)
    assert values["top_n"] == 4 and values["n_boot"] == 200  # the notebook's own over all
    assert values["columns"]["responses"]["Q1 LTR"] == "ltr"
    f = tmp_path_factory.mktemp("p") / "mine.yaml"
    f.write_text("top_n: 2\ncolumns: {responses: {RespID: response_id}}\n")
    values = run_parameters(nb, f, {"data_dir": str(survey), "n_boot": 50,
                                    "columns": {"responses": {"Q2 Speed": "ltr"}}},
                            against_data=False)
    assert values["top_n"] == 2 and values["n_boot"] == 50
    # per column: the folder's response_date stays, -p takes ltr over from the folder's Q1 LTR
    assert values["columns"]["responses"] == {"RespID": "response_id", "Date": "response_date",
                                              "Q2 Speed": "ltr"}


def test_merge_columns_takes_a_name_over():
    assert merge_columns({"r": {"A": "ltr"}}, {"r": {"B": "ltr"}}) == {"r": {"B": "ltr"}}


def test_init_and_validate_on_a_folder_with_no_table(tmp_path, capsys):
    from cxkit.cli import main
    (tmp_path / "notes.txt").write_text("nothing here")
    assert main(["init", str(tmp_path)]) == 1
    assert "no CSV, Parquet or Excel file" in capsys.readouterr().err
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no table of cxkit's data model found" in err and "cxkit init" in err


def test_a_survey_export_alone_runs_the_driver_analysis(survey):
    from cxkit.drivers import DriverAnalysis
    rows = 60
    import numpy as np
    rng = np.random.default_rng(1)
    x = rng.integers(0, 11, (rows, 3))
    pd.DataFrame({"Date": pd.date_range("2025-01-01", periods=rows).strftime("%Y-%m-%d"),
                  "LTR": np.clip(x.mean(axis=1).round() + rng.integers(-1, 2, rows), 0, 10),
                  "a": x[:, 0], "b": x[:, 1], "c": x[:, 2]}).to_csv(survey / "responses.csv",
                                                                      index=False)
    tables = load(survey, tables=["responses"], columns={"responses": {
        "LTR": "ltr", "Date": "response_date"}})
    assert set(tables) == {"responses"}
    a = DriverAnalysis(n_boot=20, random_state=0).fit(tables)
    assert sorted(a.importance_.table.index) == ["a", "b", "c"]
    assert any("each respondent is counted as its own account" in n for n in a.notes_)
    assert a.nps_ is not None and a.nps_.n == rows


def test_the_sample_describes_itself_as_cxkit_sample_writes_it(tmp_path):
    from cxkit.sample.generator import description
    assert (project_root() / "data" / "sample" / "cxkit.yaml").read_text() == description()
    shutil.copy(project_root() / "data" / "sample" / "cxkit.yaml", tmp_path / "cxkit.yaml")
    assert describe(tmp_path).notebooks["customer_math"]["other_reasons"] == [
        "budget cuts", "acquired by another company", "price"]


def test_a_data_dir_typed_on_the_command_line_is_read_from_the_working_folder(
        tmp_path, monkeypatch):
    from cxkit.cli import _typed_parameters
    (tmp_path / "exports").mkdir()
    monkeypatch.chdir(tmp_path)
    values = _typed_parameters("driver_analysis", [("data_dir", "exports"), ("top_n", "2")])
    assert values == {"data_dir": str(tmp_path / "exports"), "top_n": 2}
