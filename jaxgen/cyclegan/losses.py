"""CycleGAN's objective (Zhu et al. 2017, §3, eq. 3 and §5.2) for G: A → B, F: B → A and the
discriminators D_A (real a against F(b)) and D_B (real b against G(a)):

    L = L_GAN(G, D_B) + L_GAN(F, D_A) + λ L_cyc(G, F) + λ_idt L_idt(G, F)
    L_cyc = E‖F(G(a)) − a‖₁ + E‖G(F(b)) − b‖₁            (eq. 2; λ = 10, §4)
    L_idt = E‖G(b) − b‖₁ + E‖F(a) − a‖₁                  (§5.2; λ_idt = 0.5 λ in the code)

‖·‖₁ is the per-pixel mean (PyTorch's ``L1Loss``). The adversarial terms are the official
code's ``GANLoss``: least squares (the default, §4: "we replace the negative log likelihood
objective by a least-squares loss") or cross-entropy; each discriminator descends half the
sum of its real and fake terms, each generator the full "fake is real" term:

    least squares:   L_D = ½[E(D(x) − 1)² + E D(x̃)²],      L_G = E(D(x̃) − 1)²
    non-saturating:  L_D = ½[−E log σ(D(x)) − E log(1 − σ(D(x̃)))],  L_G = −E log σ(D(x̃))

These are :data:`jaxgen.gan.losses.OBJECTIVES`' objectives of those names, scaled
(:data:`CODE_SCALES`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgen.errors import JaxgenError
from jaxgen.gan.losses import Objective, objective, scaled

# (discriminator, generator) factors from the registry's objectives to the code's GANLoss
CODE_SCALES = {"least_squares": (1.0, 2.0), "non_saturating": (0.5, 1.0)}


def l1(x: jax.Array, y: jax.Array) -> jax.Array:
    """Mean absolute difference."""
    return jnp.mean(jnp.abs(x - y))


def cycle_loss(a, reconstructed_a, b, reconstructed_b) -> jax.Array:
    """‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁ (unweighted, eq. 2), with ``reconstructed_a`` = F(G(a))
    and ``reconstructed_b`` = G(F(b))."""
    return l1(reconstructed_a, a) + l1(reconstructed_b, b)


def identity_loss(b, g_of_b, a, f_of_a) -> jax.Array:
    """‖G(b) − b‖₁ + ‖F(a) − a‖₁ (unweighted, §5.2), with ``g_of_b`` = G(b) and ``f_of_a`` =
    F(a)."""
    return l1(g_of_b, b) + l1(f_of_a, a)


def adversarial(name: str) -> Objective:
    """CycleGAN's adversarial objective called ``name``: least squares or non-saturating."""
    if name not in CODE_SCALES:
        raise JaxgenError(
            f"CycleGAN has no adversarial `objective` {name!r}; use one of {sorted(CODE_SCALES)}"
        )
    d, g = CODE_SCALES[name]
    return scaled(objective(name), discriminator=d, generator=g)
