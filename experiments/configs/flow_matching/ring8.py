"""Flow matching on ring8 (see ``toy.py``)."""

from experiments.configs.flow_matching.toy import toy_flow_matching_config


def get_config():
    return toy_flow_matching_config("ring8")
