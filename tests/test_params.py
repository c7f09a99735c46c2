"""Notebook parameters: unknown names and wrong types stop with a clear error."""
from __future__ import annotations

import pytest

from cxkit import params
from cxkit.errors import ParameterError
from cxkit.runner import list_notebooks, run_parameters


def _namespace(injected: str | None, **values):
    ns = {"__annotations__": {"data_dir": str, "columns": dict, "n": int, "share": float,
                              "label": str | None, "names": list[str]},
          "data_dir": "data/sample", "columns": {}, "n": 3, "share": 0.5, "label": None,
          "names": ["a"], "In": ["", "data_dir: str = 'data/sample'"]}
    if injected is not None:
        ns["In"].append(injected)
    ns.update(values)
    return ns


def test_declared_values_are_returned():
    got = params.check(_namespace('# Parameters\nn = 5\n', n=5), "nb")
    assert got["n"] == 5 and set(got) == {"data_dir", "columns", "n", "share", "label", "names"}


def test_unknown_injected_parameter_is_an_error_with_a_suggestion():
    ns = _namespace('# Parameters\ndata_dri = "x"\n', data_dri="x")
    with pytest.raises(ParameterError, match="nb: unknown parameter 'data_dri'; did you mean "
                                             "'data_dir'"):
        params.check(ns, "nb")


def test_wrong_type_is_an_error():
    with pytest.raises(ParameterError, match="parameter 'n' must be int, got 'five' \\(str\\)"):
        params.check(_namespace('# Parameters\nn = "five"\n', n="five"), "nb")
    with pytest.raises(ParameterError, match="'names' must be list\\[str\\]"):
        params.check(_namespace(None, names=[1]), "nb")


def test_interactive_run_without_injection_checks_types_only():
    assert params.check(_namespace(None, extra_variable=1), "nb")["n"] == 3


@pytest.mark.parametrize("value,tp,ok", [
    (3, float, True), (3.5, int, False), (True, int, False), (None, str | None, True),
    ("x", str | None, True), ({"a": "b"}, dict[str, str], True), ({"a": 1}, dict[str, str], False),
    ("Q", str, True), ([1, 2], list[int], True), ("M", __import__("typing").Literal["Q", "M"], True),
])
def test_matches(value, tp, ok):
    assert params.matches(value, tp) is ok


def test_parse_value_reads_yaml_scalars():
    assert params.parse_value("5") == 5
    assert params.parse_value("0.5") == 0.5
    assert params.parse_value("[a, b]") == ["a", "b"]
    assert params.parse_value("data/x") == "data/x"


def test_yaml_errors_are_clear(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(ParameterError, match="not valid YAML at line"):
        params.load_yaml(bad)
    bad.write_text("- a\n- b\n")
    with pytest.raises(ParameterError, match="expected a mapping"):
        params.load_yaml(bad)
    with pytest.raises(ParameterError, match="not found"):
        params.load_yaml(tmp_path / "none.yaml")


@pytest.mark.parametrize("notebook", list_notebooks(), ids=lambda p: p.stem)
def test_every_notebook_has_matching_params_yaml(root, notebook):
    """params/<notebook>.yaml names exactly the notebook's parameters, with valid values."""
    declared = params.notebook_parameters(notebook)
    assert "data_dir" in declared
    for name, info in declared.items():
        assert info["help"], f"{notebook.stem}: parameter '{name}' has no help comment"
        assert info["type"] not in (None, "None"), f"{notebook.stem}: '{name}' has no type"
    yaml_file = root / "params" / f"{notebook.stem}.yaml"
    values = params.load_yaml(yaml_file)
    assert set(values) == set(declared)
    run_parameters(notebook)  # type-checks the YAML values


def test_run_parameters_reject_unknown_and_mistyped(root):
    nb = root / "notebooks" / "data_overview.ipynb"
    with pytest.raises(ParameterError, match="unknown parameter 'dta_dir'"):
        run_parameters(nb, overrides={"dta_dir": "x"})
    with pytest.raises(ParameterError, match="'columns' must be dict"):
        run_parameters(nb, overrides={"columns": "responses"})
