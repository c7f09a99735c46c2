"""Load the input tables of a data folder, validated against the data model.

Each table is a file named after it (``accounts.csv``, ``responses.parquet``,
``kpis.xlsx``...). Loading reads the file (never writes it), renames the user's
columns to cxkit's names where ``columns`` maps them, normalises categories and
yes/no values, and validates the result with pandera. Every problem found is
reported at once, one line each, naming the file, the column and up to five
offending rows with their values. Row numbers are rows of the file: in CSV and Excel
the header is row 1, as a spreadsheet shows it; Parquet has no header row, so its first
record is row 1.

Nothing is read into a number that is not one: a header that appears twice, a date
whose day and month could be either way round, ``inf`` where the data model says a
number, a table mixing quarters and months are all errors, never a guess.
"""
from __future__ import annotations

import codecs
import difflib
import gzip
import os
import unicodedata
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import DataError
from ..paths import resolve
from .dates import check_format, parse_dates
from . import contradictions as _contradictions
from .datamodel import DataSpan, data_span
from .problems import MAX_ROWS_SHOWN, Problem, raise_problems, read_info
from .folder import CODE_LIKE, DESCRIPTION, TableSource, describe, merge_columns
from .folder import display as _display
from .schemas import OPTIONAL_TABLES, REQUIRED_TABLES, TABLES, TableSpec, pandera_schema

SUFFIXES = (".csv", ".csv.gz", ".parquet", ".xlsx", ".xls")

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


# --------------------------------------------------------------------------- files
class TableMissing(DataError):
    """No file of the table in the data folder (skipped where the table is optional)."""


def find_table(data_dir: str | os.PathLike, name: str, file: str | None = None) -> Path:
    """Return the file of table ``name`` in ``data_dir`` (CSV, Parquet or Excel).

    ``file`` is the file the folder's ``cxkit.yaml`` names for the table (None: read the
    folder's description; empty: a file named after the table).
    """
    folder = resolve(data_dir)
    if not folder.is_dir():
        raise DataError(f"{_display(folder)}: data folder not found")
    if file is None:
        file = describe(folder).table(name).file
    if file:
        path = folder / file
        if not path.is_file():
            raise TableMissing(f"{_display(folder)}: table '{name}' is missing (its file "
                               f"{file!r}, named in {DESCRIPTION}, is not there)")
        if not path.name.lower().endswith(SUFFIXES):
            raise DataError(f"{_display(path)}: table '{name}' must be a CSV, Parquet or "
                            "Excel file (.csv, .csv.gz, .parquet, .xlsx)")
        return _inside(folder, path, name)
    for s in SUFFIXES:
        candidate = folder / f"{name}{s}"
        if candidate.is_symlink() and not candidate.exists():
            raise DataError(f"{_display(candidate)}: table '{name}' is a broken link "
                            f"(it points to {os.readlink(candidate)}, which does not exist)")
        if candidate.is_dir():
            raise DataError(f"{_display(candidate)}: table '{name}' is a folder, not a file; "
                            "cxkit reads one file per table")
    found = [folder / f"{name}{s}" for s in SUFFIXES if (folder / f"{name}{s}").is_file()]
    if not found:
        raise TableMissing(f"{_display(folder)}: table '{name}' is missing "
                        f"(expected {name}.csv, {name}.csv.gz, {name}.parquet or {name}.xlsx)")
    if len(found) > 1:
        raise DataError(f"{_display(folder)}: table '{name}' is ambiguous: "
                        f"{', '.join(p.name for p in found)}; keep one")
    return _inside(folder, found[0], name)


