"""Run one report per account, in parallel: ``cxkit batch``.

A notebook that takes an ``account_id`` parameter (``key_account_plan``) is run once
per account by papermill, in worker processes of their own: each run has its own
kernel, its own sockets (see :func:`cxkit.runner.kernel_manager_class`) and its own
output names, so parallel runs never collide. With ``scheduler`` the same runs go to
a dask.distributed cluster instead (``pip install "cxkit[dask]"``); its workers need
cxkit installed and the project folder at the same path.

Each account's report lands in the output folder (default ``reports/<notebook>/``)
as ``<account>.html``, ``.ipynb``, ``.json`` and whatever else the notebook writes
(``.xlsx``). A failing account does not stop the others: its executed notebook is
kept as ``<account>.failed.ipynb`` and its one-line error goes into the summary.
``batch.json`` in the same folder lists every account with its status, seconds,
files and error.

Stopping a batch (Ctrl-C, or SIGTERM to ``cxkit batch``) starts no queued account, ends
the running kernels, removes their temporary files and writes ``batch.json`` with the
accounts done, failed and not run (``"status": "interrupted"``; ``"running"`` while it
runs, so a batch killed outright leaves no earlier batch's file); ``--resume`` then runs
only the accounts not done, in the same folder, and refuses where the data, the settings
or cxkit's version changed since (``batch.json`` records what the reports were made
from, :func:`batch_key`). A lock file (``.cxkit-batch.lock``)
keeps two batches from writing into one folder at once.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import signal
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from .errors import CxkitError, KernelDied, ParameterError, listing
from .params import declared_defaults, notebook_parameters
from .paths import (HOST, MAX_STEM, alive, atomic_write_text, clean_stale_temporaries, digest,
                    file_stem, project_root, resolve)
from .runner import default_out_dir, find_notebook, run_parameters

ACCOUNT_PARAMETER = "account_id"
LOCK = ".cxkit-batch.lock"
#: notebooks whose portfolio-wide work a batch does once, and the function that does it:
#: ``prepare(folder, values, accounts) -> slices stored`` (see :mod:`cxkit.prepared`)
PREPARERS = {"key_account_plan": "cxkit.planning.prepared:prepare_batch"}


@dataclass
class BatchResult:
    """What a batch run did.

    Attributes
    ----------
    notebook : str
        The notebook's name.
    out_dir : Path
        Where the reports are.
    runs : list of dict
        One per account, in the order asked: ``account``, ``ok``, ``seconds``,
        ``files`` (paths written) and ``error`` (one line, or ``None``).
    seconds : float
        Wall time of the batch.
    workers : int or str
        Local worker processes, or the scheduler's address.
    not_run : list of str
        Accounts a stopped batch did not run (empty when it ran to the end).
    interrupted : bool
        Whether the batch was stopped (Ctrl-C, SIGTERM) before every account ran.
    running : bool
        Whether it is still under way: the ``batch.json`` written when a batch starts
        says ``"status": "running"``, so one that is killed outright (SIGKILL, power)
        never leaves an earlier batch's file behind.
    prepared : dict
        The portfolio-wide work done once for every run (:data:`PREPARERS`):
        ``accounts`` (slices stored), ``used`` (runs that read theirs) and ``seconds``;
        empty for a notebook without it.
    error : str or None
        Why the batch could not run at all (the portfolio-wide work failed, the scheduler
        could not be reached); ``batch.json`` then says ``"status": "failed"``.
    key : dict
        What the reports were made from (:func:`batch_key`): the data files' and the
        settings' content and cxkit's version; ``--resume`` refuses another.
    """

    notebook: str
    out_dir: Path
    runs: list = field(default_factory=list)
    seconds: float = 0.0
    workers: Any = 1
    not_run: list = field(default_factory=list)
    interrupted: bool = False
    running: bool = False
    prepared: dict = field(default_factory=dict)
    error: str | None = None
    key: dict = field(default_factory=dict)

    @property
    def failed(self) -> dict[str, str]:
        """Failed accounts and their one-line errors."""
        return {r["account"]: r["error"] for r in self.runs if not r["ok"]}

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted

    def summary(self) -> str:
        """A few lines for the terminal: counts, time, folder, each failed account."""
        bad = self.failed
        n = len(self.runs) + len(self.not_run)
        where = (f"{self.workers} worker{'s' if self.workers != 1 else ''}"
                 if isinstance(self.workers, int)
                 else f"scheduler {self.workers}")
        lines = [f"{self.notebook}: {len(self.runs) - len(bad)} of {n} reports written to "
                 f"{self.out_dir} in {self.seconds:.1f} s ({where})"]
        if self.interrupted:
            lines[0] = "interrupted: " + lines[0]
            lines.append(f"{len(self.not_run)} not run; `cxkit batch ... --resume` with the "
                         "same options runs the accounts not done")
        if bad:
            lines.append(f"{len(bad)} failed:")
            lines += [f"  {account}: {error}" for account, error in bad.items()]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"notebook": self.notebook, "out_dir": str(self.out_dir),
                "status": ("running" if self.running else "failed" if self.error else
                           "interrupted" if self.interrupted else "complete"),
                "seconds": round(self.seconds, 3), "workers": self.workers,
                "n_reports": len(self.runs), "n_failed": len(self.failed),
                "n_not_run": len(self.not_run), "prepared": self.prepared, "error": self.error,
                "key": self.key, "runs": self.runs, "not_run": self.not_run}


class BatchInterrupted(KeyboardInterrupt):
    """A batch stopped before every account ran; ``result`` says what was done.

    Its ``batch.json`` is written (``"status": "interrupted"``) before this is raised.
    """

    def __init__(self, result: BatchResult):
        super().__init__(result.summary())
        self.result = result


@contextmanager
def folder_lock(out: Path):
    """Hold ``out/.cxkit-batch.lock`` while a batch writes there; refuse a second batch.

    A lock left by a batch of this machine whose process no longer exists (killed) is
    taken over; one of a running batch, or of another machine, is not.

    Raises
    ------
    CxkitError
        If another batch holds the folder.
    """
    path = out / LOCK
    mine = json.dumps({"host": HOST, "pid": os.getpid(),
                       "started": _dt.datetime.now().isoformat(timespec="seconds")})
    for attempt in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                other = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                other = {}
            pid = other.get("pid")
            if attempt == 0 and other.get("host") == HOST and isinstance(pid, int) \
                    and not alive(pid):
                path.unlink(missing_ok=True)  # left by a batch that was killed
                continue
            raise CxkitError(f"{out}: another batch is writing here (process {pid or '?'}"
                             f"{'' if other.get('host') == HOST else ' of another machine'}, "
                             f"since {other.get('started', '?')}); wait for it to end or "
                             "choose another --out") from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(mine)
        break
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def batch_key(notebook: Path, values: Mapping[str, Any], root: Path) -> dict:
    """What a batch's reports are made from, as digests: ``files`` (each table the report
    reads and the data folder's ``cxkit.yaml``, SHA-256 of its bytes), ``data`` (of them
    all), ``settings`` (the parameters but the account, and the content of the files they
    name) and cxkit's ``version``. Two batches with the same key make the same reports.
    """
    import hashlib

    from . import __version__
    from .io import TABLES, find_table
    from .io.folder import DESCRIPTION, describe
    from .preflight import FILE_PARAMETERS
    from .prepared import file_digest
    from .reports import REPORTS

    def blob(x) -> str:
        text = json.dumps(x, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    folder = resolve(values.get("data_dir") or "data/sample", root)
    described = describe(folder) if folder.is_dir() else None
    report = REPORTS.get(notebook.stem)
    files: dict[str, str | None] = {}
    for name in ((*report.needs, *report.uses) if report else TABLES):
        try:
            path = find_table(folder, name, described.table(name).file if described else None)
            files[name] = file_digest(path)
        except CxkitError:
            files[name] = None
    own = folder / DESCRIPTION
    files[DESCRIPTION] = file_digest(own) if own.is_file() else None
    settings = {k: v for k, v in values.items() if k != ACCOUNT_PARAMETER}
    named = {}
    for name in FILE_PARAMETERS:
        value = values.get(name)
        path = resolve(value, root) if isinstance(value, str) and value else None
        if path is not None and path.is_file():
            named[name] = file_digest(path)
    return {"data": blob(files), "settings": blob([settings, named]), "version": __version__,
            "files": files}


def _changed(earlier: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """What differs between two batch keys, in words ("the data (revenue, accounts)")."""
    if not earlier:
        return ["the data, settings and version (the earlier batch recorded none)"]
    out = []
    if earlier.get("data") != now.get("data"):
        files = [n for n in sorted(set(earlier.get("files", {})) | set(now["files"]))
                 if earlier.get("files", {}).get(n) != now["files"].get(n)]
        out.append(f"the data ({', '.join(files)})" if files else "the data")
    if earlier.get("settings") != now.get("settings"):
        out.append("the settings (parameters, or the files they name)")
    if earlier.get("version") != now.get("version"):
        out.append(f"cxkit's version ({earlier.get('version')} then, {now.get('version')} "
                   "now)")
    return out


def done_before(out: Path, notebook: str, key: Mapping[str, Any] | None = None
                ) -> dict[str, dict]:
    """The accounts an earlier batch in ``out`` finished, whose files are all still there.

    Read from ``out/batch.json``; failed and not-run accounts are not done. Empty if there
    is no ``batch.json``.

    Raises
    ------
    CxkitError
        If ``batch.json`` is of another notebook or cannot be read, or if ``key``
        (:func:`batch_key`) differs from the one it records: one batch never holds
        reports of two versions of the data or of the settings.
    """
    path = out / "batch.json"
    if not path.is_file():
        return {}
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CxkitError(f"{path}: cannot be read to resume ({exc}); "
                         "run the batch again without --resume") from None
    if earlier.get("notebook") != notebook:
        raise CxkitError(f"{path} is a batch of {earlier.get('notebook')!r}, not {notebook!r}: "
                         "--resume continues the same notebook in the same folder")
    done = {r["account"]: r for r in earlier.get("runs", [])
            if r.get("ok") and r.get("files") and all(Path(f).is_file() for f in r["files"])}
    if key is not None and done:
        changed = _changed(earlier.get("key") or {}, key)
        if changed:
            raise CxkitError(f"{path}: cannot resume: {' and '.join(changed)} changed since "
                             f"its {len(done):,} reports were made; run the batch again "
                             "without --resume to make every report from what is there now")
    return done


def select_accounts(notebook: str | os.PathLike, accounts: str | Iterable[str] = "all",
                    segment: str | None = None, params_file: str | os.PathLike | None = None,
                    overrides: Mapping[str, Any] | None = None,
                    root: str | os.PathLike | None = None) -> list[str]:
    """The accounts a batch runs, read from the notebook's data folder.

    Parameters
    ----------
    notebook : str or path
        A notebook with an ``account_id`` parameter.
    accounts : "all", "ID,ID,..." or iterable of str
        Which accounts; ``"all"``: every current (not lost) account of the data, in the
        segment if one is given. Lost accounts can be named one by one.
    segment : str, optional
        Keep accounts of this segment (``key``, ``growth``, ``standard``).
    params_file, overrides
        The notebook's parameters, as for :func:`cxkit.runner.run_notebook`: they say
        where the data is (``data_dir``, ``columns``).

    Returns
    -------
    list of str
        Account ids, in the order of the accounts table (or as given).

    Raises
    ------
    ParameterError
        If the notebook takes no ``account_id``, an id is unknown or outside the
        segment, or nothing is selected.
    """
    from .io import load_table

    root = Path(root).resolve() if root is not None else project_root()
    path = find_notebook(notebook, root)
    declared = notebook_parameters(path)
    if ACCOUNT_PARAMETER not in declared:
        raise ParameterError(f"{path.stem} has no '{ACCOUNT_PARAMETER}' parameter, so it "
                             "cannot be run per account (try key_account_plan)")
    values = {**declared_defaults(declared), **run_parameters(path, params_file, overrides, root)}
    data_dir = resolve(values.get("data_dir") or "data/sample", root)
    columns = (values.get("columns") or {}).get("accounts")
    table = load_table(data_dir, "accounts", columns=columns,
                       date_format=values.get("date_format") or None)
    known = table["account_id"].astype(str)
    if segment is not None:
        segments = sorted(table["segment"].dropna().astype(str).unique())
        if segment not in segments:
            raise ParameterError(f"segment '{segment}' not in {data_dir} "
                                 f"(segments: {', '.join(segments)})")
        in_segment = set(known[table["segment"].astype(str) == segment])
    if isinstance(accounts, str) and accounts.strip().lower() == "all":
        current = table["status"].astype(str).ne("lost") if "status" in table else True
        chosen = [a for a in known[current] if segment is None or a in in_segment]
    else:
        items = accounts.split(",") if isinstance(accounts, str) else list(accounts)
        chosen = list(dict.fromkeys(str(a).strip() for a in items if str(a).strip()))
        unknown = [a for a in chosen if a not in set(known)]
        if unknown:
            raise ParameterError(f"accounts not in {data_dir / 'accounts'}: "
                                 + listing(unknown, limit=10))
        if segment is not None:
            outside = [a for a in chosen if a not in in_segment]
            if outside:
                raise ParameterError(f"accounts not in segment '{segment}': "
                                     + listing(outside, limit=10))
    if not chosen:
        raise ParameterError(f"no accounts selected in {data_dir}"
                             + (f" (segment '{segment}')" if segment else ""))
    return chosen


def _stems(accounts: list[str]) -> dict[str, str]:
    """A stem per account, distinct even where the file system ignores case (Acme, ACME)."""
    stems = {a: file_stem(a) for a in accounts}
    by_key: dict[str, list[str]] = {}
    for a, stem in stems.items():
        by_key.setdefault(stem.casefold(), []).append(a)
    for same in by_key.values():
        if len(same) > 1:  # ids differing only in case: each gets its digest
            for a in same:
                stems[a] = f"{stems[a][:MAX_STEM]}-{digest(a)}"
    if len({s.casefold() for s in stems.values()}) < len(stems):  # never in practice
        stems = {a: f"{s}-{digest(a, 16)}" for a, s in stems.items()}
    return stems


def run_account(notebook: str, account: str, stem: str, out_dir: str, root: str,
                params_file: str | None = None,
                overrides: Mapping[str, Any] | None = None,
                env: Mapping[str, str] | None = None) -> dict:
    """Run the notebook for one account; never raises (the error is returned).

    This is what a worker process (or a dask worker) executes.

    Returns
    -------
    dict
        ``account``, ``ok``, ``seconds``, ``files``, ``error``.
    """
    from .runner import run_notebook

    started = time.perf_counter()
    values = dict(overrides or {})
    values[ACCOUNT_PARAMETER] = account
    run = dict(progress=False, name=stem, root=root, env=env, warm=True,
               checked=True)  # by run_batch, and the accounts by select_accounts
    try:
        try:
            result = run_notebook(notebook, params_file, values, out_dir, **run)
        except KernelDied:  # killed by the system, as a worker can be: once more, afresh
            result = run_notebook(notebook, params_file, values, out_dir, **run)
    except KernelDied as exc:
        return _outcome(account, started, error=_one_line(
            f"its kernel died twice while running this account (killed by the system? out "
            f"of memory is the usual cause): {exc}"))
    except CxkitError as exc:
        return _outcome(account, started, error=_one_line(str(exc)))
    except Exception as exc:  # a bug or the environment: still this account only
        return _outcome(account, started, error=f"{type(exc).__name__}: {_one_line(str(exc))}")
    files = [result.html, result.executed, *([result.results] if result.results else []),
             *result.extra]
    return _outcome(account, started, files=[str(f) for f in files])


def _one_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]


def _outcome(account: str, started: float, files: list | None = None,
             error: str | None = None) -> dict:
    return {"account": account, "ok": error is None,
            "seconds": round(time.perf_counter() - started, 3),
            "files": files or [], "error": error}


def run_batch(notebook: str | os.PathLike, accounts: str | Iterable[str] = "all",
              segment: str | None = None, params_file: str | os.PathLike | None = None,
              overrides: Mapping[str, Any] | None = None,
              out_dir: str | os.PathLike | None = None, workers: int | None = None,
              scheduler: str | None = None, progress: bool | None = None,
              root: str | os.PathLike | None = None, resume: bool = False) -> BatchResult:
    """Run a per-account notebook for many accounts, in parallel.

    Parameters
    ----------
    notebook : str or path
        A notebook with an ``account_id`` parameter, e.g. ``"key_account_plan"``.
    accounts : "all", "ID,ID,..." or iterable of str
        Which accounts (see :func:`select_accounts`).
    segment : str, optional
        Only accounts of this segment.
    params_file : path, optional
        Parameters for every run; default ``params/<notebook>.yaml``.
    overrides : mapping, optional
        Parameter values for every run (``-p NAME VALUE``); not ``account_id``.
    out_dir : path, optional
        Output folder; default ``<default_out_dir>/<notebook>/`` (``reports/<notebook>/``
        on the sample data).
    workers : int, optional
        Worker processes; default the cores this process may use. Ignored with
        ``scheduler``.
    scheduler : str, optional
        Address of a dask.distributed scheduler (``tcp://host:8786``) to run on instead.
    progress : bool, optional
        Show a progress bar; default when stderr is a terminal.
    resume : bool
        Run only the accounts an earlier batch in the same folder did not finish (its
        ``batch.json``: failed, not run, or with a file missing); the others keep their
        reports and their entries.

    Returns
    -------
    BatchResult
        Every account's outcome; ``result.ok`` is False if any failed. A failed
        account never stops the others.

    Raises
    ------
    ParameterError
        Before anything runs: unknown notebook, parameter or account.
    BatchInterrupted
        On Ctrl-C (or SIGTERM under ``cxkit batch``): no queued account is started, the
        running kernels are ended, and ``batch.json`` says what was done and not run.
    CxkitError
        If the scheduler cannot be reached, or dask is not installed.

    Notes
    -----
    Local workers are fresh (spawned) Python processes that import the calling script
    again: in a script, call ``run_batch`` under ``if __name__ == "__main__":``. In a
    notebook or from ``cxkit batch`` nothing is needed.

    Examples
    --------
    >>> from cxkit.batch import run_batch
    >>> result = run_batch("key_account_plan", "A0001,A0002", workers=2)  # doctest: +SKIP
    >>> print(result.summary())  # doctest: +SKIP
    key_account_plan: 2 of 2 reports written to .../reports/key_account_plan in 9.1 s (2 workers)
    """
    root = Path(root).resolve() if root is not None else project_root()
    path = find_notebook(notebook, root)
    overrides = dict(overrides or {})
    if ACCOUNT_PARAMETER in overrides:
        raise ParameterError(f"'{ACCOUNT_PARAMETER}' is set per account by the batch; "
                             "choose accounts with --accounts")
    chosen = select_accounts(path, accounts, segment, params_file, overrides, root)
    values = {**declared_defaults(notebook_parameters(path)),
              **run_parameters(path, params_file, overrides, root)}
    out = default_out_dir(values, root) / path.stem if out_dir is None else resolve(out_dir, root)
    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(out):
        return _run_locked(path, chosen, out, root, params_file, overrides, workers, scheduler,
                           progress, resume, values)


def _prepare(path: Path, values: Mapping[str, Any], accounts: list[str]) -> tuple:
    """Do the notebook's portfolio-wide work once (:data:`PREPARERS`).

    Returns the private folder (None if the notebook has none to do, or no account to run),
    the kernel environment that names it, and what was done.
    """
    from importlib import import_module

    from . import prepared

    target = PREPARERS.get(path.stem)
    if target is None or not accounts:
        return None, {}, {}
    module, _, function = target.partition(":")
    folder = prepared.private_folder()
    started = time.perf_counter()
    try:
        n = getattr(import_module(module), function)(folder, values, accounts)
    except BaseException:
        prepared.remove(folder)
        raise
    return folder, {prepared.ENV_VAR: str(folder)}, {
        "accounts": n, "used": 0, "seconds": round(time.perf_counter() - started, 3)}


def _run_locked(path, chosen, out, root, params_file, overrides, workers, scheduler, progress,
                resume, values) -> BatchResult:
    from tqdm.auto import tqdm

    from . import prepared
    from .runner import clean_kernel_folders

    key = batch_key(path, values, root)
    earlier = done_before(out, path.stem, key) if resume else {}
    todo = [a for a in chosen if a not in earlier]
    stems = _stems(chosen)
    if scheduler:
        where = scheduler
    else:
        where = workers if workers is not None else _cores()
        if where < 1:
            raise ParameterError(f"--workers must be at least 1, not {where}")
        where = max(1, min(where, len(todo)))
    if progress is None:
        progress = sys.stderr.isatty()
    started = time.perf_counter()
    outcomes: dict[str, dict] = dict(earlier)
    interrupted = False
    under_way = BatchResult(path.stem, out, [earlier[a] for a in chosen if a in earlier], 0.0,
                            where, not_run=todo, running=True, key=key)
    atomic_write_text(out / "batch.json", json.dumps(under_way.to_dict(), indent=2))
    folder, done, error = None, {}, None
    bar = running = None
    try:
        folder, env, done = _prepare(path, values, todo)
        tasks = [dict(notebook=str(path), account=a, stem=stems[a], out_dir=str(out),
                      root=str(root),
                      params_file=None if params_file is None else str(params_file),
                      overrides=overrides, env=env) for a in todo]
        runner = _on_dask(scheduler) if scheduler else _on_processes(where)
        bar = tqdm(total=len(chosen), initial=len(earlier), desc=f"cxkit batch {path.stem}",
                   unit="report", disable=not progress)
        running = runner(tasks) if tasks else iter(())
        for outcome in running:
            outcomes[outcome["account"]] = outcome
            bar.update(1)
            n_failed = sum(not o["ok"] for o in outcomes.values())
            bar.set_postfix_str(f"{n_failed} failed" if n_failed else outcome["account"])
    except KeyboardInterrupt:
        interrupted = True
    except CxkitError as exc:  # the portfolio's fit, the scheduler: the batch cannot go on
        error = str(exc)
        raise
    finally:
        if error is not None:
            failed = BatchResult(path.stem, out, [outcomes[a] for a in chosen if a in outcomes],
                                 time.perf_counter() - started, where,
                                 not_run=[a for a in chosen if a not in outcomes], error=error,
                                 key=key)
            atomic_write_text(out / "batch.json", json.dumps(failed.to_dict(), indent=2))
        if hasattr(running, "close"):
            running.close()  # a stopped runner cancels its queue and ends its workers
        if bar is not None:
            bar.close()
        if done:
            done["used"] = prepared.used(folder)
        prepared.remove(folder)
    if interrupted:  # the stopped runs' temporaries and kernel folders: their processes are gone
        clean_stale_temporaries(out)
        clean_kernel_folders()
    result = BatchResult(path.stem, out, [outcomes[a] for a in chosen if a in outcomes],
                         time.perf_counter() - started, where,
                         not_run=[a for a in chosen if a not in outcomes],
                         interrupted=interrupted, prepared=done, key=key)
    atomic_write_text(out / "batch.json", json.dumps(result.to_dict(), indent=2))
    if interrupted:
        raise BatchInterrupted(result)
    return result


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _worker_started() -> None:
    """A worker process leaves Ctrl-C to the batch, and ends its kernels on SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_stopped)


