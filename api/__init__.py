"""The edges people and services use: the HTTP API (Flask) and the `rekindle` command."""
