"""``dispatch_batch`` lays one dispatch's batches out as ``scan_steps(alternate(...))`` reads
them, each iteration reading the batches an uninterrupted run would."""

import numpy as np
import pytest

from jaxgen.data import ArrayDataset, dispatch_batch, leading_axes

DATA = ArrayDataset("counting", {"x": np.arange(64, dtype=np.float32)[:, None]}, seed=3)


@pytest.mark.parametrize("n, k", [(1, None), (3, None), (1, 2), (3, 2)])
def test_iteration_i_reads_batches_i_k_to_i_k_plus_k_minus_1(n, k):
    batch = dispatch_batch(
        DATA, first_iteration=5, batch_size=4, steps_per_dispatch=n, sub_batches=k
    )
    lead = ((n,) if n > 1 else ()) + ((k,) if k is not None else ())
    assert batch["x"].shape == (*lead, 4, 1)
    assert leading_axes(steps_per_dispatch=n, sub_batches=k) == len(lead)
    x = batch["x"].reshape(n, k or 1, 4, 1)
    for i in range(n):
        for j in range(k or 1):
            expected = DATA.get_batch((5 + i) * (k or 1) + j, 4)["x"]
            np.testing.assert_array_equal(x[i, j], expected)
