"""The project's 8x8 digits classifier and the sample metrics built on it.

Classifier: :class:`jaxgen.nn.classifier.DigitsConvNet` (widths 16, 32; 64 features) trained
on the ``train`` split of :mod:`jaxgen.data.digits` by minimising the cross-entropy
−log softmax(f(x))_y with Adam and a cosine-decayed learning rate. Update ``n`` reads batch
``n`` of the dataset's deterministic schedule and shifts each image by an offset in
{−1, 0, 1}² (uncovered pixels set to the background −1) drawn from ``fold_in(key, n)``;
parameters come from ``init_key(key)``, ``key = jax.random.key(seed)``. The weights ship in
``assets/digits_classifier.msgpack``; ``python -m jaxgen.metrics.digits_classifier`` retrains,
rewrites them and prints the test accuracy.

Metrics on digits x of shape (N, 8, 8, 1) in [−1, 1]:

* ``digits_frechet_distance``: the Fréchet distance of Heusel et al. (2017) between Gaussians
  fitted to the classifier's penultimate activations of two sample sets (FID with this
  classifier in place of Inception; see :mod:`jaxgen.metrics.frechet`);
* ``class_histogram``: h_c = #{i : argmax_k f(x_i)_k = c}, c = 0 … 9.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import struct

from jaxgen.core.rng import init_key, step_key
from jaxgen.core.state import NetState, advance
from jaxgen.data.digits import digits_dataset, load_digits_arrays
from jaxgen.errors import JaxgenError
from jaxgen.metrics.frechet import frechet_distance_of
from jaxgen.metrics.sample_quality import SampleFeatures
from jaxgen.nn.classifier import DigitsConvNet

ASSET = Path(__file__).parent / "assets" / "digits_classifier.msgpack"
MODEL = DigitsConvNet(widths=(16, 32), hidden=64)
DIGIT_SHAPE = (8, 8, 1)
NUM_CLASSES = 10
STEPS = 1500
BATCH_SIZE = 64
LEARNING_RATE = 3e-3
MAX_SHIFT = 1
BACKGROUND = -1.0
EVAL_BATCH_SIZE = 500


class _TrainState(struct.PyTreeNode):
    step: jax.Array
    key: jax.Array
    net: NetState


def _init_state(seed: int, steps: int) -> _TrainState:
    key = jax.random.key(seed)
    variables = MODEL.init(init_key(key), jnp.zeros((1, *DIGIT_SHAPE)))
    tx = optax.adam(optax.cosine_decay_schedule(LEARNING_RATE, steps))
    net = NetState.create(module=MODEL, variables=variables, tx=tx)
    return _TrainState(step=jnp.zeros((), jnp.int32), key=key, net=net)


def _shift(key: jax.Array, x: jax.Array) -> jax.Array:
    """Each image translated by its own offset in {−MAX_SHIFT … MAX_SHIFT}²."""
    offsets = jax.random.randint(key, (x.shape[0], 2), 0, 2 * MAX_SHIFT + 1)
    margin = (MAX_SHIFT, MAX_SHIFT)
    padded = jnp.pad(x, ((0, 0), margin, margin, (0, 0)), constant_values=BACKGROUND)
    crop = lambda image, o: jax.lax.dynamic_slice(image, (o[0], o[1], 0), DIGIT_SHAPE)
    return jax.vmap(crop)(padded, offsets)


@jax.jit
def _train_step(state: _TrainState, batch: dict) -> tuple[_TrainState, dict]:
    x = _shift(step_key(state), batch["x"])

    def loss_fn(params):
        logits, _ = state.net.forward(params, x, train=True)
        return optax.softmax_cross_entropy_with_integer_labels(logits, batch["label"]).mean()

    loss, grads = jax.value_and_grad(loss_fn)(state.net.params)
    new_state = advance(state, net=state.net.apply_gradients(grads))
    return new_state, {"loss": loss}


def train_digits_classifier(seed: int = 0, steps: int = STEPS, dataset=None) -> Any:
    """Classifier parameters after ``steps`` updates on ``dataset`` (default: the digits'
    ``train`` split; any dataset of 8x8 images on a −1 background with labels); a pure
    function of ``(seed, steps, dataset)``, ``seed`` giving the initialisation, the shifts
    and the default dataset's schedule (see the module docstring)."""
    if steps < 1:
        raise JaxgenError(f"steps must be at least 1, got {steps}; pass a positive step count")
    dataset = dataset or digits_dataset("train", seed)
    state = _init_state(seed, steps)
    for n in range(steps):
        state, _ = _train_step(state, dataset.get_batch(n, BATCH_SIZE))
    return state.net.params


