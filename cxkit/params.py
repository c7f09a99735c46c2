"""Notebook parameters: declared once, checked everywhere.

A notebook declares its parameters in one cell tagged ``parameters``, one per
line with a type annotation and a help comment::

    data_dir: str = "data/sample"  # folder with the input tables

papermill injects the values it is given as plain assignments in a cell that
starts with ``# Parameters``, and only *warns* about a name the notebook does
not declare. The notebook's next cell therefore calls :func:`check`, which stops
with a clear :class:`~cxkit.errors.ParameterError` on an unknown name or a value
of the wrong type. :func:`check_values` does the same before a run, against
the parameters papermill reads from the notebook, and :func:`load_yaml` reads a
``params/<notebook>.yaml`` file.
"""
from __future__ import annotations

import ast
import difflib
import os
import types
import typing
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import ParameterError

_INJECTED_HEADER = "# Parameters"


def _type_name(tp) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def matches(value, tp) -> bool:
    """Whether ``value`` is of the annotated type ``tp``.

    Supports plain classes, ``X | None``, ``Optional``, ``Union``, ``list[X]``,
    ``dict[K, V]`` and ``Literal[...]``; an int is accepted where a float is
    declared, a bool is not accepted for an int.

    Examples
    --------
    >>> matches(3, float), matches(True, int), matches(["a"], list[str])
    (True, False, True)
    """
    if tp is Any or tp is typing.Any:
        return True
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return any(matches(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if tp is type(None) or tp is None:
        return value is None
    if origin in (list, tuple, set):
        return isinstance(value, (list, tuple)) and all(matches(v, args[0]) for v in value) \
            if args else isinstance(value, (list, tuple))
    if origin is dict:
        if not isinstance(value, dict):
            return False
        return not args or all(matches(k, args[0]) and matches(v, args[1])
                               for k, v in value.items())
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True  # an annotation we cannot check is not an error


def _injected_names(namespace: Mapping[str, Any]) -> list[str]:
    """Names assigned in papermill's injected ``# Parameters`` cell, if it ran."""
    history = namespace.get("In")
    if not isinstance(history, list):
        return []
    for source in reversed(history):
        if isinstance(source, str) and source.lstrip().startswith(_INJECTED_HEADER):
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return []
            names = []
            for node in tree.body:
                if isinstance(node, ast.Assign):
                    names += [t.id for t in node.targets if isinstance(t, ast.Name)]
            return names
    return []


def _declared(namespace: Mapping[str, Any]) -> dict[str, Any]:
    ann = namespace.get("__annotations__")
    if ann is None and callable(namespace.get("__annotate__")):  # Python 3.14 lazy annotations
        ann = namespace["__annotate__"](1)
    return dict(ann or {})


def check(namespace: Mapping[str, Any], notebook: str = "notebook") -> dict[str, Any]:
    """Check a notebook's parameters after papermill injected them.

    Call it in the cell after the ``parameters`` cell, as
    ``params = cxkit.params.check(globals(), "data_overview")``.

    Parameters
    ----------
    namespace : mapping
        The notebook's globals: the declared parameters are its annotated names.
    notebook : str
        The notebook's name, for the error message.

    Returns
    -------
    dict
        The declared parameters and their values.

    Raises
    ------
    ParameterError
        If papermill injected a name the notebook does not declare, or a value is
        not of the declared type.
    """
    declared = _declared(namespace)
    if not declared:
        raise ParameterError(f"{notebook}: no annotated parameters found; declare them in the "
                             "`parameters` cell as `name: type = value  # help`")
    problems = []
    for name in _injected_names(namespace):
        if name not in declared:
            problems.append(_unknown(name, declared, notebook))
    values = {name: namespace.get(name) for name in declared}
    problems += _type_problems(values, declared, notebook)
    if problems:
        raise ParameterError("\n".join(problems))
    return values


def _unknown(name, declared, notebook) -> str:
    close = difflib.get_close_matches(name, list(declared), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return (f"{notebook}: unknown parameter '{name}'{hint} "
            f"(parameters: {', '.join(declared)})")


def _type_problems(values: Mapping[str, Any], declared: Mapping[str, Any], notebook: str) -> list:
    out = []
    for name, value in values.items():
        tp = declared.get(name)
        if tp is not None and not matches(value, tp):
            out.append(f"{notebook}: parameter '{name}' must be {_type_name(tp)}, "
                       f"got {value!r} ({type(value).__name__})")
    return out


# --------------------------------------------------------------------------- before a run
_PAPERMILL_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "dict": dict,
                    "list": list, "None": type(None)}


def notebook_parameters(path: str | os.PathLike) -> dict[str, dict]:
    """The parameters a notebook declares, as papermill reads them.

    Returns a mapping of name to ``{"type", "default", "help"}``.
    """
    import papermill as pm
    try:
        found = pm.inspect_notebook(str(path))
    except Exception as exc:  # no parameters cell, unreadable notebook
        raise ParameterError(f"{path}: cannot read its parameters ({exc})") from None
    return {name: {"type": info["inferred_type_name"], "default": info["default"],
                   "help": info["help"]} for name, info in found.items()}


def _annotation(text: str):
    """Turn papermill's type text (``str``, ``list[str]``, ``str | None``) into a type."""
    if text in (None, "", "None"):
        return None
    try:
        return eval(text, {"__builtins__": {}}, {**_PAPERMILL_TYPES, "Any": Any,  # noqa: S307
                                                 "Literal": typing.Literal,
                                                 "Optional": typing.Optional})
    except Exception:
        return None


def check_values(values: Mapping[str, Any], declared: Mapping[str, dict],
                 notebook: str = "notebook") -> None:
    """Check parameter values against a notebook's declarations before running it.

    Raises
    ------
    ParameterError
        Naming every unknown parameter and every value of the wrong type.
    """
    problems = [_unknown(n, declared, notebook) for n in values if n not in declared]
    types_ = {n: _annotation(d["type"]) for n, d in declared.items()}
    problems += _type_problems({n: v for n, v in values.items() if n in declared},
                               {n: t for n, t in types_.items() if t is not None}, notebook)
    if problems:
        raise ParameterError("\n".join(problems))


def read_yaml_mapping(path: str | os.PathLike, what: str, shown: str | None = None,
                      expected: str = "a mapping") -> dict[str, Any]:
    """Read a YAML file that holds a mapping; clear errors for a missing or broken file.

    ``what`` names the file in the not-found message ("parameters file"); ``shown`` is
    the path as the user gave it (default ``path``); an empty file is an empty mapping.
    """
    shown = str(path) if shown is None else shown
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{shown}: {what} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ParameterError(f"{shown}: not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError(f"{shown}: expected {expected}")
    return data


def load_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a parameters YAML file: a mapping of parameter names to values."""
    return read_yaml_mapping(path, "parameters file",
                             expected="a mapping of parameter names to values")


def parse_value(text: str) -> Any:
    """Parse a ``-p NAME VALUE`` value as YAML: ``5`` is an int, ``[a, b]`` a list."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text
