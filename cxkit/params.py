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

import yaml

from .errors import ParameterError

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
        problems += preflight.problems(values, dict.fromkeys(values, notebook))
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


# --------------------------------------------------------------------------- YAML
_DECIMAL_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")


class SafeYamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader, stricter for configuration a person writes or pastes.

    - Anchors and aliases (``&name``, ``*name``, ``<<: *name``) are refused: a few
      hundred bytes of nested aliases ("billion laughs") expand to gigabytes.
    - Dates stay text (``2024-03-31`` is the string a parameter documents).
    - Whole numbers are decimal only: ``00123`` is the text ``"00123"``, never the octal
      83, and ``1:30`` is text, never the sexagesimal 90.
    """

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlAliasError(event.start_mark)
        return super().compose_node(parent, index)


class YamlAliasError(yaml.YAMLError):
    """An anchor or alias in YAML that cxkit reads."""

    def __init__(self, mark):
        super().__init__("anchors and aliases are not allowed")
        self.problem_mark = mark


SafeYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
SafeYamlLoader.add_implicit_resolver("tag:yaml.org,2002:int", _DECIMAL_INT,
                                     list("-+0123456789"))


def _yaml_error(exc: yaml.YAMLError, shown: str) -> ParameterError:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark else ""
    if isinstance(exc, YamlAliasError):
        return ParameterError(f"{shown}: YAML anchors and aliases (&name, *name) are not "
                              f"allowed{where}; write the values out")
    return ParameterError(f"{shown}: not valid YAML{where}")


def _compose(text: str, shown: str):
    """The YAML node tree of ``text`` (None for an empty document)."""
    try:
        return yaml.compose(text, Loader=SafeYamlLoader)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, shown) from None


def _construct(node, shown: str):
    loader = SafeYamlLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, shown) from None
    finally:
        loader.dispose()


def safe_load(text: str, shown: str = "<yaml>"):
    """Parse YAML text with :class:`SafeYamlLoader`; a clear :class:`ParameterError` if not.

    Examples
    --------
    >>> safe_load("n: 00123\\ndate: 2024-03-31\\nshare: 0.5")
    {'n': '00123', 'date': '2024-03-31', 'share': 0.5}
    >>> safe_load("a: &x [1]\\nb: *x", "p.yaml")
    Traceback (most recent call last):
    cxkit.errors.ParameterError: p.yaml: YAML anchors and aliases (&name, *name) are not allowed at line 1; write the values out
    """
    node = _compose(text, shown)
    return None if node is None else _construct(node, shown)


def read_yaml_mapping(path: str | os.PathLike, what: str, shown: str | None = None,
                      expected: str = "a mapping", text_keys: Iterable[str] = ()
                      ) -> dict[str, Any]:
    """Read a YAML file that holds a mapping; clear errors for a missing or broken file.

    ``what`` names the file in the not-found message ("parameters file"); ``shown`` is
    the path as the user gave it (default ``path``); an empty file is an empty mapping.
    Read with :class:`SafeYamlLoader` (no anchors or aliases). A top-level key in
    ``text_keys`` whose value is written plain (unquoted) keeps its text as written.
    """
    shown = str(path) if shown is None else shown
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{shown}: {what} not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ParameterError(f"{shown}: not UTF-8 text; save it as UTF-8") from None
    node = _compose(text, shown)
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise ParameterError(f"{shown}: expected {expected}")
    text_keys = set(text_keys)
    data = {}
    for key_node, value_node in node.value:
        key = _construct(key_node, shown)
        if (key in text_keys and isinstance(value_node, yaml.ScalarNode)
                and value_node.style is None):
            data[key] = value_node.value
        else:
            data[key] = _construct(value_node, shown)
    return data


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
    Anything else (``dict``, ``list``, undeclared): YAML, read by :class:`SafeYamlLoader`.
    A value that does not parse is returned as text, for the type check to name.

    Examples
    --------
    >>> parse_value("00123", "str"), parse_value("00123", "int"), parse_value("[a, b]", "list")
    ('00123', 123, ['a', 'b'])
    >>> parse_value("A00003 #2", "str"), parse_value("-2+3", "str"), parse_value("", "str")
    ('A00003 #2', '-2+3', '')
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
