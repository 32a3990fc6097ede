from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("digiplace.core.urls")),
    path("accounts/", include("digiplace.core.urls_accounts")),
    path("backoffice/plans/", include("digiplace.plans.urls_backoffice")),
    path("backoffice/reports/", include("digiplace.reports.urls_backoffice")),
    path("backoffice/participation/", include("digiplace.participation.urls_backoffice")),
    path("backoffice/urbandata/", include("digiplace.urbandata.urls_backoffice")),
    path("backoffice/waste/", include("digiplace.waste.urls_backoffice")),
    path("backoffice/mobility/", include("digiplace.mobility.urls_backoffice")),
    path("backoffice/opendata/", include("digiplace.opendata.urls_backoffice")),
    path("backoffice/", include("digiplace.core.urls_backoffice")),
    path("plans/", include("digiplace.plans.urls")),
    path("reports/", include("digiplace.reports.urls")),
    path("participation/", include("digiplace.participation.urls")),
    path("urbandata/", include("digiplace.urbandata.urls")),
    path("waste/", include("digiplace.waste.urls")),
    path("mobility/", include("digiplace.mobility.urls")),
    path("gtfs-rt/", include("digiplace.mobility.urls_feeds")),
    path("opendata/", include("digiplace.opendata.urls")),
    # CKAN's read API, for the national portal's harvester and CKAN tools.
    path("api/3/", include("digiplace.opendata.urls_ckan")),
    path("ngsi-ld/v1/", include("digiplace.urbandata.ngsi.urls")),
    path("api/", include("digiplace.core.urls_api")),
    path("open311/", include("digiplace.reports.open311.urls")),
    # /readyz and the platform's status page (/admin/status/), /metrics for Prometheus.
    path("", include("digiplace.ops.urls_health")),
    path("", include("digiplace.ops.urls_metrics")),
    path("admin/", admin.site.urls),
]

# Uploaded files (report photos, archived plan reports): served by Django only in the
# development and demo modes; in production the web server in front serves MEDIA_ROOT.
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif settings.SERVE_MEDIA:
    # static() adds nothing with DEBUG off; serve() refuses paths outside MEDIA_ROOT.
    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )

handler404 = "digiplace.core.views.pages.page_not_found"
handler403 = "digiplace.core.permissions.permission_denied"
handler500 = "digiplace.core.views.pages.server_error"
