"""The package's shape: no import circle (function-local and TYPE_CHECKING imports count), no
module over 400 lines, and a README config reference that matches the config classes."""

import ast
from pathlib import Path

from syndgen.config_reference import reference_markdown

SRC = Path(__file__).resolve().parents[2] / "src"
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "syndgen").rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.ImportFrom) and node.level:
                parts = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                package = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*package, node.module] if node.module else package)
                names = [f"{base}.{a.name}" for a in node.names]
                targets = [base, *names] if node.module else names  # `from . import x` is x
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circle():
    graph = _graph()
    assert "syndgen.kinds.qa" in graph["syndgen.kinds.grounded"]  # the checker sees real imports
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_planted_circle():
    graph = _graph()
    graph["syndgen.records"].add("syndgen.runner.run")
    assert any("syndgen.records" in c and "syndgen.runner.run" in c for c in _cycles(graph))


def test_no_module_is_over_400_lines():
    sizes = {str(p.relative_to(SRC)): len(p.read_text().splitlines()) for p in _modules().values()}
    assert {p: n for p, n in sizes.items() if n > MAX_LINES} == {}


def test_the_readme_config_reference_is_generated_from_the_config():
    readme = (SRC.parent / "README.md").read_text(encoding="utf-8")
    assert reference_markdown() in readme, (
        "regenerate it: python -m syndgen.config_reference --write README.md"
    )
