"""State, step combinators, randomness and parallel execution shared by every family."""

from jaxgen.core.combinators import alternate, guard_nonfinite, scan_steps, with_ema
from jaxgen.core.rng import iteration_key, split_by_purpose, step_key
from jaxgen.core.state import NetState

__all__ = [
    "NetState",
    "alternate",
    "guard_nonfinite",
    "iteration_key",
    "scan_steps",
    "split_by_purpose",
    "step_key",
    "with_ema",
]
