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
import functools
import math
import os
import re
import typing
from pathlib import Path
from typing import Any, Iterable, Mapping

from .errors import ParameterError
from .yamlfile import SafeYamlLoader, YamlAliasError, read_yaml_mapping, safe_load  # noqa: F401

_INJECTED_HEADER = "# Parameters"
#: set by the runner in a kernel whose parameters it checked against the data
CHECKED_VAR = "CXKIT_PARAMETERS_CHECKED"


def _type_name(tp) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


@functools.lru_cache(maxsize=None)
def _adapter(tp):
    from pydantic import TypeAdapter
    return TypeAdapter(tp)


def matches(value, tp) -> bool:
    """Whether ``value`` is of the annotated type ``tp`` (pydantic, strict mode).

    Any annotation pydantic knows: plain classes, ``X | None``, ``Optional``,
    ``Union``, ``list[X]``, ``dict[K, V]``, ``Literal[...]``. Strict, so nothing is
    converted: ``"3"`` is not an int; an int is accepted where a float is declared, a
    bool is not accepted for an int.

    Examples
    --------
    >>> matches(3, float), matches(True, int), matches(["a"], list[str])
    (True, False, True)
    >>> matches({"kpis": {"metric": "kpi"}}, dict[str, dict[str, str]]), matches("3", int)
    (True, False)
    """
    from pydantic import ValidationError

    if tp is Any or tp is typing.Any:
        return True
    try:
        adapter = _adapter(tp)
    except Exception:  # an annotation we cannot check is not an error
        return True
    try:
        adapter.validate_python(value, strict=True)
    except ValidationError:
        return False
    return True


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
        If papermill injected a name the notebook does not declare, a value is not of
        the declared type, or :mod:`cxkit.preflight` finds it does not fit the data (not
        checked again under ``cxkit run`` or ``cxkit batch``, which check it before the
        kernel starts).
    """
    declared = _declared(namespace)
    if not declared:
        raise ParameterError(f"{notebook}: no annotated parameters found; declare them in the "
                             "`parameters` cell as `name: type = value  # help`")
    if not os.environ.get(CHECKED_VAR):  # `cxkit run` injected the folder's already
        folder_parameters(namespace, notebook)
    problems = []
    for name in _injected_names(namespace):
        if name not in declared:
            problems.append(_unknown(name, declared, notebook))
    values = {name: namespace.get(name) for name in declared}
    problems += _type_problems(values, declared, notebook)
    # the values against the data: choices, files, tables, columns; `cxkit run` and
    # `cxkit batch` did this before the kernel started, on the same values
    if not problems and not os.environ.get(CHECKED_VAR):
        from . import preflight
        problems += preflight.problems(values, dict.fromkeys(values, notebook), report=notebook)
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
            hint = ""
            if _type_name(tp).startswith("list"):
                hint = f" (type -p {name} a,b or -p {name} '[a, b]')"
            elif _type_name(tp).startswith("dict"):
                hint = f" (type -p {name} '{{key: value}}')"
            out.append(f"{notebook}: parameter '{name}' must be {_type_name(tp)}, "
                       f"got {value!r} ({type(value).__name__}){hint}")
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


def declared_defaults(declared: Mapping[str, dict], names: Iterable[str] | None = None
                      ) -> dict[str, Any]:
    """The defaults a notebook's ``parameters`` cell gives (those that are Python literals).

    >>> declared_defaults({"data_dir": {"default": '"data/sample"'}, "x": {"default": "f()"}})
    {'data_dir': 'data/sample'}
    """
    out = {}
    for name in (declared if names is None else names):
        try:
            out[name] = ast.literal_eval(declared[name]["default"])
        except (KeyError, ValueError, SyntaxError, TypeError):
            pass
    return out


_NAMES = {**_PAPERMILL_TYPES, "Any": Any, "Literal": typing.Literal,
          "Optional": typing.Optional}


def _annotation(text: str):
    """Turn papermill's type text (``str``, ``list[str]``, ``str | None``) into a type.

    The text is parsed, never run: only the names of plain types, ``X | Y``,
    ``list[...]``, ``dict[...]``, ``Optional[...]`` and ``Literal[...]`` of constants are
    understood; anything else gives None (not checked).

    >>> _annotation("dict[str, list[int]] | None"), _annotation("__import__('os')")
    (dict[str, list[int]] | None, None)
    """
    if text in (None, "", "None"):
        return None

    def build(node):
        if isinstance(node, ast.Name) and node.id in _NAMES:
            return _NAMES[node.id]
        if isinstance(node, ast.Constant) and node.value is None:
            return type(None)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return build(node.left) | build(node.right)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            head = node.value.id
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if head == "Literal":
                if not all(isinstance(i, ast.Constant) for i in items):
                    raise ValueError(text)
                return typing.Literal[tuple(i.value for i in items)]
            if head in ("list", "dict", "Optional"):
                args = tuple(build(i) for i in items)
                return _NAMES[head][args if len(args) > 1 else args[0]]
        raise ValueError(text)

    try:
        return build(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, TypeError):
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


# --------------------------------------------------------------------------- all levels
def merged_parameters(notebook: str | os.PathLike, params_file=None,
                      overrides: Mapping[str, Any] | None = None, root=None
                      ) -> tuple[dict[str, Any], dict[str, str]]:
    """The parameters a run of ``notebook`` uses, and where each was set.

    Precedence, lowest first: the notebook's defaults (not returned: the notebook has
    them), ``params/NOTEBOOK.yaml``, the data folder's ``cxkit.yaml``
    (:meth:`cxkit.io.folder.DataFolder.parameters_for`), ``params_file`` (``-f``, which
    replaces ``params/NOTEBOOK.yaml``), then ``overrides`` (``-p``). Column mappings merge
    per column (:func:`cxkit.io.folder.merge_columns`).

    Returns
    -------
    values : dict
        Every parameter set above the notebook's defaults.
    sources : dict
        Where each was set: a file as the user knows it, or ``"command line"``.
    """
    from .io.folder import describe, merge_columns
    from .paths import from_root, project_root, resolve

    root = Path(root) if root is not None else project_root()
    notebook = Path(notebook)
    declared = notebook_parameters(notebook)
    default_file = root / "params" / f"{notebook.stem}.yaml"
    file = resolve(params_file, root) if params_file is not None else default_file
    file_values = load_yaml(file, declared) if params_file is not None or file.is_file() else {}
    overrides = dict(overrides or {})
    folder_values, folder_source = {}, ""
    data_dir = overrides.get("data_dir", file_values.get(
        "data_dir", declared_defaults(declared, ["data_dir"]).get("data_dir")))
    if "data_dir" in declared and isinstance(data_dir, str):
        folder = resolve(data_dir or ".", root)
        if folder.is_dir():  # a missing folder: the check against the data says so
            described = describe(folder)
            folder_values = described.parameters_for(notebook.stem, declared)
            folder_source = described.source or ""
    levels = [(file_values, from_root(file, root)), (folder_values, folder_source)]
    if params_file is not None:  # -f is above the data folder's description
        levels.reverse()
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for level, where in levels + [(overrides, "command line")]:
        for name, value in level.items():
            if (name == "columns" and isinstance(value, Mapping)
                    and isinstance(values.get(name), Mapping)):
                value = merge_columns(values[name], value)
            values[name] = value
            sources[name] = where
    return values, sources


def folder_parameters(namespace: dict, notebook: str) -> dict[str, Any]:
    """Set, in a notebook's namespace, the parameters its data folder's ``cxkit.yaml``
    gives that papermill did not inject: a notebook opened in JupyterLab reads the folder
    as ``cxkit run`` does. Returns what was set.
    """
    from .io.folder import describe, merge_columns
    from .paths import resolve

    declared = _declared(namespace)
    data_dir = namespace.get("data_dir")
    if "data_dir" not in declared or not isinstance(data_dir, str):
        return {}
    folder = resolve(data_dir or ".")
    if not folder.is_dir():
        return {}
    injected = set(_injected_names(namespace))
    given = describe(folder).parameters_for(notebook, declared)
    out = {}
    for name, value in given.items():
        if name in injected:
            continue  # set for this run: above the folder's description
        if name == "columns" and isinstance(namespace.get(name), Mapping):
            value = merge_columns(value, namespace[name])
        namespace[name] = out[name] = value
    return out


# --------------------------------------------------------------------------- YAML
def load_yaml(path: str | os.PathLike, declared: Mapping[str, dict] | None = None
              ) -> dict[str, Any]:
    """Read a parameters YAML file: a mapping of parameter names to values.

    With ``declared`` (:func:`notebook_parameters`), a parameter declared ``str`` keeps
    its text as written (``account_id: 00123`` is ``"00123"``, ``plan_date: 2024-03-31``
    the date as text).
    """
    return read_yaml_mapping(path, "parameters file",
                             expected="a mapping of parameter names to values",
                             text_keys=_text_parameters(declared))


def _text_parameters(declared: Mapping[str, dict] | None) -> list[str]:
    return [n for n, d in (declared or {}).items() if d.get("type") == "str"]


_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0"}


def parse_value(text: str, type_name: str | None = None) -> Any:
    """Parse a ``-p NAME VALUE`` value by the parameter's declared type.

    ``str``: the text as typed (``A00003 #2``, ``00123``, ``2024-03-31`` and ``''`` stay
    text). ``int`` and ``float``: the decimal number. ``bool``: true/false, yes/no, 1/0.
    ``list``: YAML (``[a, b]``), or names separated by commas as a shell user types them
    (``a,b``; one name alone is a list of one). Anything else (``dict``, undeclared):
    YAML, read by :class:`SafeYamlLoader`. A value that does not parse is returned as
    text, for the type check to name.

    Examples
    --------
    >>> parse_value("00123", "str"), parse_value("00123", "int"), parse_value("[a, b]", "list")
    ('00123', 123, ['a', 'b'])
    >>> parse_value("A00003 #2", "str"), parse_value("-2+3", "str"), parse_value("", "str")
    ('A00003 #2', '-2+3', '')
    >>> parse_value("product_quality,PM expertise", "list"), parse_value("IMAG1", "list")
    (['product_quality', 'PM expertise'], ['IMAG1'])
    """
    if type_name == "str":
        return text
    stripped = text.strip()
    if type_name == "int":
        return int(stripped) if re.fullmatch(r"[-+]?[0-9]+", stripped) else text
    if type_name == "float":
        try:
            number = float(stripped)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    if type_name == "bool":
        low = stripped.lower()
        return True if low in _TRUE else False if low in _FALSE else text
    if (type_name or "").startswith("list") and not stripped.startswith("["):
        return [part.strip() for part in stripped.split(",") if part.strip()]
    try:
        return safe_load(text, f"value {text!r}")
    except ParameterError as exc:
        if "aliases" in str(exc):
            raise
        return text


def parse_values(pairs: Iterable[tuple[str, str]], declared: Mapping[str, dict]
                 ) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs typed by the notebook's declarations (:func:`parse_value`)."""
    return {name: parse_value(value, (declared.get(name) or {}).get("type"))
            for name, value in pairs}
