"""The shape of the package (docs/architecture.md), checked on its source.

* imports run one way: a module imports only modules of its own layer or below
  (:data:`LAYERS`), at module level and inside functions alike, except the few
  documented convenience methods of :data:`UPWARD_ALLOWED`;
* no module imports another public module's private names (``_x``);
* no import cycle among modules at module level;
* no function longer than 150 lines; every module declares ``__all__``;
* the computing layers import neither Streamlit, Folium nor the CLI framework;
* nothing in the repository cites a file outside it (the team's notes).
"""

from __future__ import annotations

import ast
import importlib
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "geo"

#: Layer of each module (longest matching prefix wins); imports go to the same layer or below.
LAYERS: dict[str, int] = {
    # 0 foundation
    "geo.errors": 0,
    "geo.paths": 0,
    "geo.budget": 0,
    "geo.memo": 0,
    "geo.recent": 0,
    "geo.heap": 0,
    "geo.lazy": 0,
    # 1 vocabulary: parameters, coordinate systems, columns and kinds, style, demo data
    "geo.settings": 1,
    "geo.crs": 1,
    "geo.schema": 1,
    "geo.columns": 1,
    "geo.hours": 1,
    "geo.style": 1,
    "geo.demo": 1,
    "geo.demo_city": 1,
    # 2 reading and rules: words, files, cells, filters, 网格 membership, the reach rule
    "geo.words": 2,
    "geo.io": 2,
    "geo.grid": 2,
    "geo.filters": 2,
    "geo.zones": 2,
    "geo.study": 2,
    "geo.gapshapes": 2,
    "geo.reach": 2,
    "geo.assets": 2,
    # 3 inputs and street networks
    "geo.inputs": 3,
    "geo.tally": 3,
    "geo.network": 3,
    # 4 the result model
    "geo.result": 4,
    # 5 the analysis
    "geo.coverage": 5,
    "geo.lean": 5,
    # 6 workflows built on the analysis
    "geo.scenario": 6,
    "geo.siting": 6,
    "geo.distributed": 6,
    # 7 the front door
    "geo.api": 7,
    "geo": 7,
    # 8 presentation
    "geo.maps": 8,
    "geo.report": 8,
    "geo.text": 8,
    "geo.ui_text": 8,
    "geo.basis": 8,
    "geo.geocode": 8,
    "geo.planner": 8,
    # 9 front ends
    "geo.cli": 9,
    "geo.serve": 9,
    "app": 9,
    "app_geocode": 9,
}
#: Documented convenience methods of the results that reach up (imports inside them).
UPWARD_ALLOWED: set[tuple[str, str]] = {
    ("geo.result", "to_map"),  # CoverageResult.to_map → geo.maps
    ("geo.result", "report"),  # CoverageResult.report → geo.report
    ("geo.siting.result", "to_map"),  # SitingResult.to_map → geo.maps
}
#: Front-end frameworks the computing layers (0–7) must not import.
FRONT_END_LIBRARIES = ("streamlit", "folium", "branca", "typer", "playwright")


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES: dict[str, Path] = {
    _module_name(p): p
    for p in [*sorted(PACKAGE.rglob("*.py")), ROOT / "app.py", ROOT / "app_geocode.py"]
    if p.exists()
}


def layer(module: str) -> int:
    best = max((k for k in LAYERS if module == k or module.startswith(k + ".")), key=len)
    return LAYERS[best]


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if _is_package(module) else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


