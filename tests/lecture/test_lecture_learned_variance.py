"""``experiments.lecture.learned_variance`` on untrained, narrowed models: its samplers, the
family's bound under each variance, the learned interpolation, the figure and the JSON."""

import json

import numpy as np

from experiments.lecture import learned_variance as study
from experiments.lecture.common import save_results
from experiments.train import build_experiment
from jaxgen.data.digits import load_digits_arrays


def untrained_models() -> dict:
    """Both configs with a narrow U-Net (the study's networks are the configs'), untrained."""
    models = {}
    for name, get_config in study.CONFIGS.items():
        config = get_config()
        config.model.channels, config.model.multipliers, config.model.groups = 8, (1,), 4
        config.model.attention_at = ()
        config.eval.bound_examples = 4
        models[name] = {
            "config": config,
            "state": build_experiment(config).task.init_state(config.seed),
        }
    return models


def test_the_study_compares_three_samplers_and_reads_the_learned_interpolation(tmp_path):
    models = untrained_models()
    frechet = study.frechet_against_steps(models, (2,), n=80, draws=1)
    assert set(frechet) == set(study.SAMPLERS)
    for rows in frechet.values():
        assert np.isfinite(rows[2]["mean"]) and rows[2]["samples"].shape == (20, 8, 8, 1)
    bounds = {
        label: study.bound_bits_per_dim(
            study.with_variance(models[model]["config"], variance), models[model]["state"]
        )
        for label, (model, variance) in study.SAMPLERS.items()
    }
    # the fixed model's two variances give two bounds; each finite and positive
    assert len(set(bounds.values())) == 3 and all(0 < b < 100 for b in bounds.values())
    learned = models["learned"]
    x = load_digits_arrays("test")["x"][:8]
    u = study.variance_interpolation(learned["config"], learned["state"], x, [0, 500, 999])
    np.testing.assert_array_equal(u, 0.5)  # a zero-initialised output: v = 0, the midpoint
    result = {
        "bound_bits_per_dim": bounds,
        "frechet": frechet,
        "frechet_train_to_test": 3.2,
        "u_timesteps": [0, 500, 999],
        "u": u.tolist(),
        "training_steps": 0,
    }
    save_results(study.draw_figure(result), tmp_path, "learned_variance", study.numbers(result))
    numbers = json.loads((tmp_path / "learned_variance.json").read_text())
    assert (tmp_path / "learned_variance.png").stat().st_size > 0
    assert numbers["bound_bits_per_dim"] == bounds
    assert set(numbers["frechet"][next(iter(study.SAMPLERS))]["2"]) == {
        "fd",
        "mean",
        "standard_error",
    }
