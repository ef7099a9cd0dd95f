"""What the page handlers share."""

from __future__ import annotations

from ...api.security import EXCLUDE_FROM_AUTH, requires_role
from ...domain.accounts import Role

#: ``opt`` of a page anyone may open (login, language, the client's own page)
PUBLIC = {EXCLUDE_FROM_AUTH: True}
#: pages for those who book: nurses and doctors, and instructors
BOOKERS = [requires_role(Role.HEALTH_STAFF, Role.INSTRUCTOR)]
