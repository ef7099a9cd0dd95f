"""Helpers of the intake tests: the public's self-assessment through its page."""

from __future__ import annotations

import re
from typing import Any

from page_support import token_of

FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


def assessment_fields(client: Any, county: str = "03", **changes: Any) -> dict[str, Any]:
    """The county's self-assessment page and a filled form asking to be contacted by phone."""
    page = client.get(f"/self-assessment/{county}")
    assert page.status_code == 200, page.text
    fields = {
        "_csrf_token": token_of(page.text),
        "form_key": FORM_KEY.search(page.text).group(1),
        "version": VERSION.search(page.text).group(1),
        "lang": "fi",
        "life_situation": "yes",
        "loneliness": "partly",
        "contact": "yes",
        "contact_name": "Maija Meikäläinen",
        "contact_channel": "phone",
        "contact_phone": "040 765 4321",
        "contact_when": "Arkisin aamupäivisin",
        "contact_language": "sv",
        "website": "",
    }
    fields.update(changes)
    return fields
