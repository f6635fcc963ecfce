"""Running the assistant in production: readiness, the nginx upstream gate, the replica launcher
and the rendered configuration files (docs/production.md)."""
