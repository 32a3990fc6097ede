"""Staff's side of verified voting: the census list (a CSV file of CNPs read in memory,
stored as keyed digests, all or nothing) and batches of voting codes (shown once, stored
as digests). Both are audited."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core.audit import audit_record
from digiplace.core.models import AuditAction, User
from digiplace.core.ratelimit import serialise_on
from digiplace.participation.identifiers import (
    IdentifierError,
    cnp_digest,
    cnp_parse,
    voting_code_digest,
    voting_code_new,
)
from digiplace.participation.models import Budget, BudgetZone, CensusEntry, VotingCode

from .voting import census_digest_key, code_digest_key

# At most this many codes in one batch (one printable page).
VOTING_CODES_MAX_BATCH = 2000
# A census file is read in memory: at most this many bytes (a city of 300,000 people
# with zones fits in a quarter of it) and this many lines.
CENSUS_MAX_BYTES = 20 * 1024 * 1024
CENSUS_MAX_LINES = 1_000_000
# The report of a refused census file lists at most this many lines (and counts the rest).
CENSUS_ERRORS_SHOWN = 200

_CNP_HEADERS = {"cnp", "cod numeric personal", "personal numeric code", "cod_numeric_personal"}
_ZONE_HEADERS = {"zone", "zona", "zonă", "zone_slug", "zona_slug", "cartier", "district"}


# --- Census list (staff) ---------------------------------------------------------------------


@dataclass(frozen=True)
class CensusLineError:
    line: int
    message: str


@dataclass
class CensusUploadRefused(Exception):
    """A census file with bad lines: nothing was written."""

    errors: list[CensusLineError]
    total: int = 0
    lines_read: int = 0
    shown: list[CensusLineError] = field(init=False)

    def __post_init__(self) -> None:
        self.total = self.total or len(self.errors)
        self.shown = self.errors[:CENSUS_ERRORS_SHOWN]


def _census_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1250"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CensusUploadRefused(
        [CensusLineError(0, _("The file is not text in UTF-8 or Windows-1250; save it as CSV."))]
    )


def _census_dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _header_columns(row: list[str]) -> tuple[int, int | None] | None:
    """The CNP and zone columns of a header row, or None when the row is not a header."""
    cells = [cell.strip().lower() for cell in row]
    first = "".join(cells[0].split()).replace("-", "") if cells else ""
    if first.isdigit():
        return None
    cnp_column = next((index for index, cell in enumerate(cells) if cell in _CNP_HEADERS), -1)
    zone_column = next((index for index, cell in enumerate(cells) if cell in _ZONE_HEADERS), None)
    return cnp_column, zone_column


@dataclass(frozen=True)
class CensusRead:
    entries: list[tuple[str, int | None]]
    lines_read: int


def census_read(*, budget: Budget, data: bytes, today: datetime.date | None = None) -> CensusRead:
    """The census lines of a CSV file as (digest, budget zone id), or CensusUploadRefused
    listing every bad line. The file holds a column of CNPs (headed "cnp", or the first
    column) and optionally a column of zone short names (headed "zone", or the second)."""
    today = today or timezone.localdate()
    text = _census_text(data)
    zones = dict(BudgetZone.objects.filter(budget=budget).values_list("zone__slug", "pk"))
    key = census_digest_key()
    reader = csv.reader(io.StringIO(text, newline=""), _census_dialect(text))
    errors: list[CensusLineError] = []
    entries: list[tuple[str, int | None]] = []
    first_line: dict[str, int] = {}
    cnp_column, zone_column = 0, 1
    header_checked = False
    line_number = 0
    for line_number, row in enumerate(reader, start=1):
        if line_number > CENSUS_MAX_LINES:
            raise CensusUploadRefused(
                [
                    CensusLineError(
                        line_number,
                        _("The file has more than %(count)s lines; split it by zone.")
                        % {"count": CENSUS_MAX_LINES},
                    )
                ]
            )
        if not any(cell.strip() for cell in row):
            continue
        if not header_checked:
            header_checked = True
            header = _header_columns(row)
            if header is not None:
                cnp_column, header_zone = header
                if cnp_column < 0:
                    raise CensusUploadRefused(
                        [
                            CensusLineError(
                                line_number,
                                _(
                                    "The first line is a header without a CNP column: name "
                                    "that column “cnp” (and the zone's column “zone”)."
                                ),
                            )
                        ]
                    )
                zone_column = header_zone if header_zone is not None else -1
                continue
        cnp_text = row[cnp_column].strip() if cnp_column < len(row) else ""
        zone_text = row[zone_column].strip().lower() if 0 <= zone_column < len(row) else ""
        if not cnp_text:
            errors.append(CensusLineError(line_number, _("The line has no CNP.")))
            continue
        try:
            parsed = cnp_parse(cnp_text, today=today)
        except IdentifierError as error:
            errors.append(CensusLineError(line_number, str(error)))
            continue
        budget_zone_id: int | None = None
        if zone_text:
            if zone_text not in zones:
                errors.append(
                    CensusLineError(
                        line_number,
                        _("“%(zone)s” is not the short name of a zone of this budget (%(zones)s).")
                        % {"zone": zone_text[:80], "zones": ", ".join(sorted(zones)) or "—"},
                    )
                )
                continue
            budget_zone_id = zones[zone_text]
        digest = cnp_digest(parsed, key=key)
        if digest in first_line:
            errors.append(
                CensusLineError(
                    line_number,
                    _("The same CNP is already on line %(line)s.") % {"line": first_line[digest]},
                )
            )
            continue
        first_line[digest] = line_number
        entries.append((digest, budget_zone_id))
    if errors:
        raise CensusUploadRefused(errors, lines_read=line_number)
    if not entries:
        raise CensusUploadRefused(
            [CensusLineError(0, _("The file has no CNP; nothing was changed."))]
        )
    return CensusRead(entries=entries, lines_read=line_number)


def census_upload(
    *, budget: Budget, actor: User, data: bytes, today: datetime.date | None = None
) -> int:
    """Replace the budget's census list with the CNPs of a CSV file (all or nothing);
    returns how many entries the list now has. CensusUploadRefused lists the bad lines."""
    read = census_read(budget=budget, data=data, today=today)
    with transaction.atomic():
        serialise_on(f"participation:census:{budget.pk}")
        previous = CensusEntry.objects.filter(budget=budget).count()
        CensusEntry.objects.filter(budget=budget).delete()
        CensusEntry.objects.bulk_create(
            (
                CensusEntry(
                    municipality_id=budget.municipality_id,
                    budget=budget,
                    digest=digest,
                    budget_zone_id=budget_zone_id,
                )
                for digest, budget_zone_id in read.entries
            ),
            batch_size=2000,
        )
        audit_record(
            actor=actor,
            municipality=budget.municipality,
            action=AuditAction.UPDATE,
            instance=budget,
            before={"census_entries": previous},
            after={"census_entries": len(read.entries)},
        )
    return len(read.entries)


# --- Voting codes (staff) --------------------------------------------------------------------


@dataclass(frozen=True)
class CodeBatch:
    batch: int
    codes: list[str]
    budget_zone: BudgetZone | None


def voting_codes_generate(
    *, budget: Budget, actor: User, count: int, budget_zone: BudgetZone | None = None
) -> CodeBatch:
    """``count`` new voting codes (optionally bound to a zone), returned in clear once:
    only their digests are kept."""
    if not 1 <= count <= VOTING_CODES_MAX_BATCH:
        raise ValidationError(
            _("Generate from 1 to %(most)s codes at a time.") % {"most": VOTING_CODES_MAX_BATCH},
            code="count",
        )
    if budget_zone is not None and budget_zone.budget_id != budget.pk:
        raise ValidationError(_("This zone is not part of this budget."), code="zone_foreign")
    key = code_digest_key()
    codes: dict[str, str] = {}
    while len(codes) < count:
        fresh: dict[str, str] = {}
        while len(codes) + len(fresh) < count:
            code = voting_code_new()
            fresh[voting_code_digest(code, key=key)] = code
        taken = set(
            VotingCode.objects.filter(budget=budget, digest__in=list(fresh)).values_list(
                "digest", flat=True
            )
        )
        codes.update({digest: code for digest, code in fresh.items() if digest not in taken})
    with transaction.atomic():
        serialise_on(f"participation:codes:{budget.pk}")
        previous = VotingCode.objects.filter(budget=budget).count()
        batch = (
            VotingCode.objects.filter(budget=budget).aggregate(last=Max("batch"))["last"] or 0
        ) + 1
        now = timezone.now()
        VotingCode.objects.bulk_create(
            VotingCode(
                municipality_id=budget.municipality_id,
                budget=budget,
                digest=digest,
                budget_zone=budget_zone,
                batch=batch,
                created_at=now,
            )
            for digest in codes
        )
        audit_record(
            actor=actor,
            municipality=budget.municipality,
            action=AuditAction.UPDATE,
            instance=budget,
            before={"voting_codes": previous},
            after={
                "voting_codes": previous + count,
                "voting_code_batch": batch,
                "voting_code_zone": budget_zone.pk if budget_zone is not None else None,
            },
        )
    return CodeBatch(batch=batch, codes=list(codes.values()), budget_zone=budget_zone)
