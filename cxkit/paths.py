"""Locate the project root and resolve paths against it.

A notebook must behave the same when papermill runs it from the repository root,
when nbval runs it from ``notebooks/`` and when an analyst opens it in
JupyterLab. Relative paths in parameters (``data_dir: "data/sample"``) are
therefore resolved against the *project root*, never against the current
working directory.

The project root is, in order:

1. the ``CXKIT_ROOT`` environment variable, if set;
2. the nearest folder, from the working directory upwards, that holds both a
   ``notebooks/`` and a ``params/`` folder (a cxkit checkout or a consultant's
   own project laid out the same way);
3. the folder above the installed ``cxkit`` package if it holds them (an
   editable install of this repository);
4. the working directory.
"""
from __future__ import annotations

import hashlib
import os
import re
import socket
import time
from pathlib import Path

_MARKERS = ("notebooks", "params")


def _is_root(folder: Path) -> bool:
    return all((folder / m).is_dir() for m in _MARKERS)


def project_root(start: str | os.PathLike | None = None) -> Path:
    """Return the project root folder (see the module docstring for the rules).

    Examples
    --------
    >>> from cxkit.paths import project_root
    >>> (project_root() / "params").is_dir()
    True
    """
    env = os.environ.get("CXKIT_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if _is_root(folder):
            return folder
    package_parent = Path(__file__).resolve().parents[1]
    if _is_root(package_parent):
        return package_parent
    return here


def resolve(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """Resolve ``path`` against the project root unless it is absolute.

    Examples
    --------
    >>> from cxkit.paths import resolve, project_root
    >>> resolve("data/sample") == project_root() / "data" / "sample"
    True
    """
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    return (Path(root) if root is not None else project_root()) / p


def from_root(path: str | os.PathLike, root: str | os.PathLike | None = None) -> str:
    """A path as the user knows it: relative to the project root if inside it, else whole.

    Examples
    --------
    >>> from cxkit.paths import from_root, project_root
    >>> from_root(project_root() / "params" / "planning.yaml"), from_root("/elsewhere/x.csv")
    ('params/planning.yaml', '/elsewhere/x.csv')
    """
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path(root or project_root()).resolve()))
    except ValueError:
        return str(path)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file, then a rename.

    A reader never sees a half-written file, and an interrupted write leaves the
    previous file in place.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{temporary_tag()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # name the file the user asked for, not our temporary
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# --------------------------------------------------------------------------- temporaries
HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
_TMP_NAME = re.compile(r"^\..+\.(?P<host>[0-9a-f]{6})-(?P<pid>\d+)\.\d+\.tmp(\..+)?$")


def temporary_tag() -> str:
    """What makes a run's temporary names its own: this host, this process, this moment."""
    return f"{HOST}-{os.getpid()}.{time.monotonic_ns()}"


def alive(pid: int) -> bool:
    """Whether a process of this machine with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale_temporaries(out: Path) -> list[Path]:
    """Remove the temporary files that runs killed on this machine left in ``out``.

    A run's temporaries are named ``.<stem>.<host>-<pid>.<n>.tmp.*``; those of a process
    of this host that no longer exists are stale (the run was killed, e.g. ``kill -9``).
    Runs still going, and runs of other machines sharing the folder, are left alone.
    """
    removed = []
    try:
        entries = list(out.iterdir())
    except OSError:
        return removed
    for p in entries:
        m = _TMP_NAME.match(p.name)
        if m and m["host"] == HOST and not alive(int(m["pid"])) and p.is_file():
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


# --------------------------------------------------------------------------- file names
MAX_STEM = 60
# Windows device names (with any extension), and the batch's own files
_RESERVED = ({"con", "prn", "aux", "nul", "batch"} | {f"com{i}" for i in range(10)}
             | {f"lpt{i}" for i in range(10)})


def digest(account: str, length: int = 8) -> str:
    """The first `length` hex digits of the SHA-256 of `account` (a stable tag for a name)."""
    return hashlib.sha256(account.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def file_stem(account: str) -> str:
    """A file name stem for an account id, safe on Windows, macOS and Linux.

    Letters, digits, ``_`` and ``-`` are kept; anything else becomes ``_``; no dots, so no
    stem can end in ``.failed`` or meet another's ``.failed.ipynb``. An id that had to be
    changed, is longer than 60 characters, or is a reserved name (``CON``, ``NUL``,
    ``COM1``..., or ``batch``, which is the batch's own ``batch.json``) gets ``-`` and 8
    hex digits of its SHA-256, so the stem is distinct and the same in every batch.

    Examples
    --------
    >>> file_stem("A0012")
    'A0012'
    >>> file_stem("ACME / EMEA")
    'ACME_EMEA-bba40780'
    >>> file_stem("CON"), file_stem("-rf"), file_stem("Q1.failed")
    ('CON-a3dbc4b6', 'rf-686c39ac', 'Q1_failed-0b99ef56')
    """
    text = str(account)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-") or "account"
    if stem == text and len(stem) <= MAX_STEM and stem.casefold() not in _RESERVED:
        return stem
    return f"{stem[:MAX_STEM].rstrip('_-')}-{digest(text)}"
