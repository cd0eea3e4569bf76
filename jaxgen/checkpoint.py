"""Checkpoints of a train state through orbax-checkpoint's ``CheckpointManager``.

Layout of a workdir::

    workdir/config.json          the run's config, written by the first run in the workdir
    workdir/checkpoints/<n>/     the state after ``n`` training iterations (StandardSave) and
                                 ``meta`` (JSON: iteration, config, library versions)
    workdir/damaged/<n>/         checkpoints that failed to restore, moved aside, never deleted

Saves are asynchronous and keep the last ``keep`` checkpoints. On start:

* half-written checkpoints left by a killed process (orbax's tmp directories) are removed;
* a workdir whose ``config.json`` differs from this run's config (other than the keys allowed
  to change on resume, such as the number of steps) is refused;
* ``restore_latest`` tries the checkpoints newest first. One whose saved arrays (names,
  shapes, dtypes, read from its metadata) differ from the state this code builds is refused
  with an error and left in place: it is intact, and the run it belongs to needs the code
  that saved it. One that fails to restore otherwise is moved to ``damaged/`` with a warning
  (under a new name if one is there already) and the previous one is tried.
"""

from __future__ import annotations

import json
import shutil
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import jax
import orbax.checkpoint as ocp

from jaxgen.errors import JaxgenError

TMP_MARKER = ".orbax-checkpoint-tmp"
VERSIONED_PACKAGES = ("jaxgen", "jax", "jaxlib", "flax", "optax", "orbax-checkpoint", "numpy")


def library_versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in VERSIONED_PACKAGES}


def _flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def config_differences(saved: dict, current: dict, resumable: frozenset[str]) -> list[str]:
    """Dotted keys whose values differ between two configs, ignoring ``resumable`` keys."""
    a, b = _flatten(saved), _flatten(current)
    return sorted(k for k in a.keys() | b.keys() if k not in resumable and a.get(k) != b.get(k))


Layout = dict[str, tuple[tuple[int, ...], str]]


def array_layout(tree: Any) -> Layout:
    """Dotted path → (shape, dtype) of every array in ``tree`` (arrays, ``ShapeDtypeStruct``s
    or orbax's array metadata); typed PRNG keys as the uint32 data orbax saves. Paths name
    attributes, named-tuple fields, dict keys and indices alike (``opt_state.1.0.mu``), as
    orbax saves them all as dicts and lists."""
    layout = {}
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        if not hasattr(leaf, "shape"):
            continue
        if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            leaf = jax.eval_shape(jax.random.key_data, leaf)
        name = jax.tree_util.keystr(path, simple=True, separator=".")
        layout[name] = (tuple(leaf.shape), str(leaf.dtype))
    return layout


def first_layout_difference(saved: Layout, expected: Layout) -> str | None:
    """The first array that is missing from one side or differs in shape or dtype, said in
    words; None if the two layouts agree."""
    for name in sorted(saved.keys() | expected.keys()):
        a, b = saved.get(name), expected.get(name)
        if a != b:
            return f"{name} is {_described(a)} there, {_described(b)} here"
    return None


def _described(entry: tuple[tuple[int, ...], str] | None) -> str:
    return "absent" if entry is None else f"{entry[0]} {entry[1]}"


