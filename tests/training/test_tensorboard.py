"""A short run's TensorBoard events, read back from the event file's records: the train loss
at every log step, each evaluation's numbers and sample images; a resumed run purges what a
killed run wrote past its checkpoint."""

import json
import shutil
import struct
from collections import defaultdict

import pytest
from tensorboardX.proto import event_pb2

from experiments.train import train_and_evaluate
from tests.conftest import short_config


def read_events(directory):
    """The events of the files under ``directory`` as TensorBoard shows them: read from the
    TFRecord framing (length, its CRC, the serialised ``Event``, its CRC), and a session
    start at step s (a writer's ``purge_step``) dropping the earlier events from step s on."""
    events = []
    for path in sorted(directory.glob("events.out.tfevents.*")):
        data = path.read_bytes()
        offset = 0
        while offset < len(data):
            (length,) = struct.unpack("<Q", data[offset : offset + 8])
            event = event_pb2.Event()
            event.ParseFromString(data[offset + 12 : offset + 12 + length])
            if event.session_log.status == event_pb2.SessionLog.START:
                events = [e for e in events if e.step < event.step]
            events.append(event)
            offset += 12 + length + 4
    return events


def by_tag(events):
    scalars, images = defaultdict(dict), defaultdict(list)
    for event in events:
        for value in event.summary.value:
            if value.HasField("image"):
                images[value.tag].append(event.step)
            else:
                scalars[value.tag][event.step] = value.simple_value
    return scalars, images


def test_a_short_run_writes_loss_eval_numbers_and_samples_at_every_step(tmp_path, capsys):
    config = short_config("gan.ring8", num_steps=20, every=5)
    config.train.eval_every = 10
    config.eval.num_samples = 256
    train_and_evaluate(config, tmp_path)
    scalars, images = by_tag(read_events(tmp_path / "tensorboard"))
    assert sorted(scalars["train/d_loss"]) == [5, 10, 15, 20]
    assert sorted(scalars["train/g_loss"]) == [5, 10, 15, 20]
    assert sorted(scalars["eval/modes_captured"]) == [10, 20]
    assert images["samples/samples"] == [10, 20]
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    for row in rows:
        assert abs(scalars["train/d_loss"][row["iteration"]] - row["d_loss"]) < 1e-6
    out = capsys.readouterr().out
    assert "evaluation at iteration 10: " in out and "modes_captured " in out

    # as if killed after logging iterations 11-20 and before checkpoint 20 committed
    shutil.rmtree(tmp_path / "checkpoints" / "20")
    config.train.num_steps = 30
    train_and_evaluate(config, tmp_path)
    assert "resumed from iteration 15" in capsys.readouterr().out
    resumed, images = by_tag(read_events(tmp_path / "tensorboard"))
    assert sorted(resumed["train/d_loss"]) == [5, 10, 15, 20, 25, 30]
    assert [resumed["train/d_loss"][i] for i in (5, 10, 15)] == [
        scalars["train/d_loss"][i] for i in (5, 10, 15)
    ]
    assert images["samples/samples"] == [10, 20, 30]


def test_events_that_cannot_be_written_warn_once_and_stop_without_stopping_the_run(tmp_path):
    from jaxgen.training.tensorboard import EventLog

    (tmp_path / "tensorboard").write_text("a file where the events' folder should be")
    events = EventLog(tmp_path)
    with pytest.warns(UserWarning, match="TensorBoard events in .* stopped") as caught:
        events.open(0)
        events.scalars("train", {"loss": 1.0}, 1)
        events.flush()
        events.close()
    assert len(caught) == 1
