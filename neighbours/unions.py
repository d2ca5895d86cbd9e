"""A discriminated union of marshmallow schemas, and how the documents describe it.

`OneOf` dumps a value with the schema its discriminator names; in `/api/openapi.json` and
`/api/asyncapi.json` it is a named component, `oneOf` the variants' components with a
`discriminator` on that property, so a generated client gets one type per variant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma


class OneOf(ma.fields.Field):
    """One of several schemas, chosen by the value of `discriminator` (a key or attribute)."""

    def __init__(
        self,
        choices: Mapping[str, type[ma.Schema]],
        *,
        discriminator: str,
        component: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.choices = dict(sorted(choices.items()))
        self.discriminator = discriminator
        self.component = component

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        key = value.get(self.discriminator) if isinstance(value, Mapping) else None
        if key is None:
            key = getattr(value, self.discriminator, None)
        return self.choices[str(key)]().dump(value)


def union2properties(self: Any, field: ma.fields.Field, **_kwargs: Any) -> dict[str, Any]:
    """An apispec attribute function: a `OneOf` is a `$ref` to its union's component."""
    if not isinstance(field, OneOf):
        return {}
    refs = {key: self.resolve_nested_schema(schema) for key, schema in field.choices.items()}
    components = self.spec.components
    if field.component not in components.schemas:
        components.schema(
            field.component,
            component={
                "oneOf": list(refs.values()),
                "discriminator": {
                    "propertyName": field.discriminator,
                    "mapping": {key: ref["$ref"] for key, ref in refs.items()},
                },
            },
        )
    return components.get_ref("schema", field.component)
