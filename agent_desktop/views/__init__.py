"""The desktop's screens."""
