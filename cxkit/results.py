"""Key results of a notebook, saved as a JSON file beside its report.

A notebook collects the numbers a reader or a downstream job needs and saves
them in its last cell::

    results = cxkit.results.Results("data_overview")
    results["n_accounts"] = 300
    results.save()

When ``cxkit run`` executes the notebook it sets ``CXKIT_OUTPUT_PREFIX``: every file
the notebook writes through :func:`output_path` (the JSON results, a workbook) gets that
temporary prefix, and the runner renames them all beside the HTML report when the run
succeeds, or removes them when it fails. Run interactively, they go to
``reports/<notebook>.<suffix>`` under the project root. numpy and pandas values are
converted (NaN becomes ``null``); the file is written atomically.
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

from .paths import atomic_write_text, project_root

ENV_VAR = "CXKIT_OUTPUT_PREFIX"


def output_path(notebook: str, suffix: str) -> Path:
    """Where a notebook writes an output file (``suffix`` like ``".json"``, ``".xlsx"``).

    Under ``cxkit run``: the run's temporary prefix plus the suffix (renamed into place
    with the report when the run succeeds). Interactively: ``reports/<notebook><suffix>``.
    """
    prefix = os.environ.get(ENV_VAR)
    if prefix:
        return Path(prefix + suffix)
    return project_root() / "reports" / f"{notebook}{suffix}"


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
    """

    def __init__(self, notebook: str, **values):
        super().__init__(**values)
        self.notebook = notebook

    @property
    def path(self) -> Path:
        return output_path(self.notebook, ".json")

    def save(self) -> Path:
        """Write the results as JSON (atomically) and return the path."""
        payload = {"notebook": self.notebook,
                   "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                   "results": to_jsonable(dict(self))}
        return atomic_write_text(self.path, json.dumps(payload, indent=2, allow_nan=False) + "\n")
