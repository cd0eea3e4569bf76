"""Library errors in the command line's words.

A library error names the argument to change in backticks (```workdir```, ```num_steps```);
on the command line that argument is a flag. :func:`in_flags` replaces each such name by the
flag that sets it: the command's own flags by name, any other by the config key of that name
(``--config.train.num_steps``) where exactly one section of the config has it.
"""

from __future__ import annotations

import re

COMMAND_FLAGS = {
    "workdir": "--workdir",
    "start_afresh": "--start_afresh",
    "num_samples": "--num_samples",
    "seed": "--config.seed",
    "keep": "--config.train.keep_checkpoints",
    "normalization": "--config.model.d_normalization",
}

ARGUMENT = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")


def in_flags(message: str, config: dict) -> str:
    """``message`` with every backticked argument name that a flag sets replaced by that flag;
    a name no flag sets, or that several config sections have, stays as it is."""

    def flag(match: re.Match) -> str:
        name = match.group(1)
        if name in COMMAND_FLAGS:
            return COMMAND_FLAGS[name]
        sections = [
            key for key, value in config.items() if isinstance(value, dict) and name in value
        ]
        return f"--config.{sections[0]}.{name}" if len(sections) == 1 else match.group(0)

    return ARGUMENT.sub(flag, message)
