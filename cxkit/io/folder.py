"""A data folder that describes itself: ``DIR/cxkit.yaml``.

A client's exports keep their own file names, column names, scales and codes. One
file in the folder says how to read them, so that ``cxkit validate``, ``cxkit run``,
``cxkit batch`` and a notebook opened in JupyterLab all read the folder the same way::

    tables:
      responses:
        file: survey_export_2025.csv          # any file name; default: the table's name
        columns: {Q1_LTR: ltr, RespID: response_id}
        scale: {default: 1-10, ltr: 0-10}     # 0-10, 1-10, 1-7, 1-5 ...
        missing: [-99, "N/A"]                 # codes that mean no answer
        not_drivers: [CUSL1, CUSA1]           # rating columns that are outcomes, not drivers
        text: [verbatim]                      # free-text columns kept as text
    date_format: DD/MM/YYYY
    contradictions: error                     # or show: run and list them in every report
    parameters:                               # notebook parameters that belong to this data
      currency: EUR
    notebooks:                                # ... and those of one notebook only
      driver_analysis:
        measures: {shipping_confidence: [on_time_shipment_pct]}

Columns in ``scale``, ``not_drivers`` and ``text`` may be named as the file names them
or as ``columns`` maps them. ``parameters`` apply to every notebook that declares the
parameter, ``notebooks.NAME`` to that notebook alone (over ``parameters``).
Precedence, lowest first: the notebook's defaults, ``params/NOTEBOOK.yaml``, this file,
``-f FILE``, ``-p``; column mappings merge per column.

Examples
--------
>>> folder = describe("data/sample")
>>> folder.source
'data/sample/cxkit.yaml'
>>> folder.table("responses").scale_of("ltr")
Scale(low=0, high=10)
>>> str(Scale.parse("1-7")), Scale.parse("1-7").allows_nps, Scale.parse("1-10").allows_nps
('1–7', False, True)
"""
from __future__ import annotations

import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, NamedTuple

from ..errors import ParameterError
from ..paths import resolve
from ..settings import Settings
from ..yamlfile import read_yaml_mapping
from .schemas import TABLES

DESCRIPTION = "cxkit.yaml"
#: the rule for data that contradicts itself (:mod:`cxkit.io.contradictions`): stop and name
#: it, or go on and list it in every report
CONTRADICTIONS = ("error", "show")
#: values that exports use for "no answer" and that never lie on a rating scale
CODE_LIKE = (-999.0, -99.0, -98.0, -97.0, -9.0, -8.0, -1.0, 97.0, 98.0, 99.0, 999.0, 9999.0)


class Scale(NamedTuple):
    """A rating scale from ``low`` to ``high`` (whole numbers)."""

    low: int
    high: int

    @classmethod
    def parse(cls, text: str, where: str = "scale") -> "Scale":
        """``"1-10"`` (or ``1–10``, ``1 to 10``) as a scale; a clear error if not one."""
        m = re.fullmatch(r"\s*(-?\d+)\s*(?:-|–|to)\s*(-?\d+)\s*", str(text))
        if not m or int(m.group(1)) >= int(m.group(2)):
            raise ParameterError(f"{where}: {text!r} is not a scale; write it as low-high, "
                                 "e.g. 0-10, 1-10, 1-7 or 1-5")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.low}–{self.high}"

    @property
    def allows_nps(self) -> bool:
        """NPS is defined on the 0–10 recommend question (and read on a 1–10 one, whose
        detractors are 1–6)."""
        return (self.low, self.high) in ((0, 10), (1, 10))

    @property
    def top_two(self) -> tuple[int, int]:
        """The top two boxes: ``(high − 1, high)``."""
        return self.high - 1, self.high


DEFAULT_SCALE = Scale(0, 10)


class _TableSettings(Settings):
    file: str = ""
    columns: dict[str, str] = {}
    scale: dict[str, str] = {}
    missing: list[int | float | str] = []
    not_drivers: list[str] = []
    text: list[str] = []


class _FolderSettings(Settings):
    tables: dict[str, _TableSettings] = {}
    date_format: str = ""
    contradictions: str = ""
    parameters: dict[str, Any] = {}
    notebooks: dict[str, dict[str, Any]] = {}


@dataclass(frozen=True)
class TableSource:
    """How one table of the folder is read (the ``tables:`` entry of ``cxkit.yaml``).

    ``columns`` maps the file's names to cxkit's; ``scales`` holds the scale of columns
    by cxkit's name, with ``default`` for every other rating; ``missing`` the codes that
    mean no answer; ``not_drivers`` and ``text`` columns by cxkit's name.
    """

    name: str
    file: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)
    scales: Mapping[str, Scale] = field(default_factory=dict)
    missing: tuple = ()
    not_drivers: tuple[str, ...] = ()
    text: tuple[str, ...] = ()

    def scale_of(self, column: str) -> Scale:
        """The scale of a rating column: its own, else the table's default, else 0–10."""
        return self.scales.get(column) or self.scales.get("default") or DEFAULT_SCALE

    def declared_scale(self, column: str) -> bool:
        return column in self.scales


