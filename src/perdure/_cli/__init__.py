"""The `perdure` command. One module per command group; `main` builds the parser and
turns every failure into a message and an exit code (see `errors`)."""
