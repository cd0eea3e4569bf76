"""GAN update steps: Goodfellow et al. 2014, Algorithm 1.

Discriminator update, for the cross-entropy objectives (ascend V, i.e. descend −V)::

    ∇_φ  −[ mean_i log D_φ(x_i) + mean_j log(1 − D_φ(G_θ(z_j))) ]

Generator update (descend the objective's generator loss, e.g. the minimax game's
``mean log(1 − D(G(z)))`` or the non-saturating ``−mean log D(G(z))``)::

    ∇_θ  L_G(D_φ(G_θ(z)))

``objective`` names one of :data:`jaxgen.gan.losses.OBJECTIVES` (also least squares, hinge,
Wasserstein). A discriminator (critic) update adds any regularisers given as ``penalties``
(:mod:`jaxgen.gan.penalties`: WGAN-GP's gradient penalty, R1, or a user's own), penalty j
drawing from ``fold_in(step key, 1 + j)``, and may clip every critic weight to
[−c, c] after the update (WGAN); see :mod:`jaxgen.gan.wasserstein`.

Class-conditional GANs (``num_classes`` > 0; Mirza & Osindero 2014, Miyato & Koyama 2018)
call ``G(z, y)`` and ``D(x, y)``: the real batch carries ``"label"``, and fakes are made for
labels drawn uniformly from ``fold_in(step key, 0)``, which D then judges them as.

Each update draws z ~ N(0, I) from ``fold_in(base_key, step)`` and advances ``step`` by one.
Both networks run in training mode (batch statistics for BatchNorm). The discriminator update
changes only the discriminator (parameters, optimiser state and BatchNorm statistics; the
generator's statistics from making the fakes are discarded) and the generator update changes
only the generator.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from jaxgen.core.combinators import StepFn, alternate
from jaxgen.core.rng import step_key
from jaxgen.core.state import advance
from jaxgen.errors import JaxgenError
from jaxgen.gan import losses, penalties, wasserstein
from jaxgen.gan.penalties import Penalty
from jaxgen.gan.state import GANState

# an update draws z from its step key, the fakes' labels from fold_in(step key, 0) and
# penalty j's randomness from fold_in(step key, 1 + j)
LABEL_STREAM, FIRST_PENALTY_STREAM = 0, 1


def latent(key: jax.Array, n: int, latent_dim: int) -> jax.Array:
    """z ~ N(0, I) of shape (``n``, ``latent_dim``), drawn with ``key``."""
    return jax.random.normal(key, (n, latent_dim))


def generate(
    state: GANState, z: jax.Array, labels: jax.Array | None = None, *, use_ema: bool = False
) -> jax.Array:
    """G(z) (G(z, y) for a conditional generator, ``labels`` y of shape (N,)) in inference
    mode: the generator of ``state`` with its current parameters, or with their EMA when
    ``use_ema`` (the state must keep one)."""
    params = state.g.ema_params if use_ema else state.g.params
    return state.g.forward(params, z, *_labels(labels), train=False)[0]


def _labels(labels: jax.Array | None) -> tuple:
    """The networks' extra positional input: (labels,) for a conditional GAN, else ()."""
    return () if labels is None else (labels,)


def fake_labels(key: jax.Array, n: int, num_classes: int) -> jax.Array | None:
    """The classes the fakes of an update are made for: uniform, from ``fold_in(key, 0)``
    (None for an unconditional GAN)."""
    if not num_classes:
        return None
    return jax.random.randint(jax.random.fold_in(key, LABEL_STREAM), (n,), 0, num_classes)


def penalty_list(gradient_penalty: float, extra: Sequence[Penalty]) -> tuple[Penalty, ...]:
    """WGAN-GP's λ (0: none) as a penalty, followed by ``extra``."""
    listed = (penalties.gradient_penalty(gradient_penalty),) if gradient_penalty else ()
    return (*listed, *extra)


