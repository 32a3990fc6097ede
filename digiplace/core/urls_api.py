from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from .api.docs import ApiDocsView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/plans/", include("digiplace.plans.api.urls")),
    path("v1/", include("digiplace.core.api.urls")),
]
