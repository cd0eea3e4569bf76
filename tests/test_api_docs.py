"""Every name a public package of jaxgen exports (its ``__all__``) has a docstring, and the
docstring of a function or class names each of its arguments.

What counts as a docstring is the object's own: a class without one would otherwise inherit its
base's (``inspect.getdoc``), and a dataclass or Flax module gets ``Name(field: type, ...)``
written for it, which names every field without saying what any is. A constant (not callable)
has a docstring where pdoc reads one: a string literal right after its assignment in the module
it is imported from. A ``functools.partial`` documents the arguments it binds; the rest are the
wrapped callable's. ``self``, ``*args``, ``**kwargs`` and a Flax module's ``parent`` and
``name`` are not arguments a docstring needs to name.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
import sys
from pathlib import Path

import flax.linen as nn
import pytest

PACKAGES = [
    "jaxgen.core",
    "jaxgen.data",
    "jaxgen.gan",
    "jaxgen.flows",
    "jaxgen.diffusion",
    "jaxgen.cyclegan",
    "jaxgen.training",
    "jaxgen.nn",
    "jaxgen.metrics",
]
FLAX_IMPLICIT = {"parent", "name"}  # every nn.Module has them; Flax documents them


def own_docstring(obj) -> str:
    """The docstring written for ``obj`` itself, cleaned; "" where it has none."""
    if inspect.isclass(obj):
        doc = obj.__dict__.get("__doc__") or ""
        if doc.startswith(f"{obj.__name__}("):  # dataclasses' generated signature
            doc = ""
    elif isinstance(obj, functools.partial):
        doc = "" if obj.__doc__ is type(obj).__doc__ else obj.__doc__ or ""
    else:
        doc = getattr(obj, "__doc__", None) or ""
    return inspect.cleandoc(doc)


def variable_docstring(package, name: str) -> str:
    """The pdoc docstring of the constant ``name`` that ``package`` imports from a module."""
    source = Path(package.__file__).read_text(encoding="utf-8")
    origin = package.__name__
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and any(a.name == name for a in node.names):
            origin = node.module
    module = sys.modules[origin]
    body = ast.parse(Path(module.__file__).read_text(encoding="utf-8")).body
    for statement, following in zip(body, body[1:], strict=False):
        targets = (
            statement.targets
            if isinstance(statement, ast.Assign)
            else [statement.target]
            if isinstance(statement, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
                return inspect.cleandoc(str(following.value.value))
    return ""


def arguments(obj) -> list[str]:
    """The arguments of ``obj`` its docstring must name."""
    try:
        parameters = inspect.signature(obj).parameters
    except (TypeError, ValueError):  # no signature to document (a builtin)
        return []
    skip = {"self", "cls"}
    if inspect.isclass(obj) and issubclass(obj, nn.Module):
        skip |= FLAX_IMPLICIT
    names = [
        p.name
        for p in parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in skip
    ]
    if isinstance(obj, functools.partial):
        names = [n for n in names if n in obj.keywords]
    return names


def names_in(doc: str, names: list[str]) -> list[str]:
    """The names of ``names`` that ``doc`` does not mention as a whole word."""
    return [n for n in names if not re.search(rf"(?<!\w){re.escape(n)}(?!\w)", doc)]


def problems(package_name: str) -> list[str]:
    package = importlib.import_module(package_name)
    exported = package.__dict__.get("__all__")
    if exported is None:
        return [f"{package_name} defines no __all__"]
    found = []
    for name in exported:
        where = f"{package_name}.{name}"
        if not hasattr(package, name):
            found.append(f"{where}: in __all__ but not defined")
            continue
        obj = getattr(package, name)
        if not callable(obj):
            if not variable_docstring(package, name):
                found.append(f"{where}: no docstring after its assignment")
            continue
        doc = own_docstring(obj)
        if not doc:
            found.append(f"{where}: no docstring")
            continue
        missing = names_in(doc, arguments(obj))
        if missing:
            found.append(f"{where}: the docstring does not name {missing}")
    return found


@pytest.mark.parametrize("package_name", PACKAGES)
def test_every_exported_name_has_a_docstring_naming_its_arguments(package_name):
    package = importlib.import_module(package_name)
    assert inspect.getdoc(package), f"{package_name} has no module docstring"
    found = problems(package_name)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("package_name", PACKAGES)
def test_all_lists_each_name_once(package_name):
    exported = importlib.import_module(package_name).__dict__.get("__all__", [])
    assert len(exported) == len(set(exported)), sorted(exported)


def test_the_checks_catch_what_they_look_for():
    class Plain(nn.Module):
        width: int

    def documented(x, key, *args, **kwargs):
        """``x`` drawn with ``key``."""

    def undocumented(step_size):
        """Uses a step_size_bound only."""

    assert own_docstring(Plain) == ""  # Flax's generated ``Plain(*, width: int, ...)``
    assert arguments(Plain) == ["width"]
    assert names_in(own_docstring(documented), arguments(documented)) == []
    assert names_in(own_docstring(undocumented), arguments(undocumented)) == ["step_size"]
    assert own_docstring(functools.partial(documented, key=0)) == ""
    assert arguments(functools.partial(documented, key=0)) == ["key"]
