"""``python -m jaxgen.kernels.build``: compile ``onednn_conv.cc`` into ``libjaxgen_onednn.so``.

Needs a C++17 compiler, the XLA FFI headers that ship with jaxlib (``jax.ffi.include_dir()``)
and the oneDNN headers and library of the ``onednn-devel-cpu-gomp`` wheel, installed under the
environment's prefix (``<prefix>/include/dnnl.hpp``, ``<prefix>/lib/libdnnl.so``). The
library is linked with that ``lib`` directory as its run path, so nothing else has to be set.
"""

import argparse
import pathlib
import platform
import shutil
import subprocess
import sys

import jax

from jaxgen.kernels.onednn import LIBRARY

SOURCE = pathlib.Path(__file__).with_name("onednn_conv.cc")


def compile_command(prefix: pathlib.Path, output: pathlib.Path, compiler: str) -> list[str]:
    lib = prefix / "lib"
    return [
        compiler, "-O2", "-DNDEBUG", "-std=c++17", "-shared", "-fPIC", "-Wall", str(SOURCE),
        "-isystem", jax.ffi.include_dir(), "-isystem", str(prefix / "include"),
        f"-L{lib}", "-ldnnl", f"-Wl,-rpath,{lib}", "-o", str(output),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compiler", default="g++")
    args = parser.parse_args()
    prefix = pathlib.Path(sys.prefix)
    if (sys.platform, platform.machine()) != ("linux", "x86_64"):
        print("not built: the oneDNN wheel is Linux x86-64 only; XLA's convolutions stay in use")
        return
    if shutil.which(args.compiler) is None:
        sys.exit(f"error: no C++ compiler {args.compiler!r}; install g++ or pass --compiler")
    if not (prefix / "include" / "dnnl.hpp").exists():
        sys.exit(
            f"error: no oneDNN headers under {prefix / 'include'}; "
            "pip install onednn-devel-cpu-gomp (see requirements.lock)"
        )
    built = subprocess.run(compile_command(prefix, LIBRARY, args.compiler), check=False)
    if built.returncode != 0:
        sys.exit(f"error: compiling {SOURCE.name} failed (above); XLA's convolutions stay in use")
    print(f"built {LIBRARY}")


if __name__ == "__main__":
    main()