class _Imports(ast.NodeVisitor):
    """Every import of a module: (target module, imported name or None, enclosing function)."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.func: list[str] = []
        self.found: list[tuple[str, str | None, str | None, int]] = []
        self.type_checking = False

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.func.append(node.name)
        self.generic_visit(node)
        self.func.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815 - the ast visitor's name

    def visit_If(self, node: ast.If) -> None:
        if "TYPE_CHECKING" in ast.unparse(node.test):
            return  # annotations only
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        where = self.func[0] if self.func else None
        for alias in node.names:
            self.found.append((alias.name, None, where, node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        where = self.func[0] if self.func else None
        target = _resolve(self.module, node)
        for alias in node.names:
            self.found.append((target, alias.name, where, node.lineno))


def _imports(module: str) -> list[tuple[str, str | None, str | None, int]]:
    visitor = _Imports(module)
    visitor.visit(ast.parse(MODULES[module].read_text(encoding="utf-8")))
    return visitor.found


def _geo_target(target: str, name: str | None) -> str | None:
    """The geo module an import names (``from geo import maps`` names ``geo.maps``)."""
    if name is not None and f"{target}.{name}" in MODULES:
        return f"{target}.{name}"
    return target if target in MODULES else None


def test_every_module_has_a_layer() -> None:
    # the bare package "geo" is a layer of its own, not a catch-all for new modules
    missing = [
        m for m in MODULES
        if m != "geo" and not any(m == k or m.startswith(k + ".") for k in LAYERS if k != "geo")
    ]
    assert missing == []


def test_imports_run_one_way() -> None:
    upward = []
    for module in MODULES:
        for target, name, func, line in _imports(module):
            dest = _geo_target(target, name)
            if dest is None or layer(dest) <= layer(module):
                continue
            if func is not None and (module, func) in UPWARD_ALLOWED:
                continue
            upward.append(f"{module}:{line} ({func or 'module level'}) imports {dest}")
    assert upward == []


def test_no_private_names_of_other_modules() -> None:
    found = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}
        for target, name, _, line in _imports(module):
            dest = _geo_target(target, name)
            private = name is not None and name.startswith("_") and not name.startswith("__")
            other_public = target != module and not target.rsplit(".", 1)[-1].startswith("_")
            if private and dest == target and other_public:
                found.append(f"{module}:{line} imports {target}.{name}")
            if dest is not None and dest != target:  # `from geo import maps`
                aliases[name or dest] = dest
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in MODULES and alias.asname:
                        aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                dest = aliases[node.value.id]
                if dest != module and not dest.rsplit(".", 1)[-1].startswith("_"):
                    found.append(f"{module}:{node.lineno} uses {dest}.{node.attr}")
    assert found == []


def test_no_import_cycle_at_module_level() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for module in MODULES:
        for target, name, func, _ in _imports(module):
            dest = _geo_target(target, name)
            if func is None and dest is not None and dest != module:
                graph[module].add(dest)
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert cycles == []


def test_no_function_over_150_lines() -> None:
    long = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 150:
                    long.append(f"{module}.{node.name}: {length} lines")
    assert long == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("geo")))
def test_module_declares_all(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    declared = [
        n for n in tree.body
        if isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets)
    ]
    if module.endswith("__main__"):
        return
    assert declared, f"{module} has no __all__"
    names = ast.literal_eval(declared[0].value)
    defined = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
            if node.target.id == "_LAZY" and isinstance(node.value, ast.Dict):
                lazy = {ast.literal_eval(k) for k in node.value.keys}
                defined |= lazy  # imported on first use by the module's __getattr__ ...
                mod = importlib.import_module(module)
                assert all(getattr(mod, n) is not None for n in lazy)  # ... and they resolve
        elif isinstance(node, ast.ImportFrom | ast.Import):
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
    assert set(names) <= defined, f"{module}.__all__ names undefined {set(names) - defined}"


def test_computing_layers_import_no_front_end_library() -> None:
    found = []
    for module in MODULES:
        if layer(module) > LAYERS["geo.api"]:
            continue
        for target, _, _, line in _imports(module):
            if target.split(".")[0] in FRONT_END_LIBRARIES:
                found.append(f"{module}:{line} imports {target}")
    assert found == []


def test_nothing_cites_files_outside_the_repository() -> None:
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    needles = ("../shared", "shared/DOMAIN", "shared/INTERFACE", "shared/DESIGN", "shared/STYLE")
    cited = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.suffix.lower() in {".png", ".xlsx", ".pbf", ".parquet"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if name != "tests/test_architecture.py" and any(n in text for n in needles):
            cited.append(name)
    assert cited == []


def test_readme_is_a_front_page() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, "long sections belong in docs/"
