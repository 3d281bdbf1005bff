"""The gateway: the one way the agent desktop reaches the PBX (its protocol and its server)."""
