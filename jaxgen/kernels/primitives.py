"""2-D convolution as three bilinear JAX primitives whose XLA:CPU lowering can be oneDNN's.

A convolution ``y = conv(x, w)`` (images NHWC, kernels HWIO, strides s, explicit padding) is
bilinear, and so are its two gradients:

    conv(x, w)            = y     (forward)
    input_grad(dy, w)     = dx    (the transpose of x -> conv(x, w))
    weight_grad(x, dy)    = dw    (the transpose of w -> conv(x, w))

Each one's transposes are the other two (for <dy, conv(x, w)> = <input_grad(dy, w), x> =
<weight_grad(x, dy), w>), so differentiating any of them, in either mode and to any order,
yields only these three. Every platform lowers them to exactly the HLO of their XLA forms
(:mod:`jaxgen.kernels.references`); on XLA:CPU, with the kernels built
(:mod:`jaxgen.kernels.onednn`), each lowers to a oneDNN call instead, whose weight gradients
are faster than XLA:CPU's at these models' shapes (benchmarks/README.md).

Under ``vmap`` the primitives fall back to the XLA form; in a computation partitioned over
several devices by ``jit`` (sharded arrays) the CPU lowering also keeps XLA's convolution,
which the SPMD partitioner understands; under ``shard_map`` each device calls oneDNN on its
shard (tests/kernels/test_conv_devices.py, on an ``Auto`` mesh as jaxgen's; on an
``Explicit`` one the XLA reference would need output shardings it does not pass).

Importing this module needs JAX's extension APIs (:func:`jaxgen.kernels.jax_api.extension_api`
not None); :mod:`jaxgen.kernels.conv` imports it only then.
"""

import functools

import jax
import numpy as np

from jaxgen.kernels import jax_api, onednn, references

API = jax_api.extension_api()
if API is None:
    raise ImportError("jaxgen.kernels.primitives needs JAX's extension APIs, which are missing")

forward_p = API.Primitive("jaxgen_conv_forward")
input_grad_p = API.Primitive("jaxgen_conv_input_grad")
weight_grad_p = API.Primitive("jaxgen_conv_weight_grad")
REFERENCES = {
    forward_p: references.forward,
    input_grad_p: references.input_grad,
    weight_grad_p: references.weight_grad,
}
PASS_NAMES = {forward_p: "forward", input_grad_p: "input_grad", weight_grad_p: "weight_grad"}


def forward_shape(x, w, *, strides, padding):
    spatial = [
        references.output_size(x.shape[1 + i], w.shape[i], strides[i], padding[i]) for i in range(2)
    ]
    return API.ShapedArray((x.shape[0], *spatial, w.shape[3]), x.dtype)


def input_grad_shape(dy, w, *, strides, padding, image_size):
    return API.ShapedArray((dy.shape[0], *image_size, w.shape[2]), dy.dtype)


def weight_grad_shape(x, dy, *, strides, padding, kernel_size):
    return API.ShapedArray((*kernel_size, x.shape[3], dy.shape[3]), x.dtype)


forward_p.def_abstract_eval(forward_shape)
input_grad_p.def_abstract_eval(input_grad_shape)
weight_grad_p.def_abstract_eval(weight_grad_shape)


@functools.cache
def compiled_bind(primitive, params: tuple):
    """One jitted ``primitive.bind`` per primitive and parameters (all hashable tuples)."""
    return jax.jit(functools.partial(primitive.bind, **dict(params)))


def compiled_impl(primitive):
    """Outside ``jit``, a primitive runs as its own compiled computation, compiled once."""

    def impl(*args, **params):
        return compiled_bind(primitive, tuple(sorted(params.items())))(*args)

    return impl


for primitive in REFERENCES:
    primitive.def_impl(compiled_impl(primitive))


# Transposes. Each rule gets the cotangent of the primitive's output and returns the one of
# its undefined operand (the other operand is a known primal).
def forward_transpose_x(dy, x, w, *, strides, padding):
    image_size = tuple(x.aval.shape[1:3])
    return input_grad_p.bind(dy, w, strides=strides, padding=padding, image_size=image_size)


