"""jaxgen as a user installs it: the wheel holds every module, and imports and trains from
outside the checkout; the oneDNN kernels are optional (absent, refused, or built for another
JAX, one line says so and XLA's convolutions compute); an untested JAX falls back with one
warning."""

import json
import os
import shutil
import subprocess
import sys

import pytest

import jaxgen
from tests.conftest import ROOT

pytestmark = pytest.mark.subprocess

KERNELS_LINE = "XLA:CPU's own convolutions run"

ONE_DCGAN_STEP = """
import importlib, pathlib, pkgutil, sys
import jaxgen
site = pathlib.Path(sys.argv[1]).resolve()
assert pathlib.Path(jaxgen.__file__).resolve().is_relative_to(site), jaxgen.__file__
modules = [m.name for m in pkgutil.walk_packages(jaxgen.__path__, "jaxgen.")]
for name in modules:
    importlib.import_module(name)
print("imported", len(modules))

import numpy as np, optax
from jaxgen.core import compiler
from jaxgen.data.registry import get_dataset
from jaxgen.gan import init_gan_state, make_gan_step
from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator

state = init_gan_state(
    seed=0,
    generator=DCGANGenerator(image_size=8, channels=1, features=16, base_size=2),
    discriminator=DCGANDiscriminator(image_size=8, features=16, base_size=2),
    latent_dim=8, data_shape=(8, 8, 1), g_tx=optax.adam(2e-4), d_tx=optax.adam(2e-4))
batch = {k: v[None] for k, v in get_dataset("digits").get_batch(0, 16).items()}
state, metrics = compiler.jit(make_gan_step(latent_dim=8))(state, batch)
assert int(state.step) == 2 and np.isfinite(float(metrics["d_loss"]))
print("trained one DCGAN step")
"""


def run(args, cwd, **env):
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, "JAX_PLATFORMS": "cpu", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_wheel_installs_and_trains_outside_the_checkout(tmp_path):
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    tracked = run(["git", "ls-files", "-z"], ROOT).stdout.split("\0")
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path / "dist"), "-q"],
        tmp_path,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name.startswith(f"jaxgen-{jaxgen.__version__}-")
    site = tmp_path / "site"
    installed = run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel),
         "-q"],
        tmp_path,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    assert (site / "jaxgen" / "kernels" / "onednn_conv.cc").exists()
    assert (site / "jaxgen" / "metrics" / "assets" / "digits_classifier.msgpack").exists()
    assert not list(site.rglob("*.so")), "a built library inside the package"
    script = tmp_path / "one_step.py"
    script.write_text(ONE_DCGAN_STEP)
    result = run(
        [sys.executable, str(script), str(site)],
        tmp_path,
        PYTHONPATH=str(site),
        JAXGEN_CACHE_DIR=str(tmp_path / "cache"),
    )
    assert result.returncode == 0, result.stderr
    assert "trained one DCGAN step" in result.stdout
    # the kernels are not built in this cache: one line says so, and nothing else is said
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.endswith(
        "jaxgen: the oneDNN convolution kernels are not built (python -m jaxgen.kernels.build "
        f"builds them); {KERNELS_LINE}"
    )


def test_without_a_compiler_make_still_sets_up(tmp_path):
    made = run(
        ["make", "--no-print-directory", "kernels", "CXX=/nonexistent"],
        ROOT,
        JAXGEN_CACHE_DIR=str(tmp_path / "cache"),
    )
    assert made.returncode == 0, made.stderr
    assert "oneDNN kernels not built: no C++ compiler '/nonexistent'" in made.stdout
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").rglob("*.so"))
    refused = run(
        [sys.executable, "-m", "jaxgen.kernels.build", "--compiler", "/nonexistent"],
        ROOT,
        JAXGEN_CACHE_DIR=str(tmp_path / "cache"),
    )
    assert refused.returncode == 1
    assert refused.stderr.strip().startswith("error: oneDNN kernels not built")


