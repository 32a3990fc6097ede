"""The open-data module's public addresses, under /opendata/: the pages (``urls_pages``) and
the catalogue as DCAT-AP RDF (``urls_catalog``). The CKAN-compatible API is at /api/3/
(``urls_ckan``), the back office at /backoffice/opendata/ (``urls_backoffice``)."""

from django.urls import include, path

app_name = "opendata"

urlpatterns = [
    path("", include("digiplace.opendata.urls_catalog")),
    path("", include("digiplace.opendata.urls_pages")),
]
