"""The Inception Score (Salimans et al. 2016, §4):

    IS = exp E_x KL(p(y | x) ‖ p(y)),   p(y) = E_x p(y | x)

computed as Salimans et al.'s code does: the samples in ``splits`` consecutive parts (10),
p(y | x) = softmax of each sample's logits in float64, p(y) the mean over the part, and the
mean and standard deviation of the parts' scores. With the FID Inception the logits are
``logits_unbiased`` (that code's ``softmax/logits/MatMul``, without the bias); any
classifier's logits may be given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_softmax

from jaxgen.errors import JaxgenError


@dataclass(frozen=True)
class InceptionScore:
    """The ``mean`` and standard deviation ``std`` of the score over the splits."""

    mean: float
    std: float


def inception_score(logits: np.ndarray, *, splits: int = 10) -> InceptionScore:
    """IS of samples whose class logits are ``logits`` (N, classes), over ``splits``
    consecutive parts."""
    logits = np.asarray(logits, np.float64)
    n = len(logits)
    if splits < 1 or n < splits:
        raise JaxgenError(
            f"the Inception Score of {n} samples in {splits} splits: give N ≥ splits ≥ 1"
        )
    log_p = log_softmax(logits, axis=1)
    scores = []
    for i in range(splits):
        part = log_p[i * n // splits : (i + 1) * n // splits]
        log_marginal = np.log(np.exp(part).mean(0))
        kl = (np.exp(part) * (part - log_marginal)).sum(1).mean()
        scores.append(np.exp(kl))
    return InceptionScore(float(np.mean(scores)), float(np.std(scores)))
