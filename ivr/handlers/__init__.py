"""The AGI handlers, one module per flow; importing this package registers them all."""

from ivr.handlers import main_menu, survey

__all__ = ["main_menu", "survey"]
