"""The API reference (``make docs``: ``docs/build.py``, pdoc) builds without a warning and has a
page for every public module of jaxgen; a docstring pdoc warns about fails the build."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

BUILD = ROOT / "docs" / "build.py"


def build(output, *args: str, **env: str) -> subprocess.CompletedProcess:
    """docs/build.py as ``make docs`` runs it, in a fresh interpreter (pdoc imports the modules)."""
    return subprocess.run(
        [sys.executable, str(BUILD), str(output), *args],
        cwd=ROOT,
        env={**os.environ, "JAX_PLATFORMS": "cpu", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def public_modules(package_dir) -> list[str]:
    names = []
    for path in package_dir.rglob("*.py"):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return sorted(names)


def test_the_api_reference_builds_without_a_warning(tmp_path):
    out = tmp_path / "api"
    result = build(out)
    assert result.returncode == 0, result.stderr
    assert "warning: " not in result.stderr, result.stderr
    modules = public_modules(ROOT / "jaxgen")
    assert {"jaxgen.gan", "jaxgen.flows", "jaxgen.training"} <= set(modules)
    missing = [m for m in modules if not (out / f"{m.replace('.', '/')}.html").is_file()]
    assert not missing, f"no page for {missing}"
    assert (out / "index.html").is_file() and (out / "search.js").is_file()
    gan = (out / "jaxgen" / "gan.html").read_text()
    assert "objectives, state and update steps" in gan  # the package's docstring
    assert 'id="make_gan_step"' in gan  # the members its __all__ names are on its page
    flows = (out / "jaxgen" / "flows.html").read_text()
    assert '<code><a href="#MultiScale">MultiScale</a></code> flow' in flows  # :class:`MultiScale`
    docstrings = [
        text
        for page in out.rglob("*.html")
        for text in re.findall(r'<div class="docstring">(.*?)</div>', page.read_text(), re.S)
    ]
    roles = [text for text in docstrings if re.search(r":(mod|func|class|meth|data):`", text)]
    assert not roles, roles[:3]  # every reST role became code (a link where pdoc resolves it)


def test_a_docstring_pdoc_warns_about_fails_the_build(tmp_path):
    package = tmp_path / "src" / "docprobe"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""A package whose docstrings are fine."""\n')
    (package / "broken.py").write_text(
        textwrap.dedent('''\
            """A module docstring that includes a file that does not exist.

            .. include:: no_such_file.md
            """
            ''')
    )
    result = build(tmp_path / "api", "--package", "docprobe", PYTHONPATH=str(tmp_path / "src"))
    assert result.returncode == 1, result.stderr
    assert "warning: UserWarning: Cannot include 'no_such_file.md'" in result.stderr
    assert "error: pdoc gave 1 warning(s)" in result.stderr
