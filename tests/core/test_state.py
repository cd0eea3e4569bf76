"""NetState.forward: the ``train`` keyword reaches the networks that take it, and BatchNorm
statistics change only in training mode."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgen.core.state import NetState, init_variables


class Dropout(nn.Module):
    """No collections, but behaves differently in training."""

    @nn.compact
    def __call__(self, x, train: bool):
        return nn.Dropout(0.5, deterministic=not train)(nn.Dense(4)(x))


class Normalized(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool):
        return nn.BatchNorm(use_running_average=not train)(nn.Dense(4)(x))


def make(module):
    variables = init_variables(module, jax.random.key(0), jnp.ones((2, 3)))
    return NetState.create(module=module, variables=variables, tx=optax.sgd(0.1))


def test_train_flag_reaches_a_network_without_collections():
    net = make(Dropout())
    assert net.takes_train and not net.collections
    x = jnp.ones((8, 3))
    out, _ = net.forward(net.params, x, train=False)
    train_out = net.apply_fn(net.variables(), x, train=True, rngs={"dropout": jax.random.key(1)})
    assert not np.allclose(out, train_out)  # dropout is real in training
    np.testing.assert_allclose(out, net.apply_fn(net.variables(), x, train=False))


def test_batch_statistics_update_only_in_training():
    net = make(Normalized())
    x = jax.random.normal(jax.random.key(2), (16, 3)) * 3 + 1
    _, same = net.forward(net.params, x, train=False)
    _, updated = net.forward(net.params, x, train=True)
    unchanged = jax.tree.map(np.array_equal, same, net.collections)
    assert all(jax.tree.leaves(unchanged))
    assert not np.allclose(updated["batch_stats"]["BatchNorm_0"]["mean"], 0.0)


def test_plain_network_is_called_without_train():
    module = nn.Dense(2)
    net = make(module)
    assert not net.takes_train
    out, _ = net.forward(net.params, jnp.ones((1, 3)), train=True)
    np.testing.assert_allclose(out, module.apply(net.variables(), jnp.ones((1, 3))))
