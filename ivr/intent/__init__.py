"""Intent: what a caller's words or keys mean in the current menu."""

from ivr.intent.actions import IntentKind, MenuContext
from ivr.intent.matcher import Decision, Intent, IntentMatcher, PromptPolicy
from ivr.intent.normalise import digits_only, normalise, words_to_digits
from ivr.intent.protocol import extract_protocol, format_protocol

__all__ = [
    "Decision",
    "Intent",
    "IntentKind",
    "IntentMatcher",
    "MenuContext",
    "PromptPolicy",
    "digits_only",
    "extract_protocol",
    "format_protocol",
    "normalise",
    "words_to_digits",
]
