"""The repository stands on its own: a clone has no shared folder beside it to point at."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_nothing_points_outside_the_repository() -> None:
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "docs/API.md" in files or (ROOT / "docs" / "API.md").exists()
    pointing = []
    for name in files:
        path = ROOT / name
        if path.suffix not in {".md", ".py", ".toml", ".cfg", ".txt", ""} or not path.is_file():
            continue
        if "../" + "shared" in path.read_text(errors="replace"):
            pointing.append(name)
    assert pointing == [], f"files pointing outside the repository: {pointing}"
