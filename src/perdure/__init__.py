"""Perdure: self-hosted durable functions for Python."""
