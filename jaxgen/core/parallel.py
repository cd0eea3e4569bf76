"""Data parallelism the current JAX way: one global program over a ``Mesh``.

The state is replicated (``PartitionSpec()``) and every batch leaf is split along its batch
axis on the mesh axis ``"data"``; ``jax.jit`` then partitions the step and inserts the gradient
all-reduce itself, so the step function contains no collectives and runs unchanged on one
device or many. Across hosts, ``jax.distributed.initialize`` joins the processes, the mesh
spans every process's devices, and each process supplies only its own rows of the global batch
(``process_rows``) to ``jax.make_array_from_process_local_data``.
"""

from __future__ import annotations

import itertools

import jax
import numpy as np
import orbax.checkpoint as ocp
from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec

from jaxgen.core import compiler
from jaxgen.errors import JaxgenError

DATA_AXIS = "data"


def initialize_distributed(
    coordinator: str,
    num_processes: int,
    process_id: int,
    *,
    join_timeout: int = 300,
    heartbeat_timeout: int = 30,
) -> None:
    """Join a multi-process run (``coordinator`` is ``host:port`` of process 0).

    Every process must register within ``join_timeout`` seconds, and a process silent for
    ``heartbeat_timeout`` seconds counts as lost; either ends every process (JAX's runtime
    does this from C++; ``experiments.supervisor`` turns it into one line).
    """
    if not 0 <= process_id < num_processes:
        raise JaxgenError(
            f"process_id={process_id} is not one of the {num_processes} processes; "
            f"use 0 to {num_processes - 1}"
        )
    jax.distributed.initialize(
        coordinator_address=coordinator,
        num_processes=num_processes,
        process_id=process_id,
        initialization_timeout=join_timeout,
        heartbeat_timeout_seconds=heartbeat_timeout,
    )


def data_mesh() -> Mesh:
    """A 1-D mesh named ``"data"`` over every device of every process.

    The axis is ``Auto`` (sharding propagated by the compiler), not the ``Explicit`` default of
    ``jax.make_mesh``: under explicit sharding, reshapes that split an axis of a batch-sharded
    array (a flow's squeeze) need an ``out_sharding`` at every call, for nothing gained here.
    """
    return jax.make_mesh((jax.device_count(),), (DATA_AXIS,), axis_types=(AxisType.Auto,))


def replicated(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, PartitionSpec())


def batch_sharding(mesh: Mesh, lead_axes: int) -> NamedSharding:
    """Split axis ``lead_axes`` (the batch axis, after any scan/sub-step axes) over devices."""
    return NamedSharding(mesh, PartitionSpec(*([None] * lead_axes), DATA_AXIS))


def check_batch_size(batch_size: int, mesh: Mesh) -> None:
    if batch_size % mesh.size:
        raise JaxgenError(
            f"batch size {batch_size} does not split evenly over {mesh.size} devices; "
            f"use a multiple of {mesh.size}"
        )


def process_rows(batch_size: int) -> slice:
    """This process's rows of a global batch (all rows in a one-process run)."""
    share = batch_size // jax.process_count()
    start = jax.process_index() * share
    return slice(start, start + share)


def put_batch(batch: dict, mesh: Mesh, lead_axes: int) -> dict:
    """Place this process's rows of a batch as global arrays sharded on the batch axis."""
    sharding = batch_sharding(mesh, lead_axes)
    if jax.process_count() == 1:
        return jax.device_put(batch, sharding)
    return {
        k: jax.make_array_from_process_local_data(sharding, np.asarray(v)) for k, v in batch.items()
    }


COMPILE_SKEW_TIMEOUT_S = 1800
_barriers = itertools.count()  # a barrier's name may be waited on once per process


def compile_then_meet(jitted, *args) -> None:
    """In a multi-process run, compile ``jitted`` for ``args`` here, then wait for every process.

    Gloo, JAX's CPU collectives, gives a process a fixed 30 s to join the first collective of
    a step; on a loaded machine one process's compile can finish that much after another's,
    and the run then fails at its first all-reduce. Compiling first (``jit`` keeps the
    executable for the call that follows) and meeting at the coordination service's barrier,
    whose timeout is ours, takes the compile out of that window. One process: nothing to do.
    """
    if jax.process_count() == 1:
        return
    jitted.lower(*args).compile()
    ocp.multihost.sync_global_processes(
        f"jaxgen_step_compiled_{next(_barriers)}",
        timeout=COMPILE_SKEW_TIMEOUT_S,
        processes=set(range(jax.process_count())),
    )


_agreements = itertools.count()  # every process asks the same questions in the same order


def agree(flag: bool) -> bool:
    """Process 0's ``flag`` in every process: for a choice that all processes must make alike
    (whether to run a collective program) but that process 0 makes from the files it writes.
    Passed through the coordination service's key-value store, not a collective: the step's
    first collective is still to come (:func:`compile_then_meet`)."""
    if jax.process_count() == 1:
        return flag
    client = ocp.multihost.get_jax_distributed_client()
    key = f"jaxgen_agreement_{next(_agreements)}"
    if jax.process_index() == 0:
        client.key_value_set(key, str(int(flag)))
    return client.blocking_key_value_get(key, COMPILE_SKEW_TIMEOUT_S * 1000) == "1"


def init_replicated(init_fn, mesh: Mesh):
    """``init_fn()`` computed under ``jit`` straight into a state replicated over the mesh.

    Every process computes the same values, so this also works when the mesh spans devices
    that this process cannot address (multi-host), where ``jax.device_put`` cannot.
    """
    return compiler.jit(init_fn, out_shardings=replicated(mesh))()
