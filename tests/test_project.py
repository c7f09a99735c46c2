"""Project consistency: environment.yml matches pyproject, docs match the schemas."""
from __future__ import annotations

import re
import sys

import yaml

from cxkit.io import markdown

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_environment_yml_matches_pyproject(root):
    env = yaml.safe_load((root / "environment.yml").read_text())
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = [d for d in deps if isinstance(d, dict)]
    # Python's lower bound is the same in both
    python = next(d for d in conda if d.startswith("python"))
    assert python.replace(" ", "") == "python" + project["requires-python"].replace(" ", "")
    assert "pip" in conda
    # every Python package comes from pyproject through pip, with the dev extra
    assert len(pip) == 1 and pip[0]["pip"] == ["-e .[dev]"]
    assert set(conda) == {python, "pip"}, "conda packages would shadow pyproject's pins"
    assert "dev" in project["optional-dependencies"]


def test_required_packages_are_declared(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=\[ ]", d)[0].lower()
             for d in project["dependencies"] + project["optional-dependencies"]["dev"]}
    for required in ("jupyterlab", "pandas", "statsmodels", "scikit-learn", "seaborn",
                     "papermill", "nbval", "pandera", "nbconvert", "pyyaml", "tqdm"):
        assert required in names


def test_data_model_doc_lists_every_column(root):
    from cxkit.reports import markdown as reports
    doc = (root / "docs" / "data-model.md").read_text()
    assert markdown() in doc, "run: python scripts/build_docs.py"
    assert reports() in doc, "run: python scripts/build_docs.py"


def test_readme_test_command_is_what_ci_runs(root):
    readme = (root / "README.md").read_text()
    ci = (root / ".ci" / "run").read_text()
    block = re.search(r"<!-- test-command -->\s*```(?:bash|sh)?\n(.+?)\n```", readme, re.S)
    assert block, "README must mark its test command with <!-- test-command -->"
    assert block.group(1).strip() in ci
