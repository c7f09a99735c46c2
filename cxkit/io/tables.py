"""Load the input tables of a data folder, validated against the data model.

Each table is a file named after it (``accounts.csv``, ``responses.parquet``,
``kpis.xlsx``...). Loading reads the file (never writes it), renames the user's
columns to cxkit's names where ``columns`` maps them, normalises categories and
yes/no values, and validates the result with pandera. Every problem found is
reported at once, one line each, naming the file, the column and up to five
offending rows with their values; row numbers count the header as row 1, as a
spreadsheet does.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..paths import resolve
from .schemas import OPTIONAL_TABLES, REQUIRED_TABLES, TABLES, TableSpec, pandera_schema

SUFFIXES = (".csv", ".csv.gz", ".parquet", ".xlsx", ".xls")
MAX_ROWS_SHOWN = 5

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


# --------------------------------------------------------------------------- problems
@dataclass
class Problem:
    """One thing wrong with one column (or the whole file) of one table."""

    file: str
    message: str
    column: str | None = None
    rows: list[tuple[int, object]] = field(default_factory=list)  # (row number, value)
    n_rows: int = 0

    def __str__(self) -> str:
        where = f"{self.file}, column '{self.column}'" if self.column else self.file
        text = f"{where}: {self.message}"
        if self.n_rows:
            shown = ", ".join(f"row {r}: {_show(v)}" for r, v in self.rows[:MAX_ROWS_SHOWN])
            more = self.n_rows - min(len(self.rows), MAX_ROWS_SHOWN)
            plural = "s" if self.n_rows != 1 else ""
            text += f" in {self.n_rows} row{plural} ({shown}{f', and {more} more' if more else ''})"
        return text


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


# --------------------------------------------------------------------------- files
def _display(path: Path) -> str:
    """The path as a user would type it: relative below the working folder, else absolute."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def find_table(data_dir: str | os.PathLike, name: str) -> Path:
    """Return the file of table ``name`` in ``data_dir`` (CSV, Parquet or Excel)."""
    folder = resolve(data_dir)
    if not folder.is_dir():
        raise DataError(f"{_display(folder)}: data folder not found")
    found = [folder / f"{name}{s}" for s in SUFFIXES if (folder / f"{name}{s}").is_file()]
    if not found:
        raise DataError(f"{_display(folder)}: table '{name}' is missing "
                        f"(expected {name}.csv, {name}.csv.gz, {name}.parquet or {name}.xlsx)")
    if len(found) > 1:
        raise DataError(f"{_display(folder)}: table '{name}' is ambiguous: "
                        f"{', '.join(p.name for p in found)}; keep one")
    return found[0]


