"""The README's Python example runs as printed, and trains."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_the_readme_example_trains_and_resumes(tmp_path):
    (example,) = python_blocks(README.read_text())
    script = tmp_path / "example.py"
    script.write_text(example)
    first = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True)
    assert first.returncode == 0, first.stderr.decode()[-3000:]
    workdir = tmp_path / "runs" / "readme"
    rows = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [50, 100, 150, 200, 250, 300]
    assert all(math.isfinite(r["d_loss"]) and math.isfinite(r["g_loss"]) for r in rows)
    assert (workdir / "checkpoints" / "300").is_dir()
    assert any((workdir / "tensorboard").iterdir())
    # the same script again finds the finished run and resumes at its end
    again = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True)
    assert again.returncode == 0, again.stderr.decode()[-3000:]
    assert "resumed from iteration 300" in again.stdout.decode() + again.stderr.decode()