def _worker_stopped(signum, frame) -> None:
    from .runner import kill_running_kernels
    kill_running_kernels()
    os._exit(128 + signum)


def _on_processes(workers: int) -> Callable[[list], Iterator[dict]]:
    """Run tasks in ``workers`` fresh (spawned) processes; yield outcomes as they finish.

    A worker that dies (killed by the system when memory runs out) breaks the pool: the
    accounts under way then are run again one at a time, so the one that kills its worker
    again fails alone, named, and every other account is run.

    Stopped (the consumer raises, e.g. KeyboardInterrupt), it cancels the queued tasks
    and ends the workers, whose kernels end with them (:func:`_worker_stopped`).
    """
    def run(tasks: list) -> Iterator[dict]:
        import shutil

        from .runner import kernel_folder

        marks = Path(kernel_folder("started-"))  # removed by a later batch if this one is killed
        queue, alone = list(tasks), []  # alone: under way when a worker died
        try:
            while queue or alone:
                if alone:
                    group, n = [alone.pop(0)], 1
                else:
                    group, queue, n = queue, [], workers
                broken: list = []
                yield from _pool(group, n, marks, broken)
                if not broken:
                    continue
                started = {p.read_text(encoding="utf-8") for p in marks.iterdir()}
                for p in marks.iterdir():
                    p.unlink()
                suspects = [t for t in broken if t["account"] in started]
                if not suspects or (n == 1 and len(group) == 1):
                    # nothing could start (see _died), or it died again on its own
                    for t in broken:
                        yield _died(t["account"], started=bool(suspects))
                    continue
                alone += suspects
                queue = [t for t in broken if t not in suspects] + queue
        finally:
            shutil.rmtree(marks, ignore_errors=True)
    return run


