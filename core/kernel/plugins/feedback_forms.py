"""The registry of feedback forms that plugins fill at start-up.

A form version is registered once, a form key belongs to one plugin, and each
municipality has at most one form of its own per audience, and each county at
most one county form per audience (a client given a link must get one form,
not whichever plugin registered last). A municipality's own form overrides its
county's. Duplicates stop start-up with an error naming both plugins. Retired
versions are kept to read their responses and are never current.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sotesilta.core.feedback.domain import Audience, FeedbackForm
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.plugins.registry import MunicipalityRegistry

FeedbackFormRegister = Callable[[FeedbackForm], None]


class FeedbackFormRegistry:
    def __init__(self, municipalities: MunicipalityRegistry | None = None) -> None:
        self._forms: dict[tuple[str, int], FeedbackForm] = {}
        self._owner: dict[str, str] = {}  # form key -> plugin
        #: who belongs to which county; without it a county form serves nobody
        self._municipalities = MunicipalityRegistry() if municipalities is None else municipalities

    def register(self, form: FeedbackForm, *, plugin: str) -> None:
        if not isinstance(form, FeedbackForm):
            raise InputInvalid(f"plugin {plugin!r} registered {form!r}, not a FeedbackForm")
        owner = self._owner.get(form.key)
        if (form.key, form.version) in self._forms:
            raise InputInvalid(f"feedback form {form.label} is registered by both {owner!r} and {plugin!r}")
        if owner is not None and owner != plugin:
            raise InputInvalid(
                f"feedback form {form.key} belongs to {owner!r}; {plugin!r} may not register a version of it"
            )
        if not form.retired:
            for other in self._forms.values():
                if other.retired or other.key == form.key or other.audience is not form.audience:
                    continue
                if form.county is not None and other.county == form.county:
                    raise InputInvalid(
                        f"county {form.county} has two {form.audience.value} forms: {other.key} "
                        f"({self._owner[other.key]!r}) and {form.key} ({plugin!r})"
                    )
                both = sorted(set(form.municipalities) & set(other.municipalities))
                if both:
                    raise InputInvalid(
                        f"municipality {both[0]} has two {form.audience.value} forms: {other.key} "
                        f"({self._owner[other.key]!r}) and {form.key} ({plugin!r})"
                    )
        self._forms[(form.key, form.version)] = form
        self._owner[form.key] = plugin

    def check_municipalities(self, known: Iterable[str]) -> None:
        """Every form names registered municipalities only (called once all plugins have registered).

        A county form serves whichever of its county's municipalities are registered, none
        when their plugins are blocked."""
        codes = set(known)
        for form in self._forms.values():
            unknown = sorted(set(form.municipalities) - codes)
            if unknown:
                raise InputInvalid(
                    f"feedback form {form.label} ({self._owner[form.key]!r}) names unregistered "
                    f"municipalities: {', '.join(unknown)}"
                )

    def get(self, key: str, version: int | None = None) -> FeedbackForm | None:
        """A version of a form, or its newest when ``version`` is None."""
        if version is not None:
            return self._forms.get((key, version))
        versions = [f for (k, _v), f in self._forms.items() if k == key]
        return max(versions, key=lambda f: f.version) if versions else None

    def current(self, audience: Audience, municipality: str) -> FeedbackForm | None:
        """The newest version of the municipality's own form for ``audience``, else its county's."""
        live = [f for f in self._forms.values() if f.audience is audience and not f.retired]
        found = [f for f in live if municipality in f.municipalities]
        if not found:
            profile = self._municipalities.get(municipality)
            county = profile.county.code if profile is not None else None
            found = [f for f in live if county is not None and f.county == county]
        return max(found, key=lambda f: f.version) if found else None

    def municipalities_of(self, form: FeedbackForm) -> tuple[str, ...]:
        """The registered municipalities a form version was made for (a county form: its county's)."""
        if form.county is None:
            return form.municipalities
        return tuple(p.code for p in self._municipalities.all() if p.county.code == form.county)

    def plugin_of(self, key: str) -> str | None:
        return self._owner.get(key)

    def all(self) -> list[FeedbackForm]:
        return sorted(self._forms.values(), key=lambda f: (f.key, f.version))

    def __len__(self) -> int:
        return len(self._forms)
