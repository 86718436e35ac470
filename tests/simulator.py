"""Fixtures that run the CommServe simulator as a real HTTP server on loopback."""
