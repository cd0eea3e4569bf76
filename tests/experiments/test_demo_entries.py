"""``make demo``'s entries: each names a config, and its budget overrides are real keys that
the page's reproduction command carries."""

import pytest

from experiments.demo import ENTRIES


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.name)
def test_entry_overrides_apply_and_appear_in_its_command(entry):
    config = entry.config()
    flat = {
        f"{section}.{key}": value
        for section in ("data", "model", "optim", "train", "eval")
        for key, value in config[section].items()
    }
    for key, value in entry.overrides.items():
        assert flat[key] == value
        assert f"--config.{key}={value}" in entry.command()


def test_unknown_override_key_is_refused():
    entry = ENTRIES[0]
    bad = type(entry)(entry.name, entry.module, entry.description, {"train.num_stepz": 1})
    with pytest.raises(KeyError):
        bad.config()
