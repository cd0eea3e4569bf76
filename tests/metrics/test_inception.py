"""jaxgen's FID Inception against pytorch-fid's, on random weights converted through jaxgen's
converter: features and logits to 1e-4 relative, at 32x32 (resized) and 299x299."""

import os
import subprocess
import sys

import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.errors import JaxgenError
from jaxgen.metrics.inception import (
    InceptionFeatures,
    convert_state_dict,
    load_inception_variables,
    save_variables,
)
from tests.conftest import ROOT
from tests.metrics.reference import random_fid_inception, reference_outputs


@pytest.fixture(scope="module")
def networks():
    net = random_fid_inception(seed=0)
    state = {name: t.numpy() for name, t in net.state_dict().items()}
    return net, state, convert_state_dict(state)


def relative_error(ours, theirs) -> float:
    return float(np.abs(ours - theirs).max() / np.abs(theirs).max())


@pytest.mark.parametrize("size", [32, 299])
def test_features_and_logits_match_pytorch_fid(networks, size):
    net, _, variables = networks
    pixels = np.random.default_rng(size).integers(0, 256, (3, size, size, 3), dtype=np.uint8)
    features, logits = reference_outputs(net, pixels.astype(np.float32) / 255)
    ours = InceptionFeatures(variables, batch_size=2)(pixels.astype(np.float32) / 127.5 - 1)
    assert ours.features.shape == (3, 2048) and ours.logits.shape == (3, 1008)
    assert relative_error(ours.features, features) < 1e-4
    assert relative_error(ours.logits, logits) < 1e-4
    bias = net.fc.bias.detach().numpy()
    assert relative_error(ours.logits_unbiased, logits - bias) < 1e-4


def test_grey_images_are_read_as_rgb(networks):
    _, _, variables = networks
    grey = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 1)).astype(np.float32)
    features = InceptionFeatures(variables, batch_size=4)
    np.testing.assert_array_equal(
        features(grey).features, features(np.repeat(grey, 3, axis=-1)).features
    )


def test_pth_converted_once_into_the_cache(networks, tmp_path, monkeypatch):
    import torch

    net, _, variables = networks
    # the cache moved for this test only ($JAXGEN_CACHE_DIR would also move the kernels')
    monkeypatch.setattr("jaxgen.metrics.inception.cache_dir", lambda: tmp_path / "cache")
    pth = tmp_path / "pt_inception.pth"
    torch.save(net.state_dict(), pth)
    loaded = load_inception_variables(pth)
    (cached,) = (tmp_path / "cache" / "inception").glob("*.npz")
    assert cached.name.startswith("pt_inception-")
    np.testing.assert_array_equal(
        loaded["params"]["Mixed_7c"]["branch_pool"]["conv"]["kernel"],
        variables["params"]["Mixed_7c"]["branch_pool"]["conv"]["kernel"],
    )
    monkeypatch.setenv("JAXGEN_INCEPTION_WEIGHTS", str(cached))
    again = load_inception_variables()
    np.testing.assert_array_equal(
        again["batch_stats"]["Conv2d_1a_3x3"]["bn"]["var"],
        variables["batch_stats"]["Conv2d_1a_3x3"]["bn"]["var"],
    )


def test_bad_weights_are_one_line(networks, tmp_path, monkeypatch):
    _, state, variables = networks
    monkeypatch.delenv("JAXGEN_INCEPTION_WEIGHTS", raising=False)
    with pytest.raises(JaxgenError, match="no Inception weights.*pt_inception-2015-12-05"):
        load_inception_variables(None)
    with pytest.raises(JaxgenError, match="missing.pth do not exist.*download"):
        load_inception_variables(tmp_path / "missing.pth")
    wrong = dict(state)
    wrong["Mixed_6b.branch7x7_2.conv.weight"] = np.zeros((128, 128, 7, 1), np.float32)
    with pytest.raises(JaxgenError, match=r"Mixed_6b/branch7x7_2/conv/kernel has shape"):
        convert_state_dict(wrong)
    missing = {k: v for k, v in state.items() if not k.startswith("fc.")}
    with pytest.raises(JaxgenError, match="lacks the FID Inception's array params/fc/bias"):
        convert_state_dict(missing)
    aux = {**state, "AuxLogits.fc.weight": np.zeros((1000, 768), np.float32)}
    with pytest.raises(JaxgenError, match="AuxLogits/fc/kernel, not the FID Inception's"):
        convert_state_dict(aux)
    npz = tmp_path / "short.npz"
    save_variables({"params": {"fc": variables["params"]["fc"]}}, npz)
    with pytest.raises(JaxgenError, match="lacks the FID Inception's array"):
        load_inception_variables(npz)
    with pytest.raises(JaxgenError, match="has array fc.weight, not the FID Inception's"):
        convert_state_dict({**state, "fc.weight": "not an array"})
    with pytest.raises(JaxgenError, match="has array weight, not the FID Inception's"):
        convert_state_dict({**state, "weight": np.zeros(3)})
    features = InceptionFeatures(variables, batch_size=2)
    with pytest.raises(JaxgenError, match="NaN or infinite"):
        features(np.full((2, 8, 8, 3), np.nan, np.float32))
    with pytest.raises(JaxgenError, match=r"shape \(8, 8, 3\)"):
        features(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(JaxgenError, match="`batch_size`=0"):
        InceptionFeatures(variables, batch_size=0)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(JaxgenError, match="is not a PyTorch weights file"):
        load_inception_variables(garbage)


def test_any_device_count_and_bfloat16(networks, tmp_path):
    """Eight host devices give one device's features (to float32 round-off), each device
    taking one image per call; bfloat16 stays within 5% of float32."""
    _, _, variables = networks
    save_variables(variables, tmp_path / "weights.npz")
    images = np.random.default_rng(1).uniform(-1, 1, (11, 32, 32, 3)).astype(np.float32)
    np.save(tmp_path / "images.npy", images)
    one = InceptionFeatures(variables, batch_size=4)(images)
    script = (
        "import sys, jax, numpy as np\n"
        "from jaxgen.metrics.inception import InceptionFeatures, load_inception_variables\n"
        "assert jax.local_device_count() == 8\n"
        "v = load_inception_variables(sys.argv[1] + '/weights.npz')\n"
        "out = InceptionFeatures(v, batch_size=1)(np.load(sys.argv[1] + '/images.npy'))\n"
        "np.save(sys.argv[1] + '/eight.npy', out.features)\n"
    )
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=8", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert relative_error(np.load(tmp_path / "eight.npy"), one.features) < 1e-5
    half = InceptionFeatures(variables, batch_size=11, dtype=jnp.bfloat16)(images)
    assert half.features.dtype == np.float32
    assert relative_error(half.features, one.features) < 0.05


def test_the_converter_command_writes_what_load_reads(networks, tmp_path):
    import torch

    net, _, variables = networks
    torch.save(net.state_dict(), tmp_path / "weights.pth")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "jaxgen.metrics.inception",
            f"--weights={tmp_path / 'weights.pth'}",
            f"--out={tmp_path / 'weights.npz'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = load_inception_variables(tmp_path / "weights.npz")
    np.testing.assert_array_equal(
        loaded["params"]["fc"]["kernel"], variables["params"]["fc"]["kernel"]
    )
