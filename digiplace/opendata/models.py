"""What the open-data module keeps of each city's datasets: when each was first published and
last changed, its versions (the files made at each change, with their privacy report) and
their downloads. What a dataset is (title, columns, privacy rules) is declared in code by the
module that owns the data (``core.datasets``); these rows hold only what happened."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from digiplace.core.models import CityOwnedModel


class Dataset(CityOwnedModel):
    """A declared dataset as published in one city (created at its first generation)."""

    slug = models.SlugField(_("identifier"), max_length=100)
    module = models.CharField(_("module"), max_length=40)
    issued = models.DateTimeField(_("first published"), null=True, blank=True)
    modified = models.DateTimeField(_("last changed"), null=True, blank=True)
    # The last regeneration (whether or not the data had changed) and what it saw: the
    # cache versions of the modules it depends on (``core.cache_versions``), joined.
    checked = models.DateTimeField(_("last checked"), null=True, blank=True)
    source_version = models.CharField(max_length=400, blank=True)
    # Why the last regeneration failed (for staff; empty when it worked).
    last_error = models.TextField(_("last error"), blank=True)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "slug"], name="opendata_dataset_unique_slug"
            )
        ]

    def __str__(self) -> str:
        return self.slug

    def current_version(self) -> DatasetVersion | None:
        return self.versions.order_by("-number").first()


class DatasetVersion(CityOwnedModel):
    """The files of a dataset as generated at one change, with what was done to them."""

    dataset = models.ForeignKey(
        Dataset, on_delete=models.CASCADE, related_name="versions", verbose_name=_("dataset")
    )
    number = models.PositiveIntegerField(_("version"))
    created = models.DateTimeField(_("created"))
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    temporal_start = models.DateTimeField(_("data from"), null=True, blank=True)
    temporal_end = models.DateTimeField(_("data until"), null=True, blank=True)
    # The privacy report (``opendata.anonymise``): {"removed": [...], "generalised": [...],
    # "masked": {"email": n, "phone": n, "cnp": n, "plate": n}, "grid_metres": m,
    # "suppressed": {"primary": n, "complementary": n, "k": k},
    # "quasi_identifiers": [...], "k_anonymity": k or null, "rows": n}.
    privacy_report = models.JSONField(_("privacy report"), default=dict)
    # The key figures' values, in the order the dataset declares them (null: no value).
    figures = models.JSONField(default=list)
    # The chart's series: {"x": [...], "y": [...]} (empty without a chart).
    chart = models.JSONField(default=dict)
    # SHA-256 over the distributions' checksums: a regeneration giving the same files makes
    # no new version.
    fingerprint = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("dataset version")
        verbose_name_plural = _("dataset versions")
        ordering = ["dataset", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "number"], name="opendata_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset.slug} v{self.number}"


def distribution_path(instance: Distribution, filename: str) -> str:
    version = instance.version
    return f"opendata/{version.municipality_id}/{version.dataset.slug}/{version.number}/{filename}"


class Distribution(CityOwnedModel):
    """One file of a version (CSV, JSON, GeoJSON, XLSX, or a module's own file)."""

    version = models.ForeignKey(
        DatasetVersion,
        on_delete=models.CASCADE,
        related_name="distributions",
        verbose_name=_("version"),
    )
    # "csv", "json", "geojson", "xlsx", or a module file's name ("gtfs.zip").
    key = models.CharField(_("format"), max_length=60)
    file = models.FileField(_("file"), upload_to=distribution_path, max_length=300)
    media_type = models.CharField(_("media type"), max_length=100)
    byte_size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["version", "key"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="opendata_distribution_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.key}"
