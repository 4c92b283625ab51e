"""Structured-output dialects: json_schema, json_object with an inline schema, prompt only.

In `auto` mode the client walks FORMS in order, stepping down when a server refuses one.
"""

from __future__ import annotations

import re
from typing import Any

from core.config import StructuredOutput

FORMS = (StructuredOutput.JSON_SCHEMA, StructuredOutput.JSON_OBJECT, StructuredOutput.PROMPT)
FORM_WORDS = re.compile(r"response_format|json_schema|json_object|guided|grammar", re.I)


class FormRejected(Exception):
    """The server does not accept this structured-output form."""


def response_format(
    form: StructuredOutput, schema_name: str, schema: dict[str, Any]
) -> dict[str, Any] | None:
    """The request's `response_format` in `form` (None: the prompt alone asks for JSON)."""
    if form == StructuredOutput.JSON_SCHEMA:
        return {
            "type": "json_schema",
            "json_schema": {"name": schema_name, "schema": schema, "strict": True},
        }
    if form == StructuredOutput.JSON_OBJECT:
        return {"type": "json_object", "schema": schema}
    return None
