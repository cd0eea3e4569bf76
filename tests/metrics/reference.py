"""The reference implementations the metrics are checked against: pytorch-fid's FID Inception
and Fréchet distance, torch-fidelity's IS and KID (test-only dependencies,
requirements-test.lock).

torchvision's wheel on the package index is built against PyTorch's CUDA build, so its
compiled operators cannot load beside the CPU build pinned here, and its import then fails
registering fake kernels for two of them. The Inception blocks pytorch-fid subclasses are
plain Python; declaring those two operators' schemas lets torchvision's import complete.
"""

import functools

import numpy as np
import torch


@functools.cache
def _declare_torchvision_operators() -> None:
    try:
        torch.ops.torchvision.nms  # noqa: B018  (present when torchvision's ops load)
    except (AttributeError, RuntimeError):
        library = torch.library.Library("torchvision", "DEF")
        library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        library.define("qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor")
        _declare_torchvision_operators.library = library  # kept alive with the definitions


def pytorch_fid():
    """The ``pytorch_fid`` package, importable."""
    _declare_torchvision_operators()
    import pytorch_fid.fid_score
    import pytorch_fid.inception

    return pytorch_fid


def torch_fidelity():
    _declare_torchvision_operators()
    import torch_fidelity.metric_isc
    import torch_fidelity.metric_kid

    return torch_fidelity


def random_fid_inception(seed: int):
    """pytorch-fid's ``fid_inception_v3()`` network built without its download: torchvision's
    Inception-v3 with 1008 classes and pytorch-fid's FID blocks, as that function builds it,
    then every weight and BatchNorm statistic drawn at random (seeded) so that no layer is
    left at an identity."""
    fid = pytorch_fid().inception
    net = fid._inception_v3(num_classes=1008, aux_logits=False, weights=None)
    net.Mixed_5b = fid.FIDInceptionA(192, pool_features=32)
    net.Mixed_5c = fid.FIDInceptionA(256, pool_features=64)
    net.Mixed_5d = fid.FIDInceptionA(288, pool_features=64)
    net.Mixed_6b = fid.FIDInceptionC(768, channels_7x7=128)
    net.Mixed_6c = fid.FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6d = fid.FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6e = fid.FIDInceptionC(768, channels_7x7=192)
    net.Mixed_7b = fid.FIDInceptionE_1(1280)
    net.Mixed_7c = fid.FIDInceptionE_2(2048)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in net.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            if name.endswith("running_var"):
                tensor.copy_(0.5 + torch.rand(tensor.shape, generator=generator))
            elif name.endswith(("running_mean", "bn.bias")):
                tensor.copy_(0.1 * torch.randn(tensor.shape, generator=generator))
            elif name.endswith("bn.weight"):
                tensor.copy_(0.8 + 0.4 * torch.rand(tensor.shape, generator=generator))
            else:  # convolution and head weights: He-normal, so activations keep their scale
                fan_in = int(np.prod(tensor.shape[1:])) if tensor.ndim > 1 else 1
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * (2 / fan_in) ** 0.5)
    return net.eval()


def reference_outputs(net, images01: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pytorch-fid's ``InceptionV3`` (block 3: pool3) over ``net``, and ``net.fc`` of pool3,
    on images (N, H, W, 3) in [0, 1]: (features (N, 2048), logits (N, 1008))."""
    fid = pytorch_fid().inception
    original = fid.fid_inception_v3
    fid.fid_inception_v3 = lambda: net
    try:
        model = fid.InceptionV3([fid.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
    finally:
        fid.fid_inception_v3 = original
    with torch.no_grad():
        batch = torch.from_numpy(np.ascontiguousarray(images01.transpose(0, 3, 1, 2)))
        pool3 = model(batch)[0][:, :, 0, 0]
        logits = net.fc(pool3)
    return pool3.numpy(), logits.numpy()
