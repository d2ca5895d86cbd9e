"""A served document (`/api/openapi.json`, `/api/asyncapi.json`) as a fresh process under a
given hash seed prints it: the documents must not depend on the order of sets or dicts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_DUMP = (
    "import json; from neighbours import create_app; "
    "app = create_app({{'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'sqlite://', "
    "'SECRET_KEY': 'x'}}); "
    "print(json.dumps(app.test_client().get('{path}').get_json()))"
)


def served_under_seed(path: str, seed: str) -> str:
    """The JSON text a new process under PYTHONHASHSEED=`seed` serves at `path`."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", _DUMP.format(path=path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
