"""Input no use case can handle, refused before any reaches the database.

A database answers such input with an error that is no one's fault but the caller's: an id
past its integer range (PostgreSQL's ``integer``, SQLite's 64 bits), text with a NUL
character (PostgreSQL refuses it; SQLite would store it), JSON nested deeper than a decoder's
recursion. Each is a 4xx here, with a problem body, on every route: an id out of range in
the path names no record (404); elsewhere it is invalid input (422); JSON nested too deep is
malformed (400).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException

from sotesilta.core.kernel.errors import InputInvalid, RecordNotFound
from sotesilta.core.kernel.web.csrf import SAFE_METHODS, check_api_call, check_csrf, is_json

#: the widest integer every table's id and count column holds (PostgreSQL ``integer``)
MAX_INT = 2**31 - 1
#: deeper than any body of ours (a booking is 3 levels); far below the decoder's recursion
MAX_JSON_DEPTH = 32
NUL = "\x00"
#: a route's ``opt`` key: its query carries opaque values of another party's making (an
#: OpenID provider's ``code`` and ``state``), which may be all digits without being numbers
OPAQUE_QUERY = "opaque_query"


def check_address(request: Request[Any, Any, Any]) -> None:
    """The path's and the query's values: no NUL, no integer out of range."""
    for name, value in request.path_params.items():
        if isinstance(value, int) and not 0 <= value <= MAX_INT:
            raise RecordNotFound(f"no record {value}: {name} is out of range")
        if isinstance(value, str) and NUL in value:
            raise RecordNotFound(f"no record: {name} contains a NUL character")
    opaque = bool(request.route_handler.opt.get(OPAQUE_QUERY))
    for name, value in request.query_params.multi_items():
        if NUL in value or NUL in name:
            raise InputInvalid(f"{name} contains a NUL character", field=name)
        if not opaque and _integer(value) and abs(int(value)) > MAX_INT:
            raise InputInvalid(f"{name} is out of range (at most {MAX_INT})", field=name)


def _integer(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isdigit() and digits.isascii()


async def check_json_body(request: Request[Any, Any, Any]) -> None:
    """A JSON body: not nested past ``MAX_JSON_DEPTH``, no NUL in a string, no integer out
    of range, no day outside ``YEARS``, no number where a time is named. The body is read
    once and kept; the handler's decoding reads it again."""
    body = await request.body()
    if not body:
        return
    # a bracket count is cheap and bounds the depth: only a body with many is decoded here
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _depth(body) > MAX_JSON_DEPTH:
        raise HTTPException(status_code=400, detail=f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return  # malformed: the handler's decoding says so, as it always has
    _check_values(decoded, "")


#: the years a day or a moment of ours can fall in: a birth in 1900, a plan far ahead;
#: "0001-01-01" or "9999-12-31" is a typing slip that the database or the calendar maths
#: would fail on, or that would reach across every session (an absence from 1970)
YEARS = range(1900, 2201)
_ISO_DAY = re.compile(r"^(\d{4})-\d\d-\d\d")
#: the API's names of days and moments (``starts_at``, ``valid_from``, ``until``, ``start``):
#: a number there is not a time (it would be read as seconds since 1970)
_TIME_NAMES = re.compile(r"(^|_)(at|on|from|until|start|end|date|day|time)$")


def _depth(body: bytes) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 92:  # backslash
                escaped = True
            elif byte == 34:  # quote
                in_string = False
        elif byte == 34:
            in_string = True
        elif byte in (91, 123):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (93, 125):
            depth -= 1
    return deepest


def _check_values(value: Any, where: str) -> None:
    name = where.rsplit(".", 1)[-1]
    if isinstance(value, str):
        if NUL in value:
            raise InputInvalid(f"{where or 'the body'} contains a NUL character", field=where or None)
        day = _ISO_DAY.match(value)
        if day and int(day.group(1)) not in YEARS:
            detail = f"{where} must fall in the years {YEARS.start}-{YEARS.stop - 1}"
            raise InputInvalid(detail, field=where or None)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int | float) and _TIME_NAMES.search(name):
        detail = f"{where} is a number: give the time as text (ISO 8601, e.g. 2026-03-03T09:00:00+02:00)"
        raise InputInvalid(detail, field=where)
    elif isinstance(value, int):
        if abs(value) > MAX_INT:
            raise InputInvalid(
                f"{where or 'a number'} is out of range (at most {MAX_INT})", field=where or None
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_values(key, where)
            _check_values(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, f"{where}[{index}]")


async def check_api_request(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of the JSON API: the address's values, then, for an unsafe call,
    that it is no forgery (``csrf.check_api_call``) and its JSON body."""
    check_address(request)
    if request.method in SAFE_METHODS:
        return
    check_api_call(request)
    if is_json(request.headers.get("content-type", "")):
        await check_json_body(request)


async def check_page_request(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of the pages: the address's values, then the form's token."""
    check_address(request)
    await check_csrf(request)
