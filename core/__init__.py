"""sotesilta core: domain, use cases, persistence, plugin kernel, web API and CLI.

Nothing in this package imports ``sotesilta.consent``, ``sotesilta.calendar`` or a
municipality plugin: core reaches them only through the hooks in
``sotesilta.core.kernel.plugins.hookspecs``.
"""

__version__ = "0.1.0"
