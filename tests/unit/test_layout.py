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


class _Tarjan:
    """Strongly connected components of an import graph (the circles are those of size > 1)."""

    def __init__(self, graph: dict[str, set[str]]) -> None:
        self.graph = graph
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.on: set[str] = set()
        self.found: list[list[str]] = []

    def visit(self, v: str) -> None:
        self.index[v] = self.low[v] = len(self.index)
        self.stack.append(v)
        self.on.add(v)
        for w in self.graph[v]:
            if w not in self.index:
                self.visit(w)
                self.low[v] = min(self.low[v], self.low[w])
            elif w in self.on:
                self.low[v] = min(self.low[v], self.index[w])
        if self.low[v] == self.index[v]:
            self._pop(v)

    def _pop(self, v: str) -> None:
        component = []
        while True:
            w = self.stack.pop()
            self.on.discard(w)
            component.append(w)
            if w == v:
                break
        if len(component) > 1:
            self.found.append(sorted(component))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    tarjan = _Tarjan(graph)
    for v in graph:
        if v not in tarjan.index:
            tarjan.visit(v)
    return tarjan.found


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
