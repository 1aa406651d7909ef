"""The web runner's store choice, at AWS's module path (`...testing.stores`)."""
