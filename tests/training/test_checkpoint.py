"""Checkpoints restore bit-exactly, fall back past damage, refuse foreign runs, clean up."""

import json
import shutil
import warnings

import jax
import numpy as np
import orbax.checkpoint as ocp
import pytest

from jaxgen.core import compiler
from jaxgen.errors import JaxgenError
from jaxgen.gan import make_gan_step
from jaxgen.training.checkpoint import TMP_MARKER, Checkpointer, fingerprint_differences
from tests.conftest import assert_same_values, tiny_gan_state

CONFIG = {"family": "gan", "train": {"num_steps": 10}, "optim": {"lr": 1e-3}}


def trained_state(steps=3):
    state = tiny_gan_state()
    step = compiler.jit(make_gan_step(latent_dim=3))
    x = np.random.default_rng(0).standard_normal((1, 8, 2)).astype(np.float32)
    for _ in range(steps):
        state, _ = step(state, {"x": x})
    return state


def save_trained(workdir, *iterations):
    """Checkpoints of ``trained_state(i)`` at each iteration i."""
    ckpt = Checkpointer(workdir, fingerprint=CONFIG)
    for i in iterations:
        ckpt.save(i, trained_state(i))
    ckpt.close()


def restore_latest(workdir):
    """``(state, iteration)`` of the newest good checkpoint of a tiny GAN run, or None."""
    return Checkpointer(workdir, fingerprint=CONFIG).restore_latest(tiny_gan_state())


def damage(workdir, iteration):
    for f in (workdir / "checkpoints" / str(iteration) / "state").rglob("*"):
        if f.is_file() and f.stat().st_size > 0:
            f.write_bytes(b"\0garbage")


def test_restore_is_bit_exact_including_key_and_optimizer_state(tmp_path):
    state = trained_state()
    ckpt = Checkpointer(tmp_path, fingerprint=CONFIG)
    ckpt.save(3, state)
    ckpt.close()
    restored, iteration = restore_latest(tmp_path)
    assert iteration == 3
    assert_same_values(restored, state)
    meta = json.loads((tmp_path / "checkpoints" / "3" / "meta" / "metadata").read_text())
    assert meta["fingerprint"] == CONFIG and "jax" in meta["versions"]


def test_keeps_only_the_last_k(tmp_path):
    ckpt = Checkpointer(tmp_path, fingerprint=CONFIG, keep=2)
    for i in (1, 2, 3):
        ckpt.save(i, trained_state(i))
    ckpt.close()
    assert Checkpointer(tmp_path, fingerprint=CONFIG).all_iterations() == [2, 3]


def test_damaged_latest_falls_back_to_previous_with_warning(tmp_path):
    save_trained(tmp_path, 1, 2)
    damage(tmp_path, 2)
    with pytest.warns(UserWarning, match="checkpoint 2 .* is damaged"):
        restored, iteration = restore_latest(tmp_path)
    assert iteration == 1
    assert_same_values(restored, trained_state(1))
    assert (tmp_path / "damaged" / "2").is_dir()  # set aside, not deleted


def test_workdir_of_a_different_run_is_refused(tmp_path):
    Checkpointer(tmp_path, fingerprint=CONFIG).close()
    changed = {**CONFIG, "optim": {"lr": 2e-3}}
    with pytest.raises(JaxgenError, match=r"fingerprint.json differs in optim.lr\)"):
        Checkpointer(tmp_path, fingerprint=changed)
    Checkpointer(tmp_path, fingerprint=CONFIG).close()


def test_half_written_checkpoint_is_removed(tmp_path):
    (tmp_path / "checkpoints" / f"5{TMP_MARKER}-123").mkdir(parents=True)
    ckpt = Checkpointer(tmp_path, fingerprint=CONFIG)
    assert not list((tmp_path / "checkpoints").glob(f"*{TMP_MARKER}*"))
    assert ckpt.restore_latest(tiny_gan_state()) is None
    ckpt.close()


def test_unwritable_workdir_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(JaxgenError, match="choose a writable `workdir`"):
        Checkpointer(blocker / "run", fingerprint=CONFIG)


