"""``make demo``: train every family's demonstration on bundled data and write an index page.

Each entry trains from scratch in ``<out>/<name>`` (an existing directory is replaced), then
the page ``<out>/index.html`` shows, per entry, its final numbers, its samples and its loss
curves; ``<out>/results.json`` holds all numbers. Runs offline on CPU in a few minutes;
compiled programs are kept in ``--compilation_cache`` as by ``experiments.main``, so a second
run skips the long compiles.
"""

from __future__ import annotations

import argparse
import html
import json
import multiprocessing
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from experiments.compilation_cache import DEFAULT_DIRECTORY, use_compilation_cache
from experiments.configs.demo import ENTRIES, Entry
from experiments.train import train_and_evaluate


def run_entry(entry: Entry, out: Path) -> dict:
    """Train and evaluate ``entry`` in ``out/<name>``; its page shows the figures the loop drew
    at the last evaluation."""
    config = entry.config()
    config.train.progress = False
    workdir = out / entry.name
    shutil.rmtree(workdir, ignore_errors=True)
    start = time.perf_counter()
    results = train_and_evaluate(config, workdir)
    seconds = time.perf_counter() - start
    return {**results, "train_seconds": round(seconds, 1), "num_steps": config.train.num_steps}


def latest_figure(workdir: Path, prefix: str) -> str | None:
    """The newest ``figures/<prefix>_<iteration>.png`` of a run, relative to the demo folder."""
    figures = sorted((workdir / "figures").glob(f"{prefix}_*.png"))
    return f"{workdir.name}/figures/{figures[-1].name}" if figures else None


def write_index(out: Path, entries: list[Entry], all_results: dict) -> None:
    """``out/index.html``: per entry, its numbers, its newest samples figure (for CycleGAN its
    translations), its loss curves and, for a 2-D flow or flow-matching model, its density
    beside the data's."""
    sections = []
    for entry in entries:
        name = entry.name
        shown = latest_figure(out / name, "samples") or latest_figure(out / name, "translations")
        density = latest_figure(out / name, "density")
        numbers = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{v:.4g}</td></tr>"
            if isinstance(v, float)
            else f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>"
            for k, v in all_results[name].items()
        )
        sections.append(
            f"<h2>{html.escape(name)}</h2><p>{html.escape(entry.description)}<br>"
            f"<code>{html.escape(entry.command())}</code></p>"
            f"<table>{numbers}</table>"
            f'<img src="{shown}" width="360"> '
            f'<img src="{name}/loss_curves.png" height="300">'
            + (f'<br><img src="{density}" width="900">' if density else "")
        )
    page = (
        "<!doctype html><meta charset='utf-8'><title>jaxgen demo</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "td{padding:2px 10px}</style><h1>jaxgen demo</h1>" + "".join(sections)
    )
    (out / "index.html").write_text(page)


def start_worker(compilation_cache: str) -> None:
    """Set up a process that trains entries: the shared compilation cache, and on a GPU no
    preallocation of most of its memory, which would leave none for the other jobs."""
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    use_compilation_cache(compilation_cache)


def announce(entry: Entry, results: dict) -> dict:
    print(f"[demo] {entry.name}: {json.dumps(results)}", flush=True)
    return results


def run_all(entries: list[Entry], out: Path, jobs: int, compilation_cache: str) -> dict:
    """Every entry's results, training ``jobs`` entries at a time, each in a process of its
    own (spawned: JAX's runtime does not survive a fork), the longest first so that the jobs
    end together. Entries are independent, and one entry's numbers do not depend on what runs
    beside it (same programs, same data: all seven entries printed the same numbers alone and
    two at a time; ``tests/experiments/test_demo_jobs.py``)."""
    if jobs == 1:
        use_compilation_cache(compilation_cache)
        return {entry.name: announce(entry, run_entry(entry, out)) for entry in entries}
    results = {}
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        jobs, mp_context=context, initializer=start_worker, initargs=(compilation_cache,)
    )
    try:
        longest_first = sorted(entries, key=lambda entry: -entry.seconds)
        futures = {pool.submit(run_entry, entry, out): entry for entry in longest_first}
        for future in as_completed(futures):
            entry = futures[future]
            results[entry.name] = announce(entry, future.result())
    finally:
        pool.shutdown(cancel_futures=True)  # after an entry's error: start no other
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo", help="output directory")
    parser.add_argument(
        "--compilation_cache",
        default=DEFAULT_DIRECTORY,
        help="directory keeping compiled programs between runs ('' for none)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="entries trained at once, each in its own process (1: one after another, here)",
    )
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error(f"--jobs={args.jobs}: give 1 or more")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"[demo] {len(ENTRIES)} entries, {args.jobs} at a time", flush=True)
    all_results = run_all(ENTRIES, out, args.jobs, args.compilation_cache)
    (out / "results.json").write_text(json.dumps(all_results, indent=2))
    write_index(out, ENTRIES, all_results)
    print(f"[demo] wrote {out / 'index.html'}")


if __name__ == "__main__":
    main()
