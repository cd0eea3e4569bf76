"""Checkpoints of a train state through orbax-checkpoint's ``CheckpointManager``, checked.

Layout of a workdir::

    workdir/.lock                held by the process writing the workdir (jaxgen.training.workdir)
    workdir/fingerprint.json     the run's fingerprint, written by the first run in the workdir
    workdir/checkpoints/<n>/     the state after ``n`` training iterations (StandardSave) and
                                 ``meta`` (JSON: iteration, fingerprint, library versions, and the
                                 shape, dtype and SHA-256 of every array, with a digest of
                                 the meta itself)
    workdir/damaged/<n>/         checkpoints that failed their checks, moved aside, never deleted

Saves are asynchronous and keep the last ``keep`` (at least 1) checkpoints. On start:

* the workdir is locked (one writer at a time); sampling and evaluation never create one;
* half-written checkpoints left by a killed process (orbax's tmp directories) are removed;
* a run whose fingerprint differs from the workdir's is refused. A fingerprint is any JSON
  object the caller chooses to identify a run (``experiments/`` passes the config without the
  keys that may change on resume, such as the number of steps); the checkpointer only compares
  it, key by key. The workdir's is ``fingerprint.json``, or, if that file is gone, the one the
  newest checkpoint recorded;
* ``restore_latest`` tries the checkpoints newest first. Its meta must match its digest, its
  arrays must restore, and each must match its SHA-256; a checkpoint that fails any of these
  is damaged: it is moved to ``damaged/`` with a warning (under a new name if one is there
  already) and the previous one is tried. One whose arrays (names, shapes, dtypes) differ
  from the state this code builds is refused with an error and left in place: it is intact,
  and the run it belongs to needs the code that saved it. Checkpoints written before
  checksums were recorded restore unchecked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import warnings
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp

from jaxgen.errors import JaxgenError
from jaxgen.training.workdir import WorkdirLock, write_atomically

TMP_MARKER = ".orbax-checkpoint-tmp"
FINGERPRINT_FILE = "fingerprint.json"
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


def fingerprint_differences(saved: dict, current: dict) -> list[str]:
    """Dotted keys whose values differ between two fingerprints (nested dicts flattened)."""
    a, b = _flatten(saved), _flatten(current)
    absent = object()  # a key set to None differs from a missing key
    return sorted(k for k in a.keys() | b.keys() if a.get(k, absent) != b.get(k, absent))


Layout = dict[str, tuple[tuple[int, ...], str]]


def _array_leaves(tree: Any, key_data):
    """(dotted path, leaf) of every array in ``tree``, typed PRNG keys replaced by
    ``key_data(key)``. Paths name attributes, named-tuple fields, dict keys and indices alike
    (``opt_state.1.0.mu``), as orbax saves them all as dicts and lists."""
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        if not hasattr(leaf, "shape"):
            continue
        if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            leaf = key_data(leaf)
        yield jax.tree_util.keystr(path, simple=True, separator="."), leaf


def array_layout(tree: Any) -> Layout:
    """Dotted path → (shape, dtype) of every array in ``tree`` (arrays, ``ShapeDtypeStruct``s
    or orbax's array metadata); typed PRNG keys as the uint32 data orbax saves."""
    shapes_of_keys = lambda key: jax.eval_shape(jax.random.key_data, key)  # noqa: E731
    return {
        name: (tuple(leaf.shape), str(leaf.dtype))
        for name, leaf in _array_leaves(tree, shapes_of_keys)
    }


def _host_leaves(tree: Any):
    """(dotted path, host numpy array) of every array leaf; typed PRNG keys as their data."""
    for name, leaf in _array_leaves(tree, jax.random.key_data):
        if isinstance(leaf, jax.Array):  # replicated: every process holds the whole array
            leaf = leaf.addressable_data(0)
        yield name, np.asarray(leaf)


def array_records(tree: Any) -> dict[str, dict]:
    """Dotted path → shape, dtype and SHA-256 of the bytes of every array in ``tree``."""
    return {
        name: {
            "shape": list(x.shape),
            "dtype": str(x.dtype),
            "sha256": hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest(),
        }
        for name, x in _host_leaves(tree)
    }


def meta_digest(meta: dict) -> str:
    """SHA-256 of a checkpoint's meta without its own ``digest`` entry."""
    body = {k: v for k, v in meta.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


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


def require_checkpoints(workdir: Path) -> None:
    """Refuse a workdir that was never trained in (without creating it)."""
    if not (Path(workdir) / "checkpoints").is_dir():
        raise JaxgenError(f"no checkpoint in {workdir}; train first")


class DamagedCheckpoint(Exception):
    """A checkpoint failed a check; ``str`` says which."""


def _not_damage(err: Exception) -> bool:
    """A read that failed for a cause outside the checkpoint (its files' permissions, memory):
    raised as it is instead of setting an intact checkpoint aside."""
    text = str(err)
    return (
        isinstance(err, PermissionError | MemoryError)
        or "Permission denied" in text
        or "out of memory" in text.lower()
    )


@contextmanager
def _orbax_quiet():
    """Orbax logs every failed read at ERROR with a traceback; a damaged checkpoint is
    reported once, by the warning of :meth:`Checkpointer._set_aside`."""
    logger = logging.getLogger("absl")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


class Checkpointer:
    """Save and restore one run's state in ``workdir``; see the module docstring.

    Args:
      workdir: the run's directory.
      fingerprint: a JSON object identifying the run; a workdir holding another is refused.
      keep: how many of the newest checkpoints to keep (at least 1).
      async_save: save on a background thread (:meth:`save` returns before it is done).
      create: False (sampling, evaluation) refuses a workdir that holds no checkpoint instead
        of making one, and writes no ``fingerprint.json``.
    """

    def __init__(
        self,
        workdir: str | Path,
        *,
        fingerprint: dict,
        keep: int = 3,
        async_save: bool = True,
        create: bool = True,
    ):
        if keep < 1:
            raise JaxgenError(f"`keep`={keep} would delete every checkpoint; keep at least 1")
        self.workdir = Path(workdir)
        try:
            self.fingerprint = json.loads(json.dumps(fingerprint, allow_nan=False))
        except (TypeError, ValueError) as err:
            raise JaxgenError(
                f"`fingerprint` must be a JSON object of plain values ({err}); pass one"
            ) from None
        if not isinstance(self.fingerprint, dict):
            raise JaxgenError("`fingerprint` must be a JSON object (a dict); pass one")
        if not create:
            require_checkpoints(self.workdir)
        try:
            (self.workdir / "checkpoints").mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise JaxgenError(
                f"cannot create workdir {self.workdir} ({err.strerror}); "
                "choose a writable `workdir`"
            ) from None
        self.lock = WorkdirLock(self.workdir)
        if jax.process_index() == 0:  # a multi-process run shares one workdir
            self.lock.acquire()
        try:
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
            self._check_fingerprint(write=create)
            self.remove_partial_saves()
        except BaseException:
            self.lock.release()
            raise

    def _check_fingerprint(self, *, write: bool) -> None:
        path = self.workdir / FINGERPRINT_FILE
        saved, where = self._read_fingerprint_file(path)
        if saved is None:  # no file, or a damaged one: the checkpoints record the same
            saved, where = self._recorded_fingerprint()
            if path.exists() and saved is None:
                raise JaxgenError(
                    f"{path} is not a JSON object and no checkpoint records the run's "
                    "fingerprint; restore the file or use a new `workdir`"
                )
        if saved is not None:
            diff = fingerprint_differences(saved, self.fingerprint)
            if diff:
                raise JaxgenError(
                    f"workdir {self.workdir} holds another run (its {where} differs in "
                    f"{', '.join(diff[:5])}); use a new `workdir` or the same settings"
                )
        if write and jax.process_index() == 0 and where != FINGERPRINT_FILE:
            write_atomically(path, json.dumps(self.fingerprint, indent=2, sort_keys=True))

    @staticmethod
    def _read_fingerprint_file(path: Path) -> tuple[dict | None, str]:
        """``fingerprint.json``'s object, or (None, "") when it is absent or damaged."""
        try:
            saved = json.loads(path.read_text())
        except (OSError, ValueError):  # absent, unreadable, not UTF-8 or not JSON
            return None, ""
        return (saved, FINGERPRINT_FILE) if isinstance(saved, dict) else (None, "")

    def _recorded_fingerprint(self) -> tuple[dict | None, str]:
        """The fingerprint the newest checkpoint with an intact meta recorded, and where;
        (None, "") if there is none. A checkpoint that records none was saved before runs had
        fingerprints: it is refused rather than adopted under this run's."""
        for iteration in reversed(self.all_iterations()):
            try:
                meta = self._read_meta(iteration)
            except DamagedCheckpoint:
                continue
            if "fingerprint" not in meta:
                raise JaxgenError(
                    f"checkpoint {iteration} in {self.workdir} records no run fingerprint "
                    "(an older jaxgen saved it), so this run cannot be checked against it; "
                    "resume it with that jaxgen or use a new `workdir`"
                )
            return meta["fingerprint"], f"checkpoints/{iteration}/meta"
        return None, ""

    def remove_partial_saves(self) -> None:
        """Delete orbax's temporary directories of saves that did not finish (process 0, which
        holds the lock; another process could catch a save between its write and its rename)."""
        if jax.process_index() != 0:
            return
        for tmp in (self.workdir / "checkpoints").glob(f"*{TMP_MARKER}*"):
            shutil.rmtree(tmp, ignore_errors=True)

    def all_iterations(self) -> list[int]:
        return sorted(self.manager.all_steps())

    def damaged(self) -> list[Path]:
        """Checkpoints set aside as damaged, in this run or an earlier one."""
        directory = self.workdir / "damaged"
        return sorted(directory.iterdir()) if directory.is_dir() else []

    def nothing_intact(self, remedy: str) -> JaxgenError:
        """The error for a workdir where no checkpoint passed its checks; ``remedy`` says what
        to do instead."""
        damaged = self.damaged()
        if not damaged:
            return JaxgenError(f"no checkpoint in {self.workdir}; {remedy}")
        return JaxgenError(
            f"every checkpoint in {self.workdir} is damaged ("
            f"{', '.join(p.name for p in damaged)}, moved to {self.workdir / 'damaged'}); "
            f"restore one there, or {remedy}"
        )

    def save(self, iteration: int, state: Any) -> None:
        """Start saving the state after ``iteration`` iterations (returns before it is done).
        The arrays' checksums are computed here, from the state as it is now."""
        meta = {
            "iteration": iteration,
            "fingerprint": self.fingerprint,
            "versions": library_versions(),
            "arrays": array_records(state),
        }
        meta["digest"] = meta_digest(meta)
        self.manager.save(
            iteration,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)
            ),
            force=True,
        )

    def restore_latest(self, target: Any) -> tuple[Any, int] | None:
        """``(state, iteration)`` of the newest checkpoint that passes its checks, or None if
        none does; raises :class:`JaxgenError` at a checkpoint of another array layout than
        ``target``'s.

        ``target`` is a state of the right structure: a fresh one, or its ``jax.eval_shape``
        with a sharding on every leaf; restored arrays take its shardings.
        """
        expected = array_layout(target)
        for iteration in reversed(self.all_iterations()):
            try:
                with _orbax_quiet():
                    return self._restore_checked(iteration, target, expected), iteration
            except DamagedCheckpoint as err:
                self._set_aside(iteration, str(err))
        return None

    def _restore_checked(self, iteration: int, target: Any, expected: Layout) -> Any:
        meta = self._read_meta(iteration)
        records = meta.get("arrays")
        if records is None:  # saved before checksums were recorded
            self._check_layout(iteration, self._orbax_layout(iteration), expected)
        else:
            saved = {name: (tuple(r["shape"]), r["dtype"]) for name, r in records.items()}
            self._check_layout(iteration, saved, expected)
        try:
            state = self.manager.restore(
                iteration, args=ocp.args.Composite(state=ocp.args.StandardRestore(target))
            )["state"]
        except Exception as err:  # orbax raises many types for a damaged checkpoint
            if _not_damage(err):
                raise
            raise DamagedCheckpoint(f"its arrays do not read: {type(err).__name__}") from None
        if records is not None:
            for name, record in array_records(state).items():
                if record != records[name]:
                    raise DamagedCheckpoint(f"array {name} does not match its checksum")
        return state

    def _read_meta(self, iteration: int) -> dict:
        try:
            meta = self.manager.restore(
                iteration, args=ocp.args.Composite(meta=ocp.args.JsonRestore())
            )["meta"]
        except Exception as err:
            if _not_damage(err):
                raise
            raise DamagedCheckpoint(f"its meta does not read: {type(err).__name__}") from None
        if not isinstance(meta, dict) or "iteration" not in meta:
            raise DamagedCheckpoint("its meta is incomplete")
        checked = "digest" in meta or "arrays" in meta  # both absent: saved before checksums
        if checked and meta.get("digest") != meta_digest(meta):
            raise DamagedCheckpoint("its meta does not match its digest")
        return meta

    def _orbax_layout(self, iteration: int) -> Layout:
        try:
            metadata = self.manager.metadata(iteration).item_metadata["state"]
        except Exception as err:
            raise DamagedCheckpoint(f"its metadata does not read: {type(err).__name__}") from None
        if metadata is None:  # orbax reads a missing metadata file as None
            raise DamagedCheckpoint("its array metadata is missing")
        return array_layout(metadata)

    def _check_layout(self, iteration: int, saved: Layout, expected: Layout) -> None:
        """Refuse an intact checkpoint whose arrays are not the ones ``expected``."""
        difference = first_layout_difference(saved, expected)
        if difference:
            raise JaxgenError(
                f"checkpoint {iteration} in {self.workdir} holds another model's state than "
                f"this code builds ({difference}); resume it with the jaxgen that saved it "
                f"(versions in checkpoints/{iteration}/meta) or use a new `workdir`"
            )

    def _set_aside(self, iteration: int, why: str) -> None:
        if jax.process_index() != 0:  # process 0 moves it; the others only skip it
            return
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
            f"checkpoint {iteration} in {self.workdir} is damaged ({why}); "
            f"moved it to {destination} and fell back to the previous one",
            stacklevel=3,
        )

    def wait(self) -> None:
        self.manager.wait_until_finished()

    def close(self) -> None:
        """Wait for the last save and release the workdir. A save that failed (its error is
        raised here) leaves no temporary directory behind."""
        try:
            self.manager.wait_until_finished()
            self.manager.close()
        except BaseException:
            self.stop_writers()
            self.remove_partial_saves()  # still holding the lock: no other run's save
            raise
        finally:
            self.lock.release()

    def stop_writers(self) -> None:
        """Close the manager after a failed save, ignoring the save's error: a failed save's
        other writers may still be writing into its temporary directory until the manager
        is closed, and a file written after :meth:`remove_partial_saves` would stay behind."""
        try:
            self.manager.close()
        except Exception:
            pass

    def abort(self) -> None:
        """:meth:`close` after a failure elsewhere, which may have been a save's (orbax raises
        an asynchronous save's error from the next ``save``): every unfinished save's temporary
        directory is removed, and a save failing from the same cause is not raised again."""
        try:
            self.manager.wait_until_finished()
        except Exception:
            pass
        finally:
            self.stop_writers()
            self.remove_partial_saves()
            self.lock.release()