def test_a_checkpoint_of_another_model_is_refused_and_kept_in_place(tmp_path):
    """Same config, other code (here: a wider generator): an intact checkpoint the state
    cannot take is an error naming the first differing array, not damage to set aside."""
    save_trained(tmp_path, 3)
    wider = tiny_gan_state(g_hidden=(24,))
    message = r"checkpoint 3 .* another model's state .*\(16,\) float32 there, \(24,\) float32 here"
    with pytest.raises(JaxgenError, match=message):
        Checkpointer(tmp_path, fingerprint=CONFIG).restore_latest(wider)
    assert (tmp_path / "checkpoints" / "3").is_dir() and not (tmp_path / "damaged").exists()
    restored, iteration = restore_latest(tmp_path)
    assert iteration == 3
    assert_same_values(restored, trained_state())


def test_a_checkpoint_without_its_metadata_file_is_damage_not_another_model(tmp_path):
    save_trained(tmp_path, 1, 2)
    (tmp_path / "checkpoints" / "2" / "state" / "_METADATA").unlink()
    with pytest.warns(UserWarning, match="checkpoint 2 .* is damaged"):
        restored, iteration = restore_latest(tmp_path)
    assert iteration == 1
    assert_same_values(restored, trained_state(1))


def test_setting_aside_keeps_an_earlier_damaged_checkpoint_of_the_same_number(tmp_path):
    def save_and_damage():
        save_trained(tmp_path, 1)
        damage(tmp_path, 1)
        with pytest.warns(UserWarning, match="checkpoint 1 .* is damaged"):
            assert restore_latest(tmp_path) is None

    save_and_damage()
    save_and_damage()
    assert sorted(p.name for p in (tmp_path / "damaged").iterdir()) == ["1", "1-2"]


def test_keeping_no_checkpoint_is_refused(tmp_path):
    for keep in (0, -1):
        with pytest.raises(JaxgenError, match="keep at least 1"):
            Checkpointer(tmp_path, fingerprint=CONFIG, keep=keep)
    assert not (tmp_path / "checkpoints").exists()


def flip_one_bit(path, rng):
    data = bytearray(path.read_bytes())
    data[rng.integers(len(data))] ^= 1 << int(rng.integers(8))
    path.write_bytes(bytes(data))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # orbax's reads
def test_a_flipped_bit_in_any_file_of_a_checkpoint_never_restores_other_values(tmp_path):
    """For every file of checkpoint 2 in turn, one bit flipped: the restore gives checkpoint 2's
    exact state (the bit was in a field no value depends on) or checkpoint 1's with 2 set
    aside as damaged. Flips in the meta are always caught."""
    pristine = tmp_path / "pristine"
    save_trained(pristine, 1, 2)
    files = sorted(p.relative_to(pristine) for p in (pristine / "checkpoints" / "2").rglob("*"))
    files = [f for f in files if (pristine / f).is_file()]
    assert any("ocdbt.process_0" in str(f) for f in files) and any("meta" in str(f) for f in files)
    states = {1: trained_state(1), 2: trained_state(2)}
    rng = np.random.default_rng(0)
    for i, name in enumerate(files):
        workdir = tmp_path / f"flip{i}"
        shutil.copytree(pristine, workdir)
        flip_one_bit(workdir / name, rng)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            restored, iteration = restore_latest(workdir)
        assert_same_values(restored, states[iteration])
        assert (iteration == 1) == (workdir / "damaged" / "2").is_dir(), name
        assert (iteration == 1) == any("is damaged" in str(w.message) for w in caught), name
        if name.parts[-2:] == ("meta", "metadata"):
            assert iteration == 1, f"a flipped bit in {name} was not detected"


def test_changed_array_bytes_that_still_read_are_caught_by_the_checksum(tmp_path):
    save_trained(tmp_path, 1, 2)
    restored, _ = restore_latest(tmp_path)
    other = restored.replace(
        g=restored.g.replace(params=jax.tree.map(lambda p: p + 1, restored.g.params))
    )
    ckpt = Checkpointer(
        tmp_path, fingerprint=CONFIG
    )  # the same arrays' bytes, other values, as damage
    meta = ckpt._read_meta(2)  # the checksums of the state saved at 2, with other arrays
    ckpt.manager.save(
        3,
        args=ocp.args.Composite(state=ocp.args.StandardSave(other), meta=ocp.args.JsonSave(meta)),
        force=True,
    )
    ckpt.close()
    with pytest.warns(UserWarning, match="checkpoint 3 .* does not match its checksum"):
        restored, iteration = restore_latest(tmp_path)
    assert iteration == 2
    assert_same_values(restored, trained_state(2))


