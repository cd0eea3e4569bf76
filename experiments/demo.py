"""``make demo``: train every family's demonstration on bundled data and write an index page.

Each entry trains from scratch in ``<out>/<name>`` (an existing directory is replaced), then
the page ``<out>/index.html`` shows, per entry, its final numbers, its samples and its loss
curves; ``<out>/results.json`` holds all numbers. Runs offline on CPU in a few minutes.
"""

from __future__ import annotations

import argparse
import html
import importlib
import json
import shutil
import time
from pathlib import Path

from experiments.train import sample, train_and_evaluate

# (name, config module, what it demonstrates)
ENTRIES = [
    (
        "gan_ring8",
        "experiments.configs.gan.ring8",
        "GAN (Goodfellow et al. 2014, Algorithm 1, non-saturating loss) on 8 Gaussians",
    ),
    (
        "wgan_gp_ring8",
        "experiments.configs.wgan_gp.ring8",
        "WGAN-GP (Gulrajani et al. 2017, the authors' toy settings) on 8 Gaussians",
    ),
    (
        "flow_ring8",
        "experiments.configs.flow.ring8",
        "A spline coupling flow (Durkan et al. 2019) on 8 Gaussians, by maximum likelihood",
    ),
    (
        "dcgan_digits",
        "experiments.configs.gan.digits",
        "DCGAN (Radford et al. 2016) on scikit-learn's bundled 8x8 digits",
    ),
]


def run_entry(name: str, module: str, out: Path) -> dict:
    config = importlib.import_module(module).get_config()
    config.train.progress = False
    workdir = out / name
    shutil.rmtree(workdir, ignore_errors=True)
    start = time.perf_counter()
    results = train_and_evaluate(config, workdir)
    seconds = time.perf_counter() - start
    sample(config, workdir, config.eval.num_samples)
    return {**results, "train_seconds": round(seconds, 1), "num_steps": config.train.num_steps}


def write_index(out: Path, all_results: dict) -> None:
    sections = []
    for name, module, description in ENTRIES:
        numbers = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{v:.4g}</td></tr>"
            if isinstance(v, float)
            else f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>"
            for k, v in all_results[name].items()
        )
        sections.append(
            f"<h2>{html.escape(name)}</h2><p>{html.escape(description)}<br>"
            f"<code>python -m experiments.main --config={module.replace('.', '/')}.py "
            f"--workdir=runs/{name}</code></p>"
            f"<table>{numbers}</table>"
            f'<img src="{name}/samples.png" width="360"> '
            f'<img src="{name}/loss_curves.png" height="300">'
        )
    page = (
        "<!doctype html><meta charset='utf-8'><title>jaxgen demo</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "td{padding:2px 10px}</style><h1>jaxgen demo</h1>" + "".join(sections)
    )
    (out / "index.html").write_text(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo", help="output directory")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    all_results = {}
    for name, module, _ in ENTRIES:
        print(f"[demo] {name} ...", flush=True)
        all_results[name] = run_entry(name, module, out)
        print(f"[demo] {name}: {json.dumps(all_results[name])}", flush=True)
    (out / "results.json").write_text(json.dumps(all_results, indent=2))
    write_index(out, all_results)
    print(f"[demo] wrote {out / 'index.html'}")


if __name__ == "__main__":
    main()
