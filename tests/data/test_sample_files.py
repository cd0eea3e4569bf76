"""Sample files: written chunk by chunk as uint8 ``arr_0`` (or float vectors), read back
checked, with PNGs that hold the same pixels; nothing is left when a draw falls short."""

import numpy as np
import pytest
from PIL import Image

from jaxgen.data.sample_files import read_samples, write_samples
from jaxgen.errors import JaxgenError


def test_images_stream_to_uint8_arr_0_and_pngs(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1.2, 1.2, (250, 6, 5, 3)).astype(np.float32)
    chunks = (images[i : i + 64] for i in range(0, 250, 64))
    preview = write_samples(chunks, tmp_path / "s.npz", 250, png_dir=tmp_path / "png")
    stored = read_samples(tmp_path / "s.npz")
    expected = np.clip(np.rint((images + 1) * 127.5), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(stored, expected)
    np.testing.assert_array_equal(preview, expected[:100])
    assert len(list((tmp_path / "png").glob("*.png"))) == 250
    np.testing.assert_array_equal(
        np.asarray(Image.open(tmp_path / "png" / "000249.png")), expected[249]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["png", "s.npz"]  # no partial files


def test_vectors_and_a_short_draw(tmp_path):
    points = np.random.default_rng(1).normal(size=(30, 2))
    preview = write_samples([points[:20], points[20:]], tmp_path / "v.npz", 30)
    np.testing.assert_allclose(read_samples(tmp_path / "v.npz"), points.astype(np.float32))
    assert preview.shape == (30, 2)
    with pytest.raises(JaxgenError, match="20 samples came for 30; nothing was written"):
        write_samples([points[:20]], tmp_path / "short.npz", 30)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.npz"]
