"""The IVR's pt-BR prompt catalogue, its renderer and the key-sequence builders."""

from ivr.prompts.build import PromptBuilder
from ivr.prompts.catalogue import all_prompts
from ivr.prompts.sequences import (
    PAUSE,
    confirm_service_keys,
    date_keys,
    digit_keys,
    joined_readback_keys,
    number_keys,
    open_requests_keys,
    protocol_keys,
    status_key,
    status_readback_keys,
    transfer_keys,
)
from pbx.prompts import LANGUAGE_DIR

__all__ = [
    "LANGUAGE_DIR",
    "PAUSE",
    "PromptBuilder",
    "all_prompts",
    "confirm_service_keys",
    "date_keys",
    "digit_keys",
    "joined_readback_keys",
    "number_keys",
    "open_requests_keys",
    "protocol_keys",
    "status_key",
    "status_readback_keys",
    "transfer_keys",
]
