from django.urls import path

from .views import pages, sitemaps, unsubscribe

app_name = "core"

urlpatterns = [
    path("", pages.home, name="home"),
    path("language/", pages.language_switch, name="language_switch"),
    path("healthz", pages.health, name="health"),
    path("branding.css", pages.branding_css, name="branding_css"),
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
    path("favicon.svg", pages.favicon_svg, name="favicon_svg"),
    path("favicon.ico", pages.favicon_ico, name="favicon_ico"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
]