def _pool(tasks: list, workers: int, marks: Path, broken: list) -> Iterator[dict]:
    """Run ``tasks`` in one pool; the tasks a dead worker left undone go into ``broken``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")  # no inherited threads or kernels
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context,
                             initializer=_worker_started) as pool:
        try:
            futures = {}
            for t in tasks:
                try:
                    futures[pool.submit(_run_marked, str(marks), t)] = t
                except BrokenProcessPool:
                    broken.append(t)
            for future in as_completed(futures):
                try:
                    yield future.result()
                except BrokenProcessPool:
                    broken.append(futures[future])
                except Exception:
                    yield _result_of(future, futures[future]["account"])
        except BaseException:
            # the pool's own processes: the executor has no public way to stop a
            # running task, and waiting for it would run a report nobody wants now
            processes = list(getattr(pool, "_processes", {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
            for p in processes:
                p.terminate()
            for p in processes:
                p.join(timeout=30)
            raise


def _run_marked(marks: str, task: dict) -> dict:
    """:func:`run_account` in a worker, leaving a mark while it runs (see _on_processes)."""
    mark = Path(marks) / digest(task["account"], 24)
    mark.write_text(task["account"], encoding="utf-8")
    try:
        return run_account(**task)
    finally:
        mark.unlink(missing_ok=True)


def _died(account: str, started: bool) -> dict:
    error = ("worker failed: its process died while running this account, twice (killed "
             "by the system? out of memory is the usual cause)" if started else
             "worker failed: the worker processes died before running anything (called "
             "from a script? Worker processes import it again, so call run_batch under "
             "`if __name__ == \"__main__\":`)")
    return {"account": account, "ok": False, "seconds": None, "files": [], "error": error}


def _on_dask(address: str) -> Callable[[list], Iterator[dict]]:
    """Run tasks on a dask.distributed scheduler; yield outcomes as they finish."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise CxkitError("--scheduler needs dask.distributed: pip install \"cxkit[dask]\"") \
            from None

    def run(tasks: list) -> Iterator[dict]:
        try:
            client = Client(address, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise CxkitError(f"cannot reach the dask scheduler at {address}: "
                             f"{_one_line(str(exc))}") from None
        batch = uuid.uuid4().hex[:8]
        futures: dict = {}
        try:
            futures = {client.submit(run_account, **t, pure=False,
                                     key=f"cxkit-{batch}-{t['stem']}"): t["account"]
                       for t in tasks}
            for future in as_completed(futures, loop=client.loop):
                yield _result_of(future, futures[future])
        except BaseException:
            client.cancel(list(futures), force=True)
            raise
        finally:
            client.close()
    return run


def _result_of(future, account: str) -> dict:
    """A finished future's outcome; a task that raised fails only its account."""
    try:
        return future.result()
    except Exception as exc:
        return {"account": account, "ok": False, "seconds": None, "files": [],
                "error": f"worker failed: {type(exc).__name__}: {_one_line(str(exc))}"}
