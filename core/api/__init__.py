"""The HTTP API: the only part of the code that knows Litestar."""
