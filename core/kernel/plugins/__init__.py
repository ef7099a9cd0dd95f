"""The plugin kernel: hook specifications, registries and the plugin manager."""

from collections.abc import Callable
from typing import Any, TypeVar

import pluggy

PROJECT_NAME = "sotesilta"
#: plugins mark their hook implementations with ``@hookimpl``
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
hookspec = pluggy.HookspecMarker(PROJECT_NAME)


F = TypeVar("F", bound=Callable[..., Any])


def hookspec_marker_firstresult(function: F) -> F:
    """A decision hook: the first non-None answer wins."""
    return hookspec(firstresult=True)(function)


__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]
