"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the reports module.

Reads are plain ORM queries in ``queries``; the only write, POST requests, goes through
``digiplace.reports.services.report_create``.
"""
