"""Public proposals pages: a new proposal (with and without photo and place; refused out of
the city, in a closed process, for an unconfirmed or inactive account), supports once and
withdrawn, threaded comments, flags once, rate limits, hidden content, city isolation and
no personal data on public pages."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from digiplace.core.models import Municipality, RateLimitCounter, User
from digiplace.core.tests.factories import UserFactory
from digiplace.participation.models import (
    ContentFlag,
    FlagTarget,
    Process,
    Proposal,
    ProposalCategory,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)
from digiplace.participation.selectors.proposals import comment_threads
from digiplace.participation.services import proposals as services
from digiplace.reports.tests.test_photos import GPS_IFD, jpeg_with_gps

from .factories_proposals import (
    ProposalCategoryFactory,
    ProposalCommentFactory,
    ProposalFactory,
    ProposalProcessFactory,
    ProposalSupportFactory,
)

BOTOSANI = "botosani.localhost"
TIMISOARA = "timisoara.localhost"
LIST = "/participation/proposals/"
NEW = "/participation/proposals/new/"


def _detail(proposal: Proposal) -> str:
    return f"/participation/proposals/{proposal.pk}/"


def _get(client: Client, path: str, *, language: str = "en", host: str = BOTOSANI, **extra: Any):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path, HTTP_HOST=host, **extra)


def _post(client: Client, path: str, data: dict[str, Any], *, language: str = "en", **extra: Any):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(path, data, HTTP_HOST=BOTOSANI, **extra)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def process(botosani: Municipality) -> Process:
    return ProposalProcessFactory.create(
        municipality=botosani, title="Idei pentru un oraș digital", title_en="Ideas"
    )


@pytest.fixture
def category(botosani: Municipality) -> ProposalCategory:
    return ProposalCategoryFactory.create(
        municipality=botosani, name="Spații verzi", name_ro="Spații verzi", name_en="Green spaces"
    )


@pytest.fixture
def proposal(process: Process, category: ProposalCategory) -> Proposal:
    author = UserFactory.create(email="author.secret@example.org", full_name="Ioana Ciobanu")
    return ProposalFactory.create(
        municipality=process.municipality,
        process=process,
        category=category,
        author=author,
        title="Wi-Fi în Parcul Tineretului",
        body="Acces gratuit la internet în parc.",
    )


def _new_data(process: Process, /, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "process": str(process.pk),
        "title": "Bancă solară în Piața Revoluției",
        "body": "O bancă cu încărcare solară pentru telefoane.",
        "category": "",
        "latitude": "",
        "longitude": "",
    }
    data.update(changes)
    return data


# Pages in both languages


@pytest.mark.parametrize("language", ["ro", "en"])
def test_public_pages_answer_in_both_languages(
    client: Client, proposal: Proposal, resident: User, language: str
) -> None:
    expected = {"ro": "Propuneri", "en": "Proposals"}[language]

    listing = _get(client, LIST, language=language)
    detail = _get(client, _detail(proposal), language=language)
    client.force_login(resident)
    new = _get(client, NEW, language=language)

    assert listing.status_code == 200
    assert expected in listing.content.decode()
    assert proposal.title in listing.content.decode()
    assert detail.status_code == 200
    assert proposal.title in detail.content.decode()
    assert new.status_code == 200
    assert f'lang="{language}"' in new.content.decode()


# A new proposal


def test_resident_creates_a_proposal_without_photo_or_place(
    client: Client, process: Process, category: ProposalCategory, resident: User
) -> None:
    client.force_login(resident)

    response = _post(client, NEW, _new_data(process, category=str(category.pk)))

    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(proposal)
    assert proposal.author == resident
    assert proposal.process == process
    assert proposal.category == category
    assert proposal.status == ProposalStatus.PUBLISHED
    assert (proposal.latitude, proposal.longitude) == (None, None)
    assert not proposal.photo


def test_a_proposal_with_a_place_and_a_photo_keeps_no_photo_metadata(
    client: Client, process: Process, resident: User
) -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    client.force_login(resident)

    response = _post(
        client,
        NEW,
        _new_data(
            process,
            latitude="47.7465",
            longitude="26.6655",
            photo=SimpleUploadedFile("IMG_0001.jpg", original, content_type="image/jpeg"),
        ),
    )

    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.latitude, proposal.longitude) == (47.7465, 26.6655)
    stored = Image.open(proposal.photo.path)
    assert dict(stored.getexif()) == {}
    assert b"Exif" not in Path(proposal.photo.path).read_bytes()
    assert "IMG_0001" not in proposal.photo.name
    page = _get(client, _detail(proposal)).content.decode()
    assert proposal.photo.url in page
    assert 'id="proposal-map"' in page


def test_a_place_outside_the_city_is_refused_and_nothing_is_written(
    client: Client, process: Process, resident: User
) -> None:
    client.force_login(resident)

    response = _post(
        client, NEW, _new_data(process, latitude="45.7537", longitude="21.2257"), language="ro"
    )

    assert response.status_code == 400
    assert "Acest loc este în afara" in response.content.decode()
    assert not Proposal.objects.exists()
    assert not RateLimitCounter.objects.exists()


def test_half_a_place_and_a_bad_photo_are_refused_with_every_error(
    client: Client, process: Process, resident: User
) -> None:
    client.force_login(resident)

    response = _post(
        client,
        NEW,
        _new_data(
            process,
            title="",
            latitude="47.75",
            photo=SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg"),
        ),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Give your proposal a title." in page
    assert "Give both the latitude and the longitude, or neither." in page
    assert not Proposal.objects.exists()


def test_a_closed_process_takes_no_proposal(
    client: Client, process: Process, resident: User
) -> None:
    closed = ProposalProcessFactory.create(
        municipality=process.municipality,
        proposals_open_until=timezone.now() - datetime.timedelta(days=1),
        proposals_open_from=timezone.now() - datetime.timedelta(days=10),
    )
    assert not closed.proposals_open()
    client.force_login(resident)

    response = _post(client, NEW, _new_data(closed), language="ro")

    assert response.status_code == 400
    assert "Acest proces nu primește propuneri acum." in response.content.decode()
    assert not Proposal.objects.exists()
    with pytest.raises(ValidationError):
        services.proposal_create(
            municipality=process.municipality,
            process=closed,
            author=resident,
            title="T",
            body="B",
        )
    assert not Proposal.objects.exists()


def test_without_any_open_process_the_page_says_so(
    client: Client, botosani: Municipality, resident: User
) -> None:
    client.force_login(resident)

    response = _get(client, NEW)

    assert response.status_code == 200
    assert "No process takes proposals now." in response.content.decode()
    assert '<form method="post" action="/participation/proposals/new/"' not in (
        response.content.decode()
    )


def test_anonymous_visitor_is_sent_to_log_in(client: Client, process: Process) -> None:
    response = _post(client, NEW, _new_data(process))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Proposal.objects.exists()


def test_unconfirmed_account_reads_but_cannot_act(
    client: Client, process: Process, proposal: Proposal
) -> None:
    unconfirmed = UserFactory.create(email_confirmed_at=None)
    client.force_login(unconfirmed)

    new = _post(client, NEW, _new_data(process), language="ro")
    support = _post(client, f"{_detail(proposal)}support/", {"action": "support"})
    comment = _post(client, f"{_detail(proposal)}comments/", {"body": "Da!"})
    flag = _post(client, f"{_detail(proposal)}flag/", {"reason": "Spam"})

    assert new.status_code == 403
    assert "Confirmați-vă mai întâi adresa de email" in new.content.decode()
    assert (support.status_code, comment.status_code, flag.status_code) == (403, 403, 403)
    assert Proposal.objects.count() == 1
    assert not ProposalSupport.objects.exists()
    assert not ProposalComment.objects.exists()
    assert not ContentFlag.objects.exists()


def test_inactive_account_cannot_act(client: Client, process: Process, proposal: Proposal) -> None:
    inactive = UserFactory.create(is_active=False)
    client.force_login(inactive)

    new = _post(client, NEW, _new_data(process))
    support = _post(client, f"{_detail(proposal)}support/", {"action": "support"})

    assert new.status_code == 302 and "/accounts/login/" in new["Location"]
    assert support.status_code == 302 and "/accounts/login/" in support["Location"]
    assert Proposal.objects.count() == 1
    assert not ProposalSupport.objects.exists()
    with pytest.raises(ValidationError):
        services.proposal_support(proposal=proposal, user=inactive)


# Supports


def test_a_resident_supports_once_and_may_withdraw(
    client: Client, proposal: Proposal, resident: User
) -> None:
    client.force_login(resident)
    url = f"{_detail(proposal)}support/"

    first = _post(client, url, {"action": "support"})
    second = _post(client, url, {"action": "support"})
    proposal.refresh_from_db()

    assert first.status_code == second.status_code == 302
    assert proposal.support_count == 1
    assert ProposalSupport.objects.filter(proposal=proposal, user=resident).count() == 1
    page = _get(client, _detail(proposal)).content.decode()
    assert "Withdraw my support" in page

    withdrawn = _post(client, url, {"action": "withdraw"})
    again = _post(client, url, {"action": "withdraw"})
    proposal.refresh_from_db()

    assert withdrawn.status_code == again.status_code == 302
    assert proposal.support_count == 0
    assert not ProposalSupport.objects.exists()


def test_a_rejected_proposal_takes_no_support(
    client: Client, proposal: Proposal, resident: User
) -> None:
    Proposal.objects.filter(pk=proposal.pk).update(status="rejected", answer="Nu avem buget.")
    client.force_login(resident)

    response = _post(client, f"{_detail(proposal)}support/", {"action": "support"})

    assert response.status_code == 400
    assert "This proposal takes no more supports." in response.content.decode()
    assert not ProposalSupport.objects.exists()


def test_the_list_sorts_by_support_and_filters(
    client: Client, proposal: Proposal, process: Process, category: ProposalCategory
) -> None:
    popular = ProposalFactory.create(
        municipality=process.municipality, process=process, title="Piste de biciclete"
    )
    ProposalSupportFactory.create_batch(3, municipality=process.municipality, proposal=popular)
    Proposal.objects.filter(pk=popular.pk).update(support_count=3)
    accepted = ProposalFactory.create(
        municipality=process.municipality,
        process=process,
        title="Colectare selectivă",
        status=ProposalStatus.ACCEPTED,
    )

    by_support = _get(client, f"{LIST}?sort=supported").content.decode()
    only_category = _get(client, f"{LIST}?category={category.pk}").content.decode()
    only_accepted = _get(client, f"{LIST}?status=accepted", HTTP_HX_REQUEST="true")

    assert by_support.index("Piste de biciclete") < by_support.index(proposal.title)
    assert proposal.title in only_category and "Piste de biciclete" not in only_category
    assert only_accepted.status_code == 200
    fragment = only_accepted.content.decode()
    assert accepted.title in fragment and proposal.title not in fragment
    assert "<html" not in fragment


def test_a_filter_that_cannot_be_read_answers_400(client: Client, proposal: Proposal) -> None:
    response = _get(client, f"{LIST}?status=bogus")

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_the_list_maps_located_proposals(client: Client, proposal: Proposal) -> None:
    Proposal.objects.filter(pk=proposal.pk).update(latitude=47.7465, longitude=26.6655)

    page = _get(client, LIST).content.decode()

    assert 'id="proposals-map"' in page
    assert '"coordinates": [26.6655, 47.7465]' in page
    assert f'"url": "{_detail(proposal)}"' in page


# Comments


def test_comments_thread_with_one_level_shown_and_deeper_replies_flattened(
    client: Client, proposal: Proposal, resident: User
) -> None:
    other = UserFactory.create(full_name="Mihai Popa")
    client.force_login(resident)
    url = f"{_detail(proposal)}comments/"

    _post(client, url, {"body": "Excelentă idee."})
    top = ProposalComment.objects.get()
    client.force_login(other)
    _post(client, url, {"body": "De acord.", "parent": str(top.pk)})
    reply = ProposalComment.objects.latest("pk")
    client.force_login(resident)
    _post(client, url, {"body": "Mulțumesc, Mihai.", "parent": str(reply.pk)})
    deeper = ProposalComment.objects.latest("pk")

    threads = comment_threads(proposal=proposal)
    assert [thread.root.comment for thread in threads] == [top]
    assert [entry.comment for entry in threads[0].replies] == [reply, deeper]
    assert threads[0].replies[1].reply_to == "Mihai P."
    page = _get(client, _detail(proposal)).content.decode()
    assert page.count("proposal-comment--reply") == 2
    assert "in reply to Mihai P." in page
    assert "Ana P." in page


def test_a_reply_to_another_proposals_comment_is_refused(
    client: Client, proposal: Proposal, process: Process, resident: User
) -> None:
    elsewhere = ProposalCommentFactory.create(
        municipality=process.municipality,
        proposal=ProposalFactory.create(municipality=process.municipality, process=process),
    )
    client.force_login(resident)

    response = _post(
        client, f"{_detail(proposal)}comments/", {"body": "x", "parent": str(elsewhere.pk)}
    )

    assert response.status_code == 400
    assert ProposalComment.objects.count() == 1


def test_an_empty_comment_is_refused(client: Client, proposal: Proposal, resident: User) -> None:
    client.force_login(resident)

    response = _post(client, f"{_detail(proposal)}comments/", {"body": "   "}, language="ro")

    assert response.status_code == 400
    assert not ProposalComment.objects.exists()


# Flags


def test_a_resident_flags_a_proposal_and_a_comment_once_each(
    client: Client, proposal: Proposal, resident: User
) -> None:
    comment = ProposalCommentFactory.create(municipality=proposal.municipality, proposal=proposal)
    client.force_login(resident)

    first = _post(client, f"{_detail(proposal)}flag/", {"reason": "Publicitate."})
    second = _post(client, f"{_detail(proposal)}flag/", {"reason": "Tot publicitate."})
    on_comment = _post(
        client, f"{_detail(proposal)}comments/{comment.pk}/flag/", {"reason": "Jignitor."}
    )

    assert first.status_code == 302
    assert second.status_code == 400
    assert "You have flagged this already" in second.content.decode()
    assert on_comment.status_code == 302
    assert sorted(ContentFlag.objects.values_list("target", "target_id")) == sorted(
        [(FlagTarget.PROPOSAL, proposal.pk), (FlagTarget.COMMENT, comment.pk)]
    )


def test_a_flag_needs_a_reason(client: Client, proposal: Proposal, resident: User) -> None:
    client.force_login(resident)

    response = _post(client, f"{_detail(proposal)}flag/", {"reason": ""})

    assert response.status_code == 400
    assert not ContentFlag.objects.exists()


# Rate limits


@pytest.mark.parametrize("language", ["ro", "en"])
def test_too_many_proposals_from_one_account_are_refused(
    client: Client, process: Process, resident: User, language: str
) -> None:
    client.force_login(resident)
    limit = services.PROPOSAL_LIMIT.per_account
    for number in range(limit):
        response = _post(client, NEW, _new_data(process, title=f"Idee {number}"))
        assert response.status_code == 302

    refused = _post(client, NEW, _new_data(process, title="Încă una"), language=language)

    assert refused.status_code == 429
    expected = {
        "ro": "Ați trimis multe propuneri în ultima oră.",
        "en": "You have sent many proposals in the last hour.",
    }[language]
    assert expected in refused.content.decode()
    assert Proposal.objects.count() == limit


def test_too_many_comments_from_one_address_are_refused(client: Client, proposal: Proposal) -> None:
    limit = services.COMMENT_LIMIT.per_address
    people = UserFactory.create_batch(limit // services.COMMENT_LIMIT.per_account + 1)
    sent = 0
    for person in people:
        client.force_login(person)
        for _ in range(services.COMMENT_LIMIT.per_account):
            if sent == limit:
                break
            response = _post(client, f"{_detail(proposal)}comments/", {"body": f"c{sent}"})
            assert response.status_code == 302
            sent += 1

    refused = _post(client, f"{_detail(proposal)}comments/", {"body": "one more"})

    assert refused.status_code == 429
    assert "You have written many comments in the last hour." in refused.content.decode()
    assert ProposalComment.objects.count() == limit


def test_too_many_flags_from_one_account_are_refused(
    client: Client, process: Process, resident: User
) -> None:
    limit = services.FLAG_LIMIT.per_account
    proposals = ProposalFactory.create_batch(
        limit + 1, municipality=process.municipality, process=process
    )
    client.force_login(resident)
    for proposal in proposals[:limit]:
        assert _post(client, f"{_detail(proposal)}flag/", {"reason": "x"}).status_code == 302

    refused = _post(client, f"{_detail(proposals[-1])}flag/", {"reason": "x"})

    assert refused.status_code == 429
    assert "You have flagged many items in the last hour." in refused.content.decode()
    assert ContentFlag.objects.count() == limit


# Hidden content


def test_a_hidden_proposal_is_404_and_absent_from_lists(
    client: Client, proposal: Proposal, resident: User
) -> None:
    Proposal.objects.filter(pk=proposal.pk).update(is_hidden=True, latitude=47.75, longitude=26.66)
    client.force_login(resident)

    detail = _get(client, _detail(proposal))
    listing = _get(client, LIST).content.decode()
    support = _post(client, f"{_detail(proposal)}support/", {"action": "support"})
    comment = _post(client, f"{_detail(proposal)}comments/", {"body": "x"})

    assert detail.status_code == 404
    assert proposal.title not in listing
    assert (support.status_code, comment.status_code) == (404, 404)
    assert not ProposalSupport.objects.exists() and not ProposalComment.objects.exists()


def test_a_hidden_comment_and_its_replies_never_show(
    client: Client, proposal: Proposal, resident: User
) -> None:
    hidden = ProposalCommentFactory.create(
        municipality=proposal.municipality, proposal=proposal, body="Text jignitor", is_hidden=True
    )
    ProposalCommentFactory.create(
        municipality=proposal.municipality, proposal=proposal, parent=hidden, body="Răspuns ascuns"
    )
    shown = ProposalCommentFactory.create(
        municipality=proposal.municipality, proposal=proposal, body="Comentariu vizibil"
    )
    client.force_login(resident)

    page = _get(client, _detail(proposal)).content.decode()
    reply = _post(client, f"{_detail(proposal)}comments/", {"body": "x", "parent": hidden.pk})
    flag = _post(client, f"{_detail(proposal)}comments/{hidden.pk}/flag/", {"reason": "x"})

    assert "Text jignitor" not in page and "Răspuns ascuns" not in page
    assert shown.body in page
    assert reply.status_code == 400
    assert flag.status_code == 404
    assert ProposalComment.objects.count() == 3


def test_proposals_of_an_unpublished_process_are_not_public(
    client: Client, proposal: Proposal
) -> None:
    Process.objects.filter(pk=proposal.process_id).update(is_published=False)

    assert _get(client, _detail(proposal)).status_code == 404
    assert proposal.title not in _get(client, LIST).content.decode()


# Isolation and privacy


def test_another_citys_proposal_is_404_here(
    client: Client, proposal: Proposal, timisoara: Municipality, resident: User
) -> None:
    client.force_login(resident)

    detail = _get(client, _detail(proposal), host=TIMISOARA)
    listing = _get(client, LIST, host=TIMISOARA).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    support = client.post(
        f"{_detail(proposal)}support/", {"action": "support"}, HTTP_HOST=TIMISOARA
    )

    assert detail.status_code == 404
    assert proposal.title not in listing
    assert support.status_code == 404
    assert not ProposalSupport.objects.exists()


def test_a_process_of_another_city_takes_no_proposal_here(
    client: Client, process: Process, timisoara: Municipality, resident: User
) -> None:
    foreign = ProposalProcessFactory.create(municipality=timisoara)
    client.force_login(resident)

    response = _post(client, NEW, _new_data(foreign))

    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_no_email_of_authors_or_commenters_on_public_pages(
    client: Client, proposal: Proposal, resident: User
) -> None:
    ProposalCommentFactory.create(
        municipality=proposal.municipality,
        proposal=proposal,
        author=UserFactory.create(email="commenter.secret@example.org", full_name="Dan Rusu"),
    )

    pages = [_get(client, LIST), _get(client, _detail(proposal))]
    client.force_login(resident)
    pages.append(_get(client, _detail(proposal)))

    for response in pages:
        page = response.content.decode()
        assert "author.secret@example.org" not in page
        assert "commenter.secret@example.org" not in page
        assert "Ciobanu" not in page and "Rusu" not in page
    assert "Ioana C." in pages[1].content.decode()


# Queries


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = _get(client, path)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_list_and_a_page_read_a_fixed_number_of_queries(
    client: Client, proposal: Proposal, process: Process
) -> None:
    # Each request with its own query string: never the page cache's copy; the first one
    # after a change warms the shared caches (versions, the footer).
    detail = _detail(proposal)
    _get(client, f"{LIST}?sort=supported&n=0")
    _get(client, f"{detail}?n=0")
    few_list = _queries(client, f"{LIST}?sort=supported&n=1")
    few_detail = _queries(client, f"{detail}?n=1")
    for number in range(15):
        other = ProposalFactory.create(
            municipality=process.municipality, process=process, latitude=47.75, longitude=26.66
        )
        ProposalCommentFactory.create(
            municipality=process.municipality, proposal=proposal, body=f"c{number}"
        )
        ProposalSupportFactory.create(municipality=process.municipality, proposal=other)
    _get(client, f"{LIST}?sort=supported&n=2")
    _get(client, f"{detail}?n=2")

    assert _queries(client, f"{LIST}?sort=supported&n=3") == few_list
    assert _queries(client, f"{detail}?n=3") == few_detail
