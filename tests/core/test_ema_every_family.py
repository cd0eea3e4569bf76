"""``with_ema`` averages the parameters of every family's state: a NetState field (GAN,
diffusion, CycleGAN's two generators) or the state itself (a flow)."""

import flax.linen as nn
import jax
import numpy as np
import optax
import pytest

from jaxgen.core import with_ema
from jaxgen.cyclegan import init_cyclegan_state, make_cyclegan_step
from jaxgen.diffusion import init_diffusion_state, make_diffusion_step, make_schedule
from jaxgen.flows import coupling_flow
from jaxgen.flows.state import init_flow_state
from jaxgen.flows.steps import make_flow_step
from jaxgen.gan import make_gan_step
from jaxgen.nn.cyclegan import PatchDiscriminator
from jaxgen.nn.mlp import TimeConditionedMLP
from tests.conftest import tiny_gan_state

DECAY = 0.5
POINTS = jax.random.normal(jax.random.key(0), (8, 2))
IMAGES = jax.random.uniform(jax.random.key(1), (2, 8, 8, 1), minval=-1)


class Scale(nn.Module):
    """x · s, s starting at 1."""

    @nn.compact
    def __call__(self, x):
        return x * self.param("s", nn.initializers.ones, ())


def gan():
    return tiny_gan_state(), make_gan_step(latent_dim=3), {"x": POINTS[None]}, ("g",)


def diffusion():
    state = init_diffusion_state(
        seed=0,
        denoiser=TimeConditionedMLP(hidden=(8,), embedding=8),
        data_shape=(2,),
        tx=optax.adam(1e-2),
        ema=True,
    )
    step = make_diffusion_step(schedule=make_schedule("linear", 50))
    return state, step, {"x": POINTS}, ("denoiser",)


def cyclegan():
    state = init_cyclegan_state(
        seed=0,
        generator=Scale(),
        discriminator=PatchDiscriminator(features=4, layers=1),
        shape_a=IMAGES.shape[1:],
        shape_b=IMAGES.shape[1:],
        g_tx=optax.adam(1e-2),
        d_tx=optax.adam(1e-2),
        ema=True,
    )
    return state, make_cyclegan_step(), {"a": IMAGES, "b": -IMAGES}, ("g", "f")


def flow():
    model = coupling_flow(dim=2, pairs=1, hidden=(8,))
    state = init_flow_state(flow=model, seed=0, example=POINTS, tx=optax.adam(1e-2), ema=True)
    return state, make_flow_step(flow=model), {"x": POINTS}, (None,)


@pytest.mark.parametrize("family", [gan, diffusion, cyclegan, flow], ids=lambda f: f.__name__)
def test_the_ema_moves_a_decay_of_the_way_to_the_updated_parameters(family):
    state, step, batch, nets = family()
    for net in nets:
        step = with_ema(step, DECAY, net=net)
    after, _ = jax.jit(step)(state, batch)
    for net in nets:
        before_holder = state if net is None else getattr(state, net)
        holder = after if net is None else getattr(after, net)
        n = int(after.step)  # the warm-up's decay: min(decay, (1 + n) / (10 + n))
        d = min(DECAY, (1 + n) / (10 + n))
        expected = jax.tree.map(
            lambda e, p, d=d: d * e + (1 - d) * p, before_holder.ema_params, holder.params
        )
        for got, want in zip(
            jax.tree.leaves(holder.ema_params), jax.tree.leaves(expected), strict=True
        ):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
        moved = [
            not np.allclose(e, p)
            for e, p in zip(*map(jax.tree.leaves, (holder.ema_params, holder.params)), strict=True)
        ]
        assert any(moved), f"{net}: the update left the parameters where the average is"
