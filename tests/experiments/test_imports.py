"""Importing the experiments starts no JAX backend: a multi-process run must join its peers
(``jax.distributed.initialize``) before anything touches a device."""

import subprocess
import sys

from tests.conftest import ROOT

CHECK = """
import experiments.main, experiments.train, experiments.demo
from experiments.families import FAMILIES, family
for name in FAMILIES:
    family(name)
from jax._src import xla_bridge
assert not xla_bridge.backends_are_initialized(), "an import started JAX's backend"
"""


def test_importing_every_experiment_module_leaves_the_backend_unstarted():
    proc = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
