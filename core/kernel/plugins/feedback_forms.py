"""The registry of feedback forms that plugins fill at start-up.

A form version is registered once, a form key belongs to one plugin, and each
municipality has at most one form per audience (a client given a link must get
one form, not whichever plugin registered last). Duplicates stop start-up with
an error naming both plugins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sotesilta.core.feedback.domain import Audience, FeedbackForm
from sotesilta.core.kernel.errors import InputInvalid

FeedbackFormRegister = Callable[[FeedbackForm], None]


class FeedbackFormRegistry:
    def __init__(self) -> None:
        self._forms: dict[tuple[str, int], FeedbackForm] = {}
        self._owner: dict[str, str] = {}  # form key -> plugin

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
        for code in form.municipalities:
            other = self.current(form.audience, code)
            if other is not None and other.key != form.key:
                raise InputInvalid(
                    f"municipality {code} has two {form.audience.value} forms: {other.key} "
                    f"({self._owner[other.key]!r}) and {form.key} ({plugin!r})"
                )
        self._forms[(form.key, form.version)] = form
        self._owner[form.key] = plugin

    def check_municipalities(self, known: Iterable[str]) -> None:
        """Every form names registered municipalities only (called once all plugins have registered)."""
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
        """The newest version of the municipality's form for ``audience``."""
        found = [
            f for f in self._forms.values() if f.audience is audience and municipality in f.municipalities
        ]
        return max(found, key=lambda f: f.version) if found else None

    def plugin_of(self, key: str) -> str | None:
        return self._owner.get(key)

    def all(self) -> list[FeedbackForm]:
        return sorted(self._forms.values(), key=lambda f: (f.key, f.version))

    def __len__(self) -> int:
        return len(self._forms)
