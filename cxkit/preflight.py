"""Check a run's parameters against the data before any kernel starts.

A misspelt value used to surface only inside the notebook, seconds after its kernel
started, in words that named neither the parameter nor where it was set ("measure
mapping names drivers not in the responses"). :func:`check` finds what can be found
from the parameters and the tables' headers alone, every problem at once, each line
naming where the value came from (the parameters file, ``-p``, or the notebook), the
parameter, what is wrong and, where a close spelling exists, "did you mean".

``cxkit run`` and ``cxkit batch`` call it before starting a kernel; a notebook's
``params.check`` calls it too, so JupyterLab and plain papermill get the same messages.
A parameter means the same thing in every notebook that declares it (``period``,
``data_dir``, ``columns``), so the checks are keyed by the parameter's name.

Only headers and, for ``account_id``, ``segment`` and ``account_manager``, the accounts
table are read; the full validation of every row stays with :func:`cxkit.io.load`.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .errors import CxkitError, ParameterError, listing
from .paths import from_root, project_root, resolve

#: parameters that name a file of the project (when their value is text)
FILE_PARAMETERS = ("config", "model", "definitions", "chi_model")


def _choices(name: str) -> tuple[str, ...] | None:
    """The values a parameter may take, from the module that uses it (imported lazily)."""
    if name == "period":
        from .periods import FREQS
        return tuple(FREQS)
    if name == "method":
        from .drivers.importance import METHODS
        return tuple(METHODS)
    if name == "missing":
        from .drivers.prepare import MISSING
        return MISSING
    if name == "scheme":
        from .nps import SCHEMES
        return SCHEMES
    if name == "revenue_predictor":
        from .drivers.revenue import PREDICTORS
        return PREDICTORS
    if name == "contradictions":
        from .io.folder import CONTRADICTIONS
        return CONTRADICTIONS
    if name == "best_combine":
        from .prospects import COMBINE
        return COMBINE
    return None


#: choices whose empty value means "from the data" (the labels, the data folder's rule)
MAY_BE_EMPTY = ("period", "contradictions")
CHOICE_PARAMETERS = ("period", "method", "missing", "scheme", "revenue_predictor",
                     "contradictions", "best_combine")


def closest(value: str, options: Iterable[str]) -> str | None:
    """The option closest to ``value`` in spelling, or in case and spacing; else None.

    >>> closest("shapely", ["shapley", "relative_weights"]), closest("Q1_LTR", ["Q1 LTR"])
    ('shapley', 'Q1 LTR')
    >>> closest("xyz", ["shapley"]) is None
    True
    """
    options = [str(o) for o in options]
    close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
    if close:
        return close[0]
    folded = {re.sub(r"[\W_]+", "", o).casefold(): o for o in options}
    return folded.get(re.sub(r"[\W_]+", "", str(value)).casefold())


def did_you_mean(value: str, options: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the :func:`closest` option, or ``""``.

    >>> did_you_mean("shapely", ["shapley", "relative_weights"])
    "; did you mean 'shapley'?"
    >>> did_you_mean("xyz", ["shapley"])
    ''
    """
    near = closest(value, options)
    return f"; did you mean '{near}'?" if near is not None else ""


class _Data:
    """What the checks read of the data folder, each read once and only if needed."""

    def __init__(self, folder: Path, columns: Mapping[str, Mapping[str, str]]):
        from .io.folder import describe, merge_columns
        self.folder = folder
        self.described = describe(folder)
        self.given = merge_columns(columns)  # the parameter's own mappings
        self.columns = merge_columns(self.described.columns(), columns)
        self._files: dict[str, Path | None] = {}
        self._headers: dict[str, list[str] | None] = {}
        self._accounts = None

    def file(self, table: str) -> Path | None:
        if table not in self._files:
            from .io import find_table
            try:
                self._files[table] = find_table(self.folder, table,
                                                self.described.table(table).file)
            except CxkitError:  # missing or broken: io.load says so, with every detail
                self._files[table] = None
        return self._files[table]

    def shown(self, table: str) -> str:
        path = self.file(table)
        return from_root(path) if path else table

    def raw_header(self, table: str) -> list[str] | None:
        """The column names as the file has them (None if the table is not there)."""
        if table not in self._headers:
            from .io.tables import read_header
            path = self.file(table)
            try:
                self._headers[table] = read_header(path) if path else None
            except (CxkitError, OSError, ValueError):
                self._headers[table] = None
        return self._headers[table]

    def header(self, table: str) -> list[str] | None:
        """The column names after the ``columns`` mapping."""
        raw = self.raw_header(table)
        if raw is None:
            return None
        mapping = self.columns.get(table) or {}
        return [mapping.get(c, c) if isinstance(mapping, Mapping) else c for c in raw]

    def accounts(self):
        if self._accounts is None:
            from .io import read_raw
            path = self.file("accounts")
            try:
                raw = read_raw(path) if path else None
            except (CxkitError, OSError, ValueError):
                raw = None
            if raw is not None:  # read_raw strips the column names
                mapping = self.columns.get("accounts") or {}
                raw = raw.rename(columns=dict(mapping)) if isinstance(mapping, Mapping) else raw
            self._accounts = raw
        return self._accounts


