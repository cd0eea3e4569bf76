"""One of two processes reaching its first collective ``LATE_S`` seconds after the other.

Run by ``tests/core/test_parallel.py``: ``python -m tests.core.late_process PROCESS_ID PORT``.
Gloo gives a process 30 s to join a collective, so without ``compile_then_meet`` the early
process fails with ``Gloo context initialization failed: DEADLINE_EXCEEDED``.
"""

import sys
import time

import jax
import numpy as np

from jaxgen.core import parallel

LATE_S = 35


def main(process_id: int, port: int) -> None:
    parallel.initialize_distributed(f"127.0.0.1:{port}", 2, process_id)
    mesh = parallel.data_mesh()
    batch = parallel.put_batch({"x": np.full((2, 3), process_id + 1.0, np.float32)}, mesh, 0)
    column_sums = jax.jit(lambda b: b["x"].sum(0), out_shardings=parallel.replicated(mesh))
    if process_id == 1:
        time.sleep(LATE_S)
    parallel.compile_then_meet(column_sums, batch)
    print(np.asarray(column_sums(batch).addressable_data(0)).tolist())


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
