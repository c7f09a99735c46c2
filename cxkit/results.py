"""Key results of a notebook, saved as a JSON file beside its report.

A notebook collects the numbers a reader or a downstream job needs and saves
them in its last cell::

    results = cxkit.results.Results("data_overview")
    results["n_accounts"] = 300
    results.save()

Where the files a notebook writes through :func:`output_path` (the JSON results, a
workbook) go depends on how it runs, so that one run's workbook never lands beside
another run's report:

- ``cxkit run`` / ``cxkit batch`` set ``CXKIT_OUTPUT_PREFIX``: the files get that
  temporary prefix, and the runner renames them beside the HTML report when the run
  succeeds, or removes them when it fails;
- otherwise, with ``CXKIT_OUTPUT_DIR`` set (e.g. ``CXKIT_OUTPUT_DIR=out papermill
  notebooks/x.ipynb out/x.ipynb``): ``<that folder>/<notebook><suffix>``, relative to the
  working folder;
- otherwise (JupyterLab, plain papermill, nbval): ``scratch/<notebook><suffix>`` under
  the project root, never ``reports/``, where ``cxkit run`` writes.

numpy and pandas values are converted (NaN becomes ``null``); the file is written
atomically.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .paths import atomic_write_text, from_root, project_root

ENV_VAR = "CXKIT_OUTPUT_PREFIX"
DIR_VAR = "CXKIT_OUTPUT_DIR"
SCRATCH = "scratch"


def under_runner() -> bool:
    """Whether ``cxkit run`` (or ``cxkit batch``) is running this notebook."""
    return bool(os.environ.get(ENV_VAR))


def output_path(notebook: str, suffix: str) -> Path:
    """Where a notebook writes an output file (``suffix`` like ``".json"``, ``".xlsx"``).

    Under ``cxkit run``: the run's temporary prefix plus the suffix (renamed into place
    with the report when the run succeeds). Else ``$CXKIT_OUTPUT_DIR/<notebook><suffix>``
    if that is set, else ``scratch/<notebook><suffix>`` in the project (see the module
    docstring).

    Examples
    --------
    >>> import os
    >>> if not under_runner() and DIR_VAR not in os.environ:
    ...     assert output_path("chi_scorecard", ".xlsx") == (
    ...         project_root() / "scratch" / "chi_scorecard.xlsx")
    """
    prefix = os.environ.get(ENV_VAR)
    if prefix:
        return Path(prefix + suffix)
    folder = os.environ.get(DIR_VAR)
    base = Path(folder).expanduser().resolve() if folder else project_root() / SCRATCH
    return base / f"{notebook}{suffix}"


def where_saved(*paths: str | os.PathLike) -> list[str]:
    """A sentence saying where a notebook wrote its files; none under ``cxkit run``.

    Under ``cxkit run`` the files are renamed beside the report and the command says
    where; anywhere else a notebook's last cell prints this, so the reader knows which
    folder holds this run's workbook and JSON.

    Examples
    --------
    >>> root = project_root()
    >>> text = where_saved(root / "scratch" / "x.json", root / "scratch" / "x.xlsx")
    >>> text if not under_runner() else ["Saved in scratch: x.json, x.xlsx."]
    ['Saved in scratch: x.json, x.xlsx.']
    """
    if under_runner() or not paths:
        return []
    paths = [Path(p) for p in paths]
    folder = paths[0].parent
    names = ", ".join(p.name if p.parent == folder else str(p) for p in paths)
    return [f"Saved in {from_root(folder)}: {names}."]


def to_jsonable(value):
    """Convert numpy, pandas and datetime values to plain JSON values (NaN → None).

    Examples
    --------
    >>> to_jsonable({"n": np.int64(3), "x": float("nan"), "s": pd.Series([1.5], index=["a"])})
    {'n': 3, 'x': None, 's': {'a': 1.5}}
    """
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.reset_index().to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray, pd.Index)):
        return [to_jsonable(v) for v in list(value)]
    if isinstance(value, (pd.Timestamp, _dt.date, _dt.datetime)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (int, str)):
        return value
    return str(value)


class Results(dict):
    """A dict of key results that knows where to save itself.

    Parameters
    ----------
    notebook : str
        Notebook name, used for the default file name.
    data_contradictions : iterable, optional
        Where the data contradicts itself (:mod:`cxkit.io.contradictions`, shown because
        the data folder's rule is ``show``): saved as the ``contradictions`` list beside
        the results, each with its kind, table, file, column, rows and sentence.
    """

    def __init__(self, notebook: str, data_contradictions=(), **values):
        super().__init__(**values)
        self.notebook = notebook
        self.contradictions = [c.to_dict() if hasattr(c, "to_dict") else dict(c)
                               for c in data_contradictions]

    @property
    def path(self) -> Path:
        return output_path(self.notebook, ".json")

    def save(self) -> Path:
        """Write the results as JSON (atomically) and return the path."""
        payload = {"notebook": self.notebook,
                   "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                   "contradictions": to_jsonable(self.contradictions),
                   "results": to_jsonable(dict(self))}
        return atomic_write_text(self.path, json.dumps(payload, indent=2, allow_nan=False) + "\n")
