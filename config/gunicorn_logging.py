"""gunicorn's access log without secrets in URLs: a personal calendar feed's URL is its only
credential (`/api/v1/calendar/<secret>.ics`), so the log shows `<secret>` in its place."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_SECRET_PATH = re.compile(r"(/calendar/)[^/?#\s]+(\.ics)")


def redact(text: str) -> str:
    return _SECRET_PATH.sub(r"\1<secret>\2", text)


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
