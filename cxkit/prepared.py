"""Work prepared once for a batch and handed to each account's run.

A batch of account reports (:mod:`cxkit.batch`) fits the portfolio once and stores each
account's share of it in a private folder, which it names to its runs' kernels in the
``CXKIT_PREPARED`` environment variable. A run looks its share up under a key that it
computes itself from the **content** of the files it reads (SHA-256 of their bytes), its
settings and cxkit's version. The batch hashes the files once; a run reuses a digest only
for a file whose size, modification and change times and inode are still those the batch
saw (as git's index does), so a run's cost does not grow with the size of the data. A share stored under any other key (other data, a changed
file, another configuration) is never found: the run then loads and fits everything
itself, as it does on its own in JupyterLab or under plain papermill.

The folder is the batch's alone (mode 0700, in the temporary folder, named with the
batch's host and process id); the batch removes it when it ends, and a later batch
removes one left by a batch that was killed. Shares are pickles: only cxkit writes them,
and only there.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any, Iterable, Mapping

ENV_VAR = "CXKIT_PREPARED"
_USED = ".used"
_DIGESTS = "digests.json"


def _stat(path: str | os.PathLike) -> list[int]:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def file_digest(path: str | os.PathLike, known: Mapping[str, list] | None = None) -> str:
    """SHA-256 of a file's bytes, in hex.

    Parameters
    ----------
    path : path
    known : mapping, optional
        Digests taken earlier (:func:`digests`): one is used when the file still has the
        size, modification and change times (nanoseconds) and inode it had then, as git's
        index does. Any write changes the change time, which no program can set back, so a
        changed file is always read again.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b"account_id\\nA1\\n")
    >>> file_digest(p) == hashlib.sha256(b"account_id\\nA1\\n").hexdigest()
    True
    """
    entry = (known or {}).get(str(path))
    if entry is not None and entry[:4] == _stat(path):
        return entry[4]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def digests(files: Iterable[str | os.PathLike]) -> dict[str, list]:
    """Each file's size, modification and change times, inode and SHA-256, by path."""
    return {str(p): [*_stat(p), file_digest(p)] for p in files}


def content_key(settings: Mapping[str, Any], files: Mapping[str, str | os.PathLike | None],
                known: Mapping[str, list] | None = None) -> str:
    """The key of prepared work: its settings, the content of its files and cxkit's version.

    Parameters
    ----------
    settings : mapping
        Everything besides the files that the work depends on (JSON-able).
    files : mapping of str to path or None
        The files it reads, by name; ``None`` for a file that is not there.
    known : mapping, optional
        Digests the batch took (:func:`known_digests`), used for files unchanged since.

    Returns
    -------
    str
        32 hex digits; any change to a file's bytes, a setting or the version changes it.
    """
    from . import __version__

    blob = json.dumps({"cxkit": __version__, "settings": settings,
                       "files": {k: None if v is None else file_digest(v, known)
                                 for k, v in sorted(files.items())}},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def record_digests(folder: str | os.PathLike, files: Iterable[str | os.PathLike]) -> dict:
    """Take the files' digests (:func:`digests`) and keep them in ``folder`` for the runs,
    so a run checks its files' identity without reading them again; returns them."""
    known = digests(files)
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / _DIGESTS).write_text(json.dumps(known), encoding="utf-8")
    return known


def known_digests() -> dict:
    """The digests this run's batch took (:func:`record_digests`); empty outside a batch."""
    folder = os.environ.get(ENV_VAR)
    try:
        return json.loads((Path(folder) / _DIGESTS).read_text(encoding="utf-8")) if folder \
            else {}
    except (OSError, ValueError):
        return {}


def _share(folder: Path, key: str, name: str) -> Path:
    from .paths import digest

    return folder / key / f"{digest(name, 24)}.pkl"


def store(folder: str | os.PathLike, key: str, shares: Iterable[tuple[str, Any]]) -> int:
    """Write each ``(name, object)`` share under ``key`` in ``folder``; returns how many."""
    folder = Path(folder)
    (folder / key).mkdir(parents=True, exist_ok=True)
    n = 0
    for name, obj in shares:
        path = _share(folder, key, name)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        n += 1
    return n


def fetch(key: str | None, name: str) -> Any | None:
    """The share ``name`` stored under ``key`` by this run's batch, or None.

    None when no batch named a folder (``CXKIT_PREPARED`` unset), when ``key`` is None, or
    when nothing is stored under this key and name. A share that is found is marked used,
    so the batch can say how many runs read their share (:func:`used`).
    """
    folder = os.environ.get(ENV_VAR)
    if not folder or key is None:
        return None
    path = _share(Path(folder), key, name)
    try:
        with open(path, "rb") as fh:
            obj = pickle.load(fh)
    except FileNotFoundError:
        return None
    Path(str(path) + _USED).touch()
    return obj


def used(folder: str | os.PathLike) -> int:
    """How many shares in ``folder`` a run has read."""
    return sum(1 for _ in Path(folder).glob(f"*/*.pkl{_USED}"))


def private_folder() -> Path:
    """A new folder for one batch's prepared work, private to this user and process.

    A kernel folder (:func:`cxkit.runner.kernel_folder`), so one left by a batch that was
    killed is removed by :func:`cxkit.runner.clean_kernel_folders`.
    """
    from .runner import kernel_folder

    return Path(kernel_folder("prepared-"))


def remove(folder: str | os.PathLike | None) -> None:
    """Remove a batch's prepared folder (nothing if None)."""
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
