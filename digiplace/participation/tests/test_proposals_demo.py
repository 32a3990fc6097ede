"""The proposals demo: Botoșani's process takes proposals now, with realistic proposals,
supports counted as stored, threaded comments and answers; running it again changes
nothing; its pages render."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from digiplace.core.models import Municipality
from digiplace.participation.demo import proposals as demo
from digiplace.participation.models import (
    Process,
    Proposal,
    ProposalCategory,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)


def test_the_demo_loads_once_with_answers_supports_and_comments(
    botosani: Municipality, client: Client
) -> None:
    lines = demo.demo_load(botosani=botosani, timisoara=None)
    again = demo.demo_load(botosani=botosani, timisoara=None)

    process = Process.objects.get(municipality=botosani, slug=demo.PROCESS_SLUG)
    proposals = Proposal.objects.filter(process=process)
    assert process.proposals_open()
    assert process.title_ro == "Idei pentru un oraș digital"  # type: ignore[attr-defined]
    assert proposals.count() == len(demo.PROPOSALS) == 15
    assert again == [] and len(lines) == 1
    assert ProposalCategory.objects.filter(municipality=botosani).count() == 5
    assert {category.name_en for category in ProposalCategory.objects.all()} >= {  # type: ignore[attr-defined]
        "Digital services",
        "Mobility and transport",
    }
    statuses = set(proposals.values_list("status", flat=True))
    assert {ProposalStatus.ACCEPTED, ProposalStatus.REJECTED} <= statuses
    assert not proposals.filter(status=ProposalStatus.REJECTED, answer="").exists()
    for proposal in proposals:
        assert proposal.support_count == ProposalSupport.objects.filter(proposal=proposal).count()
        if proposal.latitude is not None:
            assert botosani.contains_point(proposal.latitude, proposal.longitude or 0)
    assert ProposalComment.objects.filter(parent__isnull=False).exists()

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"
    listing = client.get("/participation/proposals/?sort=supported", HTTP_HOST="botosani.localhost")
    detail = client.get(
        f"/participation/proposals/{proposals.get(title__startswith='Programări').pk}/",
        HTTP_HOST="botosani.localhost",
    )
    assert listing.status_code == detail.status_code == 200
    assert "Wi-Fi gratuit în Parcul Mihai Eminescu" in listing.content.decode()
    assert "Și plata taxelor direct din aceeași pagină." in detail.content.decode()
    assert "@botosani.demo.example" not in listing.content.decode() + detail.content.decode()