def _inside(folder: Path, path: Path, name: str) -> Path:
    """``path`` if it is a file of the data folder: a link to a file elsewhere (a client's
    ``accounts.csv`` pointing at ``/etc/shadow``) is not read."""
    real, home = path.resolve(), folder.resolve()
    if home not in real.parents:
        raise DataError(f"{_display(path)}: table '{name}' is a link to a file outside the "
                        "data folder, which cxkit does not read; copy the file into the folder")
    return path


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def _text_encoding(path: Path) -> str:
    """The encoding of a CSV file: from its byte-order mark, else UTF-8 (or cp1252).

    A file of UTF-16 without a byte-order mark (NUL bytes between the letters) is refused
    with what to do, instead of being read as 1.5 KB of NUL characters.
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:  # an unreadable file is reported by _read, as any other
        head = fh.read(4096)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head:
        raise DataError(f"{_display(path)}: looks like UTF-16 text without a byte-order mark "
                        "(NUL bytes between the characters); save it as a UTF-8 CSV")
    return "utf-8-sig"


def _read_csv(path: Path, encoding: str, **kw) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, skipinitialspace=True, encoding=encoding, **kw)
    except UnicodeDecodeError:
        if encoding != "utf-8-sig":
            raise
        # an "ANSI" export from Excel on Windows
        return pd.read_csv(path, dtype=str, skipinitialspace=True, encoding="cp1252", **kw)


def _header(path: Path, encoding: str | None) -> list:
    """The column names exactly as the file has them (pandas renames a repeated one)."""
    if path.name.endswith((".csv", ".csv.gz")):
        return list(_read_csv(path, encoding, header=None, nrows=1).iloc[0]) \
            if path.stat().st_size else []
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq
        schema = pq.read_schema(path)
        index = {c for c in (schema.pandas_metadata or {}).get("index_columns", [])
                 if isinstance(c, str)}  # an index pandas wrote is not a column of the table
        return [n for n in schema.names if n not in index]
    head = pd.read_excel(path, sheet_name=0, header=None, nrows=1)
    return list(head.iloc[0]) if len(head) else []


def read_header(path: str | os.PathLike) -> list[str]:
    """A table file's column names, stripped, without reading its rows.

    >>> from cxkit.io import find_table
    >>> read_header(find_table("data/sample", "accounts"))[:3]
    ['account_id', 'name', 'industry']
    """
    path = Path(path)
    encoding = _text_encoding(path) if path.name.endswith((".csv", ".csv.gz")) else None
    return _clean_names(_header(path, encoding))


def _clean_names(names: list) -> list[str]:
    """Headers stripped and in one Unicode form (NFC): "Région" typed on a Mac (e and a
    combining accent) and in a Windows export are the same name."""
    return ["" if (n is None or (isinstance(n, float) and pd.isna(n)))
            else unicodedata.normalize("NFC", str(n).strip()) for n in names]


def _repeated_headers(names: list[str], file: str) -> list[Problem]:
    """A header repeated, even only once spaces or case are ignored, is refused.

    pandas would read ``ltr`` and ``ltr`` as ``ltr`` and ``ltr.1``, and the copy would
    silently become a driver.
    """
    seen: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        if n:
            seen.setdefault(n.casefold(), []).append(i)
    problems = []
    for where in seen.values():
        if len(where) > 1:
            spelled = dict.fromkeys(names[i] for i in where)
            also = (f" (also spelled {', '.join(repr(n) for n in list(spelled)[1:])})"
                    if len(spelled) > 1 else "")
            problems.append(Problem(
                file, f"the header has this column {len(where)} times{also}, as columns "
                      f"{_and([str(i + 1) for i in where])}; keep one or rename the others",
                names[where[0]]))
    return problems


def _name_columns(names: list[str], df: pd.DataFrame, file: str
                  ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Name the columns as the file does; a blank header over values is refused, over an
    empty column (a trailing comma) the column is dropped."""
    if len(names) != df.shape[1]:  # cannot happen for a well-formed file; keep pandas' names
        return df, []
    blank = [i for i, n in enumerate(names) if not n]
    problems = [Problem(file, f"column {i + 1} has values but no header; name it or delete it")
                for i in blank if df.iloc[:, i].notna().any()]
    if problems:
        return None, problems
    keep = [i for i in range(len(names)) if i not in blank]
    out = df.iloc[:, keep]
    out.columns = [names[i] for i in keep]
    return out, []


