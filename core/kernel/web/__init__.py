"""The web shell: problem details, authentication and guards, per-request dependencies, page
rendering, form tokens, languages, the base templates, static files and catalogues."""