def make_d_step(
    *,
    latent_dim: int,
    objective: str = "non_saturating",
    gradient_penalty: float = 0.0,
    clip: float | None = None,
    penalties: Sequence[Penalty] = (),
    num_classes: int = 0,
) -> StepFn:
    """One discriminator update on a batch ``{"x": real}`` (``"label"`` too for a conditional
    GAN) against fresh fakes.

    Args:
      latent_dim: the size of z.
      objective: a name in :data:`jaxgen.gan.losses.OBJECTIVES`.
      gradient_penalty: WGAN-GP's λ (0: none); the same as ``penalties`` starting with
        :func:`jaxgen.gan.penalties.gradient_penalty`.
      clip: WGAN's c, the bound of every critic weight after the update (None: no clipping).
      penalties: regularisers added to the loss (:mod:`jaxgen.gan.penalties`).
      num_classes: the classes of a conditional GAN (0: unconditional).

    Returns:
      ``d_step(state, batch) -> (state, metrics)``.
    """
    loss_of = losses.objective(objective)
    regularisers = penalty_list(gradient_penalty, penalties)

    def d_step(state: GANState, batch: dict) -> tuple[GANState, dict]:
        real, key = batch["x"], step_key(state)
        real_labels = _batch_labels(batch, num_classes)
        z = latent(key, real.shape[0], latent_dim)
        labels = fake_labels(key, real.shape[0], num_classes)
        fake = state.g.forward(state.g.params, z, *_labels(labels), train=True)[0]
        fake = jax.lax.stop_gradient(fake)

        def loss_fn(d_params):
            return _discriminator_loss(
                state.d,
                d_params,
                (real, real_labels),
                (fake, labels),
                loss_of,
                regularisers,
                key,
            )

        (loss, (collections, report)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            state.d.params
        )
        d = state.d.apply_gradients(grads, collections)
        if clip is not None:
            d = d.replace(params=wasserstein.clip_weights(d.params, clip))
        return advance(state, d=d), {"d_loss": loss, **report}

    return d_step


def _batch_labels(batch: dict, num_classes: int) -> jax.Array | None:
    """The real batch's labels for a conditional GAN (None otherwise)."""
    if not num_classes:
        return None
    if "label" not in batch:
        raise JaxgenError(
            'a conditional GAN (`num_classes` > 0) needs batches with a "label"; use a '
            "labelled dataset"
        )
    return batch["label"]


def _discriminator_loss(d, d_params, real, fake, loss_of, regularisers, key):
    """The objective's discriminator loss of ``d`` with ``d_params`` on a real and a fake
    batch, each ``(x, labels or None)``, plus each penalty's weighted term (penalty j drawing
    from ``fold_in(key, 1 + j)``, ``key`` the update's). The real batch's BatchNorm
    statistics (and spectral normalisation's power iteration) carry into the fake batch's.

    Returns:
      ``(loss, (collections, report))``: D's updated collections, and its mean scores
      ``d_real`` and ``d_fake`` with each penalty's unweighted term under its name.
    """
    (x_real, y_real), (x_fake, y_fake) = real, fake
    real_logits, after_real = d.forward(d_params, x_real, *_labels(y_real), train=True)
    fake_logits, collections = d.replace(collections=after_real).forward(
        d_params, x_fake, *_labels(y_fake), train=True
    )
    loss = loss_of.discriminator(real_logits, fake_logits)
    report = {
        "d_real": jnp.mean(loss_of.score(real_logits)),
        "d_fake": jnp.mean(loss_of.score(fake_logits)),
    }
    critic = lambda x: d.forward(d_params, x, *_labels(y_real), train=True)[0]  # noqa: E731
    for j, penalty in enumerate(regularisers):
        term = penalty.term(
            critic, x_real, x_fake, jax.random.fold_in(key, FIRST_PENALTY_STREAM + j)
        )
        report[penalty.name] = term
        loss = loss + penalty.weight * term
    return loss, (collections, report)


def make_g_step(
    *, latent_dim: int, objective: str = "non_saturating", num_classes: int = 0
) -> StepFn:
    """One generator update descending the objective's generator loss; the batch gives only
    the batch size.

    Args:
      latent_dim: the size of z.
      objective: a name in :data:`jaxgen.gan.losses.OBJECTIVES`.
      num_classes: the classes of a conditional GAN (0: unconditional); fakes are made for
        uniformly drawn labels and judged as them.

    Returns:
      ``g_step(state, batch) -> (state, metrics)``.
    """
    loss_of = losses.objective(objective)

    def g_step(state: GANState, batch: dict) -> tuple[GANState, dict]:
        key, n = step_key(state), batch["x"].shape[0]
        z, labels = latent(key, n, latent_dim), _labels(fake_labels(key, n, num_classes))

        def loss_fn(g_params):
            fake, collections = state.g.forward(g_params, z, *labels, train=True)
            logits, _ = state.d.forward(state.d.params, fake, *labels, train=True)
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
    penalties: Sequence[Penalty] = (),
    num_classes: int = 0,
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
      penalties: the discriminator's regularisers (:mod:`jaxgen.gan.penalties`).
      num_classes: the classes of a conditional GAN (0: unconditional).

    Returns:
      ``step(state, batches) -> (state, metrics)``.
    """
    d_step = make_d_step(
        latent_dim=latent_dim,
        objective=objective,
        gradient_penalty=gradient_penalty,
        clip=clip,
        penalties=penalties,
        num_classes=num_classes,
    )
    g_step = make_g_step(latent_dim=latent_dim, objective=objective, num_classes=num_classes)
    return alternate(d_step, g_step, k)


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
