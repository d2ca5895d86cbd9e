"""The API client of the tests: it owns the `/api/v1` prefix and signs requests in."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

PREFIX = "/api/v1"


def v1(path: str) -> str:
    """The full path of an API path written from the prefix on (`/me` -> `/api/v1/me`)."""
    assert path.startswith("/") and not path.startswith(PREFIX), path
    return PREFIX + path


class Api:
    """Calls `/api/v1` + path on a test client; `as_=actor` sends the actor's token.

    `api.get("/me", as_=ana)`; any other keyword goes to Flask's test client (`json=`,
    `headers=`, `data=`, ...). The underlying client is `api.client`.
    """

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def open(self, method: str, path: str, *, as_: Any = None, **kwargs: Any) -> Any:
        if as_ is not None:
            kwargs["headers"] = {**as_.headers, **(kwargs.get("headers") or {})}
        return self.client.open(v1(path), method=method, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.open("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.open("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.open("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.open("DELETE", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> Any:
        return self.open("HEAD", path, **kwargs)

    def options(self, path: str, **kwargs: Any) -> Any:
        return self.open("OPTIONS", path, **kwargs)
