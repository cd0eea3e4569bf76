"""GAN update steps: Goodfellow et al. 2014, Algorithm 1.

Discriminator update, for the cross-entropy objectives (ascend V, i.e. descend −V)::

    ∇_φ  −[ mean_i log D_φ(x_i) + mean_j log(1 − D_φ(G_θ(z_j))) ]

Generator update (descend the objective's generator loss, e.g. the minimax game's
``mean log(1 − D(G(z)))`` or the non-saturating ``−mean log D(G(z))``)::

    ∇_θ  L_G(D_φ(G_θ(z)))

``objective`` names one of :data:`jaxgen.gan.losses.OBJECTIVES` (also least squares, hinge,
Wasserstein). A discriminator (critic) update may add the WGAN-GP gradient penalty
λ E(‖∇f(x̂)‖ − 1)², its interpolation drawn from ``fold_in(step key, 1)``, and may clip every
critic weight to [−c, c] after the update (WGAN); see :mod:`jaxgen.gan.wasserstein`.

Each update draws z ~ N(0, I) from ``fold_in(base_key, step)`` and advances ``step`` by one.
Both networks run in training mode (batch statistics for BatchNorm). The discriminator update
changes only the discriminator (parameters, optimiser state and BatchNorm statistics; the
generator's statistics from making the fakes are discarded) and the generator update changes
only the generator.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgen.core.combinators import StepFn, alternate
from jaxgen.core.rng import step_key
from jaxgen.core.state import advance
from jaxgen.gan import losses, wasserstein
from jaxgen.gan.state import GANState


def latent(key: jax.Array, n: int, latent_dim: int) -> jax.Array:
    """z ~ N(0, I) of shape (``n``, ``latent_dim``), drawn with ``key``."""
    return jax.random.normal(key, (n, latent_dim))


def generate(state: GANState, z: jax.Array, *, use_ema: bool = False) -> jax.Array:
    """G(z) in inference mode: the generator of ``state`` applied to ``z`` with its current
    parameters, or with their EMA when ``use_ema`` (the state must keep one)."""
    params = state.g.ema_params if use_ema else state.g.params
    return state.g.forward(params, z, train=False)[0]


def make_d_step(
    *,
    latent_dim: int,
    objective: str = "non_saturating",
    gradient_penalty: float = 0.0,
    clip: float | None = None,
) -> StepFn:
    """One discriminator update on a batch ``{"x": real}`` against fresh fakes.

    Args:
      latent_dim: the size of z.
      objective: a name in :data:`jaxgen.gan.losses.OBJECTIVES`.
      gradient_penalty: WGAN-GP's λ (0: none).
      clip: WGAN's c, the bound of every critic weight after the update (None: no clipping).

    Returns:
      ``d_step(state, batch) -> (state, metrics)``.
    """
    loss_of = losses.objective(objective)

    def d_step(state: GANState, batch: dict) -> tuple[GANState, dict]:
        real, key = batch["x"], step_key(state)
        z = latent(key, real.shape[0], latent_dim)
        fake = jax.lax.stop_gradient(state.g.forward(state.g.params, z, train=True)[0])

        def loss_fn(d_params):
            return _discriminator_loss(
                state.d, d_params, real, fake, loss_of, gradient_penalty, jax.random.fold_in(key, 1)
            )

        (loss, (collections, report)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            state.d.params
        )
        d = state.d.apply_gradients(grads, collections)
        if clip is not None:
            d = d.replace(params=wasserstein.clip_weights(d.params, clip))
        return advance(state, d=d), {"d_loss": loss, **report}

    return d_step


def _discriminator_loss(d, d_params, real, fake, loss_of, gradient_penalty: float, penalty_key):
    """The objective's discriminator loss of ``d`` with ``d_params`` on a real and a fake
    batch, plus λ·E(‖∇f(x̂)‖ − 1)² where λ = ``gradient_penalty`` > 0 (x̂ drawn from
    ``penalty_key``). The real batch's BatchNorm statistics carry into the fake batch's.

    Returns:
      ``(loss, (collections, report))``: D's updated collections, and its mean scores
      ``d_real`` and ``d_fake`` with the ``gradient_penalty`` term where λ > 0.
    """
    real_logits, after_real = d.forward(d_params, real, train=True)
    fake_logits, collections = d.replace(collections=after_real).forward(d_params, fake, train=True)
    loss = loss_of.discriminator(real_logits, fake_logits)
    report = {
        "d_real": jnp.mean(loss_of.score(real_logits)),
        "d_fake": jnp.mean(loss_of.score(fake_logits)),
    }
    if gradient_penalty:
        critic = lambda x: d.forward(d_params, x, train=True)[0]  # noqa: E731
        report["gradient_penalty"] = wasserstein.gradient_penalty(critic, real, fake, penalty_key)
        loss = loss + gradient_penalty * report["gradient_penalty"]
    return loss, (collections, report)


def make_g_step(*, latent_dim: int, objective: str = "non_saturating") -> StepFn:
    """One generator update descending the objective's generator loss; the batch gives only
    the batch size.

    Args:
      latent_dim: the size of z.
      objective: a name in :data:`jaxgen.gan.losses.OBJECTIVES`.

    Returns:
      ``g_step(state, batch) -> (state, metrics)``.
    """
    loss_of = losses.objective(objective)

    def g_step(state: GANState, batch: dict) -> tuple[GANState, dict]:
        z = latent(step_key(state), batch["x"].shape[0], latent_dim)

        def loss_fn(g_params):
            fake, collections = state.g.forward(g_params, z, train=True)
            logits, _ = state.d.forward(state.d.params, fake, train=True)
            return loss_of.generator(logits), collections

        (loss, collections), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.g.params)
        g = state.g.apply_gradients(grads, collections)
        return advance(state, g_steps=state.g_steps + 1, g=g), {"g_loss": loss}

    return g_step


def make_gan_step(
    *,
    latent_dim: int,
    objective: str = "non_saturating",
    k: int = 1,
    gradient_penalty: float = 0.0,
    clip: float | None = None,
) -> StepFn:
    """``alternate(d_step, g_step, k)``: k discriminator updates, then one generator update.

    WGAN (Arjovsky et al. 2017): ``objective="wasserstein", k=n_critic, clip=c``; WGAN-GP
    (Gulrajani et al. 2017): ``objective="wasserstein", k=n_critic, gradient_penalty=λ``.

    Args:
      latent_dim: the size of z.
      objective: a name in :data:`jaxgen.gan.losses.OBJECTIVES`.
      k: discriminator updates per generator update; the batch's leaves carry a leading axis
        of length ``k`` (:func:`jaxgen.core.alternate`).
      gradient_penalty: WGAN-GP's λ (0: none).
      clip: WGAN's c, the bound of every critic weight after each update (None: no clipping).

    Returns:
      ``step(state, batches) -> (state, metrics)``.
    """
    d_step = make_d_step(
        latent_dim=latent_dim, objective=objective, gradient_penalty=gradient_penalty, clip=clip
    )
    return alternate(d_step, make_g_step(latent_dim=latent_dim, objective=objective), k)


ORIGINAL_WGAN_MAX_CRITIC = 100


def original_wgan_critic_iterations(g_steps: jax.Array, n_critic: int) -> jax.Array:
    """The reference WGAN code's schedule: 100 critic iterations for the first 25 generator
    iterations and every 500th, otherwise ``n_critic`` (Arjovsky et al. 2017, released code)."""
    warm = (g_steps < 25) | (g_steps % 500 == 0)
    return jnp.where(warm, ORIGINAL_WGAN_MAX_CRITIC, n_critic)


def make_scheduled_wgan_step(
    *, latent_dim: int, n_critic: int, clip: float | None, gradient_penalty: float = 0.0
) -> StepFn:
    """WGAN with the original critic schedule; the batch carries a leading axis of 100.

    Critic update i uses minibatch i; the generator uses the last minibatch the critic used.
    Every iteration is fed 100 minibatches although most use ``n_critic``: the data cost of a
    static batch shape under ``jit``.

    Args:
      latent_dim: the size of z.
      n_critic: critic updates per generator update outside the schedule's warm-up (100 for
        the first 25 generator updates and every 500th).
      clip: WGAN's c, the bound of every critic weight after each update (None: no clipping).
      gradient_penalty: WGAN-GP's λ (0: none).

    Returns:
      ``step(state, batches) -> (state, metrics)``; the metrics include
      ``critic_iterations``.
    """
    d_step = make_d_step(
        latent_dim=latent_dim,
        objective="wasserstein",
        gradient_penalty=gradient_penalty,
        clip=clip,
    )
    g_step = make_g_step(latent_dim=latent_dim, objective="wasserstein")

    def scheduled(state: GANState, batches: dict) -> tuple[GANState, dict]:
        count = original_wgan_critic_iterations(state.g_steps, n_critic)
        pick = lambda i: jax.tree.map(lambda b: b[i], batches)  # noqa: E731
        _, first_metrics = jax.eval_shape(d_step, state, pick(0))
        zeros = jax.tree.map(lambda m: jnp.zeros(m.shape, m.dtype), first_metrics)

        def critic_update(i, carry):
            return d_step(carry[0], pick(i))

        state, d_metrics = jax.lax.fori_loop(0, count, critic_update, (state, zeros))
        state, g_metrics = g_step(state, pick(count - 1))
        return state, {**d_metrics, **g_metrics, "critic_iterations": count}

    return scheduled