class Checkpointer:
    """Save and restore one run's state in ``workdir``; see the module docstring."""

    def __init__(
        self,
        workdir: str | Path,
        run_config: dict,
        *,
        keep: int = 3,
        resumable_keys: frozenset[str] = frozenset(),
        async_save: bool = True,
    ):
        self.workdir = Path(workdir)
        self.run_config = json.loads(json.dumps(run_config))
        try:
            (self.workdir / "checkpoints").mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise JaxgenError(
                f"cannot create workdir {self.workdir} ({err.strerror}); "
                "choose a writable --workdir"
            ) from None
        self._check_config(resumable_keys)
        self._remove_partial_saves()
        self.manager = ocp.CheckpointManager(
            (self.workdir / "checkpoints").absolute(),
            options=ocp.CheckpointManagerOptions(
                max_to_keep=keep, enable_async_checkpointing=async_save, create=True
            ),
            item_handlers={
                "state": ocp.StandardCheckpointHandler(),
                "meta": ocp.JsonCheckpointHandler(),
            },
        )

    def _check_config(self, resumable_keys: frozenset[str]) -> None:
        path = self.workdir / "config.json"
        if not path.exists():
            path.write_text(json.dumps(self.run_config, indent=2, sort_keys=True))
            return
        try:
            saved = json.loads(path.read_text())
        except json.JSONDecodeError:
            raise JaxgenError(
                f"{path} is not valid JSON; restore it or use a new --workdir"
            ) from None
        diff = config_differences(saved, self.run_config, resumable_keys)
        if diff:
            raise JaxgenError(
                f"workdir {self.workdir} holds a run with a different config "
                f"(differs in {', '.join(diff[:5])}); use a new --workdir or the same config"
            )

    def _remove_partial_saves(self) -> None:
        for tmp in (self.workdir / "checkpoints").glob(f"*{TMP_MARKER}*"):
            shutil.rmtree(tmp, ignore_errors=True)

    def all_iterations(self) -> list[int]:
        return sorted(self.manager.all_steps())

    def save(self, iteration: int, state: Any) -> None:
        """Start saving the state after ``iteration`` iterations (returns before it is done)."""
        meta = {"iteration": iteration, "config": self.run_config, "versions": library_versions()}
        self.manager.save(
            iteration,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)
            ),
            force=True,
        )

    def restore_latest(self, target: Any) -> tuple[Any, int] | None:
        """``(state, iteration)`` of the newest checkpoint that restores, or None if there is none;
        raises :class:`JaxgenError` at a checkpoint of another array layout than ``target``'s.

        ``target`` is a state of the right structure: a fresh one, or its ``jax.eval_shape``
        with a sharding on every leaf; restored arrays take its shardings.
        """
        expected = array_layout(target)
        for iteration in reversed(self.all_iterations()):
            self._check_layout(iteration, expected)
            try:
                restored = self.manager.restore(
                    iteration,
                    args=ocp.args.Composite(
                        state=ocp.args.StandardRestore(target), meta=ocp.args.JsonRestore()
                    ),
                )
            except Exception as err:  # orbax raises many types for a damaged checkpoint
                self._set_aside(iteration, err)
                continue
            return restored["state"], iteration
        return None

    def _check_layout(self, iteration: int, expected: Layout) -> None:
        """Refuse a readable checkpoint whose arrays are not the ones ``expected``; one whose
        metadata cannot be read is left to the restore, which sets it aside."""
        try:
            metadata = self.manager.metadata(iteration).item_metadata["state"]
        except Exception:  # unreadable metadata: damage, handled by the restore
            return
        if metadata is None:  # orbax reads a missing metadata file as None: damage too
            return
        difference = first_layout_difference(array_layout(metadata), expected)
        if difference:
            raise JaxgenError(
                f"checkpoint {iteration} in {self.workdir} holds another model's state than "
                f"this code builds from the config ({difference}); resume it with the jaxgen "
                f"that saved it (versions in checkpoints/{iteration}/meta) or use a new --workdir"
            )

    def _set_aside(self, iteration: int, err: Exception) -> None:
        damaged = self.workdir / "damaged"
        damaged.mkdir(exist_ok=True)
        source = self.workdir / "checkpoints" / str(iteration)
        destination, copy = damaged / str(iteration), 1
        while destination.exists():  # an earlier one set aside under this number: keep it
            copy += 1
            destination = damaged / f"{iteration}-{copy}"
        shutil.move(str(source), str(destination))
        self.manager.reload()
        warnings.warn(
            f"checkpoint {iteration} in {self.workdir} is damaged ({type(err).__name__}); "
            f"moved it to {destination} and fell back to the previous one",
            stacklevel=2,
        )

    def wait(self) -> None:
        self.manager.wait_until_finished()

    def close(self) -> None:
        self.manager.wait_until_finished()
        self.manager.close()
