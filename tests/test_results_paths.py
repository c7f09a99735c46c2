"""Key results as JSON; project root and atomic writes."""
from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from cxkit import paths, results


def test_to_jsonable_converts_numpy_pandas_and_nan():
    value = {"i": np.int64(2), "f": np.float32(1.5), "nan": np.nan, "b": np.bool_(True),
             "t": pd.Timestamp("2024-01-02"), "p": pd.Period("2024Q1"), "na": pd.NA,
             "s": pd.Series([1, 2], index=["x", "y"]), "a": np.array([1.0, np.inf])}
    out = results.to_jsonable(value)
    assert out == {"i": 2, "f": 1.5, "nan": None, "b": True, "t": "2024-01-02T00:00:00",
                   "p": "2024Q1", "na": None, "s": {"x": 1, "y": 2}, "a": [1.0, None]}
    json.dumps(out, allow_nan=False)


def test_results_go_where_the_runner_says(tmp_path, monkeypatch):
    target = tmp_path / "out" / "nb.json"
    monkeypatch.setenv(results.ENV_VAR, str(tmp_path / "out" / "nb"))
    assert results.output_path("x", ".xlsx") == tmp_path / "out" / "nb.xlsx"
    r = results.Results("nb", n=np.int64(3))
    assert r.save() == target
    saved = json.loads(target.read_text())
    assert saved["notebook"] == "nb" and saved["results"] == {"n": 3}
    assert [p.name for p in target.parent.iterdir()] == ["nb.json"]  # no temporary left


def test_outside_the_runner_results_go_to_scratch_never_reports(monkeypatch, root):
    """JupyterLab, plain papermill: never beside a report `cxkit run` wrote in reports/."""
    monkeypatch.delenv(results.ENV_VAR, raising=False)
    monkeypatch.delenv(results.DIR_VAR, raising=False)
    assert results.Results("x").path == root / "scratch" / "x.json"
    assert results.where_saved(root / "scratch" / "x.json", root / "scratch" / "x.xlsx") == [
        "Saved in scratch: x.json, x.xlsx."]


def test_output_dir_variable_puts_outputs_beside_a_papermill_run(monkeypatch, tmp_path):
    monkeypatch.delenv(results.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(results.DIR_VAR, "out")
    target = tmp_path / "out" / "nb.json"
    assert results.Results("nb", n=1).save() == target and target.is_file()
    assert results.where_saved(target) == [f"Saved in {tmp_path / 'out'}: nb.json."]


def test_under_the_runner_the_notebook_says_nothing_of_where(monkeypatch, tmp_path):
    monkeypatch.setenv(results.ENV_VAR, str(tmp_path / ".nb.tmp"))
    monkeypatch.setenv(results.DIR_VAR, str(tmp_path / "elsewhere"))  # the runner's wins
    assert results.output_path("nb", ".xlsx") == tmp_path / ".nb.tmp.xlsx"
    assert results.where_saved(tmp_path / ".nb.tmp.xlsx") == []


def test_project_root_from_notebooks_folder_and_env(monkeypatch, root, tmp_path):
    monkeypatch.delenv("CXKIT_ROOT", raising=False)
    assert paths.project_root(root / "notebooks") == root
    assert paths.project_root(root / "data" / "sample") == root
    monkeypatch.setenv("CXKIT_ROOT", str(tmp_path))
    assert paths.project_root() == tmp_path
    assert paths.resolve("data/x") == tmp_path / "data" / "x"
    assert paths.resolve(str(root)) == root


def test_notebooks_resolve_paths_the_same_from_any_folder(monkeypatch, root, tmp_path):
    monkeypatch.delenv("CXKIT_ROOT", raising=False)
    monkeypatch.chdir(root / "notebooks")
    from_notebooks = paths.resolve("data/sample")
    monkeypatch.chdir(root)
    assert paths.resolve("data/sample") == from_notebooks == root / "data" / "sample"


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    paths.atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["a.txt"]
