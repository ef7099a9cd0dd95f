"""The shared kernel, below every feature: database and unit of work, settings and runtime, clock,
errors, principals, sealing, the access log, the plugin kernel and the web shell."""