def problems(values: Mapping[str, Any], sources: Mapping[str, str] | None = None,
             root: Path | None = None, report: str = "") -> list[str]:
    """Every problem :func:`check` finds, one sentence each (see the module docstring).

    Parameters
    ----------
    values : mapping
        The run's parameter values (defaults, file and overrides merged).
    sources : mapping, optional
        Where each value was set, e.g. ``{"method": "params/driver_analysis.yaml"}`` or
        ``"command line"``;
        a parameter missing here is shown without a place.
    root : path, optional
        Project root; default :func:`cxkit.paths.project_root`.
    report : str, optional
        The notebook run: a table it needs (:data:`cxkit.reports.REPORTS`) that the data
        folder does not have is a problem too.

    Returns
    -------
    list of str

    Examples
    --------
    >>> problems({"method": "shapely", "period": "Q"}, {"method": "command line"})
    ["command line: parameter 'method' is 'shapely'; did you mean 'shapley'? (one of shapley, lmg, dominance, relative_weights, johnson)"]
    """
    root = root or project_root()
    sources = sources or {}
    out: list[str] = []

    def say(name: str, text: str) -> None:
        # one problem, one line: a line break in it is the value's, and is shown as \n
        text = text.replace("\r", "\\r").replace("\n", "\\n")
        where = sources.get(name)
        out.append(f"{where}: parameter '{name}' {text}" if where else f"parameter '{name}' {text}")

    for name in CHOICE_PARAMETERS:
        value = values.get(name)
        options = _choices(name) if isinstance(value, str) else None
        if options and value not in options and not (name in MAY_BE_EMPTY and value == ""):
            say(name, f"is '{value}'{did_you_mean(value, options)} (one of {', '.join(options)})")
    from .settings import out_of_bounds
    for name, value in values.items():
        why = out_of_bounds(name, value)
        if why:
            say(name, why)
    if isinstance(values.get("date_format"), str) and values["date_format"]:
        from .io.dates import check_format
        try:
            check_format(values["date_format"])
        except ParameterError as exc:
            say("date_format", "must " + str(exc).split(" must ", 1)[-1])
    for name in FILE_PARAMETERS:
        value = values.get(name)
        if isinstance(value, str) and value:
            path = resolve(value, root)
            if not path.is_file():
                say(name, f"names {value}, which is not a file{_near_file(value, path)}")
    plan_date = values.get("plan_date")
    if isinstance(plan_date, str) and plan_date:
        import datetime as _dt
        try:
            _dt.date.fromisoformat(plan_date)
        except ValueError:
            say("plan_date", f"is '{plan_date}', not a date written YYYY-MM-DD")
    shown, comparison = values.get("report_period"), values.get("comparison_period")
    if isinstance(shown, str) and isinstance(comparison, str) and shown and comparison:
        import pandas as pd
        try:
            r, c = pd.Period(shown), pd.Period(comparison)
        except (ValueError, TypeError):
            pass  # the pack names the one it cannot read, with the data's periods
        else:
            if c.end_time >= r.start_time:
                say("comparison_period", f"is '{comparison}', which does not end before the "
                                         f"report period '{shown}' begins; compare with a "
                                         "period before it, e.g. the year before")
    best = values.get("best")
    if isinstance(best, Mapping) and best:
        from .prospects import CRITERIA
        for k, v in best.items():
            if k not in CRITERIA:
                say("best", f"names criterion '{k}'{did_you_mean(k, CRITERIA)} "
                            f"(criteria: {', '.join(CRITERIA)})")
            elif str(v) not in CRITERIA[k]:
                say("best", f"sets {k} to '{v}'{did_you_mean(v, CRITERIA[k])} "
                            f"(one of {', '.join(CRITERIA[k])})")
    data = _data_checks(values, root, say)
    if data is not None:
        if report:
            _report_checks(report, values, data, out)
        _driver_checks(values, data, say)
        _account_checks(values, data, say)
        _lens_checks(values, data, say, root)
    return out


