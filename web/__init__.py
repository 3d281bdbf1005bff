"""The citizens' web server: the Open311 GeoReport v2 API and the citizen web page.

It faces the internet, so it stands on the domain (``citizen_center``) alone: no PBX access, no
AMI credentials. ``central156 web serve`` runs it; ``web.app.create_app`` assembles it.
"""
