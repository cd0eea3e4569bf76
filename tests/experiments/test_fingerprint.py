"""A run's fingerprint is its config without the keys a resume may change."""

from experiments.configs.base import RESUMABLE_KEYS, RESUMABLE_SECTIONS, run_fingerprint
from experiments.configs.diffusion.digits import get_config as diffusion_digits
from experiments.configs.gan.ring8 import get_config


def test_the_fingerprint_drops_exactly_the_resumable_keys():
    config = get_config().to_dict()
    fingerprint = run_fingerprint(config)
    assert "num_steps" not in fingerprint["train"]
    longer = get_config()
    longer.train.num_steps *= 2
    assert run_fingerprint(longer.to_dict()) == fingerprint
    other = get_config()
    other.optim.g_lr *= 2
    assert run_fingerprint(other.to_dict()) != fingerprint
    kept = {f"{s}.{k}" for s, v in fingerprint.items() if isinstance(v, dict) for k in v}
    everything = {f"{s}.{k}" for s, v in config.items() if isinstance(v, dict) for k in v}
    dropped = {key for key in everything if key.split(".")[0] in RESUMABLE_SECTIONS}
    assert everything - kept == (everything & RESUMABLE_KEYS) | dropped
    assert "eval" not in fingerprint


def test_the_sampler_may_change_but_not_the_training():
    """A trained DDPM may be sampled by DDIM-50 or evaluated on more samples in its workdir;
    its noise schedule or learning rate may not change there."""
    trained = run_fingerprint(diffusion_digits().to_dict())
    for key, value in [
        ("sampler", "ddim"),
        ("sample_steps", 50),
        ("eta", 0.5),
    ]:
        config = diffusion_digits()
        config.model[key] = value
        config.eval.num_samples = 50_000
        assert run_fingerprint(config.to_dict()) == trained, key
    for section, key, value in [("model", "schedule", "cosine"), ("optim", "lr", 1.0)]:
        config = diffusion_digits()
        config[section][key] = value
        assert run_fingerprint(config.to_dict()) != trained, key
