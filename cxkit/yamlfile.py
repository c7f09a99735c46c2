"""YAML a person writes: read safely, with errors naming the file and the line.

The parameter files, the data folder's own description (``cxkit.yaml``) and the
configuration files (CHI model, KPI definitions, planning rules) are all read here.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable

import yaml

from .errors import ParameterError

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
