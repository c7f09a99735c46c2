"""Health-index KPIs computed from raw exports, by SQL in DuckDB.

Each KPI's definition is one SELECT in ``params/chi_kpis.yaml`` that returns
``account_id``, ``period`` and ``value``. The data folder's files (CSV, CSV.GZ, Parquet)
are read in place by DuckDB (embedded, no server), so a user points cxkit at their own
CRM, ERP, support, product and marketing exports and edits the SQL, not the files.

Macros available in a definition:

- ``cx_period(date)``: the period label of a date or timestamp (``2024Q1``, ``2024-03``
  or ``2024``, by the file's ``period``);
- ``cx_month_period('2024-03')``: the period label of a month label;
- ``cx_previous_period(label)``: the label of the period before.

Examples
--------
>>> from cxkit.chi import derive_kpis, load_definitions
>>> kpis = derive_kpis("data/sample", load_definitions(), kpis=["web_visits"])
>>> list(kpis.columns)
['account_id', 'period', 'kpi', 'value']
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from pydantic import field_validator, model_validator

from ..errors import DataError, ParameterError
from ..yamlfile import read_yaml_mapping
from ..paths import resolve
from ..settings import Settings, dotted

_PERIOD_SQL = {
    # string building per row is the cost of a KPI query: avoid strftime where we can
    "Q": ("CAST(year(d) AS VARCHAR) || 'Q' || CAST(quarter(d) AS VARCHAR)",
          "make_date(CAST(substr(p, 1, 4) AS INTEGER), "
          "(CAST(substr(p, 6, 1) AS INTEGER) - 1) * 3 + 1, 1)"),
    "M": ("CAST(year(d) AS VARCHAR) || '-' || lpad(CAST(month(d) AS VARCHAR), 2, '0')",
          "CAST(strptime(p || '-01', '%Y-%m-%d') AS DATE)"),
    "Y": ("CAST(year(d) AS VARCHAR)", "make_date(CAST(p AS INTEGER), 1, 1)"),
}
_READERS = {".csv": "read_csv", ".gz": "read_csv", ".parquet": "read_parquet"}


class KpiDefinitions(Settings):
    """``params/chi_kpis.yaml``: the period of the labels and one SELECT per KPI."""

    period: str = "Q"
    kpis: dict[str, str | None]

    @field_validator("period")
    @classmethod
    def _period(cls, value):
        if value not in _PERIOD_SQL:
            raise ValueError(f"must be Q, M or Y, got {value!r}")
        return value

    @model_validator(mode="after")
    def _sql(self):
        if not self.kpis:
            raise ValueError("no KPI definitions under `kpis`")
        bad = [k for k, v in self.kpis.items() if not (v or "").strip()]
        if bad:
            raise ValueError(f"KPI '{bad[0]}' has no SQL")
        return self

    @classmethod
    def locate(cls, steps, raw, source):
        return source, dotted(steps)  # "k.yaml: period must be Q, M or Y"


def load_definitions(path: str | os.PathLike = "params/chi_kpis.yaml") -> dict:
    """Read KPI definitions: ``{"period": "Q", "kpis": {name: sql}, "source": path}``.

    Raises
    ------
    ParameterError
        Naming the file and the KPI (:class:`KpiDefinitions` declares the file).
    """
    raw = read_yaml_mapping(resolve(path), "KPI definitions", str(path),
                            "a mapping with period and kpis")
    return {**KpiDefinitions.parse(raw, str(path)).model_dump(), "source": str(path)}


def _connect(folder: Path, period: str, sql_texts):
    """A DuckDB connection with the period macros and each referenced file as a table.

    A file is read once, into a table, if a definition names it; others are not read.
    """
    import re

    import duckdb

    con = duckdb.connect()
    label, start = _PERIOD_SQL[period]
    con.execute(f"CREATE MACRO cx_period(d) AS {label}")
    con.execute(f"CREATE MACRO cx_period_start(p) AS {start}")
    con.execute("CREATE MACRO cx_month_period(m) AS "
                "cx_period(CAST(strptime(m || '-01', '%Y-%m-%d') AS DATE))")
    con.execute("CREATE MACRO cx_previous_period(p) AS "
                "cx_period(cx_period_start(p) - INTERVAL 1 DAY)")
    for path in sorted(folder.iterdir()):
        name = path.name.split(".")[0]
        reader = _READERS.get(path.suffix)
        if reader is None or (path.suffix == ".gz" and not path.name.endswith(".csv.gz")):
            continue
        if not any(re.search(rf"\b{re.escape(name)}\b", sql) for sql in sql_texts):
            continue
        literal = str(path).replace("'", "''")
        try:
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM {reader}(\'{literal}\')')
        except duckdb.Error as exc:
            con.close()
            raise DataError(f"{path}: cannot be read by DuckDB: "
                            f"{str(exc).strip().splitlines()[0]}") from None
    return con


def derive_kpis(data_dir: str | os.PathLike, definitions: dict, kpis=None,
                progress: bool = False) -> pd.DataFrame:
    """Compute KPIs from the raw files of a data folder.

    Parameters
    ----------
    data_dir : path
        Folder with the raw exports (relative to the project root or absolute).
    definitions : dict
        From :func:`load_definitions`.
    kpis : list of str, optional
        Which KPIs to compute; default all defined.
    progress : bool
        Show a progress bar over the KPIs.

    Returns
    -------
    DataFrame
        Long: ``account_id``, ``period``, ``kpi``, ``value`` (float), ordered by KPI (as
        defined), account and period; an account and period with nothing to compute a KPI
        from has no row for it.

    Raises
    ------
    ParameterError
        Naming the KPI whose SQL failed or returned the wrong columns, with DuckDB's message.
    """
    import duckdb
    from tqdm.auto import tqdm

    folder = resolve(data_dir)
    if not folder.is_dir():
        raise DataError(f"{data_dir}: data folder not found")
    wanted = list(definitions["kpis"]) if kpis is None else list(kpis)
    unknown = [k for k in wanted if k not in definitions["kpis"]]
    if unknown:
        raise ParameterError(f"{definitions.get('source', 'definitions')}: no definition for "
                             f"KPI(s) {', '.join(map(repr, unknown))}")
    con = _connect(folder, definitions["period"], [definitions["kpis"][k] for k in wanted])
    parts = []
    try:
        for name in tqdm(wanted, desc="KPIs", unit="kpi", disable=not progress):
            sql = definitions["kpis"][name]
            try:
                rel = con.sql(sql)
                cols = [c.lower() for c in rel.columns]
                if cols[:3] != ["account_id", "period", "value"] or len(cols) != 3:
                    raise ParameterError(f"{definitions.get('source', 'definitions')}, KPI "
                                         f"'{name}': the query must return account_id, period, "
                                         f"value (it returns {', '.join(rel.columns)})")
                # ordered in DuckDB (parallel, cheap), so the result is deterministic
                df = con.sql(f"SELECT * FROM ({sql}) AS q ORDER BY 1, 2").df()
            except duckdb.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise ParameterError(f"{definitions.get('source', 'definitions')}, KPI "
                                     f"'{name}': {type(exc).__name__}: {first}") from None
            df.columns = ["account_id", "period", "value"]
            df["kpi"] = name
            parts.append(df)
    finally:
        con.close()
    out = pd.concat(parts, ignore_index=True)[["account_id", "period", "kpi", "value"]]
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    out["account_id"] = out["account_id"].astype(str)
    out["period"] = out["period"].astype(str)
    return out.dropna(subset=["value"]).reset_index(drop=True)