def _lens_checks(values, data: _Data, say: Callable, root: Path) -> None:
    """The planning configuration's lens questions against the responses' columns."""
    config = values.get("config")
    header = data.header("responses")
    if not isinstance(config, str) or not config or header is None:
        return
    path = resolve(config, root)
    if not path.is_file():
        return  # said above
    from .planning.config import load_config
    try:
        cfg = load_config(path)
    except CxkitError:
        return  # the notebook says what is wrong with the file, with every detail
    ratings = _ratings(header)
    mapped = " after the column mapping" if data.columns.get("responses") else ""
    for i, lens in enumerate(cfg.lenses):
        for side in ("value", "obstacle"):
            q = getattr(lens, side)
            if q not in header:
                say("config", f"names {config}, whose lens {lens.name!r} (lenses[{i}].{side}) "
                              f"reads question '{q}', which {data.shown('responses')} does "
                              f"not have{mapped}{did_you_mean(q, ratings)}; write lenses of "
                              "this survey's questions in a planning file of your own")


def _report_checks(report: str, values, data: _Data, out: list[str]) -> None:
    """The tables the report cannot run without, in one line."""
    from .reports import REPORTS
    if report not in REPORTS:
        return
    missing = [t for t in REPORTS[report].needs if data.file(t) is None]
    if missing:
        from .io.tables import TableMissing, find_table
        reasons = []
        for t in missing:
            try:
                find_table(data.folder, t, data.described.table(t).file)
            except TableMissing:
                continue
            except CxkitError as exc:  # there, but not readable as a table
                reasons.append(str(exc))
        tables = " and ".join(f"'{t}'" for t in missing)
        out.append(f"{report} cannot run on {values.get('data_dir')}: it needs the "
                   f"table{'s' if len(missing) > 1 else ''} {tables}, which the folder does "
                   f"not have" + (f" ({'; '.join(reasons)})" if reasons else "")
                   + "; `cxkit validate` says which reports the folder can run")


