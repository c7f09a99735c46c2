"""Warm kernels: a report run in a kept kernel is the report a fresh kernel makes."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from cxkit import kernels
from cxkit.errors import RunError
from cxkit.runner import run_notebook


def _outputs(path) -> list[str]:
    """Every code cell's execution count and outputs, less what differs between any two
    runs (pandas Styler ids, object addresses)."""
    nb = json.loads(path.read_text())
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            text = json.dumps([cell.get("execution_count"), cell.get("outputs")], sort_keys=True)
            text = re.sub(r"T_[0-9a-f]{5}", "T_", text)
            out.append(re.sub(r" at 0x[0-9a-f]+", " at 0x", text))
    return out


@pytest.fixture
def fresh_kernels():
    yield
    kernels.shutdown_all()


def test_an_account_plan_from_a_warm_kernel_equals_one_from_a_fresh_kernel(
        small_dir, tmp_path, fresh_kernels):
    from cxkit.io import load_table

    accounts = load_table(small_dir, "accounts")
    a, b = accounts.loc[accounts["status"].eq("active"), "account_id"].iloc[:2]
    params = {"data_dir": str(small_dir)}
    fresh = run_notebook("key_account_plan", overrides={**params, "account_id": a},
                         out_dir=tmp_path, name="fresh", progress=False)
    for i, account in enumerate([a, b, a]):  # one kernel, three reports
        run_notebook("key_account_plan", overrides={**params, "account_id": account},
                     out_dir=tmp_path, name=f"warm{i}", progress=False, warm=True)
    assert len(kernels._WARM) == 1
    assert _outputs(tmp_path / "warm2.ipynb") == _outputs(fresh.executed)  # charts included
    assert _outputs(tmp_path / "warm0.ipynb") == _outputs(fresh.executed)
    assert _outputs(tmp_path / "warm1.ipynb") != _outputs(fresh.executed)
    key = json.loads((tmp_path / "warm2.json").read_text())["results"]
    assert key == json.loads(fresh.results.read_text())["results"]


PROBE = [
    # what one report leaves behind must not reach the next
    "import os, sys, types, warnings\n"
    "import pandas as pd, matplotlib as mpl\n"
    "print('left:', globals().get('left_over'), os.environ.get('LEFT_OVER'), os.getcwd() == '/',\n"
    "      pd.get_option('display.max_rows'), mpl.rcParams['lines.linewidth'], len(sys.path))\n"
    "left_over = 1\n"
    "os.environ['LEFT_OVER'] = '1'\n"
    "pd.set_option('display.max_rows', 3)\n"
    "mpl.rcParams['lines.linewidth'] = 9\n"
    "sys.path.append('/nowhere')",
    # a warning from a module shown in one report is shown again in the next
    "if 'probe_mod' not in sys.modules:\n"
    "    mod = types.ModuleType('probe_mod')\n"
    "    exec('import warnings\\ndef f():\\n    warnings.warn(\"probe warning\")', mod.__dict__)\n"
    "    sys.modules['probe_mod'] = mod\n"
    "sys.modules['probe_mod'].f()\n"
    "warnings.simplefilter('ignore')",
    # each report writes to its own output files
    "from cxkit import results\n"
    "print(os.environ['CXKIT_OUTPUT_PREFIX'].split('/')[-1].split('.')[1], os.getpid())\n"
    "os.chdir('/')\n"
    "if fail:\n    raise ValueError('probe failed')",
]


@pytest.fixture
def probe(tmp_path):
    params = nbformat.v4.new_code_cell('fail: bool = False  # fail at the end')
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, *map(nbformat.v4.new_code_cell, PROBE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def _text(path) -> list[str]:
    nb = json.loads(path.read_text())
    return ["".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "stream"]


def test_a_warm_kernel_starts_each_report_as_a_fresh_kernel_would(probe, tmp_path,
                                                                    fresh_kernels):
    out = tmp_path / "out"
    runs = [run_notebook(probe, out_dir=out, name=f"r{i}", progress=False, warm=True)
            for i in range(2)]
    first, second = (_text(r.executed) for r in runs)
    assert first[0].startswith("left: None None False") and first[0] == second[0]
    assert " 3 " not in first[0] and " 9" not in first[0]  # pandas' and matplotlib's defaults
    assert "probe warning" in first[1] and "probe warning" in second[1]
    assert first[2].split()[0] == "r0" and second[2].split()[0] == "r1"
    assert first[2].split()[1] == second[2].split()[1]  # the same kernel process
    # a failed report's kernel is not used again
    with pytest.raises(RunError, match="probe failed"):
        run_notebook(probe, overrides={"fail": True}, out_dir=out, name="bad", progress=False,
                     warm=True)
    assert not kernels._WARM
    after = run_notebook(probe, out_dir=out, name="after", progress=False, warm=True)
    assert _text(after.executed)[2].split()[1] != first[2].split()[1]
    assert _text(after.executed)[0] == first[0]
