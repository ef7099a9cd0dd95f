"""Built-in plugin: consent and privacy (see ``plugin.py``)."""
