"""The shape of the package: no module of ``compliance`` imports, directly or through others, a
module that imports it back (at module level or inside a function: either is a cycle the next
change can trip over), and the layers import downwards only."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "compliance"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ours an imported name is (``a.b.c`` may be ``a.b`` with an attribute c)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def import_graph() -> dict[str, set[str]]:
    """Each module's imports of other modules of the package, at any depth of its code (a
    ``TYPE_CHECKING`` block is not an import at run time and is left out)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        typing_only: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
                typing_only.update(id(child) for stmt in node.body for child in ast.walk(stmt))
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # a submodule named in ``from a import b`` is that module; any other name is base's
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            for target in targets:
                module = _resolve(target, modules)
                if module is not None and module != name:
                    found.add(module)
        graph[name] = found
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def _imports_within(graph: dict[str, set[str]], source: str, layer: str) -> list[str]:
    return sorted(f"{name} -> {target}" for name, targets in graph.items() if name.startswith(source) for target in targets if target.startswith(layer))


def test_the_graph_sees_function_level_and_relative_imports() -> None:
    graph = import_graph()
    assert "compliance.kinds.training_tree.audit" in graph["compliance.kinds.training_tree"]  # inside _check
    assert "compliance.registry" in graph["compliance.kinds.training_logs"]
    assert "compliance.models.findings" in graph["compliance.registry"]


def test_no_import_cycle_among_the_modules_of_compliance() -> None:
    cycles = _cycles(import_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(group) for group in cycles)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_layers_import_downwards() -> None:
    """Parsers read files into models and rules judge models: neither knows the kinds, the engine or
    the reporters; kinds never import the engine; models import no layer above them."""
    graph = import_graph()
    upward = []
    for lower in ("compliance.parsers", "compliance.rules", "compliance.models", "compliance.rulebook"):
        for upper in ("compliance.kinds.", "compliance.engine", "compliance.reporters", "compliance.cli", "compliance.settle"):
            upward += _imports_within(graph, lower, upper)
    upward += _imports_within(graph, "compliance.kinds", "compliance.engine")
    upward += _imports_within(graph, "compliance.models", "compliance.parsers")
    # Report.to_frame (for notebooks) gives the JSON report's rows to pandas, inside the method
    allowed = {"compliance.models.report -> compliance.reporters.json"}
    assert sorted(set(upward) - allowed) == [], upward


FILE_ACCESS = {"open", "read_regular", "read_text", "read_bytes", "scandir", "listdir", "walk", "stat", "lstat", "glob", "rglob", "iterdir"}


def test_rules_never_open_files() -> None:
    """Rules judge models: every file is read by a parser, before the rules run."""
    calls = []
    for path in sorted((PACKAGE / "rules").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in FILE_ACCESS:
                    calls.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {name}()")
    assert not calls, calls


def test_no_merge_conflict_markers_in_tracked_files() -> None:
    """A merge left half-resolved (``<<<<<<<`` ... ``>>>>>>>``) must not reach the docs, data or code."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    marked = []
    for name in listed.decode("utf-8", "surrogateescape").split("\0"):
        path = root / name
        if not name or not path.is_file() or path.suffix not in {".py", ".md", ".toml", ".json", ".yaml", ".tsv", ".txt", ".cfg", ""}:
            continue
        try:
            text = path.read_text("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if line.startswith(("<<<<<<< ", ">>>>>>> ")) and len(line) > 8:
                marked.append(f"{name}:{number}")
    assert not marked, "merge conflict markers: " + ", ".join(marked[:10])