@dataclass(frozen=True)
class DataFolder:
    """A data folder and what its ``cxkit.yaml`` says (nothing, where there is none)."""

    path: Path
    source: str | None = None  # the description file as a user would type it
    tables: Mapping[str, TableSource] = field(default_factory=dict)
    date_format: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    notebooks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    contradictions: str = ""  # empty: not said (error)

    @property
    def rule_file(self) -> str:
        """The file that sets (or would set) the rule for contradictions."""
        return self.source or display(self.path / DESCRIPTION)

    def table(self, name: str) -> TableSource:
        return self.tables.get(name) or TableSource(name)

    def columns(self) -> dict[str, dict[str, str]]:
        """The column mappings, per table (only tables that map any)."""
        return {n: dict(t.columns) for n, t in self.tables.items() if t.columns}

    def parameters_for(self, notebook: str, declared) -> dict[str, Any]:
        """The parameters this folder gives ``notebook`` (only those it declares): its
        ``columns`` and ``date_format``, then ``parameters``, then ``notebooks.NAME``."""
        out: dict[str, Any] = {}
        if self.columns():
            out["columns"] = self.columns()
        if self.date_format:
            out["date_format"] = self.date_format
        if self.contradictions:
            out["contradictions"] = self.contradictions
        out.update(self.parameters)
        out.update(self.notebooks.get(notebook) or {})
        return {k: v for k, v in out.items() if k in declared}


def display(path: Path) -> str:
    """The path as a user would type it: relative below the working folder, else absolute."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def describe(data_dir: str | os.PathLike) -> DataFolder:
    """What ``DIR/cxkit.yaml`` says of a data folder (an empty description without one).

    Raises
    ------
    ParameterError
        Naming the file and the setting: an unknown key or table, a scale that is not
        ``low-high``, a file outside the folder, a column mapped twice.
    """
    folder = resolve(data_dir)
    path = folder / DESCRIPTION
    if not path.is_file():
        return DataFolder(folder)
    shown = display(path)
    raw = read_yaml_mapping(path, "data folder description", shown)
    unknown = [t for t in (raw.get("tables") or {}) if t not in TABLES]
    if unknown:
        import difflib
        close = difflib.get_close_matches(str(unknown[0]), list(TABLES), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ParameterError(f"{shown}: tables: unknown table {unknown[0]!r}{hint} "
                             f"(the tables are: {', '.join(TABLES)})")
    settings = _FolderSettings.parse(raw, shown)
    if settings.date_format:
        from .dates import check_format
        try:
            check_format(settings.date_format)
        except ParameterError as exc:
            raise ParameterError(f"{shown}: date_format: {exc}") from None
    if settings.contradictions not in ("", *CONTRADICTIONS):
        raise ParameterError(f"{shown}: contradictions: {settings.contradictions!r} is not a "
                             "rule; write error (stop and name them) or show (run and list "
                             "them in every report)")
    tables = {name: _table(name, t, folder, f"{shown}: tables.{name}")
              for name, t in settings.tables.items()}
    return DataFolder(folder, shown, tables, settings.date_format, dict(settings.parameters),
                      {k: dict(v) for k, v in settings.notebooks.items()},
                      settings.contradictions)


def _table(name: str, t: _TableSettings, folder: Path, where: str) -> TableSource:
    if t.file:
        target = (folder / t.file).resolve()
        if folder.resolve() not in target.parents:
            raise ParameterError(f"{where}.file: {t.file!r} is not inside the data folder; "
                                 "name a file in it")
    targets = list(t.columns.values())
    twice = sorted({c for c in targets if targets.count(c) > 1})
    if twice:
        raise ParameterError(f"{where}.columns: {', '.join(map(repr, twice))} is the name of "
                             "more than one column; map one column to it")

    def own(column: str) -> str:  # a column named as the file names it, or as mapped
        column = unicodedata.normalize("NFC", column.strip())
        return mapping.get(column, column)

    mapping = {unicodedata.normalize("NFC", k.strip()): v for k, v in t.columns.items()}

    scales = {}
    for column, text in t.scale.items():
        scales[column if column == "default" else own(column)] = Scale.parse(
            text, f"{where}.scale.{column}")
    for code in t.missing:
        if isinstance(code, float) and not math.isfinite(code):
            raise ParameterError(f"{where}.missing: {code!r} is not a code")
    return TableSource(name, t.file, mapping, scales, tuple(t.missing),
                       tuple(own(c) for c in t.not_drivers), tuple(own(c) for c in t.text))


def merge_columns(*levels: Mapping[str, Mapping[str, str]] | None) -> dict[str, dict[str, str]]:
    """Column mappings merged per column, later levels over earlier ones.

    The file's names are taken in one Unicode form (NFC), as headers are read. A later
    level that maps another of the file's columns to the same cxkit name takes that name
    over (``-p columns '{responses: {Q9: ltr}}'`` replaces the folder's
    ``Q1_LTR: ltr``).

    >>> merge_columns({"responses": {"Q1": "ltr", "ID": "response_id"}},
    ...               {"responses": {"Q9": "ltr"}, "accounts": {"Acct": "account_id"}})
    {'responses': {'ID': 'response_id', 'Q9': 'ltr'}, 'accounts': {'Acct': 'account_id'}}
    """
    out: dict[str, dict[str, str]] = {}
    for level in levels:
        for table, mapping in (level or {}).items():
            merged = dict(out.get(table, {}))
            if not isinstance(mapping, Mapping):  # the parameter checks say what is wrong
                out[table] = mapping
                continue
            for source, target in mapping.items():
                source = unicodedata.normalize("NFC", str(source).strip())  # as headers are
                merged = {s: t for s, t in merged.items() if t != target or s == source}
                merged[source] = target
            out[table] = merged
    return out


__all__ = ["DESCRIPTION", "CONTRADICTIONS", "CODE_LIKE", "Scale", "DEFAULT_SCALE", "TableSource", "DataFolder",
           "describe", "merge_columns"]
