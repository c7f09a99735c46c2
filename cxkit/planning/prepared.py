"""One account's plan, from the portfolio a batch fitted once or fitted here.

The ``key_account_plan`` notebook calls :func:`account_plan`. On its own (JupyterLab,
plain papermill, ``cxkit run``) that loads the tables and fits the whole portfolio's
:class:`~cxkit.planning.KeyAccountPlanner`, as ``AccountPlan(...).fit(tables)`` does.
Under ``cxkit batch`` the batch has already fitted the portfolio once
(:func:`prepare_batch`) and stored each account's slice (:meth:`KeyAccountPlanner.slices`)
under a key of the data files' content and the settings (:mod:`cxkit.prepared`); the run
computes the same key from its own parameters and files and reads its slice, a few
kilobytes whatever the portfolio's size. A slice under another key is never read.
"""
from __future__ import annotations

import os
from typing import Any, Iterable, Mapping

from .. import prepared
from ..reports import REPORTS
from .plan import AccountPlan, KeyAccountPlanner

#: the tables a planner reads: required, then those used when present
TABLES = list(REPORTS["key_account_plan"].needs)
OPTIONAL = list(REPORTS["key_account_plan"].uses)
#: the notebook parameters the portfolio depends on (all but account_id and currency)
SETTINGS = ("data_dir", "columns", "date_format", "contradictions", "config", "plan_date", "model",
            "period")


def portfolio_key(data_dir: str | os.PathLike = "data/sample", *,
                  columns: Mapping | None = None, date_format: str = "",
                  contradictions: str = "", config: Any = "params/planning.yaml",
                  plan_date: str = "", model: str = "params/chi_model.yaml", period: str = "",
                  trend_threshold: float = 2.0, known: Mapping | None = None) -> str | None:
    """The content key of a fitted portfolio: the tables' and settings files' bytes, the
    settings, cxkit's version (:func:`cxkit.prepared.content_key`).

    ``known``: digests the batch took of the same files (:func:`cxkit.prepared.digests`).

    Returns
    -------
    str or None
        None when a table's file cannot be found (the fit then says why).
    """
    found = _inputs(data_dir, columns=columns, date_format=date_format,
                    contradictions=contradictions, config=config, plan_date=plan_date,
                    model=model, period=period, trend_threshold=trend_threshold)
    return None if found is None else prepared.content_key(*found, known=known)


def _inputs(data_dir, *, columns=None, date_format="", contradictions="",
            config="params/planning.yaml", plan_date="", model="params/chi_model.yaml",
            period="", trend_threshold=2.0) -> tuple[dict, dict] | None:
    """The settings and the files a portfolio's fit depends on (None: a file is missing)."""
    from ..errors import CxkitError
    from ..io import find_table
    from ..io.tables import TableMissing
    from ..paths import resolve

    files: dict[str, Any] = {}
    for name in TABLES + OPTIONAL:
        try:
            files[name] = find_table(data_dir, name)
        except TableMissing:
            if name in TABLES:
                return None
            files[name] = None
        except CxkitError:
            return None
    from ..io.folder import DESCRIPTION  # how the files are read is part of the key
    described = resolve(data_dir) / DESCRIPTION
    files[DESCRIPTION] = described if described.is_file() else None
    settings: dict[str, Any] = {"data_dir": str(resolve(data_dir)), "columns": columns or {},
                                "date_format": date_format or "",
                                "contradictions": contradictions or "", "plan_date": plan_date,
                                "period": period, "trend_threshold": trend_threshold}
    for name, value in (("config", config), ("model", model)):
        path = resolve(value) if isinstance(value, str) and value else None
        if path is not None and path.is_file():
            files[name] = path
            settings[name] = str(path)
        elif isinstance(value, str) and value:
            return None  # a named file that is not there: the fit says so
        else:
            settings[name] = value if not hasattr(value, "__dict__") else repr(value)
    return settings, files


def _fit(data_dir, columns, date_format, settings, contradictions="") -> KeyAccountPlanner:
    from .. import io

    tables = io.load(data_dir, columns=columns or {}, date_format=date_format or None,
                     tables=TABLES, optional=OPTIONAL, contradictions=contradictions or None)
    return KeyAccountPlanner(**settings).fit(tables)


def account_plan(data_dir: str | os.PathLike = "data/sample", *, account_id: str = "",
                 columns: Mapping | None = None, date_format: str = "",
                 contradictions: str = "", config: Any = "params/planning.yaml",
                 plan_date: str = "", model: str = "params/chi_model.yaml", period: str = "",
                 trend_threshold: float = 2.0, currency: str = "") -> AccountPlan:
    """The fitted :class:`AccountPlan` of one account.

    From the slice a batch prepared, when this run is part of one and its key (the data
    files' content and these settings) matches; otherwise the tables are loaded and the
    portfolio fitted here, exactly as ``AccountPlan(...).fit(io.load(...))``. Either way
    the plan is the same (tested).

    Parameters
    ----------
    data_dir, columns, date_format, contradictions
        As for :func:`cxkit.io.load`.
    account_id, config, plan_date, model, period, trend_threshold, currency
        As for :class:`AccountPlan`.

    Returns
    -------
    AccountPlan

    Examples
    --------
    >>> plan = account_plan("data/sample", account_id="A00001")
    >>> plan.header()["segment"]
    'growth'
    """
    settings = dict(config=config, plan_date=plan_date, model=model, period=period,
                    trend_threshold=trend_threshold)
    if account_id and os.environ.get(prepared.ENV_VAR):
        key = portfolio_key(data_dir, columns=columns, date_format=date_format,
                            contradictions=contradictions, **settings,
                            known=prepared.known_digests())
        part = prepared.fetch(key, account_id)
        if part is not None:
            return AccountPlan.from_planner(part, account_id, currency)
    planner = _fit(data_dir, columns, date_format, settings, contradictions)
    return AccountPlan.from_planner(planner, account_id, currency)


def prepare_batch(folder: str | os.PathLike, values: Mapping[str, Any],
                  accounts: Iterable[str]) -> int:
    """Fit the portfolio once for a batch and store each account's slice in ``folder``.

    Parameters
    ----------
    folder : path
        The batch's private folder (:func:`cxkit.prepared.private_folder`).
    values : mapping
        The notebook's parameter values (its defaults, then the params file, then
        ``-p``): ``data_dir``, ``columns``, ``date_format``, ``contradictions``, ``config``,
        ``plan_date``,
        ``model``, ``period``.
    accounts : iterable of str
        The batch's accounts; those that are not customers on the plan date get no slice
        (their run fits, and says why it cannot plan them).

    Returns
    -------
    int
        Slices stored.

    Raises
    ------
    CxkitError
        What the fit raises (a data or configuration error every run would meet).
    """
    v = {k: values.get(k) for k in SETTINGS}
    settings = {k: v[k] for k in ("config", "plan_date", "model", "period") if v[k] is not None}
    found = _inputs(v["data_dir"] or "data/sample", columns=v["columns"],
                    date_format=v["date_format"] or "",
                    contradictions=v["contradictions"] or "", **settings)
    if found is None:
        return 0
    # hashed before the fit reads them: a file changed meanwhile gives the runs another key
    known = prepared.record_digests(folder, [p for p in found[1].values() if p is not None])
    key = prepared.content_key(*found, known=known)
    planner = _fit(v["data_dir"] or "data/sample", v["columns"], v["date_format"], settings,
                   v["contradictions"] or "")
    return prepared.store(folder, key, planner.slices(accounts))


__all__ = ["account_plan", "portfolio_key", "prepare_batch"]
