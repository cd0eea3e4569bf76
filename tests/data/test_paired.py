"""Paired data for pix2pix: batches are a pure function of (seed, n) with one crop and flip
per pair, the bundled tasks are what they say, and paired folders read both layouts and
refuse unmatched files."""

import numpy as np
import pytest
from PIL import Image

from jaxgen.data import images
from jaxgen.data.paired import digit_edges, get_paired_dataset, luma
from jaxgen.errors import JaxgenError


def test_digit_edges_are_the_morphological_gradient():
    blank = -np.ones((1, 8, 8, 1), np.float32)
    np.testing.assert_array_equal(digit_edges(blank), blank)
    dot = blank.copy()
    dot[0, 3, 4, 0] = 1.0
    edges = digit_edges(dot)[0, ..., 0]
    cross = {(3, 4), (2, 4), (4, 4), (3, 3), (3, 5)}
    for r in range(8):
        for c in range(8):
            assert edges[r, c] == (1.0 if (r, c) in cross else -1.0)


def test_edges_to_digits_keeps_the_digits_and_their_labels_deterministically():
    data = get_paired_dataset("edges2digits", split="test", seed=3)
    batch = data.get_batch(5, 16)
    np.testing.assert_array_equal(batch["input"], digit_edges(batch["x"]))
    again = get_paired_dataset("edges2digits", split="test", seed=3).get_batch(5, 16)
    for key in ("input", "x", "label"):
        np.testing.assert_array_equal(batch[key], again[key])
    assert data.num_classes == 10 and batch["label"].dtype == np.int32


def test_bw_to_colour_pairs_greyscale_with_colour_and_holds_out_a_region():
    train = get_paired_dataset(
        "bw2colour", split="train", preprocessing=images.Preprocessing(image_size=16)
    )
    batch = train.get_batch(0, 4)
    assert batch["input"].shape == (4, 16, 16, 1) and batch["x"].shape == (4, 16, 16, 3)
    np.testing.assert_allclose(batch["input"], luma(batch["x"]), atol=1e-6)
    test = get_paired_dataset(
        "bw2colour", split="test", preprocessing=images.Preprocessing(image_size=16)
    )
    held_out = test.examples(0, test.num_examples)["x"]
    for patch in held_out[:: len(held_out) // 8]:  # no held-out patch is a training crop
        for region in train.photos:
            windows = np.lib.stride_tricks.sliding_window_view(region, patch.shape)
            assert not np.any(np.all(windows == patch, axis=(-3, -2, -1)))


def write_pairs(root, names_a, names_b, size=8):
    rng = np.random.default_rng(0)
    for side, names in (("A", names_a), ("B", names_b)):
        (root / "train" / side).mkdir(parents=True, exist_ok=True)
        for name in names:
            pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / "train" / side / name)


def test_a_paired_folder_crops_and_flips_input_and_target_alike(tmp_path):
    rng = np.random.default_rng(1)
    (tmp_path / "train").mkdir()
    for i in range(6):  # side-by-side pairs whose halves are equal
        half = rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)
        Image.fromarray(np.concatenate([half, half], axis=1)).save(tmp_path / "train" / f"{i}.png")
    preprocessing = images.Preprocessing(image_size=12, random_crop=8, random_flip=True)
    data = get_paired_dataset(
        "paired_folder", data_dir=str(tmp_path), seed=2, preprocessing=preprocessing
    )
    assert data.element_shape == (8, 8, 3) and data.input_shape == (8, 8, 3)
    for n in range(4):
        batch = data.get_batch(n, 3)
        np.testing.assert_array_equal(batch["input"], batch["x"])


def test_a_paired_folder_of_a_and_b_reads_the_direction_asked_for(tmp_path):
    write_pairs(tmp_path, ["1.png", "2.png"], ["1.png", "2.png"])
    options = dict(data_dir=str(tmp_path), preprocessing=images.Preprocessing(image_size=8))
    a_to_b = get_paired_dataset("paired_folder", direction="AtoB", **options).arrays
    b_to_a = get_paired_dataset("paired_folder", direction="BtoA", **options).arrays
    np.testing.assert_array_equal(a_to_b["input"], b_to_a["x"])
    np.testing.assert_array_equal(a_to_b["x"], b_to_a["input"])
    with pytest.raises(JaxgenError, match="unknown `direction`"):
        get_paired_dataset("paired_folder", direction="sideways", **options)


def test_unmatched_and_malformed_pairs_are_one_line_errors(tmp_path):
    write_pairs(tmp_path / "one", ["1.png", "2.png"], ["1.png", "3.png"])
    options = dict(preprocessing=images.Preprocessing(image_size=8))
    with pytest.raises(JaxgenError, match=r"2 unpaired image\(s\) .* A/2.png has no partner in B/"):
        get_paired_dataset("paired_folder", data_dir=str(tmp_path / "one"), **options)
    (tmp_path / "odd" / "train").mkdir(parents=True)
    Image.fromarray(np.zeros((8, 15, 3), np.uint8)).save(tmp_path / "odd" / "train" / "x.png")
    with pytest.raises(JaxgenError, match="15 pixels wide, not two halves"):
        get_paired_dataset("paired_folder", data_dir=str(tmp_path / "odd"), **options)
    with pytest.raises(JaxgenError, match="does not exist"):
        get_paired_dataset("paired_folder", data_dir=str(tmp_path / "none"), **options)
    with pytest.raises(JaxgenError, match="unknown paired dataset"):
        get_paired_dataset("pairs")
