"""Core's own delivery channels, each a built-in plugin registered by module name (a
folder of their own: a plugin's folder is searched for templates, which these have none of)."""
