"""The JSON API: consultations, and SHL §35 notifications with where a county's go."""

from sotesilta.core.consultations.api import consultations, shl

ROUTES = [*consultations.ROUTES, *shl.ROUTES]
