"""The OpenAPI document is a contract: valid, every operationId kept, every schema's title its own."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

#: every operation as it was published ("METHOD path operationId"): none may change or vanish
OPERATIONS = Path(__file__).with_name("openapi_operations.txt")


def _document(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_the_document_is_valid_openapi(client):
    validate(_document(client))


def test_every_published_operation_keeps_its_method_path_and_operation_id(client):
    document = _document(client)
    published = {
        f"{method.upper()} {path} {operation['operationId']}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    recorded = set(OPERATIONS.read_text().splitlines())
    assert recorded - published == set(), "published operations changed or vanished"
    assert published - recorded == set(), "a new operation: add it to openapi_operations.txt"


def test_every_schema_has_a_title_of_its_own(client):
    # a client generator (openapi-python-client) names a model by its title and silently
    # drops operations whose models' titles clash
    schemas = _document(client)["components"]["schemas"]
    titles = Counter(schema.get("title") for schema in schemas.values())
    assert None not in titles
    assert [title for title, n in titles.items() if n > 1] == []
