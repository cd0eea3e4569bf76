"""``python -m jaxgen.kernels.build``: compile ``onednn_conv.cc`` into jaxgen's per-user cache.

Needs a C++17 compiler, the XLA FFI headers that ship with jaxlib (``jax.ffi.include_dir()``)
and the oneDNN headers and library of the ``onednn-devel-cpu-gomp`` wheel, installed under the
environment's prefix (``<prefix>/include/dnnl.hpp``, ``<prefix>/lib/libdnnl.so``;
``pip install "jaxgen[onednn]"``). The library is linked with that ``lib`` directory as its run
path, written to :func:`jaxgen.kernels.onednn.library_path` through a temporary file and a
rename, and followed by its build record. A library whose record matches this environment is
left as it is.

``--optional`` (``make venv`` passes it) turns a build that cannot happen into one line and
exit status 0: the kernels are a speed-up, and XLA's convolutions run without them.
"""

import argparse
import json
import os
import pathlib
import platform
import shutil
import subprocess
import sys

import jax

from jaxgen.kernels import onednn


def compile_command(prefix: pathlib.Path, output: pathlib.Path, compiler: str) -> list[str]:
    lib = prefix / "lib"
    return [
        compiler, "-O2", "-DNDEBUG", "-std=c++17", "-shared", "-fPIC", "-Wall",
        str(onednn.SOURCE), "-isystem", jax.ffi.include_dir(), "-isystem",
        str(prefix / "include"), f"-L{lib}", "-ldnnl", f"-Wl,-rpath,{lib}", "-o", str(output),
    ]  # fmt: skip


def up_to_date() -> bool:
    try:
        record = json.loads(onednn.record_path().read_text())
    except (OSError, ValueError):
        return False
    return onednn.library_path().exists() and record == onednn.build_record()


def cannot_build(compiler: str) -> str | None:
    """Why the library cannot be built here, or None."""
    prefix = pathlib.Path(sys.prefix)
    if (sys.platform, platform.machine()) != ("linux", "x86_64"):
        return "the oneDNN wheel is Linux x86-64 only"
    if shutil.which(compiler) is None:
        return f"no C++ compiler {compiler!r} (install g++ or pass --compiler)"
    if not (prefix / "include" / "dnnl.hpp").exists():
        return f"no oneDNN headers under {prefix / 'include'} (pip install 'jaxgen[onednn]')"
    return None


def build(compiler: str) -> str | None:
    """Build the library into the cache; None, or why it was not built."""
    problem = cannot_build(compiler)
    if problem is not None:
        return problem
    library = onednn.library_path()
    library.parent.mkdir(parents=True, exist_ok=True)
    partial = library.with_name(f".{library.name}.{os.getpid()}")
    compiled = subprocess.run(
        compile_command(pathlib.Path(sys.prefix), partial, compiler), check=False
    )
    if compiled.returncode != 0:
        partial.unlink(missing_ok=True)
        return f"compiling {onednn.SOURCE.name} failed (above)"
    onednn.record_path().unlink(missing_ok=True)
    partial.replace(library)
    record = onednn.record_path().with_name(f".{onednn.record_path().name}.{os.getpid()}")
    record.write_text(json.dumps(onednn.build_record(), indent=2))
    record.replace(onednn.record_path())
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compiler", default=os.environ.get("CXX") or "g++")
    parser.add_argument(
        "--optional", action="store_true", help="a build that cannot happen is not an error"
    )
    args = parser.parse_args()
    if up_to_date():
        print(f"up to date: {onednn.library_path()}")
        return
    problem = build(args.compiler)
    if problem is None:
        print(f"built {onednn.library_path()}")
        return
    message = f"oneDNN kernels not built: {problem}; XLA's convolutions run"
    if args.optional:
        print(message)
        return
    sys.exit(f"error: {message}")


if __name__ == "__main__":
    main()
