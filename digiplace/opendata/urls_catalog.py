"""The catalogue as DCAT-AP RDF (under /opendata/, namespace ``opendata``)."""

from django.urls import path

from . import views_catalog

urlpatterns = [
    path("catalog", views_catalog.catalog, name="catalog"),
    path("catalog.ttl", views_catalog.catalog_turtle, name="catalog-ttl"),
    path("catalog.jsonld", views_catalog.catalog_jsonld, name="catalog-jsonld"),
    path("catalog.rdf", views_catalog.catalog_rdfxml, name="catalog-rdf"),
]
