"""What every page's form shares: a posted field read safely, and a refusal shown beside the
field it concerns. The rules stay in the use cases; forms only translate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def text_field(form: Mapping[str, Any], name: str, limit: int) -> str:
    """A posted field as text: trimmed, and cut to ``limit`` so no field can be huge."""
    return str(form.get(name) or "").strip()[:limit]


@dataclass(frozen=True)
class FormError:
    """One error to show: a message id, its values, and the input it belongs to."""

    message: str
    params: dict[str, Any]
    target: str  # the id of the input the error summary links to
