"""The citizen web page (pt-BR, server-rendered): file, follow, confirm or dispute, and rate a
request."""
