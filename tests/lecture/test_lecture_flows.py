"""The flow demonstrations' equations hold on a trained flow (short run), and a Glow's round
trip image → z → image and its temperature samples come out as the lecture's picture says."""

import functools
import json

import jax
import numpy as np

from experiments.lecture import flow_round_trip as script
from experiments.lecture.change_of_variables import run
from jaxgen.core import compiler
from jaxgen.data.digits import load_digits_arrays
from jaxgen.flows import dequantize, glow


def test_trained_flow_density_integrates_to_one_and_inverts(tmp_path):
    result = run(tmp_path, num_steps=300)
    assert abs(result["density_integral"] - 1.0) < 0.02
    assert result["round_trip_max_error"] < 1e-4
    assert result["log_det_vs_jacfwd_max_difference"] < 1e-3
    assert result["kl_gap"] < 0.5  # maximum likelihood has learned the moons
    assert all(abs(m) < 0.3 for m in result["latent_mean"])


@functools.cache
def tiny_glow():
    """An untrained Glow of the digits' shape (L = 3, K = 1, width 8) and its parameters,
    ActNorm initialised on 64 dequantized digits; made once for the tests that share it (its
    initialisation compiles in about 4 s of CPU)."""
    flow = glow(image_shape=(8, 8, 1), levels=3, steps=1, width=8)
    pixels = load_digits_arrays("test")["x"][:64]
    x = dequantize(jax.random.key(0), pixels, 17)
    return flow, compiler.jit(flow.init)(jax.random.key(1), x), x, pixels


def test_glow_round_trip_recovers_digits_and_lays_out_64_latents():
    flow, params, x, pixels = tiny_glow()
    z, log_p, back = script.encode_decode(flow, params, x)
    assert np.max(np.abs(back - np.asarray(x))) < 1e-4
    assert script.recovered_fraction(back, pixels, 17) > 0.999
    assert np.all(np.isfinite(log_p))

    shapes = script.latent_shapes(flow, params)
    assert shapes == [(4, 4, 2), (2, 2, 4), (1, 1, 16)] and z.shape == (64, 64)
    image = script.latent_image(script.split_latents(z, shapes))
    assert image.shape == (64, 8, 8, 1)
    np.testing.assert_array_equal(np.sort(image.reshape(64, -1)), np.sort(z))  # a permutation
    counts = np.bincount(script.level_map(shapes).astype(int).ravel())
    assert counts.tolist() == [0, 32, 16, 16]  # pixels holding levels 1, 2, 3


def test_temperature_zero_draws_the_mode_for_every_key():
    flow, params, _, _ = tiny_glow()
    samples, log_p = script.temperature_samples(flow, params, jax.random.key(0), 4)
    other, _ = script.temperature_samples(flow, params, jax.random.key(1), 4)
    assert samples.shape == (len(script.TEMPERATURES), 4, 8, 8, 1) and log_p.shape == (6, 4)
    np.testing.assert_array_equal(samples[0], np.broadcast_to(samples[0, :1], samples[0].shape))
    np.testing.assert_array_equal(samples[0], other[0])
    assert samples[-1].std(axis=0).mean() > samples[1].std(axis=0).mean() > 0
    assert log_p[0].mean() > log_p[-1].mean()  # z = 0 is the base density's peak


def test_flow_round_trip_study_writes_its_figure_and_numbers(tmp_path):
    flow, params, _, _ = tiny_glow()
    result = script.study(flow, params, 17, jax.random.key(0), n=16)
    script.write_outputs(tmp_path, result)
    assert (tmp_path / "flow_round_trip.png").is_file()
    numbers = json.loads((tmp_path / "flow_round_trip.json").read_text())
    assert "pictures" not in numbers and numbers["test_digits"] == 355
    assert numbers["round_trip"]["max_abs_error"] < 1e-4
    assert numbers["round_trip"]["pixels_recovered_fraction"] > 0.999
    assert numbers["latent"]["dimension"] == 64
    assert set(numbers["temperatures"]) == {str(t) for t in script.TEMPERATURES}
    assert numbers["temperatures"]["0.0"]["pixel_std_across_samples"] == 0.0
