"""The OpenAPI document is the same on every run: clients are generated from it and diffs of
it are reviewed, so nothing in it may follow the order of a set or a dict built by hashing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DUMP = (
    "import json; from neighbours import create_app; "
    "app = create_app({'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'sqlite://', "
    "'SECRET_KEY': 'x'}); "
    "print(json.dumps(app.test_client().get('/api/openapi.json').get_json()))"
)


def _document(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", DUMP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_document_does_not_depend_on_the_hash_seed() -> None:
    first, second = _document("1"), _document("2")
    assert len(first) > 10_000
    assert first == second
