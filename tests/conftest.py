"""Shared fixtures: the committed sample, a small generated portfolio, corrupted copies."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cxkit import sample
from cxkit.io import find_table
from cxkit.paths import project_root

ROOT = project_root()
SAMPLE = ROOT / "data" / "sample"
SMALL_ACCOUNTS = 40


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def small_portfolio():
    return sample.generate(n_accounts=SMALL_ACCOUNTS, seed=7)


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory, small_portfolio) -> Path:
    return sample.write(small_portfolio, tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """``cxkit demo`` run once: every notebook's report, results and workbook on the sample."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([sys.executable, "-m", "cxkit", "demo", "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture
def data_copy(tmp_path, small_dir):
    """A writable copy of the small portfolio, and a helper to corrupt one table."""
    folder = tmp_path / "data"
    shutil.copytree(small_dir, folder)

    def corrupt(table: str, change):
        path = find_table(folder, table)  # .csv or .csv.gz, rewritten the same way
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df = change(df)
        if df is None:
            path.unlink()
        else:
            df.to_csv(path, index=False)
        return path

    return folder, corrupt


def pytest_configure(config):
    """Notebooks run by nbval save their results JSON here, not in the repository."""
    import os
    import tempfile

    from cxkit.results import ENV_VAR

    os.environ.setdefault(ENV_VAR, os.path.join(tempfile.mkdtemp(prefix="cxkit-nbval-"),
                                                "notebook"))


def converts_in_libreoffice(path, tmp_path):
    """Convert a workbook to PDF with LibreOffice (skips where it is not installed, as on CI:
    installing it would make CI slow); a workbook needing repair fails to convert."""
    import shutil
    import subprocess

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed")
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(path)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / (path.stem + ".pdf")
    assert pdf.is_file() and pdf.stat().st_size > 1000
    return printed_pages(pdf)


def printed_pages(pdf) -> int:
    """Pages of a PDF LibreOffice or Chromium wrote (page objects, not the page tree)."""
    import re

    return len(re.findall(rb"/Type\s*/Page(?!s)", Path(pdf).read_bytes()))
