"""Kept for tests written before tests/support: the assertions now live in tests.support.errors."""

from tests.support.errors import assert_error

__all__ = ["assert_error"]