@jax.jit
def _logits(params: Any, x: jax.Array) -> jax.Array:
    return MODEL.apply({"params": params}, x)


@jax.jit
def _features(params: Any, x: jax.Array) -> jax.Array:
    return MODEL.apply({"params": params}, x, method="features")


def _check_digits(x: np.ndarray) -> jax.Array:
    shape = tuple(np.shape(x))
    if len(shape) != 4 or shape[0] == 0 or shape[1:] != DIGIT_SHAPE:
        raise JaxgenError(
            f"digits must have shape (N, 8, 8, 1) with N >= 1, got {shape}; "
            "pass samples reshaped to (N, 8, 8, 1) with values in [-1, 1]"
        )
    return jnp.asarray(x, jnp.float32)


def _in_batches(fn: Callable, params: Any, x: np.ndarray) -> np.ndarray:
    x = _check_digits(x)
    parts = [fn(params, x[i : i + EVAL_BATCH_SIZE]) for i in range(0, len(x), EVAL_BATCH_SIZE)]
    return np.concatenate([np.asarray(p) for p in parts])


@dataclass(frozen=True)
class DigitsClassifier:
    """The classifier with fixed parameters ``params`` (:class:`~jaxgen.nn.DigitsConvNet`'s);
    inputs are (N, 8, 8, 1) in [−1, 1]."""

    params: Any

    def features(self, x: np.ndarray) -> np.ndarray:
        """Penultimate activations, (N, 64)."""
        return _in_batches(_features, self.params, x)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Class logits, (N, 10)."""
        return _in_batches(_logits, self.params, x)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted class ids, (N,)."""
        return self.logits(x).argmax(-1)


def test_accuracy(params: Any) -> float:
    """Fraction of the digits ``test`` split classified correctly."""
    test = load_digits_arrays("test")
    return float(np.mean(DigitsClassifier(params).predict(test["x"]) == test["label"]))


def _template_params() -> Any:
    """The parameters' tree of shapes (``jax.eval_shape``: nothing is initialised), the
    structure ``from_bytes`` fills."""
    return jax.eval_shape(lambda: MODEL.init(jax.random.key(0), jnp.zeros((1, *DIGIT_SHAPE))))[
        "params"
    ]


@functools.cache
def load_digits_classifier() -> DigitsClassifier:
    """The classifier with the committed weights in ``ASSET``."""
    if not ASSET.exists():
        raise JaxgenError(
            f"digits classifier weights {ASSET} are missing; "
            "run `python -m jaxgen.metrics.digits_classifier` to train and write them"
        )
    params = flax.serialization.from_bytes(_template_params(), ASSET.read_bytes())
    return DigitsClassifier(params)


def digits_frechet_distance(samples_a: np.ndarray, samples_b: np.ndarray) -> float:
    """Fréchet distance between the digit sets ``samples_a`` and ``samples_b``, each
    (N, 8, 8, 1) in [−1, 1], in the committed classifier's feature space."""
    classifier = load_digits_classifier()
    return frechet_distance_of(samples_a, samples_b, classifier.features, EVAL_BATCH_SIZE)


def digits_features(samples: np.ndarray) -> SampleFeatures:
    """The committed classifier as a feature function of
    :func:`jaxgen.metrics.sample_quality.sample_quality`: its penultimate activations (64)
    and logits (10) for digits (N, 8, 8, 1) in [−1, 1]."""
    classifier = load_digits_classifier()
    return SampleFeatures(classifier.features(samples), classifier.logits(samples))


def class_histogram(samples: np.ndarray) -> np.ndarray:
    """Counts of the committed classifier's predicted classes for ``samples`` (N, 8, 8, 1) in
    [−1, 1], shape (10,)."""
    return np.bincount(load_digits_classifier().predict(samples), minlength=NUM_CLASSES)


def main() -> None:
    """Retrain with the defaults, rewrite ``ASSET`` and print the test accuracy."""
    params = train_digits_classifier()
    ASSET.parent.mkdir(parents=True, exist_ok=True)
    ASSET.write_bytes(flax.serialization.to_bytes(params))
    size = ASSET.stat().st_size
    print(f"wrote {ASSET} ({size} bytes); test accuracy {test_accuracy(params):.4f}")


if __name__ == "__main__":
    main()
