"""A run's fingerprint is its config without the keys a resume may change."""

from experiments.configs.base import RESUMABLE_KEYS, run_fingerprint
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
    assert everything - kept == everything & RESUMABLE_KEYS
