"""``python -m benchmarks.compile_parts [CASE ...]``: where a train step's compile time goes.

XLA:CPU compiles every fusion of a step into its own kernel, so compile time follows the
number of fusions more than the FLOPs. For each case, with the persistent cache off, this
compiles

* the whole step, as :mod:`benchmarks.run` times it (``guard_nonfinite`` around it);
* its parameter updates alone: every network's ``NetState.apply_gradients`` on gradients
  shaped like its parameters, and its EMA where it keeps one (``with_ema``, any decay);
* its initial state, ``task.init_state(seed)``, compiled as the training loop runs it,

and prints each one's compile seconds and fusion count. What the updates do not explain is
the networks' forward and backward passes and the losses. The updates act leaf by leaf
(clipping's norm, Adam's two moments, the update, the EMA), so their fusions grow with the
number of parameter arrays, not with their size; so does initialisation, where every
array's random draw is about ten fusions of its own (the threefry hash and the transform).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
from dataclasses import dataclass

import jax

from benchmarks import cases, measure
from benchmarks.run import prepare_without_state, table
from jaxgen.core.combinators import guard_nonfinite, with_ema
from jaxgen.core.state import NetState

DEFAULT_CASES = ("ddpm_unet_8x8", "ddpm_unet_32x32")
EMA_DECAY = 0.999  # the decay does not change what is compiled


@dataclass(frozen=True)
class CompileRow:
    case: str
    part: str
    parameter_arrays: int
    compile_seconds: float
    fusions: int


def net_names(state) -> list[str]:
    """The fields of ``state`` that hold a :class:`NetState`."""
    fields = dataclasses.fields(state)
    return [f.name for f in fields if isinstance(getattr(state, f.name), NetState)]


def update_one(name: str):
    """``(state, grads) -> (state, {})``: network ``name``'s optimiser update, nothing else."""

    def update(state, grads):
        net = getattr(state, name)
        return state.replace(**{name: net.apply_gradients(grads[name])}), {}

    return update


def updates_alone(state):
    """``(state, grads) -> (state, {})``: every network's update, and its EMA if it keeps one."""
    parts = []
    for name in net_names(state):
        part = update_one(name)
        if getattr(state, name).ema_params is not None:
            part = with_ema(part, EMA_DECAY, net=name)
        parts.append(part)

    def update(state, grads):
        for part in parts:
            state, _ = part(state, grads)
        return state, {}

    return update


def fusions(compiled) -> int:
    return compiled.as_text().count(" fusion(")


def compile_parts(case: cases.Case) -> list[CompileRow]:
    config, task, batch = prepare_without_state(case)
    init = functools.partial(task.init_state, config.seed)
    initial, init_seconds = measure.compile_timed(init, donate=False)
    state = initial()  # the compiled initialisation also gives the state the others need
    grads = {n: getattr(state, n).params for n in net_names(state)}
    arrays = len(jax.tree.leaves(grads))
    step, step_seconds = measure.compile_timed(guard_nonfinite(task.step), state, batch)
    update, update_seconds = measure.compile_timed(updates_alone(state), state, grads)
    return [
        CompileRow(case.name, "whole step", arrays, round(step_seconds, 1), fusions(step)),
        CompileRow(case.name, "updates alone", arrays, round(update_seconds, 1), fusions(update)),
        CompileRow(case.name, "initialisation", arrays, round(init_seconds, 1), fusions(initial)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=DEFAULT_CASES)
    args = parser.parse_args()
    measure.cold_compiles()
    rows = []
    for name in args.cases:
        rows += compile_parts(cases.step_case(name))
        print(*rows[-3:], sep="\n", flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
