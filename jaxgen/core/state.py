"""Train states: pytrees holding everything a run needs to continue.

A family's state is a ``flax.struct.PyTreeNode`` with at least

* ``step``: int32 scalar, the number of parameter updates applied so far (every primitive
  update step adds one, through :func:`advance`, so ``alternate(d_step, g_step, k)`` adds
  ``k + 1``; the training loop refuses a step that does not advance it, as its next update
  would draw the same random numbers);
* ``key``: the run's base key ``jax.random.key(seed)``, never advanced: update ``n`` draws from
  ``fold_in(key, n)`` (see :mod:`jaxgen.core.rng`);

and one :class:`NetState` per network. Nothing else is carried between steps, so a run is
reproducible from (config, seed) and resumable from a checkpoint of the state alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax import struct

from jaxgen.core.precision import cast_floating


def advance(state: Any, **changes: Any) -> Any:
    """``state`` after one update: ``changes`` applied and ``step`` advanced by one, so the
    next update draws from ``fold_in(key, step + 1)``. Every update primitive ends with it."""
    return state.replace(step=state.step + 1, **changes)


def takes_train(module: nn.Module) -> bool:
    """Whether the module's ``__call__`` has a ``train`` argument (BatchNorm, dropout)."""
    return "train" in inspect.signature(type(module).__call__).parameters


def init_variables(module: nn.Module, key: jax.Array, *example_args) -> dict:
    """``module.init`` on example inputs, in inference mode if the module takes ``train``."""
    kwargs = {"train": False} if takes_train(module) else {}
    return module.init(key, *example_args, **kwargs)


class NetState(struct.PyTreeNode):
    """One network and its optimiser.

    ``params`` are the trainable parameters, ``opt_state`` the optimiser ``tx``'s state for
    them, ``collections`` the network's other variable collections (e.g.
    ``{"batch_stats": ...}``, empty if none), ``ema_params`` an exponential moving average of
    ``params`` (``None`` when not kept). ``apply_fn``, ``tx``,
    ``takes_train`` (whether ``apply_fn`` wants the ``train`` keyword) and ``compute_dtype``
    (the dtype the network computes in, see :mod:`jaxgen.core.precision`) are static.
    """

    params: Any
    opt_state: Any  # optax.OptState
    collections: dict
    ema_params: Any
    apply_fn: Callable = struct.field(pytree_node=False)
    tx: optax.GradientTransformation = struct.field(pytree_node=False)
    takes_train: bool = struct.field(pytree_node=False)
    compute_dtype: Any = struct.field(pytree_node=False, default=jnp.float32)

    @classmethod
    def create(
        cls,
        *,
        module: nn.Module,
        variables: dict,
        tx: optax.GradientTransformation,
        ema: bool = False,
        compute_dtype: Any = jnp.float32,
    ) -> NetState:
        params = variables["params"]
        collections = {k: v for k, v in variables.items() if k != "params"}
        return cls(
            params=params,
            opt_state=tx.init(params),
            collections=collections,
            ema_params=jax.tree.map(lambda p: p.copy(), params) if ema else None,
            apply_fn=module.apply,
            tx=tx,
            takes_train=takes_train(module),
            compute_dtype=compute_dtype,
        )

    def variables(self, params: Any = None) -> dict:
        """``{"params": params or self.params, **collections}``, ready for ``apply_fn``."""
        return {"params": self.params if params is None else params, **self.collections}

    def forward(self, params: Any, *args, train: bool, rngs: dict | None = None):
        """``(output, collections)`` of the network with ``params``.

        Networks that take a ``train`` keyword get it (and ``rngs``, e.g. ``{"dropout": key}``,
        for the randomness they use in training). Those that keep other collections
        (BatchNorm statistics) normalise with batch statistics in training mode and return the
        updated collections; otherwise the stored ones are used and returned unchanged.
        The network runs on ``params`` and ``args`` cast to ``compute_dtype``; its output
        returns in float32.
        """
        variables = self.variables(cast_floating(params, self.compute_dtype))
        args = cast_floating(args, self.compute_dtype)
        collections = self.collections
        if not self.takes_train:
            out = self.apply_fn(variables, *args)
        elif not train or not self.collections:
            out = self.apply_fn(variables, *args, train=train, rngs=rngs)
        else:
            out, updated = self.apply_fn(
                variables, *args, train=True, rngs=rngs, mutable=list(self.collections)
            )
            collections = {**self.collections, **updated}
        return cast_floating(out, jnp.float32), collections

    def apply_gradients(self, grads: Any, collections: dict | None = None) -> NetState:
        """One optimiser update: θ ← θ + tx.update(∇θ); optionally new collections."""
        updates, opt_state = self.tx.update(grads, self.opt_state, self.params)
        return self.replace(
            params=optax.apply_updates(self.params, updates),
            opt_state=opt_state,
            collections=self.collections if collections is None else collections,
        )
