"""The training loop: exact resume, non-finite stop, metrics bookkeeping."""

import json

import jax
import jax.numpy as jnp
import pytest

from experiments.configs.base import run_fingerprint
from experiments.train import build_experiment
from jaxgen.errors import JaxgenError, NonFiniteError
from jaxgen.training.checkpoint import Checkpointer
from tests.conftest import assert_same_values, short_config, train_config


def tiny_config(num_steps=40, name="gan.ring8", **model):
    config = short_config(name, num_steps, every=10, steps_per_dispatch=5, **model)
    config.model.latent_dim = 4
    config.model.g_hidden = (16,)
    config.model.d_hidden = (16,)
    return config


run = train_config


@pytest.mark.parametrize(
    "name, model",
    [
        ("gan.ring8", {}),
        ("wgan.ring8", {"original_wgan_schedule": True}),  # the generator-update counter
        ("wgan_gp.ring8", {}),
    ],
)
def test_resumed_run_equals_uninterrupted_run_bit_for_bit(tmp_path, name, model):
    whole = run(tiny_config(40, name, **model), tmp_path / "whole")
    run(tiny_config(20, name, **model), tmp_path / "split")
    resumed = run(tiny_config(40, name, **model), tmp_path / "split")
    assert_same_values(resumed, whole)
    lines = [json.loads(x) for x in (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in lines] == [10, 20, 30, 40]
    whole_lines = (tmp_path / "whole" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["g_loss"] for x in whole_lines] == [r["g_loss"] for r in lines]


def test_a_step_that_does_not_advance_the_update_counter_is_refused(tmp_path):
    config = tiny_config(10)
    good_step = build_experiment(config).task.step

    def forgets_to_advance(state, batch):
        new_state, metrics = good_step(state, batch)
        return new_state.replace(step=state.step), metrics  # would repeat its random keys

    with pytest.raises(JaxgenError, match="left `state.step` at 0: every update must advance"):
        run(config, tmp_path, step=forgets_to_advance)


def test_nonfinite_metric_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    config = tiny_config(40)
    good_step = build_experiment(config).task.step

    def explodes_after_update_50(state, batch):
        new_state, metrics = good_step(state, batch)
        blowup = jnp.where(state.step >= 50, jnp.nan, 0.0)  # update 50 is iteration 26
        return new_state, {**metrics, "d_loss": metrics["d_loss"] + blowup}

    with pytest.raises(NonFiniteError, match="non-finite d_loss at iteration 26"):
        run(config, tmp_path, step=explodes_after_update_50)
    ckpt = Checkpointer(tmp_path, fingerprint=run_fingerprint(config.to_dict()))
    assert ckpt.all_iterations() == [10, 20]
    ckpt.close()


def test_settings_that_do_not_divide_are_refused(tmp_path):
    config = tiny_config(42)
    with pytest.raises(JaxgenError, match="not a multiple of `steps_per_dispatch`=5"):
        run(config, tmp_path)


def test_batch_that_does_not_split_over_devices_is_refused(tmp_path, monkeypatch):
    config = tiny_config(10)
    config.data.batch_size = 30
    monkeypatch.setattr(jax, "device_count", lambda: 4)
    from jaxgen.core import parallel

    monkeypatch.setattr(parallel, "data_mesh", lambda: type("M", (), {"size": 4})())
    with pytest.raises(JaxgenError, match="use a multiple of 4"):
        run(config, tmp_path)


def test_dataset_of_another_shape_is_refused(tmp_path):
    with pytest.raises(JaxgenError, match=r"shape \(2,\) but the model was built for \(8, 8, 1\)"):
        run(tiny_config(10), tmp_path, input_shape=(8, 8, 1))
    assert not (tmp_path / "checkpoints").exists()


def test_eval_and_metrics_lines_past_the_restored_iteration_are_dropped(tmp_path):
    config = tiny_config(20)
    config.train.eval_every = 10
    run(config, tmp_path)
    with (tmp_path / "eval.jsonl").open("a") as f:  # as if a killed run had gone further
        f.write(json.dumps({"iteration": 30, "modes_captured": 0}) + "\n")
    (tmp_path / "checkpoints" / "20").rename(tmp_path / "gone")  # resume from iteration 10
    run(config, tmp_path)
    evals = [json.loads(x)["iteration"] for x in (tmp_path / "eval.jsonl").read_text().splitlines()]
    assert evals == [10, 20]


def test_a_full_disk_during_a_checkpoint_is_one_error_and_keeps_the_last_checkpoint(
    tmp_path, monkeypatch
):
    """Where no small file system can be mounted (tests/experiments/test_faults.py mounts
    one), a writer that raises ENOSPC at the second save stands in for a full disk."""
    import errno

    run(tiny_config(10), tmp_path)
    before = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    original = Checkpointer.save

    def full(self, iteration, state):
        if iteration > 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(self, iteration, state)

    monkeypatch.setattr(Checkpointer, "save", full)
    with pytest.raises(JaxgenError, match=r"^no space left on device in .*; free space and rerun"):
        run(tiny_config(40), tmp_path)
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == before
    monkeypatch.setattr(Checkpointer, "save", original)
    assert_same_values(run(tiny_config(40), tmp_path), run(tiny_config(40), tmp_path / "whole"))


def test_every_checkpoint_damaged_is_refused_unless_starting_afresh(tmp_path):
    run(tiny_config(20), tmp_path)
    for f in (tmp_path / "checkpoints").glob("*/state/**/*"):
        if f.is_file():
            f.write_bytes(b"\0garbage")
    with pytest.warns(UserWarning, match="is damaged"):
        with pytest.raises(JaxgenError, match=r"every checkpoint .* is damaged \(10, 20, moved"):
            run(tiny_config(20), tmp_path)
    assert sorted(p.name for p in (tmp_path / "damaged").iterdir()) == ["10", "20"]
    with pytest.raises(JaxgenError, match="`start_afresh`"):  # and on every retry
        run(tiny_config(20), tmp_path)

    from experiments.train import build_experiment, loop_settings
    from jaxgen.training.loop import train

    config = tiny_config(20)
    experiment = build_experiment(config)
    fresh = train(
        experiment.task,
        experiment.dataset,
        tmp_path,
        loop_settings(config),
        fingerprint=run_fingerprint(config.to_dict()),
        start_afresh=True,
    )
    assert_same_values(fresh, run(tiny_config(20), tmp_path / "whole"))
    assert (tmp_path / "damaged" / "10").is_dir()  # kept


def test_an_evaluation_cut_off_after_its_checkpoint_is_redone_on_resume(tmp_path):
    """The state a kill leaves between a checkpoint's commit and its evaluation row: the row
    and figures of iteration 20 missing, checkpoint 20 there. The resumed run writes them as
    the uninterrupted run did."""

    def evaluated(num_steps):
        config = tiny_config(num_steps)
        config.train.eval_every = 10
        return config

    run(evaluated(40), tmp_path / "whole")
    run(evaluated(20), tmp_path / "cut")
    cut = tmp_path / "cut"
    rows = (cut / "eval.jsonl").read_text().splitlines()
    (cut / "eval.jsonl").write_text("".join(line + "\n" for line in rows[:-1]))
    for figure in (cut / "figures").glob("*00000020*"):
        figure.unlink()
    run(evaluated(40), cut)
    assert (cut / "eval.jsonl").read_text() == (tmp_path / "whole" / "eval.jsonl").read_text()
    figures = lambda w: {p.name: p.read_bytes() for p in (w / "figures").iterdir()}  # noqa: E731
    assert figures(cut) == figures(tmp_path / "whole")
