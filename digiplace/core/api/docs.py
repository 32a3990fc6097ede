"""The API documentation page: Swagger UI from this site, started without inline script."""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerView


class ApiDocsView(SpectacularSwaggerView):
    """drf-spectacular's page writes its start-up script inline, which the CSP blocks (the
    page stayed blank); this one loads core/api-docs.js, which reads the page's data-."""

    template_name = "core/api/docs.html"
