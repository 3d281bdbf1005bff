"""The desktop's side of the PBX: an AMI client on the Qt event loop and the agent's phone state."""
