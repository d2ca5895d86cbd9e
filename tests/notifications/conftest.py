"""The live-socket fixtures of tests/realtime, for notification events."""

from tests.realtime.conftest import sockets

__all__ = ["sockets"]
