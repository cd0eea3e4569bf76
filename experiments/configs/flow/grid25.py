"""A coupling flow on grid25 (see ``toy_flow_config``)."""

from experiments.configs.flow.defaults import toy_flow_config


def get_config():
    return toy_flow_config("grid25")
