"""The package's modules import one another without a loop.

A loop makes the order of imports matter (a module half initialised when another reads
it) and the code harder to take apart. Every import counts: at the top, inside functions
(a lazy import only hides a loop), and under TYPE_CHECKING.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Optional

import wasm2pyext


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package at `root`."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.with_suffix("").relative_to(root.parent).parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, anywhere in its code."""
    modules = module_names(root)
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                # `from a import b` imports the module a.b where there is one, else a.
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            else:
                continue
            imported.update(t for t in targets if t in modules and t != name)
        graph[name] = imported
    return graph


def find_loop(graph: dict[str, set[str]]) -> Optional[list[str]]:
    """One loop of imports (its modules, the first repeated at the end), or None.
    A depth-first walk: a loop is an import of a module still on the walk's path."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path = [start]
        pending = [iter(sorted(graph[start]))]
        while pending:
            module = next(pending[-1], None)
            if module is None:
                pending.pop()
                done.add(path.pop())
            elif module in path:
                return path[path.index(module):] + [module]
            elif module not in done:
                path.append(module)
                pending.append(iter(sorted(graph[module])))
    return None


def test_the_package_has_no_import_loop():
    loop = find_loop(import_graph(Path(wasm2pyext.__file__).parent))
    assert loop is None, "import loop: " + " -> ".join(loop)


def test_a_loop_through_a_lazy_or_type_checking_import_is_found(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from .sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from ..c import x\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\nx = 1\n")
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.c"}
    assert find_loop(graph) == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]
    (package / "c.py").write_text("x = 1\n")
    assert find_loop(import_graph(package)) is None
