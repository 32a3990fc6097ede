from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("digiplace.core.urls")),
    path("accounts/", include("digiplace.core.urls_accounts")),
    path("backoffice/plans/", include("digiplace.plans.urls_backoffice")),
    path("backoffice/reports/", include("digiplace.reports.urls_backoffice")),
    path("backoffice/", include("digiplace.core.urls_backoffice")),
    path("plans/", include("digiplace.plans.urls")),
    path("reports/", include("digiplace.reports.urls")),
    path("api/", include("digiplace.core.urls_api")),
    path("open311/", include("digiplace.reports.open311.urls")),
    path("admin/", admin.site.urls),
]

# Uploaded files (report photos, archived plan reports): served by Django only in the run
# command's development mode; in production the web server in front serves MEDIA_ROOT.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "digiplace.core.views.pages.page_not_found"
handler403 = "digiplace.core.permissions.permission_denied"
