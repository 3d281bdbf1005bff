"""Pure domain rules: no database, no I/O."""
