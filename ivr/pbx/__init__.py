"""The local PBX: provisioning a real Asterisk, rendering the 156 dialplans, running it.

``provision`` obtains Asterisk (the machine's own, or Debian's package unpacked into a cache),
``render`` fills the templates of ``dialplans/`` into a runtime folder, ``process`` starts, watches
and stops Asterisk by process id, ``ami`` is a small synchronous Asterisk Manager Interface client.
"""
