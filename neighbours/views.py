"""The one read-through proxy: a row with the extra fields one reader sees of it."""

from __future__ import annotations

from typing import Any, ClassVar


class View:
    """A dataclass wrapping a row (the field named by `row=`) plus computed, per-reader fields.

    Attributes the view lacks are read from the row, so schemas dump a view like the row:
    `@dataclass class PostView(View, row="post"): post: Post; comment_count: int = 0`.
    """

    _row_field: ClassVar[str]

    def __init_subclass__(cls, row: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if row is not None:
            cls._row_field = row

    def __getattr__(self, name: str) -> Any:
        # Only called for what the view itself lacks; reading the row from __dict__ keeps a
        # half-built view (copy, pickle) from recursing.
        try:
            row = self.__dict__[self._row_field]
        except KeyError:
            raise AttributeError(name) from None
        return getattr(row, name)
