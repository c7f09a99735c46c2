"""Run notebooks with papermill and write their reports.

One run writes three files into the output folder, each atomically (a temporary
name, then a rename), so a reader never sees half a report and a failed run
never replaces a good one:

- ``<notebook>.ipynb``: the executed notebook;
- ``<notebook>.html``: the report, without code;
- ``<notebook>.json``: the key results the notebook saved (:mod:`cxkit.results`);
- any other file the notebook wrote through :func:`cxkit.results.output_path`
  (``<notebook>.xlsx``: a workbook).

A failed run keeps the executed notebook, error visible, as
``<notebook>.failed.ipynb`` and raises :class:`~cxkit.errors.RunError` naming
the cell and its error in one line; the previous good outputs stay.

Runs are independent of one another, so :mod:`cxkit.batch` can run many at once:
each kernel talks to its run over Unix sockets in a private folder (not TCP ports
picked at random, which parallel runs can race for), and gets the run's output
prefix and project root in its own environment, not the process's.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .errors import CxkitError, KernelDied, RunError
from .params import (CHECKED_VAR, check_values, declared_defaults, merged_parameters,
                     notebook_parameters)
from .paths import (HOST, alive, clean_stale_temporaries, file_stem, from_root, project_root,
                    resolve, temporary_tag)
from .present.html import write_html_report
from .results import ENV_VAR


# The kernel's own log is not for the report reader: e.g. the "KeyboardInterrupt caught
# in kernel" it logs as an error when jupyter_client interrupts it on a normal shutdown.
# Cell errors still surface in the run's error, a kernel that dies too.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]

#: process groups of the kernels this process started and has not shut down yet, so a
#: batch worker told to stop can end them at once (a kernel runs in a session of its own:
#: Ctrl-C in the terminal does not reach it; ipykernel also ends itself, within a second
#: or so, once its parent is gone, but another kernel need not)
RUNNING_KERNELS: set[int] = set()


@contextlib.contextmanager
def quiet_kernel_client():
    """Keep the kernel client's internal log off the terminal while a notebook runs.

    tornado logs a traceback ("Uncaught exception in zmqstream callback") when a message
    arrives as a kernel shuts down (seen once in the test suite, in a batch); the run's
    own error, if any, is reported by the run. The level is restored afterwards.
    """
    import logging

    logger = logging.getLogger("tornado")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def kill_running_kernels() -> None:
    """End every kernel this process started and has not shut down (on a batch's stop)."""
    import signal

    for group in list(RUNNING_KERNELS):
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:  # already gone
            pass
        RUNNING_KERNELS.discard(group)


def kernel_manager_class(env: Mapping[str, str], cwd: str | os.PathLike,
                         runtime_dir: str | os.PathLike | None = None) -> type:
    """A kernel manager for one run: its own environment, working folder and sockets.

    Parameters
    ----------
    env : mapping
        Variables added to the kernel's environment (the process's own stays untouched).
    cwd : path
        The kernel's working folder.
    runtime_dir : path, optional
        A folder private to this run for the connection file and, on POSIX, the IPC
        sockets. Two kernels started at the same moment then never race for a port
        (papermill issue #511). Without it, or on Windows, the kernel uses TCP.

    Returns
    -------
    type
        A subclass of ``jupyter_client.AsyncKernelManager`` for papermill's
        ``kernel_manager_class``.
    """
    from jupyter_client import AsyncKernelManager

    extra_env = {str(k): str(v) for k, v in env.items()}
    ipc = runtime_dir is not None and os.name == "posix"

    class RunKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            if ipc:
                kwargs.setdefault("transport", "ipc")
                kwargs.setdefault("connection_file", os.path.join(runtime_dir, "kernel.json"))
            super().__init__(**kwargs)
            self.clients_made = []
            self.kept_client = None

        async def start_kernel(self, **kw):
            kw["env"] = {**os.environ, **kw.get("env", {}), **extra_env}
            kw["cwd"] = str(cwd)
            started = await super().start_kernel(**kw)
            self._group = getattr(self.provisioner, "pgid", None)
            if self._group and hasattr(os, "killpg"):
                RUNNING_KERNELS.add(self._group)
            return started

        def client(self, **kw):
            if self.kept_client is not None:  # a warm kernel's (cxkit.kernels)
                return self.kept_client
            kc = super().client(**kw)
            self.clients_made.append(kc)  # papermill leaves a kept kernel's client open
            return kc

        def stop_clients(self) -> None:
            """Stop the channels of every client made for this kernel so far."""
            while self.clients_made:
                self.clients_made.pop().stop_channels()

        async def shutdown_kernel(self, now: bool = False, restart: bool = False):
            try:
                return await super().shutdown_kernel(now=now, restart=restart)
            finally:
                RUNNING_KERNELS.discard(getattr(self, "_group", None))

    return RunKernelManager


@dataclass
class RunResult:
    """Where a run wrote its outputs."""

    notebook: str
    executed: Path
    html: Path
    results: Path | None
    seconds: float
    extra: tuple = ()

    def summary(self) -> str:
        return (f"{self.notebook}: report {self.html} ({self.seconds:.1f} s)"
                + (f", results {self.results}" if self.results else "")
                + "".join(f", {p}" for p in self.extra))


def find_notebook(name: str | os.PathLike, root: Path | None = None) -> Path:
    """Resolve ``data_overview``, ``data_overview.ipynb`` or a path to a notebook file."""
    root = root or project_root()
    text = str(name)
    candidates = [resolve(text, root), Path(text).resolve()]
    if not text.endswith(".ipynb"):
        candidates.insert(0, root / "notebooks" / f"{text}.ipynb")
    else:
        candidates.append(root / "notebooks" / Path(text).name)
    for c in candidates:
        if c.is_file():
            return c
    available = ", ".join(p.stem for p in list_notebooks(root)) or "none"
    raise CxkitError(f"notebook '{name}' not found (notebooks: {available})")


def list_notebooks(root: Path | None = None) -> list[Path]:
    """The notebooks of the project, in name order."""
    root = root or project_root()
    return sorted((root / "notebooks").glob("*.ipynb"))


def run_parameters(notebook: Path, params_file: str | os.PathLike | None = None,
                   overrides: Mapping[str, Any] | None = None, root: Path | None = None,
                   against_data: bool = True) -> dict[str, Any]:
    """The parameters a run uses: ``params/<notebook>.yaml`` (or ``params_file``), the data
    folder's ``cxkit.yaml``, then overrides (:func:`cxkit.params.merged_parameters`).

    Checked against the notebook's declared parameters (unknown names, types), then
    against the data by :func:`cxkit.preflight.check` (choices, files, folders, table and
    column names, with "did you mean") and :func:`cxkit.preflight.check_data` (every row,
    the contradictions between tables, the period), before any kernel starts; each problem names the
    file or the command line that set the value. In the YAML file a parameter declared
    ``str`` keeps its text as written (see :func:`cxkit.params.load_yaml`).
    ``against_data=False`` leaves out the checks against the data: a batch makes them once
    for all its runs (they read the accounts table, whose size is the portfolio's).
    """
    from . import preflight

    root = root or project_root()
    declared = notebook_parameters(notebook)
    values, sources = merged_parameters(notebook, params_file, overrides, root)
    check_values(values, declared, notebook.stem)
    defaults = declared_defaults(declared)
    sources.update({n: from_root(notebook, root) for n in defaults
                    if n not in values})
    if against_data:
        preflight.check({**defaults, **values}, sources, root, report=notebook.stem)
        preflight.check_data({**defaults, **values}, sources, root, report=notebook.stem)
    return values


SAMPLE_DATA = "data/sample"


def default_out_dir(values: Mapping[str, Any], root: Path | None = None) -> Path:
    """Where a run writes when no output folder is given: named for the data it reads.

    ``reports/`` for the bundled sample (``data/sample``, as ``cxkit demo``), and
    ``reports/<data folder's name>/`` for any other ``data_dir``, so a run on a client's
    data never overwrites the demo's reports. Two data folders of the same name (two
    clients' ``export``) share a folder: give ``--out`` to keep them apart.

    Examples
    --------
    >>> root = project_root()
    >>> default_out_dir({"data_dir": "data/sample"}) == root / "reports"
    True
    >>> default_out_dir({"data_dir": "/clients/Acme 2026/export"}) == root / "reports" / "export"
    True
    >>> default_out_dir({"data_dir": "/clients/Acme 2026"}).name
    'Acme_2026-05cd3c97'
    """
    root = root or project_root()
    reports = root / "reports"
    data = values.get("data_dir") or SAMPLE_DATA
    folder = resolve(data, root)
    if folder == resolve(SAMPLE_DATA, root):
        return reports
    return reports / file_stem(folder.name or "data")


def run_notebook(notebook: str | os.PathLike, params_file: str | os.PathLike | None = None,
                 overrides: Mapping[str, Any] | None = None,
                 out_dir: str | os.PathLike | None = None,
                 progress: bool | None = None, name: str | None = None,
                 root: str | os.PathLike | None = None,
                 env: Mapping[str, str] | None = None, warm: bool = False,
                 checked: bool = False) -> RunResult:
    """Execute a notebook with papermill and write its report.

    Parameters
    ----------
    notebook : str or path
        A notebook name (``"data_overview"``) or path.
    params_file : path, optional
        YAML parameters; default ``params/<notebook>.yaml`` if it exists.
    overrides : mapping, optional
        Parameter values that take precedence (``-p NAME VALUE``).
    out_dir : path, optional
        Output folder, relative to the project root or absolute; default
        :func:`default_out_dir` (``reports/`` on the sample data, ``reports/<data folder>/``
        on other data).
    progress : bool, optional
        Show papermill's cell progress bar; default when stderr is a terminal.
    name : str, optional
        Base name of the output files; default the notebook's name.
    root : path, optional
        Project root; default :func:`cxkit.paths.project_root`.
    env : mapping, optional
        Variables added to the kernel's environment (a batch names its prepared work,
        :mod:`cxkit.prepared`).
    warm : bool
        Run in this process's warm kernel (:mod:`cxkit.kernels`), put back to the state of
        a kernel just started, instead of starting one: what a batch worker does. A
        failed run's kernel is replaced.
    checked : bool
        The parameters, less ``overrides``' account, were checked against the data already
        (a batch checks them once, and the accounts against the accounts table).

    Returns
    -------
    RunResult

    Raises
    ------
    ParameterError
        Before anything runs, if a parameter is unknown or of the wrong type.
    RunError
        If a cell fails; the message names the cell and its error in one line.
    """
    import papermill as pm

    root = Path(root).resolve() if root is not None else project_root()
    path = find_notebook(notebook, root)
    values = run_parameters(path, params_file, overrides, root, against_data=not checked)
    if out_dir is None:
        out_dir = default_out_dir({**declared_defaults(notebook_parameters(path), ["data_dir"]),
                                   **values}, root)
    out = resolve(out_dir, root)
    out.mkdir(parents=True, exist_ok=True)
    stem = name or path.stem
    final = {"ipynb": out / f"{stem}.ipynb", "html": out / f"{stem}.html",
             "json": out / f"{stem}.json"}
    failed = out / f"{stem}.failed.ipynb"
    clean_stale_temporaries(out)
    prefix = out / f".{stem}.{temporary_tag()}.tmp"  # the kernel's outputs: + ".json", ...
    tmp_nb = Path(f"{prefix}.ipynb")
    if progress is None:
        progress = sys.stderr.isatty()
    kernel_env = {**(env or {}), ENV_VAR: str(prefix), "CXKIT_ROOT": str(root),
                  CHECKED_VAR: "1"}  # so the notebook's own check does not read it all again
    runtime_dir = kernel = None
    if warm:
        from . import kernels
    started = time.perf_counter()
    try:
        try:
            if warm:
                kernel = kernels.kernel_for(root)
                kernel.prepare(kernel_env)
                engine = {"km": kernel.km}
            else:
                runtime_dir = kernel_folder()
                engine = {"kernel_manager_class": kernel_manager_class(kernel_env, root,
                                                                       runtime_dir)}
            with quiet_kernel_client():
                pm.execute_notebook(str(path), str(tmp_nb), parameters=values,
                                    progress_bar=progress, log_output=False, report_mode=False,
                                    extra_arguments=KERNEL_ARGUMENTS, **engine)
            if kernel is not None:
                kernel.km.stop_clients()
        except BaseException:
            if warm:  # whatever happened in it, the next run gets a new kernel
                kernels.discard(root)
            raise
    except pm.PapermillExecutionError as exc:
        kept = _keep_failed(tmp_nb, failed)
        evalue = (str(exc.evalue).strip().splitlines() or [""])[0]
        raise RunError(f"{stem} failed in cell {exc.exec_count}: {exc.ename}: {evalue}"
                       f" ({kept})") from None
    except OSError as exc:  # a full disk, a folder we may not write to
        kept = _keep_failed(tmp_nb, failed)
        raise RunError(f"{stem} could not run: cannot write {exc.filename or tmp_nb}: "
                       f"{exc.strerror or exc}; {_previous(final['html'])} ({kept})") from None
    except Exception as exc:  # the kernel died, could not start, ...
        kept = _keep_failed(tmp_nb, failed)
        error = KernelDied if type(exc).__name__ == "DeadKernelError" else RunError
        raise error(f"{stem} could not run: {type(exc).__name__}: "
                    f"{(str(exc).strip().splitlines() or [''])[0]} ({kept})") from None
    finally:
        if runtime_dir is not None:
            shutil.rmtree(runtime_dir, ignore_errors=True)
        if not tmp_nb.exists():  # failed: the outputs of a failed run are not kept
            _remove_outputs(out, prefix)
    try:
        write_html_report(tmp_nb, final["html"])
        os.replace(tmp_nb, final["ipynb"])
        results, extra = None, []
        for tmp in sorted(out.glob(f"{prefix.name}.*")):
            target = out / f"{stem}{tmp.name[len(prefix.name):]}"
            os.replace(tmp, target)
            if target.suffix == ".json":
                results = target
            else:
                extra.append(target)
    except OSError as exc:
        raise RunError(f"{stem}: cannot write {exc.filename or final['html']}: "
                       f"{exc.strerror or exc}; {_previous(final['html'])}, and nothing of "
                       "this run was kept") from None
    finally:
        if tmp_nb.exists():
            tmp_nb.unlink()
        _remove_outputs(out, prefix)
    if failed.exists():
        failed.unlink()
    return RunResult(stem, final["ipynb"], final["html"], results, time.perf_counter() - started,
                     tuple(extra))


def _previous(html: Path) -> str:
    return ("the previous report is kept" if html.exists() else "no earlier report was there")


def _remove_outputs(out: Path, prefix: Path) -> None:
    for tmp in out.glob(f"{prefix.name}.*"):
        tmp.unlink(missing_ok=True)


def _keep_failed(tmp_nb: Path, failed: Path) -> str:
    """Keep the executed notebook of a failed run if it is whole; say what was kept.

    A notebook cut short (a full disk) is removed rather than kept half-written.
    """
    if not tmp_nb.exists():
        return "no executed notebook was written"
    try:
        with open(tmp_nb, encoding="utf-8") as fh:
            json.load(fh)
    except (OSError, ValueError):
        tmp_nb.unlink(missing_ok=True)
        return "the executed notebook was incomplete and was removed"
    try:
        os.replace(tmp_nb, failed)
    except OSError:
        tmp_nb.unlink(missing_ok=True)
        return "the executed notebook could not be kept"
    return f"executed notebook: {failed}"


# --------------------------------------------------------------------------- kernels
def _kernels_parent() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"cxkit-runs-{uid}"


def kernel_folder(kind: str = "") -> str:
    """A private folder for one run's kernel (connection file, IPC sockets), or for a
    batch's own files (``kind``: ``"prepared-"``, ``"started-"``).

    It lives in ``<tmp>/cxkit-runs-<uid>/<host>-<pid>-<kind><random>``; its user removes it
    when done, and a later run (or a stopped batch) removes those of processes that were
    killed (:func:`clean_kernel_folders`).
    """
    parent = _kernels_parent()
    parent.mkdir(mode=0o700, exist_ok=True)
    clean_kernel_folders()
    return tempfile.mkdtemp(prefix=f"{HOST}-{os.getpid()}-{kind}", dir=parent)


def clean_kernel_folders() -> None:
    """Remove the kernel folders of this machine's processes that no longer exist."""
    parent = _kernels_parent()
    if not parent.is_dir():
        return
    for p in parent.iterdir():
        host, _, rest = p.name.partition("-")
        pid = rest.split("-", 1)[0]
        if host == HOST and pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)


def run_demo(out_dir: str | os.PathLike | None = None, progress: bool = True
             ) -> list[RunResult]:
    """Run every notebook on its default parameters (the bundled sample data).

    Raises
    ------
    RunError
        After all notebooks have run, naming each one that failed.
    """
    from tqdm.auto import tqdm

    notebooks = list_notebooks()
    if not notebooks:
        raise CxkitError(f"no notebooks in {project_root() / 'notebooks'}")
    done, failures = [], []
    bar = tqdm(notebooks, desc="cxkit demo", unit="notebook", disable=not progress)
    for nb in bar:
        bar.set_postfix_str(nb.stem)
        try:
            done.append(run_notebook(nb, out_dir=out_dir, progress=False))
        except CxkitError as exc:
            failures.append(str(exc))
    if failures:
        raise RunError("\n".join(failures))
    return done
