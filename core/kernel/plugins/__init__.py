"""The plugin kernel: hook specifications, registries and the plugin manager."""

import pluggy

PROJECT_NAME = "sotesilta"
#: plugins mark their hook implementations with ``@hookimpl``
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
hookspec = pluggy.HookspecMarker(PROJECT_NAME)


def hookspec_marker_firstresult(function):  # type: ignore[no-untyped-def]
    """A decision hook: the first non-None answer wins."""
    return hookspec(firstresult=True)(function)


__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]
