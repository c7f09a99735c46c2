"""Kernels a batch worker keeps warm from one account's report to the next.

A fresh kernel per report spends most of a short report starting Python and importing
pandas, matplotlib and cxkit. A batch worker (:mod:`cxkit.batch`) instead keeps one
kernel and hands it each report in turn, still executed by papermill, cell by cell. The
kernel is returned to the state of a kernel that has just started before every report:

- its namespace, history and execution count are reset (IPython's ``reset``), figures
  closed;
- the environment, working folder, ``sys.path``, warning filters (and with them every
  "shown once" record), matplotlib's settings and pandas' options are put back as they
  were when it started (before any report ran), and the report's own environment (its
  output prefix, the batch's prepared work) is set.

Modules stay imported: that is the time saved. A report whose notebook fails, a kernel
that dies, and any kernel after :data:`MAX_REPORTS` reports are replaced by a new one, so
one report's trouble never reaches the next. A report from a warm kernel is the same,
output for output, as one from a fresh kernel (tested).
"""
from __future__ import annotations

import atexit
import os
import shutil
import threading
from typing import Mapping

#: reports a kernel runs before it is replaced (bounds what imported modules may hold)
MAX_REPORTS = 25

# Run in the kernel when it starts: matplotlib's backend is set up as a notebook's first
# figure sets it up, then the state every report starts from is kept aside.
_SNAPSHOT = """\
def _cxkit_snapshot():
    import os, sys, types, warnings
    import matplotlib, matplotlib.pyplot
    import pandas
    matplotlib.pyplot.close(matplotlib.pyplot.figure())  # the first figure loads the inline
    # backend, which makes pyplot interactive and shows each cell's figures at its end
    keep = types.ModuleType("_cxkit_fresh")
    keep.environ, keep.cwd, keep.path = dict(os.environ), os.getcwd(), list(sys.path)
    keep.filters, keep.rc = list(warnings.filters), matplotlib.rcParams.copy()
    sys.modules["_cxkit_fresh"] = keep
_cxkit_snapshot()
del _cxkit_snapshot
"""

# Run in the kernel before each report: back to the state kept aside, plus the report's env.
_RESTORE = """\
def _cxkit_restore(env):
    import os, sys, warnings
    import matplotlib, matplotlib.pyplot as plt
    import pandas
    keep = sys.modules["_cxkit_fresh"]
    plt.close("all")
    get_ipython().reset(new_session=True)  # also collects the garbage
    os.environ.clear(); os.environ.update(keep.environ); os.environ.update(env)
    os.chdir(keep.cwd); sys.path[:] = keep.path
    warnings.resetwarnings()  # also forgets every warning already shown once
    warnings.filters[:] = keep.filters
    warnings.onceregistry.clear()
    dict.update(matplotlib.rcParams, keep.rc)  # as matplotlib's rc_context restores
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pandas.reset_option("all")
_cxkit_restore(ENV)
"""


class WarmKernel:
    """One kernel, kept between reports of a batch worker.

    Parameters
    ----------
    root : path
        Project root: the kernel's working folder and ``CXKIT_ROOT``.
    """

    def __init__(self, root: str | os.PathLike):
        from .runner import KERNEL_ARGUMENTS, kernel_folder, kernel_manager_class

        self.root = str(root)
        self.runtime_dir = kernel_folder()
        self.km = kernel_manager_class({"CXKIT_ROOT": self.root}, self.root, self.runtime_dir)(
            kernel_name="python3")
        self.reports = 0
        self._run(self.km.start_kernel)(extra_arguments=list(KERNEL_ARGUMENTS))
        self.km.client_factory = _kept_client_class()
        kc = self.km.client()
        kc.start_channels()
        self._run(kc.wait_for_ready)(timeout=60)
        self.km.clients_made.remove(kc)  # not stopped after a report:
        self.km.kept_client = kc  # papermill's client, from one report to the next
        self._execute(_SNAPSHOT)

    @staticmethod
    def _run(coroutine_function):
        from jupyter_core.utils import run_sync  # the loop papermill's client runs on

        return run_sync(coroutine_function)

    def _execute(self, code: str, timeout: float = 60) -> None:
        """Run ``code`` in the kernel, silently; raise if it fails."""
        kc = self.km.kept_client
        msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        while True:
            reply = self._run(kc.get_shell_msg)(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") != "ok":
            raise RuntimeError(f"kernel set-up failed: {content.get('ename')}: "
                               f"{content.get('evalue')}")

    def prepare(self, env: Mapping[str, str]) -> None:
        """Put the kernel back as it started, with ``env`` added, for the next report."""
        self._execute(_RESTORE.replace("ENV", repr({str(k): str(v) for k, v in env.items()})))
        self.reports += 1

    def alive(self) -> bool:
        return bool(self._run(self.km.is_alive)())

    def shutdown(self) -> None:
        """End the kernel and remove its folder."""
        kept, self.km.kept_client = self.km.kept_client, None
        try:
            if kept is not None:
                kept.stop_channels()
        except Exception:  # its sockets are gone already: the kernel still has to end
            pass
        try:
            if self.km.has_kernel:
                self._run(self.km.shutdown_kernel)(now=True)
        except Exception:  # already gone
            pass
        finally:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)


def _kept_client_class() -> type:
    """The class of a warm kernel's one client, kept connected from report to report.

    papermill's client asks the kernel manager for a client for each report, starts its
    channels and waits until it is ready; for a new client that wait ends with 0.2 s of
    listening for silence on IOPub, every report. The kept client is connected and ready
    once: starting it again does nothing, and being ready is draining, without waiting,
    what earlier reports left on IOPub (papermill also ignores any message not of its own
    requests).
    """
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class KeptClient(AsyncKernelClient):
        _ready = False

        def start_channels(self, *args, **kwargs) -> None:
            if not self.channels_running:
                super().start_channels(*args, **kwargs)

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            if not self._ready:
                await AsyncKernelClient.wait_for_ready(self, timeout=timeout)
                self._ready = True
                return
            while True:
                try:
                    await self.iopub_channel.get_msg(timeout=0)
                except Empty:
                    break

    return KeptClient


# one per thread and project: a dask worker runs several reports at once, one per thread
_WARM: dict[tuple[int, str], WarmKernel] = {}


def _slot(root: str | os.PathLike) -> tuple[int, str]:
    return threading.get_ident(), str(root)


def kernel_for(root: str | os.PathLike) -> WarmKernel:
    """This thread's warm kernel for ``root``: the one kept, or a new one.

    A kernel that has run :data:`MAX_REPORTS` reports or is no longer alive is replaced.
    """
    warm = _WARM.get(_slot(root))
    if warm is not None and (warm.reports >= MAX_REPORTS or not warm.alive()):
        discard(root)
        warm = None
    if warm is None:
        warm = _WARM[_slot(root)] = WarmKernel(root)
    return warm


def discard(root: str | os.PathLike) -> None:
    """Shut down and forget this thread's warm kernel for ``root`` (after a failed report)."""
    warm = _WARM.pop(_slot(root), None)
    if warm is not None:
        warm.shutdown()


@atexit.register
def shutdown_all() -> None:
    """Shut down every warm kernel of this process (when a batch worker ends)."""
    while _WARM:
        _WARM.popitem()[1].shutdown()