def test_without_fingerprint_json_the_checkpoints_fingerprint_refuses_another_run(tmp_path):
    save_trained(tmp_path, 1)
    (tmp_path / "fingerprint.json").unlink()
    changed = {**CONFIG, "optim": {"lr": 2e-3}}
    with pytest.raises(JaxgenError, match=r"checkpoints/1/meta differs in optim.lr\)"):
        Checkpointer(tmp_path, fingerprint=changed)
    assert not (tmp_path / "fingerprint.json").exists()
    Checkpointer(tmp_path, fingerprint=CONFIG).close()  # the same run resumes, gets its file
    assert json.loads((tmp_path / "fingerprint.json").read_text()) == CONFIG


def test_sampling_from_a_workdir_that_does_not_exist_does_not_create_it(tmp_path):
    with pytest.raises(JaxgenError, match="no checkpoint in .*; train first"):
        Checkpointer(tmp_path / "absent", fingerprint=CONFIG, create=False)
    assert not (tmp_path / "absent").exists()


def test_a_checkpoint_saved_before_checksums_restores_through_its_array_metadata(tmp_path):
    """A meta without ``arrays`` and ``digest`` (an older jaxgen's): restored unchecked, and
    still refused when its arrays are another model's."""
    ckpt = Checkpointer(tmp_path, fingerprint=CONFIG)
    old_meta = {"iteration": 3, "config": CONFIG, "versions": {}}  # no fingerprint either
    ckpt.manager.save(
        3,
        args=ocp.args.Composite(
            state=ocp.args.StandardSave(trained_state()), meta=ocp.args.JsonSave(old_meta)
        ),
        force=True,
    )
    ckpt.close()
    restored, iteration = restore_latest(tmp_path)
    assert iteration == 3
    assert_same_values(restored, trained_state())
    with pytest.raises(JaxgenError, match="another model's state"):
        Checkpointer(tmp_path, fingerprint=CONFIG).restore_latest(tiny_gan_state(g_hidden=(24,)))
    (tmp_path / "fingerprint.json").unlink()  # as in a workdir from before fingerprints
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(JaxgenError, match="checkpoint 3 .* records no run fingerprint"):
        Checkpointer(tmp_path, fingerprint=CONFIG)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing adopted or written


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", "\udcff"])
def test_a_damaged_fingerprint_file_is_recovered_from_the_checkpoints_or_refused(tmp_path, text):
    (tmp_path / "empty").mkdir()
    Checkpointer(tmp_path / "empty", fingerprint=CONFIG).close()
    (tmp_path / "empty" / "fingerprint.json").write_text(text, errors="surrogateescape")
    with pytest.raises(JaxgenError, match="fingerprint.json is not a JSON object"):
        Checkpointer(tmp_path / "empty", fingerprint=CONFIG)  # no checkpoint to recover from
    save_trained(tmp_path / "run", 1)
    (tmp_path / "run" / "fingerprint.json").write_text(text, errors="surrogateescape")
    with pytest.raises(JaxgenError, match=r"checkpoints/1/meta differs in optim.lr\)"):
        Checkpointer(tmp_path / "run", fingerprint={**CONFIG, "optim": {"lr": 2e-3}})
    Checkpointer(tmp_path / "run", fingerprint=CONFIG).close()
    assert json.loads((tmp_path / "run" / "fingerprint.json").read_text()) == CONFIG


@pytest.mark.parametrize("fingerprint", [{"net": object()}, {"lr": float("nan")}, [1, 2]])
def test_a_fingerprint_that_is_not_a_plain_json_object_is_one_line(tmp_path, fingerprint):
    with pytest.raises(JaxgenError, match="`fingerprint` must be a JSON object"):
        Checkpointer(tmp_path, fingerprint=fingerprint)


def test_a_key_set_to_none_differs_from_a_missing_key():
    assert fingerprint_differences({"a": None}, {}) == ["a"]
    assert fingerprint_differences({"a": {"b": 1}}, {"a": {"b": 1}}) == []
