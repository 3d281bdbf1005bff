"""The agent gateway: the only door from agents' desktops to the PBX.

Desktops log in with their own accounts and receive, over one authenticated WebSocket, the PBX
events they may see; they ask for queue actions, which the gateway authorises per user and
performs through its own AMI session. AMI credentials never leave the PBX host.

``protocol`` is the wire format (shared with the desktop's client; it imports nothing of the
PBX), ``policy`` decides who may do and see what, ``tokens`` signs sessions, ``hub`` holds the
AMI session and the connected desktops, ``app`` is the HTTP/WebSocket server, ``cli`` its command.
"""
