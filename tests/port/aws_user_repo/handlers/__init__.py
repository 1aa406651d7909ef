"""The application's durable functions, one module per workflow."""
