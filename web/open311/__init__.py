"""Open311 GeoReport v2 under ``/open311/v2/``: JSON and XML, with the Chicago and mySociety
extensions.

The mapping to the domain (``citizen_center.services.public_requests``):

- ``service_request_id`` is the protocol number (``2026-0000001-4``; given without separators
  it is found too); ``agency_responsible`` the secretariat; ``expected_datetime`` the deadline
  (``expected_at``); ``group`` the catalogue group; ``service_notice`` the service's deadline.
- ``status``: open for open/forwarded/in progress/reopened, closed for resolved (waiting for the
  citizen's confirmation), closed and cancelled. mySociety's richer states: open→open,
  forwarded→action_scheduled (internal_referral when sent to another secretariat than the
  service's), in_progress→in_progress, resolved→fixed, closed→closed (duplicate when closed as
  the duplicate of another request), reopened→reopen, cancelled→cancelled.
- Duplicates (``citizen_center.services.duplicates``): a request a focal point marked as the
  duplicate of another is closed; with ``extensions=true`` Chicago's
  ``extended_attributes.duplicate`` is true and ``parent_service_request_id`` the parent's
  protocol number (always a request that is not itself a duplicate), false and null otherwise.
- Attributes come from the catalogue's groups (``citizen_center.domain.service_attributes``):
  a reference point, "há risco para pessoas?", the kinds of waste.
- POST needs an ``api_key`` (``central156 api-client add NAME``); the request counts under the
  client's channel (app by default), names the client (``api_client_id``) and keeps the point.
  The reporter (first_name, last_name, phone, email) is found as the desktop finds callers (by
  phone, then e-mail) or registered; nothing given: anonymous, where the service allows it.
- Public answers never carry name, CPF, phone, e-mail, house number or complement; coordinates
  are rounded to 3 decimals; free text has e-mails, CPFs and phone numbers masked; staff notes
  and staff names stay inside. Personal matters (services without a place) are never listed.
- Tokens: the server is realtime, yet every POST answer carries a random ``token`` besides the
  ``service_request_id`` (the spec has one or the other; clients written for token-based servers
  poll ``tokens/{token}``, which answers the protocol number, or 404 for an unknown token).
- ``address_id``: the 156 has no master address repository, so it locates nothing (services
  with a place need ``address_string``); it is kept as a line of the description ("Código de
  endereço do cliente: X") for the secretariat, and masked in public answers (it may name a
  house). Nothing a client sends is dropped.
- Not done here: ``media_url`` in answers (a POSTed one is kept in the description).
"""
