"""What a plugin's pages and routes use of core's web shell: the page router with the
form check, rendering a page in the reader's language, redirects, guards.

A plugin's pages render with ``page(request, "<template>.html", ...)``; its own
templates (in a ``templates/`` folder beside its module) extend core's ``base.html``.
"""

from sotesilta.core.kernel.web.common import BOOKERS, county_choices, is_number, municipality_choices
from sotesilta.core.kernel.web.forms import text_field
from sotesilta.core.kernel.web.problems import problem_responses
from sotesilta.core.kernel.web.rendering import language_of, page, refusal_status, safe_next, see_other
from sotesilta.core.kernel.web.security import EXCLUDE_FROM_AUTH, requires_role
from sotesilta.core.kernel.web.shell import page_router

__all__ = [
    "BOOKERS",
    "EXCLUDE_FROM_AUTH",
    "county_choices",
    "is_number",
    "language_of",
    "municipality_choices",
    "page",
    "page_router",
    "problem_responses",
    "refusal_status",
    "requires_role",
    "safe_next",
    "see_other",
    "text_field",
]
