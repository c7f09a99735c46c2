"""Problems found in a table, one line each, and how a loaded table was read.

A :class:`Problem` names the file, the column and up to five offending rows with their
values; :func:`raise_problems` raises them at once. :func:`read_info` says how a table was
read (its scales, the columns kept as text, the codes set to missing, its file).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import DataError, visible

MAX_ROWS_SHOWN = 5


@dataclass
class Problem:
    """One thing wrong with one column (or the whole file) of one table."""

    file: str
    message: str
    column: str | None = None
    rows: list[tuple[int, object]] = field(default_factory=list)  # (row number, value)
    n_rows: int = 0
    file_column: str | None = None  # the file's own name, where a mapping renamed it

    def __str__(self) -> str:
        where = f"{self.file}, column '{self.column}'" if self.column else self.file
        if self.column and self.file_column and self.file_column != self.column:
            where += f" (the file's '{self.file_column}')"
        text = f"{where}: {self.message}"
        if self.n_rows:
            shown = ", ".join(f"row {r}{' of the file' if i == 0 else ''}: {_show(v)}"
                              for i, (r, v) in enumerate(self.rows[:MAX_ROWS_SHOWN]))
            more = self.n_rows - min(len(self.rows), MAX_ROWS_SHOWN)
            plural = "s" if self.n_rows != 1 else ""
            text += f" in {self.n_rows} row{plural} ({shown}{f', and {more} more' if more else ''})"
        return visible(text)


def _show(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "empty"
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    if isinstance(value, str):
        try:
            float(value)
            return text  # a number read as text: show it as the number
        except ValueError:
            return repr(text)
    return text


def raise_problems(problems: list[Problem]) -> None:
    """Raise one :class:`DataError` listing every problem, one per line."""
    if problems:
        raise DataError("\n".join(str(p) for p in problems))



def read_info(table: pd.DataFrame) -> dict:
    """How a loaded table was read: ``scales`` of its ratings (``[low, high]``),
    ``declared_scales``, the extra columns found to be ``ratings``, ``numbers`` or
    ``texts``, ``not_drivers``, ``missing_codes`` (answers set to missing, per column) and
    ``derived`` ids (``{"account_id": "response_id"}``: each respondent its own account),
    and ``renamed`` columns (cxkit's name to the file's).
    Empty for a table not read by :func:`validate_table`.

    >>> from cxkit.io import load_table
    >>> read_info(load_table("data/sample", "responses"))["scales"]["ltr"]
    [0, 10]
    """
    return dict(table.attrs.get("cxkit") or {})


__all__ = ["MAX_ROWS_SHOWN", "Problem", "raise_problems", "read_info"]
