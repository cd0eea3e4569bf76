"""The flow demonstration's equations hold on a trained flow (short run)."""

from experiments.lecture.change_of_variables import run


def test_trained_flow_density_integrates_to_one_and_inverts(tmp_path):
    result = run(tmp_path, num_steps=300)
    assert abs(result["density_integral"] - 1.0) < 0.02
    assert result["round_trip_max_error"] < 1e-4
    assert result["log_det_vs_jacfwd_max_difference"] < 1e-3
    assert result["kl_gap"] < 0.5  # maximum likelihood has learned the moons
    assert all(abs(m) < 0.3 for m in result["latent_mean"])
