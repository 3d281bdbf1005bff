"""The operations both sides call. Each takes the ``Session`` of a ``Database.transaction()``."""
