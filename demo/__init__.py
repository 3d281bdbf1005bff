"""The whole system on one machine for a newcomer or a presentation, and simulated citizen calls
(for the demo and the tests)."""
