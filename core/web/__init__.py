"""The web pages: server-rendered HTML (Jinja through Litestar) for people.

An HTTP layer beside ``core.api``: it calls the same use cases and never holds
a business rule of its own. Works without JavaScript; every asset is served
by the server itself.
"""