def _near_file(value: str, path: Path) -> str:
    """"; did you mean 'params/chi_model.yaml'?" for a file of the same folder, written as
    the user wrote the folder."""
    folder = path.parent
    if not folder.is_dir():
        return f" (no folder {folder})"
    names = [p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    near = closest(path.name, names)
    return f"; did you mean '{Path(value).parent / near}'?" if near is not None else ""


def _data_checks(values, root, say: Callable) -> _Data | None:
    from .io import TABLES
    data_dir = values.get("data_dir")
    columns = values.get("columns") or {}
    if not isinstance(columns, Mapping):
        columns = {}
    for table, mapping in columns.items():
        if table not in TABLES:
            say("columns", f"names table '{table}'{did_you_mean(table, TABLES)} "
                           f"(tables: {', '.join(TABLES)})")
        elif not isinstance(mapping, Mapping):
            say("columns", f"maps {table} to {mapping!r}; give the renames of its columns, "
                           f"e.g. {{{table}: {{Your Column: cxkit_column}}}}")
    if not isinstance(data_dir, str):
        return None
    folder = resolve(data_dir or ".", root)
    if not folder.is_dir():
        parent = folder.parent
        near = ""
        if parent.is_dir():
            guess = closest(folder.name, [p.name for p in parent.iterdir() if p.is_dir()])
            if guess is not None:  # written as the user wrote the folder
                near = f"; did you mean '{Path(data_dir).parent / guess}'?"
        say("data_dir", f"names {data_dir}, which is not a folder{near}")
        return None
    data = _Data(folder, {t: m for t, m in columns.items() if t in TABLES})
    for table, mapping in data.given.items():
        if not isinstance(mapping, Mapping):
            continue
        raw = data.raw_header(table)
        if raw is None:
            continue
        absent = [c for c in mapping if c not in raw]
        for c in absent:
            say("columns", f"renames '{c}' of {table}, which {data.shown(table)} does not "
                           f"have{did_you_mean(c, raw)} (it has: {listing(raw)})")
    return data


def _driver_checks(values, data: _Data, say: Callable) -> None:
    """outcome, drivers, weights and measures against the responses' columns."""
    names = ("outcome", "drivers", "weights", "measures", "role_weights")
    if not any(n in values for n in names):
        return
    header = data.header("responses")
    if header is None:
        return
    from .io.schemas import ROLES
    ratings = _ratings(header)
    shown = data.shown("responses")
    mapped = " after the column mapping" if data.columns.get("responses") else ""

    def not_there(name, what, value, options, kind):
        say(name, f"names {what} '{value}', which {shown} does not have{mapped}"
                  f"{did_you_mean(value, options)} ({kind}: {listing(options) or 'none'})")

    outcome = values.get("outcome")
    if isinstance(outcome, str) and outcome and outcome not in header:
        not_there("outcome", "column", outcome, header, "its columns")
    for d in values.get("drivers") or []:
        if isinstance(d, str) and d not in ratings:
            not_there("drivers", "driver", d, ratings, "rating columns")
    weights = values.get("weights")
    if isinstance(weights, str) and weights and weights not in header:
        not_there("weights", "column", weights, header, "its columns")
    measures = values.get("measures")
    if isinstance(measures, Mapping):
        for d in measures:
            if d not in ratings:
                not_there("measures", "driver", d, ratings, "rating columns")
        ops = data.header("operations")
        if ops is not None:
            known = [c for c in ops if c not in ("account_id", "period")]
            wanted = sorted({m for ms in measures.values() if isinstance(ms, list) for m in ms
                             if isinstance(m, str)})
            for m in wanted:
                if m not in ops:
                    say("measures", f"names measure '{m}', which {data.shown('operations')} "
                                    f"does not have{did_you_mean(m, known)} "
                                    f"(measures: {listing(known)})")
    role_weights = values.get("role_weights")
    if isinstance(role_weights, Mapping):
        for r in role_weights:
            if r not in ROLES:
                say("role_weights", f"names role '{r}'{did_you_mean(r, ROLES)} "
                                    f"(roles: {', '.join(ROLES)})")


def _ratings(header: list[str]) -> list[str]:
    """The columns of a responses header beyond the data model's: the ratings."""
    from .io import TABLES
    return TABLES["responses"].extra_columns(header)


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _account_checks(values, data: _Data, say: Callable) -> None:
    """account_id, segment, account_manager and lens_group against the accounts table."""
    wanted = {n: values.get(n) for n in ("account_id", "segment", "account_manager")
              if isinstance(values.get(n), str) and values.get(n)}
    group = values.get("lens_group")
    if not wanted and not (isinstance(group, str) and group):
        return
    if isinstance(group, str) and group:
        header = data.header("accounts")
        if header is not None and group not in header:
            say("lens_group", f"names column '{group}', which {data.shown('accounts')} does "
                              f"not have{did_you_mean(group, header)}")
    accounts = data.accounts()
    if accounts is None:
        return
    for name, value in wanted.items():
        if name not in accounts.columns:
            continue
        known = accounts[name].dropna().astype(str).str.strip().unique()
        if value not in set(known):
            options = sorted(known)
            shown = f" ({name.replace('_', ' ')}s: {listing(options)})" \
                if len(options) <= 40 else ""
            say(name, f"is '{value}', not {_a(name.replace('_', ' '))} in "
                      f"{data.shown('accounts')}{did_you_mean(value, options)}{shown}")


def check_data(values: Mapping[str, Any], sources: Mapping[str, str] | None = None,
               root: Path | None = None, report: str = "") -> None:
    """Load the tables ``report`` reads, as its notebook will, before any kernel starts.

    Every row is validated and the tables are checked against each other
    (:mod:`cxkit.io.contradictions`: with the data folder's rule ``error``, a
    contradiction stops the run here, one line each), and a declared ``period`` against
    the tables' period labels (:func:`cxkit.io.datamodel.reporting_period`).

    Raises
    ------
    DataError, ParameterError
        One line per problem.
    """
    from .reports import REPORTS
    data_dir = values.get("data_dir")
    if report not in REPORTS or not isinstance(data_dir, str):
        return
    from .io import load
    from .io.datamodel import reporting_period
    from .reports import tables_of
    columns = values.get("columns") if isinstance(values.get("columns"), Mapping) else None
    tables = load(resolve(data_dir or ".", root or project_root()), columns=columns,
                  date_format=values.get("date_format") or None,
                  contradictions=values.get("contradictions") or None, **tables_of(report))
    period = values.get("period")
    if isinstance(period, str):
        try:
            reporting_period(tables, period)
        except ParameterError as exc:
            where = (sources or {}).get("period")
            raise ParameterError(f"{where}: {exc}" if where else str(exc)) from None


def check(values: Mapping[str, Any], sources: Mapping[str, str] | None = None,
          root: Path | None = None, report: str = "") -> None:
    """Raise one :class:`~cxkit.errors.ParameterError` listing every problem found.

    Raises
    ------
    ParameterError
        One line per problem (see :func:`problems`).
    """
    found = problems(values, sources, root, report)
    if found:
        raise ParameterError("\n".join(found))
