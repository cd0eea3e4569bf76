"""TFDS sources (through tfds.data_source, mocked) and image folders."""

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image

from jaxgen.data import get_dataset
from jaxgen.data.images import Preprocessing
from jaxgen.errors import JaxgenError

EIGHT = Preprocessing(image_size=8)


@pytest.fixture
def mock_tfds():
    with tfds.testing.mock_data(num_examples=40):
        yield


@pytest.mark.parametrize(
    "name, split, shape, labelled",
    [
        ("mnist", "train", (28, 28, 1), True),
        ("fashion_mnist", "train", (28, 28, 1), True),
        ("cifar10", "train", (32, 32, 3), True),
        ("cycle_gan/horse2zebra", "trainA", None, False),
    ],
)
def test_tfds_batches_are_scaled_deterministic_and_row_sliceable(
    mock_tfds, name, split, shape, labelled
):
    ds = get_dataset(
        name,
        split=split,
        seed=1,
        preprocessing=Preprocessing(image_size=16 if shape is None else None),
    )
    batch = ds.get_batch(3, 8)
    expected = shape or (16, 16, 3)
    assert batch["x"].shape == (8, *expected) and ds.element_shape == expected
    assert batch["x"].dtype == np.float32
    assert -1.0 <= batch["x"].min() and batch["x"].max() <= 1.0
    assert ("label" in batch) == labelled
    np.testing.assert_array_equal(batch["x"], ds.get_batch(3, 8)["x"])
    assert not np.array_equal(batch["x"], ds.get_batch(4, 8)["x"])
    np.testing.assert_array_equal(ds.get_batch(3, 8, slice(4, 8))["x"], batch["x"][4:8])


def test_jitter_is_reproducible_and_changes_with_the_batch(mock_tfds):
    ds = get_dataset(
        "cifar10", preprocessing=Preprocessing(image_size=36, random_crop=32, random_flip=True)
    )
    plain = get_dataset("cifar10", preprocessing=Preprocessing(image_size=36))
    a = ds.get_batch(0, 16)["x"]
    assert a.shape == (16, 32, 32, 3) and ds.element_shape == (32, 32, 3)
    np.testing.assert_array_equal(a, ds.get_batch(0, 16)["x"])
    # every jittered image is a crop (maybe mirrored) of its resized original
    originals = plain.get_batch(0, 16)["x"]
    for jittered, original in zip(a, originals, strict=True):
        found = any(
            np.array_equal(jittered, view[t : t + 32, s : s + 32])
            for view in (original, original[:, ::-1])
            for t in range(5)
            for s in range(5)
        )
        assert found


def test_tfds_errors_are_one_line_with_a_fix(tmp_path):
    with pytest.raises(JaxgenError, match="not prepared as ArrayRecord.*tfds build mnist"):
        get_dataset("mnist", data_dir=str(tmp_path))
    with pytest.raises(JaxgenError, match="unknown dataset 'mnst'"):
        get_dataset("mnst")


def write_images(folder, sizes):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate(sizes):
        pixels = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"img{i:02d}.png")


def test_image_folder_loads_sorted_resized_and_scaled(tmp_path):
    write_images(tmp_path / "a", [(20, 20), (30, 40)])
    write_images(tmp_path / "a" / "sub", [(12, 12)])
    ds = get_dataset("folder", data_dir=str(tmp_path / "a"), preprocessing=EIGHT)
    assert ds.arrays["x"].shape == (3, 8, 8, 3) and ds.element_shape == (8, 8, 3)
    assert -1.0 <= ds.arrays["x"].min() and ds.arrays["x"].max() <= 1.0
    first = np.asarray(Image.open(tmp_path / "a" / "img00.png").resize((8, 8), Image.BILINEAR))
    np.testing.assert_allclose(ds.arrays["x"][0], first / 127.5 - 1, atol=1e-6)
    grey = get_dataset("folder", data_dir=str(tmp_path / "a"), preprocessing=EIGHT, channels=1)
    assert grey.arrays["x"].shape == (3, 8, 8, 1)


def test_a_folder_of_class_subfolders_yields_labels_by_sorted_class_name(tmp_path):
    write_images(tmp_path / "root" / "zebra", [(8, 8), (9, 9)])
    write_images(tmp_path / "root" / "horse", [(10, 10)])
    write_images(tmp_path / "root" / "horse" / "foals", [(8, 8)])  # still class "horse"
    ds = get_dataset("folder", data_dir=str(tmp_path / "root"), preprocessing=EIGHT, seed=3)
    # sorted paths: horse/foals/img00, horse/img00, zebra/img00, zebra/img01
    np.testing.assert_array_equal(ds.arrays["label"], [0, 0, 1, 1])
    batch = ds.get_batch(5, 4)
    assert batch["label"].dtype == np.int32 and batch["x"].shape == (4, 8, 8, 3)
    again = get_dataset("folder", data_dir=str(tmp_path / "root"), preprocessing=EIGHT, seed=3)
    np.testing.assert_array_equal(again.get_batch(5, 4)["label"], batch["label"])
    write_images(tmp_path / "root", [(8, 8)])  # an image outside every class: no labels
    loose = get_dataset("folder", data_dir=str(tmp_path / "root"), preprocessing=EIGHT)
    assert "label" not in loose.arrays


def test_image_folder_errors(tmp_path):
    with pytest.raises(JaxgenError, match="does not exist"):
        get_dataset("folder", data_dir=str(tmp_path / "nope"), preprocessing=EIGHT)
    (tmp_path / "empty").mkdir()
    with pytest.raises(JaxgenError, match="no .png/.jpg/.jpeg images"):
        get_dataset("folder", data_dir=str(tmp_path / "empty"), preprocessing=EIGHT)
    write_images(tmp_path / "bad", [(8, 8)])
    (tmp_path / "bad" / "broken.png").write_bytes(b"not an image")
    with pytest.raises(JaxgenError, match="cannot decode image .*broken.png"):
        get_dataset("folder", data_dir=str(tmp_path / "bad"), preprocessing=EIGHT)
