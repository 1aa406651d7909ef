"""The web runner's configuration, at AWS's module path (`...testing.web`)."""
