"""``make bench``'s harness: its cases name real configs and keys, and its measurements read
what they claim to read. (Speeds themselves are measured by ``make bench``, not tested.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import pytest

from benchmarks import cases, measure
from benchmarks.sharded import count_collectives
from jaxgen.kernels import conv, onednn
from tests.conftest import ROOT


@pytest.mark.parametrize(
    "case", cases.STEPS + cases.SAMPLERS + cases.ODE_SAMPLERS, ids=lambda c: c.name
)
def test_every_case_is_a_config_with_real_keys(case):
    config = case.config()
    for path, value in case.overrides.items():
        section, key = path.rsplit(".", 1)
        assert config[section][key] == value


def test_scaling_cases_are_step_cases():
    for name in (*cases.BATCH_SCALING, *cases.DEVICE_SCALING, *cases.DISPATCH):
        assert cases.step_case(name).name == name


def test_time_calls_divides_by_the_number_of_calls():
    made = []
    timing = measure.time_calls(lambda n: made.append(n), repeats=3, target_seconds=0.0)
    assert made == [1, 1, 1, 1, 1] and timing.calls_per_repeat == 1 and timing.repeats == 3


def test_flops_and_memory_of_a_matrix_product():
    n = 64
    a = jnp.ones((n, n), jnp.float32)
    compiled, seconds = measure.compile_timed(jnp.dot, a, a, donate=False)
    flops = measure.flops_of(compiled, jnp.dot, a, a)
    assert seconds > 0 and flops == pytest.approx(2 * n**3, rel=0.01)
    assert measure.peak_bytes(compiled) >= 3 * n * n * 4  # two arguments and the output


def test_convolutions_on_onednn_count_the_flops_xla_counts(monkeypatch):
    """XLA counts a oneDNN custom call as no FLOPs: flops_of adds them back from the jaxpr."""
    x, w = jnp.ones((4, 8, 8, 3)), jnp.ones((3, 3, 3, 5))

    def loss(w):
        return jnp.sum(jnp.tanh(conv.conv2d(x, w, (1, 1), ((1, 1), (1, 1)))))

    step = jax.grad(loss)
    counted = {}
    for lowering in ("onednn", "xla"):
        monkeypatch.setenv(onednn.SWITCH, lowering)
        jax.clear_caches()
        compiled, _ = measure.compile_timed(step, w, donate=False)
        assert (onednn.target_name("weight_grad") in compiled.as_text()) == (lowering == "onednn")
        counted[lowering] = measure.flops_of(compiled, step, w)
    taps = (2 + 3 * 6 + 2) ** 2  # 3x3 taps inside an 8x8 image padded by 1, over its 64 pixels
    convolutions = 2 * (2 * 4 * 3 * 5 * taps)  # the forward and the weight gradient
    assert counted["xla"] >= convolutions
    assert counted["onednn"] == pytest.approx(counted["xla"], rel=0.02)


def test_donation_is_subtracted_from_the_peak():
    x = jnp.ones((256, 256), jnp.float32)
    kept, _ = measure.compile_timed(lambda v: v * 2.0, x, donate=False)
    donated, _ = measure.compile_timed(lambda v: v * 2.0, x, donate=True)
    assert measure.peak_bytes(donated) < measure.peak_bytes(kept)


def test_collectives_are_counted_in_hlo_text():
    hlo = (
        "%a = f32[8] all-reduce(f32[8] %x), replica_groups={}\n"
        "%b = f32[16] all-gather-start(f32[8] %y)\n"
        "%c = f32[8] add(f32[8] %a, f32[8] %a)\n"
    )
    counts = count_collectives(hlo)
    assert counts["all-reduce"] == 1 and counts["all-gather"] == 1
    assert counts["all-to-all"] == counts["collective-permute"] == 0


def test_the_sharded_gan_step_on_four_devices_reduces_gradients_and_moves_nothing_else():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.sharded", "gan_mlp_2d", "--no-timing"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    assert row["devices"] == 4 and row["all-reduce"] > 0
    assert row["all-gather"] == row["all-to-all"] == row["collective-permute"] == 0


def test_the_pytorch_dcgan_has_jaxgens_parameters():
    """The comparison's PyTorch DCGAN is jaxgen's 32x32 DCGAN: the same parameter count in
    each network and the same output shapes (runs where torch is installed, as by
    ``make bench-pytorch``)."""
    torch = pytest.importorskip("torch")
    import jax

    from benchmarks.torch_models import torch_dcgan
    from jaxgen.core.state import init_variables
    from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator

    generator, discriminator = torch_dcgan(latent=100, features=64, channels=3)
    g_vars = init_variables(
        DCGANGenerator(image_size=32, channels=3, features=64),
        jax.random.key(0),
        jnp.zeros((1, 100)),
    )
    d_vars = init_variables(
        DCGANDiscriminator(image_size=32, features=64), jax.random.key(1), jnp.zeros((1, 32, 32, 3))
    )
    for net, variables in ((generator, g_vars), (discriminator, d_vars)):
        jax_count = sum(x.size for x in jax.tree.leaves(variables["params"]))
        assert sum(p.numel() for p in net.parameters()) == jax_count
    images = generator(torch.zeros(2, 100))
    assert tuple(images.shape) == (2, 3, 32, 32)
    assert tuple(discriminator(images).shape) == (2, 1)


def parameter_count(tree) -> int:
    return sum(x.size for x in jax.tree.leaves(tree))


@pytest.mark.parametrize("module", ["diffusion.digits", "diffusion.cifar10"])
def test_the_pytorch_unet_is_jaxgens(module):
    """The comparison's PyTorch U-Net has jaxgen's parameter count and output shape, at the
    digits' three levels and CIFAR-10's four (attention at 16x16)."""
    torch = pytest.importorskip("torch")
    from benchmarks.torch_models import TorchUNet
    from experiments.configs.base import config_with_overrides
    from experiments.families.common import time_conditioned_net

    config = config_with_overrides(f"experiments.configs.{module}", {}, module)
    m, (side, channels) = config.model, ((8, 1) if module.endswith("digits") else (32, 3))
    net = TorchUNet(
        channels, side, m.channels, m.multipliers, m.blocks, m.attention_at, m.dropout, m.groups
    )
    x = jnp.zeros((1, side, side, channels))
    variables = jax.eval_shape(
        time_conditioned_net(m, x.shape[1:]).init, jax.random.key(0), x, x[:, 0, 0, 0]
    )
    assert sum(p.numel() for p in net.parameters()) == parameter_count(variables["params"])
    out = net(torch.zeros(2, channels, side, side), torch.tensor([3, 700]))
    assert tuple(out.shape) == (2, channels, side, side)


def test_the_pytorch_realnvp_is_jaxgens():
    """The comparison's PyTorch RealNVP has jaxgen's parameter count (couplings, their learned
    scales and ActNorms) and maps an image to z of its size; at init (zero last layers, ActNorm
    at the identity) it is the logit transform, whose log-det it returns."""
    torch = pytest.importorskip("torch")
    from benchmarks.torch_models import TorchRealNVP
    from experiments.configs.base import config_with_overrides
    from jaxgen.flows.layers import LogitTransform
    from jaxgen.flows.models import realnvp

    m = config_with_overrides("experiments.configs.flow.realnvp_cifar10", {}, "realnvp").model
    flow = TorchRealNVP(3, 32, m.levels, m.width, m.depth, m.logit_alpha)
    x = jnp.zeros((1, 32, 32, 3))
    params = jax.eval_shape(
        realnvp(image_shape=x.shape[1:], scales=m.levels, width=m.width, depth=m.depth).init,
        jax.random.key(0),
        x,
    )
    assert sum(p.numel() for p in flow.parameters()) == parameter_count(params)
    pixels = torch.rand(2, 3, 32, 32) - 0.5
    z, log_det = flow(pixels)
    assert tuple(z.shape) == (2, 32 * 32 * 3)
    logit = LogitTransform(alpha=m.logit_alpha)
    expected = logit.forward_and_log_det({}, jnp.asarray(pixels.numpy()).transpose(0, 2, 3, 1))[1]
    assert jnp.allclose(jnp.asarray(log_det.detach().numpy()), expected, rtol=1e-5)


def test_a_run_replaces_the_last_result_of_its_kind_and_says_when_and_where(
    tmp_path, monkeypatch, capsys
):
    from benchmarks import run

    monkeypatch.setattr(run, "RESULTS", tmp_path)
    record = {"date": "2026-12-01", "host": "vm.local", "cpu": "Some CPU", "jax": "0.1"}
    run.write_results({**record, "run": 1}, "first\n", "bench")
    run.write_results({**record, "date": "2026-12-02", "run": 2}, "second\n", "bench")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.json", "bench.md"]
    assert json.loads((tmp_path / "bench.json").read_text())["run"] == 2
    expected = "Run on 2026-12-02 on vm.local (Some CPU), jax 0.1.\n\nsecond\n"
    assert (tmp_path / "bench.md").read_text() == expected


def test_a_partial_run_never_replaces_a_full_one():
    from benchmarks.run import result_kind

    assert result_kind("", False, False) == "bench"
    assert result_kind("", False, True) == "pipeline"
    assert result_kind("dcgan", True, False) == "bench-only-dcgan-no-scaling"
    assert result_kind("", True, False) == "bench-no-scaling"
    assert result_kind("glow", True, True) == "pipeline-only-glow"


def test_cpu_model_reads_the_name_and_the_avx512_flag(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx512f\n")
    assert measure.cpu_model(cpuinfo) == "Some CPU, with AVX-512"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2\n")
    assert measure.cpu_model(cpuinfo) == "AMD EPYC, without AVX-512"
    assert measure.cpu_model(tmp_path / "absent") == "unknown"


def test_rates_keep_three_significant_digits_slow_or_fast():
    assert measure.per_second(1, 81.3) == 0.0123  # a 32x32 U-Net step at batch 128
    assert measure.per_second(50, 0.0202429) == 2470.0
    assert measure.per_second(3, 2.0) == 1.5


def test_make_bench_measures_a_step_a_sampler_and_steps_per_dispatch():
    """Every kind of row ``make bench`` writes, on tiny cases (the samplers once broke when
    their program became a nested ``jit``)."""
    from benchmarks.run import (
        bench_dispatch,
        bench_ode_sampler,
        bench_pipeline,
        bench_sampler,
        bench_step,
    )

    tiny_unet = {
        "model.channels": 4,
        "model.multipliers": (1,),
        "model.attention_at": (),
        "model.groups": 2,
    }
    sampler = cases.Case(
        "ddim_tiny",
        "diffusion.digits",
        {**tiny_unet, "model.sampler": "ddim", "model.sample_steps": 2},
    )
    row = bench_sampler(sampler, peak=1e11)
    assert row.samples_per_call == cases.SAMPLES_PER_CALL and row.samples_per_second > 0
    assert row.gflop_per_call > 0 and row.peak_memory_mib > 0
    heun = {"model.hidden": (8,), "model.solver": "heun", "model.sample_steps": 3}
    ode = bench_ode_sampler(cases.Case("fm_tiny", "flow_matching.ring8", heun))
    assert ode.nfe == 6 and ode.samples_per_second > 0 and ode.ms_per_nfe > 0
    gan = cases.Case("gan_tiny", "gan.ring8", {"data.batch_size": 16})
    step = bench_step(gan, peak=1e11)
    assert step.steps_per_second > 0 and step.gflop_per_step > 0
    dispatch = bench_dispatch(gan, 2, unroll=False)
    assert dispatch.steps_per_dispatch == 2 and dispatch.steps_per_second > 0
    small_dcgan = {"model.g_features": 8, "model.d_features": 8, "data.batch_size": 16}
    fed = bench_pipeline(cases.Case("dcgan_tiny", "gan.digits", small_dcgan), 1, 0.05)
    assert fed.fed_steps_per_second > 0 and fed.resident_steps_per_second > 0
    ratio = fed.fed_steps_per_second / fed.resident_steps_per_second  # one round: its ratio
    assert fed.fed_over_resident == pytest.approx(ratio, rel=0.02)


def test_the_image_steps_are_step_cases_on_images():
    for name in cases.IMAGE_STEPS:
        data = cases.step_case(name).config().data.name
        assert data in ("digits", "digit_styles", "cifar10", "photos"), name


def test_the_accelerator_check_runs_quick_on_cpu(tmp_path):
    """``python -m benchmarks.accelerator --quick``: its tests pass, each quick case is timed in
    both precisions, and the PyTorch twin is compared exactly where torch is installed."""
    from benchmarks import accelerator

    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.accelerator", "--quick", f"--out={tmp_path}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "accelerator-quick.json",
        "accelerator-quick.md",
    ]
    record = json.loads((tmp_path / "accelerator-quick.json").read_text())
    assert record["tests"]["returncode"] == 0 and "passed" in record["tests"]["summary"]
    rows = {(r["case"], r["precision"]): r for r in record["steps"]}
    assert set(rows) == {(c, p) for c in accelerator.QUICK_CASES for p in accelerator.PRECISIONS}
    twins = {c.name: c.twin for c in accelerator.CASES}
    for (case, _), row in rows.items():
        assert row["steps_per_second"] > 0 and row["compile_seconds"] > 0
        assert 0 < row["fraction_of_f32_peak"] and 0 < row["fraction_of_bf16_peak"]
        compared = twins[case] is not None and record["torch"] is not None
        assert (row["jaxgen_over_torch"] is not None) == compared
    # the FID Inception in both precisions: Inception-v3's 5.7 GMAC per 299x299 image
    features = {r["case"]: r for r in record["feature_networks"]}
    assert set(features) == {"fid_inception_299", "fid_inception_299_bfloat16"}
    for row in features.values():
        assert row["images_per_second"] > 0 and 10.5 < row["gflop_per_image"] < 12


def test_the_accelerator_checks_determinism_s_price_on_gpu_only():
    from benchmarks.accelerator import Variant, variants

    assert Variant("float32", deterministic=False) in variants("gpu")
    assert all(v.deterministic for p in ("cpu", "tpu") for v in variants(p))


def test_the_accelerator_tests_exist_and_need_no_tensorflow_datasets():
    """The GPU image has no tensorflow-datasets: no test the check runs may import it."""
    from benchmarks.accelerator import QUICK_TESTS, TESTS

    for path in (ROOT / p for p in (*TESTS, *QUICK_TESTS)):
        files = sorted(path.rglob("test_*.py")) if path.is_dir() else [path]
        assert files, path
        for file in files:
            assert "tensorflow_datasets" not in file.read_text(), file
