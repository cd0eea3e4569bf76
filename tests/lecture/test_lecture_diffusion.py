"""The diffusion demonstration runs end to end on a small digits DDPM, and its forward-process
picture shows what q(x_t | x_0) says: the digit fades as ᾱ_t falls."""

import numpy as np

from experiments.lecture import diffusion_process
from tests.conftest import short_config


def test_diffusion_lecture_script_runs_and_its_forward_process_fades_the_digit(tmp_path):
    config = short_config(
        "diffusion.digits", 20, every=20, channels=8, multipliers=(1,), attention_at=(), groups=4
    )
    config.eval.update(num_samples=32, bound_examples=0)
    result = diffusion_process.run(tmp_path, config, n=32, ddim_steps=(10,))

    digit = diffusion_process.load_digits_arrays("test")["x"][0].ravel()
    frames = result["forward"].reshape(len(diffusion_process.FORWARD_STEPS), -1)
    np.testing.assert_allclose(frames[0], digit, atol=0.05)  # t = 0: β_1 = 1e-4 of noise
    correlation = [np.corrcoef(frame, digit)[0, 1] for frame in frames]
    assert all(a > b for a, b in zip(correlation, correlation[1:], strict=False))
    assert abs(correlation[-1]) < 0.3  # t = 999: ᾱ_T ≈ 4e-5, noise only
    for abar in result["alphas_cumprod"].values():
        assert abar[0] > 0.999 and abar[-1] < 1e-3 and np.all(np.diff(abar) < 0)

    trajectory = result["trajectory"]  # x_T first, the clipped x_0 last
    assert trajectory.shape == (8, 6, 8, 8, 1)
    assert 0.7 < trajectory[0].std() < 1.3 and np.abs(trajectory[-1]).max() <= 1.0

    samplers = result["samplers"]
    assert set(samplers) == {"ancestral_1000", "ddim_10", "frechet_distance_train_to_test"}
    for name in ("ancestral_1000", "ddim_10"):
        assert samplers[name]["samples"].shape == (20, 8, 8, 1)
        assert np.isfinite(samplers[name]["frechet_distance_to_test"])

    diffusion_process.draw_figures(tmp_path, result)
    assert (tmp_path / "diffusion_process.png").is_file()
    assert (tmp_path / "diffusion_samplers.png").is_file()
