"""AGI handlers by script name: ``agi://host/main-menu`` runs the handler registered as
``main-menu``. One small module per flow registers itself (see ``ivr/handlers``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from ivr.call import AgiCall

C = TypeVar("C")


class UnknownScriptError(LookupError):
    pass


class HandlerRegistry(Generic[C]):
    """Name → handler of a call ``C``. Registering a name twice is a programming error and
    fails at import."""

    def __init__(self) -> None:
        self._handlers: dict[str, Callable[[C], None]] = {}

    def register(self, name: str) -> Callable[[Callable[[C], None]], Callable[[C], None]]:
        def decorate(handler: Callable[[C], None]) -> Callable[[C], None]:
            if name in self._handlers:
                raise ValueError(f"AGI handler {name!r} registered twice")
            self._handlers[name] = handler
            return handler

        return decorate

    def get(self, name: str) -> Callable[[C], None]:
        try:
            return self._handlers[name]
        except KeyError:
            known = ", ".join(sorted(self._handlers)) or "none"
            raise UnknownScriptError(f"no AGI handler {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._handlers)


handlers: HandlerRegistry[AgiCall] = HandlerRegistry()


def script_name(network_script: str) -> str:
    """``main-menu`` from ``agi_network_script`` values like ``main-menu`` or ``/main-menu?x=1``."""
    return network_script.split("?", 1)[0].strip("/").strip()
