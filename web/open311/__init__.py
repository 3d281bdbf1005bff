"""Open311 GeoReport v2 under ``/open311/v2/``: JSON and XML, with the Chicago and mySociety
extensions."""
