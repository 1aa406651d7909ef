"""Persistence: one `Store` protocol in domain terms, one module per backend."""
