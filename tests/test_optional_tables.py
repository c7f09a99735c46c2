"""Every notebook runs on the sample with any optional table removed, or refuses up front.

The matrix: each report of :data:`cxkit.reports.REPORTS` × each table it uses where
present (removed from a copy of the small portfolio) must run to its report; each table it
needs, removed, must be refused before a kernel starts, in one line naming the table.
The runs share one warm kernel (as a batch's workers do), put back to a fresh kernel's
state before each report.
"""
from __future__ import annotations

import shutil

import pytest

from cxkit import kernels
from cxkit.errors import ParameterError, RunError
from cxkit.io import find_table
from cxkit.params import notebook_parameters
from cxkit.paths import project_root
from cxkit.reports import REPORTS
from cxkit.runner import run_notebook, run_parameters

CASES = [(name, table) for name, r in REPORTS.items() for table in r.uses]
FAST = {"n_boot": 20}  # bootstraps of 20 resamples: the matrix tests that reports run


def _without(small_dir, tmp_path_factory, table):
    folder = tmp_path_factory.mktemp(f"without_{table}")
    for p in small_dir.iterdir():
        shutil.copy(p, folder / p.name)
    path = find_table(folder, table)
    path.unlink()
    return folder


@pytest.fixture(scope="module")
def matrix(small_dir, tmp_path_factory):
    """Every case run once: (report, table) -> the error text, or "" where it ran."""
    folders, outcome = {}, {}
    try:
        for name, table in CASES:
            try:
                find_table(small_dir, table)
            except Exception:
                outcome[name, table] = "absent"  # not in the small portfolio at all
                continue
            if table not in folders:
                folders[table] = _without(small_dir, tmp_path_factory, table)
            out = tmp_path_factory.mktemp(f"{name}_{table}")
            declared = notebook_parameters(project_root() / "notebooks" / f"{name}.ipynb")
            overrides = {"data_dir": str(folders[table]),
                         **{k: v for k, v in FAST.items() if k in declared}}
            try:
                result = run_notebook(name, overrides=overrides, out_dir=out, progress=False,
                                      warm=True)
                outcome[name, table] = "" if result.html.is_file() else "no report"
            except (RunError, ParameterError) as exc:
                outcome[name, table] = str(exc)
    finally:
        kernels.discard(project_root())
    return outcome


@pytest.mark.parametrize("report,table", CASES, ids=[f"{r}-without-{t}" for r, t in CASES])
def test_a_report_runs_without_a_table_it_only_uses(matrix, report, table):
    assert matrix[report, table] in ("", "absent"), matrix[report, table]


NEEDED = [(name, table) for name, r in REPORTS.items() for table in r.needs]


@pytest.mark.parametrize("report,table", NEEDED, ids=[f"{r}-needs-{t}" for r, t in NEEDED])
def test_a_report_without_a_table_it_needs_is_refused_before_a_kernel_starts(
        report, table, small_dir, tmp_path_factory):
    folder = _without(small_dir, tmp_path_factory, table)
    with pytest.raises(ParameterError) as err:
        run_parameters(project_root() / "notebooks" / f"{report}.ipynb",
                       overrides={"data_dir": str(folder)})
    lines = [ln for ln in str(err.value).splitlines() if "cannot run" in ln]
    assert len(lines) == 1 and f"'{table}'" in lines[0] and report in lines[0], str(err.value)