def forward_transpose_w(dy, x, w, *, strides, padding):
    kernel_size = tuple(w.aval.shape[:2])
    return weight_grad_p.bind(x, dy, strides=strides, padding=padding, kernel_size=kernel_size)


def input_grad_transpose_dy(dx, dy, w, *, strides, padding, image_size):
    return forward_p.bind(dx, w, strides=strides, padding=padding)


def input_grad_transpose_w(dx, dy, w, *, strides, padding, image_size):
    kernel_size = tuple(w.aval.shape[:2])
    return weight_grad_p.bind(dx, dy, strides=strides, padding=padding, kernel_size=kernel_size)


def weight_grad_transpose_x(dw, x, dy, *, strides, padding, kernel_size):
    image_size = tuple(x.aval.shape[1:3])
    return input_grad_p.bind(dy, dw, strides=strides, padding=padding, image_size=image_size)


def weight_grad_transpose_dy(dw, x, dy, *, strides, padding, kernel_size):
    return forward_p.bind(x, dw, strides=strides, padding=padding)


API.ad.defbilinear(forward_p, forward_transpose_x, forward_transpose_w)
API.ad.defbilinear(input_grad_p, input_grad_transpose_dy, input_grad_transpose_w)
API.ad.defbilinear(weight_grad_p, weight_grad_transpose_x, weight_grad_transpose_dy)


def batch_by_reference(primitive):
    """Under ``vmap``, a primitive computes as its XLA reference, mapped."""

    def rule(args, dims, **params):
        mapped = jax.vmap(functools.partial(REFERENCES[primitive], **params), in_axes=dims)
        return mapped(*args), 0

    return rule


def one_device_or_manual(ctx) -> bool:
    """Whether this lowering runs on one device's data: unpartitioned, or under shard_map."""
    context = ctx.module_context.axis_context
    num_devices = getattr(context, "num_devices", None)
    if num_devices is not None:
        return num_devices == 1
    mesh, manual = getattr(context, "mesh", None), getattr(context, "manual_axes", None)
    return mesh is not None and manual is not None and set(mesh.axis_names) == set(manual)


# Images of fewer pixels stay on XLA: on maps this small a oneDNN call gains nothing alone and
# costs the step XLA's fusions and a thread team's wake-up per call (benchmarks/README.md).
ONEDNN_MIN_PIXELS = 16


def cpu_lowering(primitive):
    """oneDNN's kernel when it is loaded, the operands are float32 and one device's and the
    image has at least ``ONEDNN_MIN_PIXELS`` pixels; else XLA's."""
    reference = API.mlir.lower_fun(REFERENCES[primitive], multiple_results=False)
    kernel = API.ffi.ffi_lowering(onednn.target_name(PASS_NAMES[primitive]))

    def rule(ctx, first, second, *, strides, padding, **shape):
        float32 = all(aval.dtype == np.float32 for aval in ctx.avals_in)
        image = shape.get("image_size", ctx.avals_in[0].shape[1:3])
        large = image[0] * image[1] >= ONEDNN_MIN_PIXELS
        if float32 and large and one_device_or_manual(ctx) and onednn.enabled():
            (top, bottom), (left, right) = padding
            return kernel(
                ctx, first, second,
                stride_h=np.int64(strides[0]), stride_w=np.int64(strides[1]),
                pad_top=np.int64(top), pad_bottom=np.int64(bottom),
                pad_left=np.int64(left), pad_right=np.int64(right),
            )  # fmt: skip
        return reference(ctx, first, second, strides=strides, padding=padding, **shape)

    return rule


for primitive, reference in REFERENCES.items():
    API.batching.primitive_batchers[primitive] = batch_by_reference(primitive)
    API.mlir.register_lowering(primitive, API.mlir.lower_fun(reference, multiple_results=False))
    API.mlir.register_lowering(primitive, cpu_lowering(primitive), platform="cpu")
