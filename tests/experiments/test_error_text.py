"""Library errors name arguments; the command line names the flags that set them."""

from experiments.error_text import in_flags

CONFIG = {"seed": 0, "train": {"num_steps": 5, "channels": 2}, "model": {"channels": 8}}


def test_a_config_key_becomes_its_flag_and_command_flags_keep_their_names():
    said = in_flags("`num_steps`=0 must be at least 1; use another `workdir`", CONFIG)
    assert said == "--config.train.num_steps=0 must be at least 1; use another --workdir"


def test_an_ambiguous_or_unknown_name_and_a_quoted_command_stay_as_they_are():
    message = "fix `channels` or `depth`; run `python -m x`"
    assert in_flags(message, CONFIG) == message
