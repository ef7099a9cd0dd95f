"""Declarations the OpenAPI document cannot get right from types alone.

Litestar documents a ``datetime.time`` as a duration, and a handler's answer under one media
type; ours answer a time of day as ``"09:00:00"``, and some operations in more than one type
(a chart as SVG or PNG, a report as JSON or CSV). A client generated from the document
trusts it, so these say what is true at the declaration (an app plugin, a handler's
``operation_class``), not by editing the finished document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

#: what msgspec writes for a ``datetime.time`` of ours, a local wall-clock time without an
#: offset: "09:00:00", with microseconds when there are any (requests take ``ClockTime``)
TIME_OF_DAY_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?$"
#: RFC 3339's own name: JSON Schema's ``time`` would require the offset our times lack
TIME_OF_DAY_FORMAT = "partial-time"


class TimeOfDaySchema(OpenAPISchemaPlugin):
    """Every ``datetime.time`` as the string it is sent as, not Litestar's ``duration``."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is time

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        return Schema(
            type=OpenAPIType.STRING,
            # OpenAPI's formats are an open vocabulary; Litestar's enum lacks this one
            format=TIME_OF_DAY_FORMAT,  # type: ignore[arg-type]
            pattern=TIME_OF_DAY_PATTERN,
            examples=["09:00:00"],
        )


def binary(media_type: str) -> tuple[str, Schema]:
    """A media type whose body is bytes (an image, a file)."""
    return media_type, Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)


def text(media_type: str) -> tuple[str, Schema]:
    """A media type whose body is text (CSV, iCalendar)."""
    return media_type, Schema(type=OpenAPIType.STRING)


def answers_also(status: int, *alternatives: tuple[str, Schema]) -> type[Operation]:
    """An ``operation_class`` whose ``status`` answer lists ``alternatives`` beside the
    handler's own media type (one of the same name replaces its schema): one answer, whose
    type the request chooses (e.g. ``format=png``)."""

    @dataclass
    class OperationAnsweringAlso(Operation):
        def __post_init__(self) -> None:
            response = (self.responses or {}).get(str(status))
            if isinstance(response, OpenAPIResponse):
                content = dict(response.content or {})
                content.update({name: OpenAPIMediaType(schema=schema) for name, schema in alternatives})
                response.content = content

    return OperationAnsweringAlso
