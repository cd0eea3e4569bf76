"""The layers of ARCHITECTURE.md hold on the import graph: no module imports a layer above
its own, the flows' math imports no network library, and the graph has no cycles."""

import ast
from pathlib import Path

from tests.conftest import ROOT

FAMILIES = (
    "jaxgen.gan",
    "jaxgen.flows",
    "jaxgen.diffusion",
    "jaxgen.cyclegan",
    "jaxgen.pix2pix",
    "jaxgen.flow_matching",
)
# what each layer may import from the project (besides its own package)
ALLOWED = {
    "jaxgen.core": ("jaxgen.errors", "jaxgen.kernels"),
    "jaxgen.kernels": ("jaxgen.errors",),
    "jaxgen.data": ("jaxgen.errors", "jaxgen.core", "jaxgen.kernels"),
    "jaxgen.nn": ("jaxgen.errors", "jaxgen.core", "jaxgen.kernels"),
    "jaxgen.metrics": (
        "jaxgen.errors",
        "jaxgen.core",
        "jaxgen.kernels",
        "jaxgen.data",
        "jaxgen.nn",
    ),
    **{
        family: ("jaxgen.errors", "jaxgen.core", "jaxgen.kernels", "jaxgen.data", "jaxgen.nn")
        + tuple(f for f in FAMILIES if f != family)
        for family in FAMILIES
    },
    "jaxgen.training": ("jaxgen.errors", "jaxgen.core", "jaxgen.kernels", "jaxgen.data"),
}
FLOW_MATH = ("bijector", "coupling", "spline", "layers", "likelihood", "state", "steps")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The modules ``path`` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def is_module(name: str) -> bool:
    path = ROOT / Path(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


GRAPH = {module_name(path): imports_of(path) for path in sorted((ROOT / "jaxgen").rglob("*.py"))}


def layer_of(module: str) -> str | None:
    return next(
        (layer for layer in ALLOWED if module == layer or module.startswith(layer + ".")), None
    )


def test_no_library_module_imports_a_layer_above_its_own():
    wrong = []
    for module, imported in GRAPH.items():
        layer = layer_of(module)
        if layer is None:
            continue
        for target in imported:
            if target.startswith(("experiments", "benchmarks")):
                wrong.append(f"{module} imports {target}")
            elif target.startswith("jaxgen") and not target.startswith((layer, *ALLOWED[layer])):
                wrong.append(f"{module} imports {target}")  # viz too: only experiments draw
    assert not wrong, "\n".join(sorted(wrong))


def test_the_flows_math_imports_no_network_library():
    for name in FLOW_MATH:
        imported = GRAPH[f"jaxgen.flows.{name}"]
        assert not {m for m in imported if m.startswith(("flax.linen", "jaxgen.nn"))}, name


def test_the_import_graph_has_no_cycles():
    # ``from package import submodule`` is an edge to the submodule; a module's own
    # ancestor packages are not edges (importing it runs them first anyway)
    edges = {
        module: {
            t
            for t in targets
            if t in GRAPH
            and not module.startswith(t + ".")
            and not any(s.startswith(t + ".") and is_module(s) for s in targets)
        }
        for module, targets in GRAPH.items()
    }
    done, on_path = set(), []

    def visit(module):
        if module in on_path:
            raise AssertionError("import cycle: " + " -> ".join([*on_path, module]))
        if module in done:
            return
        on_path.append(module)
        for target in edges[module]:
            visit(target)
        on_path.pop()
        done.add(module)

    for module in sorted(edges):
        visit(module)
