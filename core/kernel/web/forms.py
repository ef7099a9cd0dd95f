"""What every page's form shares: a posted field read safely, and a refusal shown beside the
field it concerns. The rules stay in the use cases; forms only translate."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from sotesilta.core.kernel.errors import InputInvalid

T = TypeVar("T")


def text_field(form: Mapping[str, Any], name: str, limit: int) -> str:
    """A posted field as text: trimmed, without NUL characters (which no one types and
    PostgreSQL refuses), and cut to ``limit`` so no field can be huge."""
    return str(form.get(name) or "").replace("\x00", "").strip()[:limit]


@dataclass(frozen=True)
class FormError:
    """One error to show: a message id, its values, and the input it belongs to."""

    message: str
    params: dict[str, Any]
    target: str  # the id of the input the error summary links to
    #: a message that counts: its plural, and the count (``%(num)s``) that chooses the form
    plural: str | None = None
    count: int = 0


def counted_error(message: tuple[str, str], target: str, count: int, **params: Any) -> FormError:
    """An error that counts something: ``message`` is marked with ``N_plural``."""
    return FormError(message[0], dict(params), target, plural=message[1], count=count)


def draft_of(kind: type[T], values: Mapping[str, Any]) -> T:
    """A use case's draft from a form's fields (text converted as HTML forms send it); a field
    the draft refuses is named in an ``InputInvalid``, as a use case names its own."""
    try:
        return msgspec.convert(values, kind, strict=False)
    except msgspec.ValidationError as exc:
        found = _PATH.search(str(exc))
        raise InputInvalid(str(exc), field=found.group(1) if found else None) from None


#: msgspec's "… - at `$.name_fi`" or "`$.languages[0]`": the field of the form
_PATH = re.compile(r"at `\$\.(\w+)")
