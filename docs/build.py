"""The API reference, built from the docstrings with pdoc: ``python docs/build.py OUT``.

Every public module of ``jaxgen`` is documented, found by walking the package (a subpackage's
``__all__`` picks what its own page shows, not which modules get a page). pdoc reports what it
cannot document (a module that fails to import, an ``__all__`` name that does not resolve, a type
annotation it cannot evaluate, an ``.. include::`` it cannot read) with :func:`warnings.warn`;
here every warning is an error: they are printed and the build exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
import warnings
from pathlib import Path

import pdoc
import pdoc.doc
import pdoc.extract
import pdoc.render

PACKAGE = "jaxgen"
DOCFORMAT = "restructuredtext"
PDOC = Path(pdoc.__file__).parent


def module_names(package: str = PACKAGE) -> list[str]:
    """The package and every module below it whose dotted name has no ``_``-prefixed part."""
    names, failed = [package], set()

    def unimportable(name: str) -> None:  # warned here, and not tried again
        failed.add(name)
        warnings.warn(f"Couldn't import {name}:\n{traceback.format_exc()}", stacklevel=1)

    with pdoc.extract.mock_some_common_side_effects():  # as pdoc imports: quiet, no subprocesses
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}.", onerror=unimportable):
            if not any(part.startswith("_") for part in info.name.split(".")):
                names.append(info.name)
    return sorted(set(names) - failed)


def render(output: Path, package: str = PACKAGE) -> None:
    """Write one HTML page per module, an index and a search index under ``output``: what
    ``pdoc.pdoc`` does, for exactly these modules (given them by name, it walks each one's
    submodules again and warns that it met them twice)."""
    pdoc.render.configure(docformat=DOCFORMAT, search=True, show_source=True)
    modules: dict[str, pdoc.doc.Module] = {}
    for name in module_names(package):
        try:
            modules[name] = pdoc.doc.Module.from_name(name)
        except RuntimeError:
            warnings.warn(f"Couldn't import {name}:\n{traceback.format_exc()}", stacklevel=1)
    for name, module in modules.items():
        page = output / f"{name.replace('.', '/')}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(pdoc.render.html_module(module, modules), encoding="utf-8")
    (output / "index.html").write_text(pdoc.render.html_index(modules), encoding="utf-8")
    (output / "search.js").write_text(pdoc.render.search_index(modules), encoding="utf-8")


def build(output: Path, package: str = PACKAGE) -> list[str]:
    """Render the reference into ``output``; returns every warning raised meanwhile, formatted
    (each once, in order; where pdoc itself warns, its message names the object at fault)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render(output, package)
    found = {}
    for w in caught:
        ours = w.filename == __file__ or Path(w.filename).is_relative_to(PDOC)
        where = "" if ours else f" ({w.filename}:{w.lineno})"
        found[f"{w.category.__name__}{where}: {str(w.message).rstrip()}"] = None
    return list(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="the folder the HTML goes to")
    parser.add_argument("--package", default=PACKAGE)
    args = parser.parse_args(argv)
    found = build(args.output, args.package)
    for line in found:
        print(f"warning: {line}", file=sys.stderr)
    if found:
        print(
            f"error: pdoc gave {len(found)} warning(s) building {args.output}",
            file=sys.stderr,
        )
        return 1
    print(f"API reference of {args.package}: {args.output / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