CONVOLVE = """
import jax, jax.numpy as np_, numpy as np
from jax import lax
from jaxgen.kernels import conv, onednn
x = jax.random.normal(jax.random.key(0), (2, 8, 8, 3))
w = jax.random.normal(jax.random.key(1), (3, 3, 3, 4))
pads = ((1, 1), (1, 1))
f = jax.jit(lambda x, w: conv.conv2d(x, w, (1, 1), pads))
want = lax.conv_general_dilated(x, w, (1, 1), pads, dimension_numbers=conv.DIMENSIONS)
np.testing.assert_allclose(f(x, w), want, rtol=1e-5, atol=1e-5)
print("onednn" if onednn.target_name("forward") in f.lower(x, w).as_text() else "xla")
"""


@pytest.mark.parametrize("damage", ["another_jaxlib", "another_machine", "not_a_library"])
def test_a_library_built_for_something_else_is_refused_in_one_line(tmp_path, damage):
    from jaxgen.kernels import onednn

    cache = tmp_path / "cache"
    prefix_dir = onednn.library_path().parent.name
    target = cache / "kernels" / prefix_dir
    target.mkdir(parents=True)
    record = onednn.build_record()
    if damage == "another_jaxlib":
        record["jaxlib"] = "0.0.1"
    if damage == "another_machine":
        record["machine"] = "riscv64"
    (target / "libjaxgen_onednn.so").write_bytes(b"not a shared object")
    (target / "libjaxgen_onednn.json").write_text(json.dumps(record))
    result = run([sys.executable, "-c", CONVOLVE], ROOT, JAXGEN_CACHE_DIR=str(cache))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["xla"]
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.endswith(KERNELS_LINE)
    expected = {
        "another_jaxlib": "built for jaxlib 0.0.1, this is jaxlib ",
        "another_machine": "built for machine riscv64, this is machine ",
        "not_a_library": "failed to load",
    }[damage]
    assert expected in line


UNTESTED_JAX = """
import warnings
import jax
jax.__version__ = "0.99.0"
import jax.numpy as jnp, numpy as np
from jax import lax
from jaxgen.kernels import conv
x, w = jnp.ones((1, 6, 6, 2)), jnp.ones((3, 3, 2, 2))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    y = conv.conv2d(x, w, (1, 1), ((1, 1), (1, 1)))
    conv.conv2d(x, w, (1, 1), ((1, 1), (1, 1)))
print(len(caught), caught[0].message)
jaxpr = str(jax.make_jaxpr(lambda x, w: conv.conv2d(x, w, (1, 1), ((1, 1), (1, 1))))(x, w))
assert "conv_general_dilated" in jaxpr and "jaxgen" not in jaxpr, jaxpr
want = lax.conv_general_dilated(x, w, (1, 1), ((1, 1), (1, 1)), dimension_numbers=conv.DIMENSIONS)
np.testing.assert_array_equal(y, want)
"""


def test_an_untested_jax_warns_once_and_uses_lax():
    result = run([sys.executable, "-c", UNTESTED_JAX], ROOT)
    assert result.returncode == 0, result.stderr
    count, message = result.stdout.split(" ", 1)
    assert count == "1"
    assert message.startswith("jax 0.99.0 is not one jaxgen was tested with (0.10, 0.11)")
    assert "lax.conv_general_dilated" in message


WITHOUT_TFDS = """
import sys
sys.modules["tensorflow_datasets"] = None  # as on a machine without the package
from experiments.configs.base import config_with_overrides
from experiments.train import build_experiment
from jaxgen.data import get_dataset
from jaxgen.errors import JaxgenError
import benchmarks.accelerator
config = config_with_overrides("experiments.configs.gan.digits", {}, "test")
assert build_experiment(config).dataset.element_shape == (8, 8, 1)
try:
    get_dataset("cifar10", data_dir="/nonexistent")
except JaxgenError as err:
    print(err)
"""


def test_without_tensorflow_datasets_only_tfds_data_is_refused_in_one_line():
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_TFDS], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == (
        "reading TFDS dataset 'cifar10' needs tensorflow-datasets; pip install tensorflow-datasets"
    )
