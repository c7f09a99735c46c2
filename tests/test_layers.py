"""The layering of docs/api.md: domain modules compute; presentation lives in cxkit.present.

A domain module may import the presentation layer only inside the functions that show
(``summary``, ``to_excel``, ``plot_*``, ``headlines``), as pandas' ``DataFrame.to_excel``
imports its writers: never at module level.
"""
from __future__ import annotations

import ast
from pathlib import Path

import cxkit

PACKAGE = Path(cxkit.__file__).resolve().parent
# the shell around the analyses: it runs notebooks and writes reports
SHELL = {"runner.py", "cli.py", "batch.py", "__main__.py"}


def _module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _module_level_imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import not inside a function or class."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package[:-1]
    out = []

    def visit(nodes):
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(node, ast.Import):
                out.extend((node.lineno, a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package[:len(package) - node.level + 1] if node.level else []
                mod = ".".join(base + ([node.module] if node.module else []))
                out.extend((node.lineno, f"{mod}.{a.name}" if not node.module else mod)
                           for a in node.names)
            for field in ("body", "orelse", "finalbody", "handlers"):
                visit(getattr(node, field, []) or [])

    visit(tree.body)
    return out


def domain_modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py"))
            if "present" not in p.relative_to(PACKAGE).parts and p.name not in SHELL]


def test_the_import_reader_sees_relative_imports(tmp_path):
    # the check below can only pass honestly if relative imports are resolved
    found = dict(_module_level_imports(PACKAGE / "chi" / "scorecard.py"))
    assert "cxkit.analysis" in found.values() and "cxkit.chi.model" in found.values()
    runner = [m for _, m in _module_level_imports(PACKAGE / "runner.py")]
    assert any(m.startswith("cxkit.present") for m in runner)


def test_no_domain_module_imports_the_presentation_layer_at_module_level():
    found = []
    for path in domain_modules():
        for line, mod in _module_level_imports(path):
            if mod == "cxkit.present" or mod.startswith("cxkit.present."):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {mod}")
    assert len(domain_modules()) > 20
    assert not found, "\n".join(found)
