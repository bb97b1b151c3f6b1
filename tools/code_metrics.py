"""Structural metrics of the ``analysis`` package, for before/after notes on refactors.

Prints three numbers and their details:

- functions (and methods) longer than ``--max-lines`` lines (default 80), counted from the
  ``def`` line to the last line of the body;
- imports of private (``_underscore``) names across modules: ``from a.b import _x`` where
  ``a.b`` is another module of the package, and ``mod._x`` attribute access on an imported
  package module (``_core``, the compiled extension, is counted apart, as the documented seam);
- import cycles between package modules (strongly connected components of the graph of
  module-level and function-level imports).

Run ``python tools/code_metrics.py`` from the repository root (``--json`` for machine output).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path, root: Path) -> str:
    """Dotted module name of ``path`` relative to ``root`` (``analysis/a/b.py`` -> ``analysis.a.b``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(current: str, is_package: bool, level: int, module: str | None) -> str:
    """Absolute name of a relative ``from`` import found in module ``current``."""
    if level == 0:
        return module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([module] if module else []))


def parse_package(package: Path) -> dict[str, tuple[Path, ast.Module]]:
    """Parse every ``.py`` file under ``package`` into ``{module name: (path, tree)}``."""
    root = package.parent
    trees = {}
    for path in sorted(package.rglob("*.py")):
        trees[module_name(path, root)] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return trees


def long_functions(trees, max_lines: int) -> list[tuple[str, str, int]]:
    """Functions whose ``def``-to-end span exceeds ``max_lines``: ``(module, qualname, lines)``."""
    found = []
    for name, (_, tree) in trees.items():
        stack = [(tree, "")]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    qual = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        span = child.end_lineno - child.lineno + 1
                        if span > max_lines:
                            found.append((name, qual, span))
                    stack.append((child, qual + "."))
    return sorted(found, key=lambda item: -item[2])


def _known(modules, target: str) -> str | None:
    """The package module ``target`` names (itself, or the module holding that attribute)."""
    if target in modules:
        return target
    head = target.rpartition(".")[0]
    return head if head in modules else None


def imports(trees) -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    """Import graph between package modules and the private names crossing modules."""
    modules = set(trees)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    private = []
    for name, (path, tree) in trees.items():
        is_pkg = path.name == "__init__.py"
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = resolve(name, is_pkg, node.level, node.module)
                for alias in node.names:
                    full = f"{base}.{alias.name}" if base else alias.name
                    if full in modules:  # importing a submodule
                        graph[name].add(full)
                        aliases[alias.asname or alias.name] = full
                        continue
                    target = _known(modules, base)
                    if target is None:
                        continue
                    if target != name:
                        graph[name].add(target)
                    if alias.name.startswith("_") and target != name and alias.name != "_core":
                        private.append((name, target, alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules:
                        graph[name].add(alias.name)
                        aliases[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                target = aliases[node.value.id]
                if target != name and not target.endswith("._core"):
                    private.append((name, target, node.attr))
    for mod, deps in graph.items():
        deps.discard(mod)
    return graph, sorted(set(private))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def package_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles when modules are merged into their package (``analysis.text.corpus`` -> ``analysis.text``).

    Parent-package edges (a module importing its own ``__init__``) are dropped: a package's
    ``__init__`` re-exporting its modules is not a cycle between rooms.
    """
    merged: dict[str, set[str]] = {}
    for mod, deps in graph.items():
        room = ".".join(mod.split(".")[:2])
        merged.setdefault(room, set())
        for dep in deps:
            other = ".".join(dep.split(".")[:2])
            if other != room and other != "analysis":
                merged[room].add(other)
    return cycles(merged)


def metrics(package: Path, max_lines: int = 80) -> dict:
    """All metrics as a JSON-friendly dict."""
    trees = parse_package(package)
    graph, private = imports(trees)
    return {
        "functions_over": [list(item) for item in long_functions(trees, max_lines)],
        "private_imports": [list(item) for item in private],
        "module_cycles": cycles(graph),
        "package_cycles": package_cycles(graph),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default=str(ROOT / "analysis"))
    parser.add_argument("--max-lines", type=int, default=80)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every finding")
    args = parser.parse_args(argv)
    found = metrics(Path(args.package), args.max_lines)
    if args.json:
        print(json.dumps(found, indent=1))
        return 0
    print(f"functions over {args.max_lines} lines: {len(found['functions_over'])}")
    if args.verbose:
        for mod, qual, span in found["functions_over"]:
            print(f"  {span:4d}  {mod}.{qual}")
    print(f"private names imported across modules: {len(found['private_imports'])}")
    if args.verbose:
        for mod, target, attr in found["private_imports"]:
            print(f"  {mod} -> {target}.{attr}")
    print(f"module import cycles: {len(found['module_cycles'])}")
    for comp in found["module_cycles"]:
        print("  " + " <-> ".join(comp))
    print(f"package (room) import cycles: {len(found['package_cycles'])}")
    for comp in found["package_cycles"]:
        print("  " + " <-> ".join(comp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
