"""Flow matching on checkerboard (see ``toy.py``)."""

from experiments.configs.flow_matching.toy import toy_flow_matching_config


def get_config():
    return toy_flow_matching_config("checkerboard")