def read_raw(path: Path) -> pd.DataFrame:
    """Read a table file as it is (CSV columns as text, so ids keep leading zeros)."""
    try:
        if path.name.endswith((".csv", ".csv.gz")):
            try:  # utf-8-sig drops the byte-order mark Excel puts before the first column
                df = pd.read_csv(path, dtype=str, skipinitialspace=True, encoding="utf-8-sig")
            except UnicodeDecodeError:  # an "ANSI" export from Excel on Windows
                df = pd.read_csv(path, dtype=str, skipinitialspace=True, encoding="cp1252")
        elif path.suffix == ".parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_excel(path, sheet_name=0)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except Exception as exc:  # unreadable file: say which and why, in one line
        raise DataError(f"{_display(path)}: cannot be read ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- normalising
def _normalise(df: pd.DataFrame, spec: TableSpec, file: str, offset: int) -> list[Problem]:
    """Normalise categories, yes/no and blank text in place; report unparseable yes/no."""
    problems = []
    for f in spec.fields:
        if f.name not in df.columns:
            continue
        col = df[f.name]
        if f.kind in ("id", "text", "category", "period"):
            text = col.astype("string").str.strip()
            if f.kind == "category":
                text = text.str.lower().str.replace("_", " ", regex=False)
            df[f.name] = text.replace("", pd.NA)
        elif f.kind == "bool":
            text = col.astype("string").str.strip().str.lower()
            parsed = pd.Series(pd.NA, index=col.index, dtype="boolean")
            parsed[text.isin(_TRUE).fillna(False).astype(bool)] = True
            parsed[text.isin(_FALSE).fillna(False).astype(bool)] = False
            bad = text.notna() & text.ne("") & parsed.isna()
            if bad.any():
                problems.append(_rows_problem(file, f.name, "not a yes/no value",
                                              col[bad], offset))
            df[f.name] = parsed
    return problems


def _rows_problem(file, column, message, values: pd.Series, offset: int) -> Problem:
    rows = [(int(i) + offset, v) for i, v in values.head(MAX_ROWS_SHOWN).items()]
    return Problem(file, message, column, rows, int(len(values)))


# --------------------------------------------------------------------------- pandera failures
_CHECK_TEXT = {
    "not_nullable": "is empty",
    "field_uniqueness": "has duplicate values",
    "multiple_fields_uniqueness": None,  # reported per key, below
}


def _coerce_text(check: str, kind: str) -> str:
    return {
        "int": "is not a whole number",
        "number": "is not a number",
        "score": "is not a number",
        "date": "is not a date",
        "bool": "is not a yes/no value",
    }.get(kind, f"cannot be read ({check})")


def _failures_to_problems(fc: pd.DataFrame, spec: TableSpec, raw: pd.DataFrame, file: str,
                          offset: int) -> list[Problem]:
    problems: list[Problem] = []
    fc = fc.copy()
    fc["check"] = fc["check"].astype(str)
    # A column whose values could not be coerced also fails its dtype and range checks:
    # report only the coercion, once.
    coerced = set(fc.loc[fc["check"].str.startswith("coerce_dtype"), "column"])
    keys = fc[fc["check"].eq("multiple_fields_uniqueness")]
    if len(keys):
        idx = sorted({int(i) for i in keys["index"].dropna()})
        values = [tuple(raw.loc[i, list(spec.key)]) for i in idx]
        rows = [(i + offset, "/".join(map(str, v))) for i, v in zip(idx, values)]
        problems.append(Problem(file, f"the same ({', '.join(spec.key)}) appears more than once",
                                ", ".join(spec.key), rows, len(idx)))
    for (column, check), grp in fc[~fc["check"].eq("multiple_fields_uniqueness")].groupby(
            ["column", "check"], sort=False, dropna=False):
        if check == "column_in_dataframe":
            continue  # missing columns are reported before validation
        if column in coerced and not check.startswith("coerce_dtype"):
            continue
        if check.startswith("dtype("):
            continue
        f = spec.field(column)
        kind = f.kind if f else (spec.extra or "text")
        if check.startswith("coerce_dtype"):
            message = _coerce_text(check, kind)
        else:
            message = _CHECK_TEXT.get(check, check)
        idx = [int(i) for i in grp["index"].dropna()]
        if not idx:  # a check that failed as a whole (should not happen after coercion)
            problems.append(Problem(file, f"{message}: {grp['failure_case'].iloc[0]}", column))
            continue
        idx = sorted(set(idx))
        values = raw[column] if column in raw.columns else pd.Series(dtype=object)
        rows = [(i + offset, values.get(i)) for i in idx[:MAX_ROWS_SHOWN]]
        problems.append(Problem(file, message, column, rows, len(idx)))
    return problems


# --------------------------------------------------------------------------- public API
def _missing_column_problem(missing, present, file) -> Problem:
    hints = []
    for m in missing:
        close = difflib.get_close_matches(m, present, n=1, cutoff=0.6)
        if close:
            hints.append(f"'{close[0]}' could be '{m}'")
    hint = "; ".join(hints) or "map your own column names with the `columns` parameter"
    if len(present) == 1 and ";" in present[0]:
        hint = "the file seems to separate values with ';': save it comma-separated"
    cols = ", ".join(f"'{m}'" for m in missing)
    return Problem(file, f"missing column{'s' if len(missing) > 1 else ''} {cols} "
                         f"(the file has: {', '.join(present) or 'no columns'}; {hint})")


def validate_table(raw: pd.DataFrame, name: str, file: str = "<table>",
                   offset: int = 2) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate a table already read (with cxkit's column names).

    Returns the validated, typed table (``None`` if it could not be typed) and the
    problems found. ``offset`` turns a 0-based row index into the row number shown
    (2 for a file whose header is row 1).
    """
    spec = TABLES[name]
    if raw.shape[0] == 0:
        return None, [Problem(file, "has no rows")]
    missing = [f.name for f in spec.fields if f.required and f.name not in raw.columns]
    if missing:
        return None, [_missing_column_problem(missing, list(raw.columns), file)]
    df = raw.copy()
    problems = _normalise(df, spec, file, offset)
    bool_cols = {p.column for p in problems}
    schema = pandera_schema(spec, df.columns)
    try:
        df = schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        fc = fc[~fc["column"].isin(bool_cols)]
        problems += _failures_to_problems(fc, spec, raw, file, offset)
        return None, problems
    if problems:
        return None, problems
    for rule in spec.rules:
        if all(c in df.columns for c in rule.columns):
            bad = rule.bad(df).fillna(False).astype(bool)
            if bad.any():
                shown = (raw.loc[bad, list(rule.columns)].astype("string").fillna("empty")
                         .agg("/".join, axis=1))
                problems.append(_rows_problem(file, "/".join(rule.columns), rule.description,
                                              shown, offset))
    return (None if problems else df), problems


def load_table(data_dir: str | os.PathLike, name: str,
               columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Load and validate one table of the data model.

    Parameters
    ----------
    data_dir : path
        Data folder, relative to the project root or absolute.
    name : str
        Table name, e.g. ``"responses"`` (see ``docs/data-model.md``).
    columns : mapping, optional
        Renames from the file's column names to cxkit's, e.g. ``{"Q1_LTR": "ltr"}``.

    Returns
    -------
    pandas.DataFrame
        The table with typed columns (ids as text, dates as datetime64, scores as
        float, yes/no as nullable boolean).

    Raises
    ------
    DataError
        If the file is missing, unreadable or breaks the schema; the message names
        the file, the column and up to five offending rows with their values.

    Examples
    --------
    >>> from cxkit.io import load_table
    >>> accounts = load_table("data/sample", "accounts")
    >>> accounts["segment"].isin(["key", "growth", "standard"]).all()
    np.True_
    """
    if name not in TABLES:
        raise DataError(f"unknown table '{name}'; the tables are: {', '.join(TABLES)}")
    path = find_table(data_dir, name)
    df, problems = _read_and_validate(path, name, columns)
    raise_problems(problems)
    return df


def _read_and_validate(path: Path, name: str, columns: Mapping[str, str] | None):
    file = _display(path)
    raw = read_raw(path)
    if columns:
        absent = [src for src in columns if src not in raw.columns]
        if absent:
            return None, [Problem(file, f"the column mapping names {', '.join(map(repr, absent))}, "
                                        f"which the file does not have "
                                        f"(it has: {', '.join(raw.columns)})")]
        raw = raw.rename(columns=dict(columns))
        twice = sorted({c for c in raw.columns if list(raw.columns).count(c) > 1})
        if twice:
            return None, [Problem(file, f"after the column mapping, {', '.join(map(repr, twice))} "
                                        "names more than one column; map or drop one of them")]
    offset = 1 if path.suffix == ".parquet" else 2
    return validate_table(raw, name, file, offset)


def _isin(values: pd.Series, known: pd.Series) -> pd.Series:
    """``values.isin(known)`` by hash lookup (pandas 3's Arrow-string isin loops in Python)."""
    index = pd.Index(known.dropna().unique())
    return pd.Series(index.get_indexer(values) >= 0, index=values.index)


def check_references(tables: Mapping[str, pd.DataFrame],
                     files: Mapping[str, str] | None = None) -> list[Problem]:
    """Check that child rows name a parent that exists (e.g. every response's account).

    Also checks that a response's contact works for the response's account.
    """
    files = files or {}
    problems = []
    for name, df in tables.items():
        spec = TABLES[name]
        for f in spec.fields:
            if not f.parent or f.name not in df.columns:
                continue
            parent_table, parent_col = f.parent.split(".")
            if parent_table not in tables or parent_table == name:
                continue
            known = tables[parent_table][parent_col]
            bad = df[f.name].notna() & ~_isin(df[f.name], known)
            if bad.any():
                problems.append(_rows_problem(files.get(name, name), f.name,
                                              f"names an unknown {parent_table[:-1]}"
                                              f" (not in {parent_table})",
                                              df.loc[bad, f.name], 2))
    if {"responses", "contacts"} <= set(tables):
        r, c = tables["responses"], tables["contacts"]
        owner = c.set_index("contact_id")["account_id"]
        expected = r["contact_id"].map(owner)
        bad = expected.notna() & expected.ne(r["account_id"])
        if "accounts" in tables:  # an unknown account is reported above, once
            bad &= _isin(r["account_id"], tables["accounts"]["account_id"])
        if bad.any():
            shown = r.loc[bad, "contact_id"] + " works for " + expected[bad]
            problems.append(_rows_problem(files.get("responses", "responses"), "account_id",
                                          "does not match the contact's account", shown, 2))
    return problems


def load(data_dir: str | os.PathLike = "data/sample", tables: Iterable[str] | None = None,
         columns: Mapping[str, Mapping[str, str]] | None = None,
         optional: Iterable[str] = ()) -> dict[str, pd.DataFrame]:
    """Load and validate several tables of a data folder, and the links between them.

    Parameters
    ----------
    data_dir : path
        Data folder, relative to the project root or absolute.
    tables : iterable of str, optional
        Tables that must be present; default: the required ones
        (accounts, contacts, responses).
    columns : mapping, optional
        Per-table column renames, e.g. ``{"responses": {"Q1_LTR": "ltr"}}``.
    optional : iterable of str
        Tables loaded if present and skipped without error if not.

    Returns
    -------
    dict of str to DataFrame
        Validated tables by name.

    Raises
    ------
    DataError
        Listing every problem found, one per line.

    Examples
    --------
    >>> from cxkit.io import load
    >>> data = load("data/sample", optional=["revenue"])
    >>> sorted(data)
    ['accounts', 'contacts', 'responses', 'revenue']
    """
    columns = columns or {}
    unknown = set(columns) - set(TABLES)
    if unknown:
        raise DataError(f"the column mapping names unknown table(s): {', '.join(sorted(unknown))}")
    wanted = list(tables) if tables is not None else list(REQUIRED_TABLES)
    folder = resolve(data_dir)
    problems: list[Problem] = []
    out: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    names = wanted + [t for t in optional if t not in wanted]
    for name in names:
        if name not in TABLES:
            raise DataError(f"unknown table '{name}'; the tables are: {', '.join(TABLES)}")
        try:
            path = find_table(folder, name)
        except DataError as exc:
            if name in wanted or "ambiguous" in str(exc) or "folder not found" in str(exc):
                problems.append(Problem(str(exc).split(": ", 1)[0], str(exc).split(": ", 1)[1]))
            continue
        files[name] = _display(path)
        df, found = _read_and_validate(path, name, columns.get(name))
        problems += found
        if df is not None:
            out[name] = df
    if not problems:
        problems += check_references(out, files)
    raise_problems(problems)
    return out


def validate_folder(data_dir: str | os.PathLike,
                    columns: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, int]:
    """Validate every table in a data folder (required ones must be there).

    Returns the number of rows of each table found; raises :class:`DataError`
    listing every problem.
    """
    tables = load(data_dir, tables=REQUIRED_TABLES, optional=OPTIONAL_TABLES, columns=columns)
    return {name: len(df) for name, df in tables.items()}
