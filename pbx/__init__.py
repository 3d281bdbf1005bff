"""Asterisk plumbing shared by the IVR, the agent gateway, the demo and the tests.

``provision`` obtains Asterisk (the machine's own, or Debian's package unpacked into a cache),
``render`` fills the templates of ``dialplans/`` into a runtime folder (the runtime layout and the
secret store), ``process`` starts, watches and stops Asterisk by process id, ``ami`` is the
Asterisk Manager Interface client, ``prompts`` the sentences the dialplan plays itself, ``audio``
telephone-audio helpers. Nothing here imports the IVR, the desktop or the gateway.
"""
