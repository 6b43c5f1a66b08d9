"""Loopback fakes of the chat platforms' APIs (bound to 127.0.0.1, port 0)."""
