"""``train_and_evaluate``: the loop's evaluation of the final state is the result; a run that
is already finished is evaluated when it is resumed."""

import dataclasses
import json

from experiments import train as train_module
from tests.conftest import short_config


def test_the_final_state_is_evaluated_once(tmp_path, monkeypatch):
    evaluated = []
    build = train_module.build_experiment

    def counting_build(config):
        experiment = build(config)
        evaluate = experiment.task.evaluate

        def counted(state, dataset):
            evaluated.append(1)
            return evaluate(state, dataset)

        task = dataclasses.replace(experiment.task, evaluate=counted)
        return dataclasses.replace(experiment, task=task)

    monkeypatch.setattr(train_module, "build_experiment", counting_build)
    config = short_config("flow.ring8", 10, pairs=1, hidden=(16,), bins=4)
    config.train.eval_every = 5
    config.eval.num_samples = 200

    results = train_module.train_and_evaluate(config, tmp_path)
    assert len(evaluated) == 2  # at steps 5 and 10, and not again after the loop
    rows = [json.loads(line) for line in (tmp_path / "eval.jsonl").read_text().splitlines()]
    assert [row.pop("iteration") for row in rows] == [5, 10]
    assert results == rows[-1]

    assert train_module.train_and_evaluate(config, tmp_path) == results
    assert len(evaluated) == 3  # the resumed, finished run trains nothing and evaluates once