def _and(items: list[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def read_raw(path: Path) -> pd.DataFrame:
    """Read a table file as it is (CSV columns as text, so ids keep leading zeros).

    CSV files may be UTF-8 (with or without a byte-order mark), UTF-16 or UTF-32 with a
    byte-order mark, or Windows-1252. Column names are stripped of spaces; a repeated
    header is an error naming the file and the columns.

    Raises
    ------
    DataError
        If the file cannot be read or its header repeats a column.
    """
    df, problems = _read(path)
    raise_problems(problems)
    return df


def _read(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    file = _display(path)
    try:
        csv = path.name.endswith((".csv", ".csv.gz"))
        encoding = _text_encoding(path) if csv else None
        names = _clean_names(_header(path, encoding))
        problems = _repeated_headers(names, file)
        if problems:  # before reading the data (pyarrow cannot read such a Parquet file)
            return None, problems
        if csv:
            df = _read_csv(path, encoding)
        elif path.suffix == ".parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_excel(path, sheet_name=0)
    except DataError as exc:
        return None, [Problem(file, str(exc).split(": ", 1)[-1])]
    except pd.errors.EmptyDataError:
        return pd.DataFrame(), []
    except Exception as exc:  # unreadable file: say which and why, in one line
        return None, [Problem(file, f"cannot be read ({type(exc).__name__}: "
                                    f"{str(exc).splitlines()[0] if str(exc) else 'no detail'})")]
    df, problems = _name_columns(names, df, file)
    return (None if df is None else df.reset_index(drop=True)), problems


# --------------------------------------------------------------------------- normalising
_NUMBER_KINDS = ("int", "number", "score")


def _normalise(df: pd.DataFrame, spec: TableSpec, file: str, offset: int,
               date_format: str | None = None, source: TableSource | None = None,
               kinds_found: dict | None = None) -> list[Problem]:
    """Type every column in place; report the values that are not what the model says.

    Text is stripped (blank is missing) and put in one Unicode form (NFC), categories
    lower-cased, yes/no parsed, dates read
    by :func:`~cxkit.io.dates.parse_dates` (one format per column), and numbers parsed as
    finite numbers (whole ones where the model says so); ratings must lie on their scale
    (``source``: the folder's ``cxkit.yaml``; 0–10 by default). Columns beyond the model's
    (a flat export's open answers, demographics) are kept, as text or numbers
    (:func:`_extra_kind`); ``kinds_found`` receives the kind of each. Each problem names
    its rows.
    """
    source = source or TableSource(spec.name)
    problems = []
    kinds = {f.name: f.kind for f in spec.fields}
    if spec.extra:
        for c in spec.extra_columns(df.columns):
            kinds[c] = _extra_kind(df[c], c, spec.extra, source)
    if kinds_found is not None:
        kinds_found.update(kinds)
    for name, kind in kinds.items():
        if name not in df.columns:
            continue
        col = df[name]
        if kind in ("id", "text", "category", "period"):
            text = _nfc(col.astype("string").str.strip())
            if kind == "category":
                text = text.str.lower().str.replace("_", " ", regex=False)
            df[name] = text.replace("", pd.NA)
        elif kind == "bool":
            text = col.astype("string").str.strip().str.lower()
            parsed = pd.Series(pd.NA, index=col.index, dtype="boolean")
            parsed[text.isin(_TRUE).fillna(False).astype(bool)] = True
            parsed[text.isin(_FALSE).fillna(False).astype(bool)] = False
            bad = text.notna() & text.ne("") & parsed.isna()
            if bad.any():
                problems.append(_rows_problem(file, name, "not a yes/no value", col[bad], offset))
            df[name] = parsed
        elif kind == "date":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # dateutil's "could not infer"
                parsed, found = parse_dates(col, date_format)
            for p in found:
                problems.append(_rows_problem(file, name, p.message, col.loc[p.index], offset))
            df[name] = parsed
        elif kind in _NUMBER_KINDS:
            df[name], found = _numbers(col, kind)
            for message, bad in found:
                problems.append(_rows_problem(file, name, message, col[bad], offset))
            if kind == "score":
                problems += _off_scale(df[name], col, name, source, file, offset)
    return problems


def _nfc(text: pd.Series) -> pd.Series:
    """Text in one Unicode form (NFC): "José" typed on Windows and written by macOS
    (``e`` and a combining accent) are one name, as they look."""
    odd = {v: unicodedata.normalize("NFC", v) for v in pd.unique(text.dropna())
           if not v.isascii() and not unicodedata.is_normalized("NFC", v)}
    return text.replace(odd) if odd else text


def _parsed(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A column's values as numbers (NaN where not one) and where a value is given."""
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("float64"), col.notna()
    text = col.astype("string").str.strip()
    given = text.notna() & text.ne("")
    try:  # the common case, all numbers: a cast is several times faster than to_numeric
        return text.where(given).astype("float64"), given
    except (ValueError, TypeError):
        return pd.to_numeric(text.where(given), errors="coerce").astype("float64"), given


def _extra_kind(col: pd.Series, name: str, extra: str, source: TableSource) -> str:
    """The kind of a column beyond the data model's (``extra``: what the table's extra
    columns are, "score" in the responses).

    Declared ``text`` is text; a declared scale or ``not_drivers`` makes a rating. Else,
    from the values: mostly not numbers (nine in ten or fewer) is text; numbers that lie
    on the rating scale, once codes such as −99 or 999 are set aside, are ratings (a stray
    value off the scale is then an error, with the code to declare); other numbers (age,
    tenure in months) are numbers, kept for groups and controls.
    """
    if name in source.text:
        return "text"
    if extra != "score" or source.declared_scale(name) or name in source.not_drivers:
        return extra
    values, given = _parsed(col)
    n_given = int(given.sum())
    if n_given == 0:
        return extra  # an empty rating column: every respondent skipped it
    numbers = values[given & values.notna()]
    if len(numbers) < 0.9 * n_given:
        return "text"
    scale = source.scale_of(name)
    off = (numbers < scale.low) | (numbers > scale.high)
    rest = numbers[~(off & numbers.isin(CODE_LIKE))]
    if len(rest) == 0 or rest.between(scale.low, scale.high).mean() >= 0.9:
        return "score"
    return "number"


def _off_scale(values: pd.Series, raw: pd.Series, name: str, source: TableSource, file: str,
               offset: int) -> list[Problem]:
    """Ratings outside their scale; where they look like codes (−99, 999), the hint to
    declare them as missing."""
    scale = source.scale_of(name)
    bad = values.notna() & ((values < scale.low) | (values > scale.high))
    if not bad.any():
        return []
    message = f"outside the {scale} scale"
    codes = sorted(set(values[bad]))
    if all(v in CODE_LIKE for v in codes):
        shown = ", ".join(f"{v:g}" for v in codes)
        message += (f"; if {shown} means no answer, declare it in the folder's "
                    f"{DESCRIPTION}: tables: {{{source.name}: {{missing: [{shown}]}}}}")
    return [_rows_problem(file, name, message, raw[bad], offset)]


def _numbers(col: pd.Series, kind: str) -> tuple[pd.Series, list[tuple[str, pd.Series]]]:
    """Parse a column as finite numbers (whole numbers for ``int``); masks of bad values."""
    if pd.api.types.is_bool_dtype(col.dtype):
        given = col.notna()
        return pd.Series(np.nan, index=col.index), [(_coerce_text("", kind), given)]
    values, given = _parsed(col)
    found = []
    not_number = given & values.isna()
    if not_number.any():
        found.append((_coerce_text("", kind), not_number))
    infinite = np.isinf(values)
    if infinite.any():
        found.append(("is not a finite number", infinite))
        values = values.where(~infinite)
    if kind == "int":
        fraction = values.notna() & (values % 1 != 0)
        if fraction.any():
            found.append((_coerce_text("", kind), fraction))
            values = values.where(~fraction)
        return values.astype("Int64"), found
    return values, found


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
def _missing_column_problem(missing, present, file, table: str = "") -> Problem:
    hints = []
    for m in missing:
        close = difflib.get_close_matches(m, present, n=1, cutoff=0.6)
        if close:
            hints.append(f"'{close[0]}' could be '{m}'")
    example = (f" in the folder's {DESCRIPTION} (tables: {{{table}: {{columns: {{Your column: "
               f"{missing[0]}}}}}}}) or with -p columns '{{{table}: {{Your column: "
               f"{missing[0]}}}}}'" if table else " with the `columns` parameter")
    hint = "; ".join(hints) or f"map your own column names{example}"
    if len(present) == 1 and ";" in present[0]:
        hint = "the file seems to separate values with ';': save it comma-separated"
    cols = ", ".join(f"'{m}'" for m in missing)
    return Problem(file, f"missing column{'s' if len(missing) > 1 else ''} {cols} "
                         f"(the file has: {', '.join(present) or 'no columns'}; {hint})")


def validate_table(raw: pd.DataFrame, name: str, file: str = "<table>",
                   offset: int = 2, date_format: str | None = None,
                   source: TableSource | None = None
                   ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate a table already read (with cxkit's column names).

    Returns the validated, typed table (``None`` if it could not be typed) and the
    problems found. ``offset`` turns a 0-based row index into the row number shown
    (2 for a file whose header is row 1); ``date_format`` says how ambiguous dates are
    written (see :func:`cxkit.io.dates.parse_dates`); ``source`` is what the folder's
    ``cxkit.yaml`` says of the table (scales, missing-value codes, text columns).

    The table's ``attrs["cxkit"]`` records how it was read (:func:`read_info`).
    """
    spec = TABLES[name]
    source = source or TableSource(name)
    if raw.shape[0] == 0:
        return None, [Problem(file, "has no rows")]
    df = raw.copy()
    derived = {}
    for f in spec.fields:  # an id the export does not have: the row, or another id
        if f.derive and f.name not in df.columns and (f.derive == "row"
                                                      or f.derive in df.columns):
            df[f.name] = (pd.Series(np.arange(len(df)) + offset, index=df.index).astype(str)
                          if f.derive == "row" else df[f.derive])
            derived[f.name] = f.derive
    missing = [f.name for f in spec.fields if f.required and f.name not in df.columns]
    if missing:
        back = {target: own for own, target in source.columns.items()}
        return None, [_missing_column_problem(missing, [back.get(c, c) for c in raw.columns],
                                              file, name)]
    coded = _missing_codes(df, spec, source)
    kinds: dict[str, str] = {}
    problems = _normalise(df, spec, file, offset, date_format, source, kinds)
    reported = {p.column for p in problems}
    import pandera.pandas as pa  # here: a run that reads prepared tables never needs it

    schema = pandera_schema(spec, df.columns, kinds)
    try:
        with warnings.catch_warnings():  # pandera's own notes are not the user's business
            warnings.simplefilter("ignore", UserWarning)
            df = schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        fc = fc[~fc["column"].isin(reported)]
        problems += _failures_to_problems(fc, spec, raw.reindex(columns=df.columns), file,
                                          offset)
        return None, _own_names(problems, source)
    problems += _period_mixes(df, spec, raw, file, offset)
    if problems:
        return None, _own_names(problems, source)
    for rule in spec.rules:
        if all(c in df.columns for c in rule.columns):
            bad = rule.bad(df).fillna(False).astype(bool)
            if bad.any():
                shown = (raw.loc[bad, list(rule.columns)].astype("string").fillna("empty")
                         .agg("/".join, axis=1))
                problems.append(_rows_problem(file, "/".join(rule.columns), rule.description,
                                              shown, offset))
    if problems:
        return None, _own_names(problems, source)
    extra = spec.extra_columns(df.columns) if spec.extra == "score" else []
    df.attrs["cxkit"] = {
        "table": name, "file": file, "offset": offset,
        "scales": {c: list(source.scale_of(c)) for c, k in kinds.items() if k == "score"},
        "declared_scales": sorted(source.scales),
        "ratings": [c for c in extra if kinds.get(c) == "score"],
        "numbers": [c for c in extra if kinds.get(c) == "number"],
        "texts": [c for c in extra if kinds.get(c) == "text"],
        "not_drivers": [c for c in source.not_drivers if c in df.columns],
        "missing_codes": coded,
        "derived": derived,
        "renamed": {target: own for own, target in source.columns.items()},
    }
    return df, []


def _missing_codes(df: pd.DataFrame, spec: TableSpec, source: TableSource) -> dict[str, int]:
    """Set the folder's missing-value codes (−99, "N/A") to missing, in place; how many per
    column. Ids are never codes."""
    if not source.missing:
        return {}
    ids = {f.name for f in spec.fields if f.kind == "id"}
    counts = {}
    for c in df.columns:
        if c in ids:
            continue
        text = df[c].astype("string").str.strip()
        hit = pd.Series(False, index=df.index)
        for code in source.missing:
            if isinstance(code, str):
                hit |= text.eq(code.strip()).fillna(False)
            else:
                hit |= (pd.to_numeric(text, errors="coerce") == float(code)).fillna(False)
        n = int(hit.sum())
        if n:
            df[c] = df[c].astype(object).where(~hit, None)
            counts[c] = n
    return counts


def _own_names(problems: list[Problem], source: TableSource) -> list[Problem]:
    """Each problem also names the column as the file does, where a mapping renamed it."""
    back = {target: own for own, target in source.columns.items()}
    for p in problems:
        if p.column in back:
            p.file_column = back[p.column]
    return problems


_FREQUENCY = {"Q": "quarters", "-": "months", "": "years"}


def _period_mixes(df: pd.DataFrame, spec: TableSpec, raw: pd.DataFrame, file: str,
                  offset: int) -> list[Problem]:
    """A period column must hold one frequency: 2024Q1 beside 2024-03 is an error."""
    problems = []
    for f in spec.fields:
        if f.kind != "period" or f.name not in df.columns:
            continue
        freq = df[f.name].str.slice(4, 5).fillna("?")
        counts = freq[df[f.name].notna()].value_counts()
        if len(counts) > 1:
            main = counts.index[0]
            words = ", ".join(f"{_FREQUENCY.get(k, k)} in {n} rows" for k, n in counts.items())
            bad = df[f.name].notna() & freq.ne(main)
            problems.append(_rows_problem(
                file, f.name, f"mixes period lengths ({words}); use one", raw.loc[bad, f.name],
                offset))
    return problems


def load_table(data_dir: str | os.PathLike, name: str,
               columns: Mapping[str, str] | None = None,
               date_format: str | None = None) -> pd.DataFrame:
    """Load and validate one table of the data model.

    Parameters
    ----------
    data_dir : path
        Data folder, relative to the project root or absolute.
    name : str
        Table name, e.g. ``"responses"`` (see ``docs/data-model.md``).
    columns : mapping, optional
        Renames from the file's column names to cxkit's, e.g. ``{"Q1_LTR": "ltr"}``.
    date_format : str, optional
        How dates whose day and month could be either way round are written:
        ``"DD/MM/YYYY"``, ``"MM/DD/YYYY"`` or a ``strftime`` format. Default: inferred
        per column, and an error where a column could be read either way.

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
    folder = describe(data_dir)
    source = folder.table(name)
    path = find_table(folder.path, name, source.file)
    mapping = merge_columns({name: source.columns}, {name: dict(columns or {})})[name]
    df, problems = _read_and_validate(path, name, mapping,
                                      check_format(date_format or folder.date_format), source)
    raise_problems(problems)
    return df


def _offset(path: Path) -> int:
    """Row number of a file's first record: 2 below a header row (CSV, Excel), 1 in Parquet."""
    return 1 if path.suffix == ".parquet" else 2


def _read_and_validate(path: Path, name: str, columns: Mapping[str, str] | None,
                       date_format: str | None = None, source: TableSource | None = None):
    file = _display(path)
    raw, problems = _read(path)
    if problems:
        return None, problems
    columns = {unicodedata.normalize("NFC", str(k).strip()): v
                for k, v in (columns or {}).items()}  # as the headers are read
    source = replace(source or TableSource(name), columns=columns)
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
    return validate_table(raw, name, file, _offset(path), date_format, source)


def _isin(values: pd.Series, known: pd.Series) -> pd.Series:
    """``values.isin(known)`` by hash lookup (pandas 3's Arrow-string isin loops in Python)."""
    index = pd.Index(known.dropna().unique())
    return pd.Series(index.get_indexer(values) >= 0, index=values.index)


def check_references(tables: Mapping[str, pd.DataFrame],
                     files: Mapping[str, str] | None = None,
                     offsets: Mapping[str, int] | None = None) -> list[Problem]:
    """Check that child rows name a parent that exists (e.g. every response's account).

    Also checks that a response's contact works for the response's account. ``files``
    names each table's file and ``offsets`` the row number of its first record (2 under
    a header row, 1 in Parquet).
    """
    files = files or {}
    offsets = offsets or {}
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
                                              df.loc[bad, f.name], offsets.get(name, 2)))
    if {"followups", "responses"} <= set(tables):
        f, r = tables["followups"], tables["responses"]
        owner = r.set_index("response_id")["account_id"]
        expected = f["response_id"].map(owner) if "response_id" in f else pd.Series(dtype=object)
        bad = expected.notna() & expected.ne(f["account_id"])
        if bad.any():
            shown = f.loc[bad, "response_id"] + " is from " + expected[bad]
            problems.append(_rows_problem(files.get("followups", "followups"), "account_id",
                                          "does not match the response's account", shown,
                                          offsets.get("followups", 2)))
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
                                          "does not match the contact's account", shown,
                                          offsets.get("responses", 2)))
    return problems


class Tables(dict):
    """Validated tables by name (a dict), with what was found across them.

    Attributes
    ----------
    contradictions : list of :class:`~cxkit.io.contradictions.Contradiction`
        Where the tables contradict themselves or each other (empty when they agree).
    rule : {"error", "show"}
        The data folder's rule for them; with ``error`` none is left (loading stopped).
    rule_file : str
        The file that sets the rule (the data folder's ``cxkit.yaml``).
    span : DataSpan
        The first and last period and date the tables hold
        (:func:`~cxkit.io.datamodel.data_span`).
    """

    def __init__(self, tables=(), contradictions=(), rule: str = "error", rule_file: str = "",
                 span: DataSpan | None = None):
        super().__init__(tables)
        self.contradictions = list(contradictions)
        self.rule = rule
        self.rule_file = rule_file
        self.span = span if span is not None else data_span(self)

    def __reduce__(self):  # pickled with its attributes (a batch's prepared work)
        return (Tables, (dict(self), self.contradictions, self.rule, self.rule_file, self.span))


def like(source: Mapping[str, pd.DataFrame], tables: Mapping[str, pd.DataFrame]):
    """``tables`` (some of ``source``'s, or cut to some accounts) with what :func:`load`
    found across ``source``: its contradictions, rule and span; a plain dict where
    ``source`` was not loaded by it."""
    if isinstance(source, Tables):
        return Tables(tables, source.contradictions, source.rule, source.rule_file, source.span)
    return dict(tables)


def contradictions_of(tables: Mapping[str, pd.DataFrame]) -> list:
    """The contradictions :func:`load` found in ``tables``; found now for tables not read
    by it (a dict built by hand)."""
    if isinstance(tables, Tables):
        return tables.contradictions
    return _contradictions.find(tables)


def load(data_dir: str | os.PathLike = "data/sample", tables: Iterable[str] | None = None,
         columns: Mapping[str, Mapping[str, str]] | None = None,
         optional: Iterable[str] = (), date_format: str | None = None,
         contradictions: str | None = None) -> Tables:
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
        Tables loaded if present and skipped without error if not (a folder or a broken
        link in a table's place is an error, not a missing table).
    date_format : str, optional
        How ambiguous dates are written, for every table: ``"DD/MM/YYYY"``,
        ``"MM/DD/YYYY"`` or a ``strftime`` format; default inferred per column (see
        :func:`load_table`).
    contradictions : {"error", "show"}, optional
        What to do where the tables contradict each other
        (:mod:`cxkit.io.contradictions`); default the data folder's ``cxkit.yaml``
        (``error`` without one).

    Returns
    -------
    Tables
        Validated tables by name (a dict), with the contradictions found and the data's
        span.

    Raises
    ------
    DataError
        Listing every problem found, one per line; or, with the rule ``error``, every
        contradiction.

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
    if not folder.is_dir():
        raise DataError(f"{_display(folder)}: data folder not found")
    described = describe(folder)
    columns = merge_columns(described.columns(), columns)
    date_format = check_format(date_format or described.date_format)
    problems: list[Problem] = []
    out: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    offsets: dict[str, int] = {}
    names = wanted + [t for t in optional if t not in wanted]
    for name in names:
        if name not in TABLES:
            raise DataError(f"unknown table '{name}'; the tables are: {', '.join(TABLES)}")
        source = described.table(name)
        try:
            path = find_table(folder, name, source.file)
        except DataError as exc:  # an optional table may be missing, but nothing else
            if name in wanted or not isinstance(exc, TableMissing):
                problems.append(Problem(str(exc).split(": ", 1)[0], str(exc).split(": ", 1)[1]))
            continue
        files[name] = _display(path)
        offsets[name] = _offset(path)
        df, found = _read_and_validate(path, name, columns.get(name), date_format, source)
        problems += found
        if df is not None:
            out[name] = df
    if not problems:
        problems += check_references(out, files, offsets)
    raise_problems(problems)
    rule = _contradictions.mode_of(contradictions or described.contradictions)
    span = data_span(out)
    found = _contradictions.find(out, span=span)
    if rule == "error":
        _contradictions.raise_contradictions(found, described.rule_file)
    return Tables(out, found, rule, described.rule_file, span)


def validate_folder(data_dir: str | os.PathLike,
                    columns: Mapping[str, Mapping[str, str]] | None = None,
                    date_format: str | None = None) -> dict[str, int]:
    """Validate every table in a data folder (which reports it can run is
    :func:`cxkit.reports.readiness` of the tables found).

    Returns the number of rows of each table found; raises :class:`DataError`
    listing every problem, or if the folder holds no table at all.
    """
    return {name: len(df) for name, df in load_folder(data_dir, columns, date_format).items()}


def load_folder(data_dir: str | os.PathLike,
                columns: Mapping[str, Mapping[str, str]] | None = None,
                date_format: str | None = None, contradictions: str | None = None) -> Tables:
    """Every table a data folder holds, validated (:func:`load` with all of them optional).

    Raises
    ------
    DataError
        Listing every problem, or if the folder holds none of the tables.
    """
    tables = load(data_dir, tables=[], optional=(*REQUIRED_TABLES, *OPTIONAL_TABLES),
                  columns=columns, date_format=date_format, contradictions=contradictions)
    if not tables:
        folder = resolve(data_dir)
        files = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() \
            else []
        raise DataError(f"{_display(folder)}: no table of cxkit's data model found (the "
                        f"folder has: {', '.join(files[:12]) or 'no files'}); name each file "
                        f"after its table (responses.csv) or say which file is which in "
                        f"{DESCRIPTION} (`cxkit init` writes one)")
    return tables


def reading_notes(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """What reading did to each table, in sentences: answers set to missing by the
    folder's codes, columns kept as text or as numbers rather than ratings, ids made up,
    the scales read.

    >>> from cxkit.io import load
    >>> reading_notes(load("data/sample"))
    ['responses: ratings read on the 0–10 scale.']
    """
    out = []
    for name, df in tables.items():
        info = read_info(df)
        if not info:
            continue
        said = []
        scales = sorted({f"{lo}–{hi}" for lo, hi in info.get("scales", {}).values()})
        if scales:
            said.append(f"ratings read on the {' and '.join(scales)} scale"
                        + ("s" if len(scales) > 1 else ""))
        coded = info.get("missing_codes") or {}
        own = info.get("renamed") or {}
        if coded:
            said.append(f"{sum(coded.values()):,} answers set to missing by the codes of "
                        f"{DESCRIPTION} (" + ", ".join(f"{own.get(c, c)} {n:,}"
                                                       for c, n in coded.items()) + ")")
        if info.get("texts"):
            said.append("kept as text, not ratings: " + ", ".join(info["texts"]))
        if info.get("numbers"):
            said.append("numbers that are not ratings (off the rating scale), kept for "
                        "groups: " + ", ".join(info["numbers"]))
        if info.get("not_drivers"):
            said.append("outcomes, not drivers: " + ", ".join(info["not_drivers"]))
        derived = info.get("derived") or {}
        if derived.get("response_id") == "row":
            said.append("no response id: each row's number in the file is its id")
        if derived.get("account_id"):
            said.append("no account id: each respondent is its own account")
        if derived.get("contact_id"):
            said.append("no contact id: each response is its own respondent")
        if said:
            out.append(f"{name}: " + "; ".join(said) + ".")
    return out
