"""The speech evaluation set: caller utterances, their audio, and the four-outcome table.

Every change of the speech path is decided here (``central156 speech eval``), on clips the intent
model never trains on: ``dataset`` (texts, voices, noise, G.711), ``scoring`` (recognise once,
cache, decide, count outcomes) and ``table`` (what ``make bench`` prints).
"""
