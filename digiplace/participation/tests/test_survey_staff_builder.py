"""The survey builder: staff create and edit surveys and questions of every kind; bad input
gets a clear message and writes nothing; what answers point to cannot be removed; people
without the participation back office of this city are refused."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from digiplace.core.models import AuditLogEntry, Municipality, StaffMembership, User
from digiplace.core.tests.factories import StaffMembershipFactory, UserFactory
from digiplace.participation.models import Question, QuestionOption, Survey

from .factories import ProcessFactory
from .factories_surveys import AnswerFactory, QuestionFactory, SurveyFactory

BOTOSANI = "botosani.localhost"
BASE = "/backoffice/participation/surveys"


@pytest.fixture
def staff(botosani: Municipality) -> StaffMembership:
    return StaffMembershipFactory.create(
        municipality=botosani,
        user=UserFactory.create(email="surveys@botosani.example"),
        modules=["participation"],
    )


@pytest.fixture
def staff_client(client: Client, staff: StaffMembership) -> Client:
    client.force_login(staff.user)
    client.cookies["digiplace_language"] = "en"
    return client


def _survey_data(**changes: str) -> dict[str, str]:
    opens = timezone.localtime() + datetime.timedelta(days=1)
    data = {
        "title_ro": "Tramvai sau autobuze electrice?",
        "title_en": "Tram or electric buses?",
        "slug": "tramvai-2026",
        "description_ro": "Consultare publică.",
        "description_en": "Public consultation.",
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (opens + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "results_visibility": "after_close",
        "respondent_rule": "account",
        "anonymous_allowed": "on",
    }
    data.update(changes)
    return data


def _question_data(**changes: str) -> dict[str, str]:
    data = {
        "kind": "single",
        "text_ro": "Ce preferați?",
        "text_en": "What do you prefer?",
        "options": "tram | Tramvai | Tram\nbus | Autobuze electrice | Electric buses",
        "scale_min": "1",
        "scale_max": "5",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_staff_create_a_survey_with_texts_in_both_languages_audited(
    staff_client: Client, botosani: Municipality, staff: StaffMembership
) -> None:
    process = ProcessFactory.create(municipality=botosani)

    response = staff_client.post(
        f"{BASE}/processes/{process.pk}/new/", _survey_data(), HTTP_HOST=BOTOSANI
    )

    survey = Survey.objects.get(slug="tramvai-2026")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/{survey.pk}/"
    titles = (survey.title_ro, survey.title_en)  # type: ignore[attr-defined]
    assert titles == ("Tramvai sau autobuze electrice?", "Tram or electric buses?")
    assert (survey.process, survey.municipality, survey.is_published) == (process, botosani, False)
    entry = AuditLogEntry.objects.get(target_type="participation.Survey", target_id=str(survey.pk))
    assert (entry.action, entry.actor) == ("create", staff.user)
    assert entry.after is not None and entry.after["title_en"] == "Tram or electric buses?"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "Tramvai 2026"}, "Use lowercase letters, digits and hyphens"),
        ({"title_ro": ""}, "This field is required."),
        ({"closes_at": "2020-01-01T10:00"}, "The survey must close after it opens."),
        ({"opens_at": "tomorrow"}, "Enter a date and time such as 2026-05-31 18:00."),
    ],
)
def test_bad_survey_is_refused_and_writes_nothing(
    staff_client: Client, botosani: Municipality, changes: dict[str, str], message: str
) -> None:
    process = ProcessFactory.create(municipality=botosani)

    response = staff_client.post(
        f"{BASE}/processes/{process.pk}/new/", _survey_data(**changes), HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Survey.objects.count() == 0
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_short_name_used_by_another_survey_of_the_city_is_refused(
    staff_client: Client, botosani: Municipality
) -> None:
    existing = SurveyFactory.create(municipality=botosani, slug="tramvai-2026")

    response = staff_client.post(
        f"{BASE}/processes/{existing.process_id}/new/", _survey_data(), HTTP_HOST=BOTOSANI
    )

    assert "Another survey of this city already has this short name." in response.content.decode()
    assert Survey.objects.count() == 1


@pytest.mark.django_db
def test_staff_edit_a_survey_and_the_change_is_audited(
    staff_client: Client, botosani: Municipality
) -> None:
    survey = SurveyFactory.create(municipality=botosani, slug="digital", is_published=False)

    response = staff_client.post(
        f"{BASE}/{survey.pk}/",
        _survey_data(slug="digital", title_en="Digital services", is_published="on"),
        HTTP_HOST=BOTOSANI,
    )

    survey.refresh_from_db()
    assert response.status_code == 302
    assert (survey.title_en, survey.is_published) == ("Digital services", True)  # type: ignore[attr-defined]
    entry = AuditLogEntry.objects.get(action="update", target_type="participation.Survey")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["is_published"], entry.after["is_published"]) == (False, True)


@pytest.mark.django_db
def test_who_may_answer_cannot_change_once_people_answered(
    staff_client: Client, botosani: Municipality
) -> None:
    question = QuestionFactory.create(municipality=botosani, survey__slug="digital")
    AnswerFactory.create(question=question)

    response = staff_client.post(
        f"{BASE}/{question.survey_id}/",
        _survey_data(slug="digital", respondent_rule="verified"),
        HTTP_HOST=BOTOSANI,
    )

    assert "who may answer can no longer change" in response.content.decode()
    assert Survey.objects.get().respondent_rule == "account"


# Questions


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {"kind": "single", "options": ["tram", "bus"]}),
        (
            {"kind": "multiple", "max_choices": "2", "has_other": "on"},
            {"kind": "multiple", "max_choices": 2, "has_other": True},
        ),
        ({"kind": "short_text", "options": ""}, {"kind": "short_text", "options": []}),
        ({"kind": "long_text", "options": ""}, {"kind": "long_text"}),
        (
            {
                "kind": "scale",
                "options": "",
                "scale_min": "0",
                "scale_max": "10",
                "scale_min_label_ro": "Deloc",
                "scale_max_label_en": "Very much",
            },
            {"kind": "scale", "scale_min": 0, "scale_max": 10},
        ),
        (
            {"kind": "ranking", "options": "safety | Siguranță\nprice | Preț\nspeed | Viteză"},
            {"kind": "ranking", "options": ["safety", "price", "speed"]},
        ),
        (
            {"kind": "matrix", "options": "day | Ziua | By day\nnight | Noaptea", "scale_max": "4"},
            {"kind": "matrix", "options": ["day", "night"], "scale_max": 4},
        ),
    ],
    ids=["single", "multiple", "short", "long", "scale", "ranking", "matrix"],
)
def test_staff_add_a_question_of_every_kind(
    staff_client: Client,
    botosani: Municipality,
    changes: dict[str, str],
    expected: dict[str, object],
) -> None:
    survey = SurveyFactory.create(municipality=botosani)
    QuestionFactory.create(survey=survey, position=4)

    response = staff_client.post(
        f"{BASE}/{survey.pk}/questions/new/", _question_data(**changes), HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 302, response.content.decode()
    question = Question.objects.filter(survey=survey).order_by("-position").first()
    assert question is not None and question.position == 5
    found = {
        "kind": question.kind,
        "options": [option.key for option in question.options.order_by("position")],
        "max_choices": question.max_choices,
        "has_other": question.has_other,
        "scale_min": question.scale_min,
        "scale_max": question.scale_max,
    }
    assert {key: found[key] for key in expected} == expected
    assert AuditLogEntry.objects.filter(
        action="create", target_type="participation.Question", target_id=str(question.pk)
    ).exists()


@pytest.mark.django_db
def test_options_keep_their_keys_and_labels_in_both_languages(
    staff_client: Client, botosani: Municipality
) -> None:
    survey = SurveyFactory.create(municipality=botosani)

    staff_client.post(f"{BASE}/{survey.pk}/questions/new/", _question_data(), HTTP_HOST=BOTOSANI)

    options = QuestionOption.objects.order_by("position")
    assert [(o.key, o.label_ro, o.label_en) for o in options] == [  # type: ignore[attr-defined]
        ("tram", "Tramvai", "Tram"),
        ("bus", "Autobuze electrice", "Electric buses"),
    ]
    assert AuditLogEntry.objects.filter(target_type="participation.QuestionOption").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"kind": "multiple", "max_choices": "0"},
            "The maximum number of choices must be at least 1.",
        ),
        (
            {"kind": "multiple", "max_choices": "3"},
            "The maximum is larger than the number of options.",
        ),
        (
            {"kind": "scale", "options": "", "scale_min": "5", "scale_max": "5"},
            "The highest value must be greater than the lowest.",
        ),
        (
            {"kind": "scale", "options": "", "scale_min": "7", "scale_max": "2"},
            "The highest value must be greater than the lowest.",
        ),
        ({"options": "tram | Tramvai\ntram | Tram again"}, "The key “tram” is used twice."),
        ({"options": "Tram Line | Tramvai\nbus | Autobuz"}, "“Tram Line” cannot be a key"),
        ({"options": "tram | Tramvai\n__other__ | Altceva"}, "“__other__” cannot be a key"),
        ({"options": "tram Tramvai"}, "Line 1: write “key | Romanian label | English label”."),
        ({"options": "tram | Tramvai"}, "Give at least two options."),
        ({"kind": "long_text"}, "Only choice, ranking and matrix questions have options."),
        ({"text_ro": ""}, "This field is required."),
    ],
)
def test_bad_question_is_refused_and_writes_nothing(
    staff_client: Client, botosani: Municipality, changes: dict[str, str], message: str
) -> None:
    survey = SurveyFactory.create(municipality=botosani)

    response = staff_client.post(
        f"{BASE}/{survey.pk}/questions/new/", _question_data(**changes), HTTP_HOST=BOTOSANI
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Question.objects.count() == 0
    assert QuestionOption.objects.count() == 0
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_condition_names_an_earlier_choice_question_and_its_options(
    staff_client: Client, botosani: Municipality
) -> None:
    survey = SurveyFactory.create(municipality=botosani)
    source = QuestionFactory.create(survey=survey, options=["tram", "bus"])
    tram = source.options.get(key="tram")

    response = staff_client.post(
        f"{BASE}/{survey.pk}/questions/new/",
        _question_data(
            kind="long_text",
            options="",
            shown_if_question=str(source.pk),
            shown_if_options=str(tram.pk),
        ),
        HTTP_HOST=BOTOSANI,
    )

    assert response.status_code == 302
    question = Question.objects.exclude(pk=source.pk).get()
    assert question.shown_if_question == source
    assert list(question.shown_if_options.all()) == [tram]


@pytest.mark.django_db
def test_bad_conditions_are_refused(staff_client: Client, botosani: Municipality) -> None:
    survey = SurveyFactory.create(municipality=botosani)
    source = QuestionFactory.create(survey=survey, position=1, options=["tram", "bus"])
    text = QuestionFactory.create(survey=survey, position=2, kind="long_text")
    later = QuestionFactory.create(survey=survey, position=3, options=["yes", "no"])
    other_survey = QuestionFactory.create(municipality=botosani, options=["x", "y"])
    url = f"{BASE}/questions/{text.pk}/"

    def post(**changes: str) -> str:
        data = _question_data(kind="long_text", options="", **changes)
        return staff_client.post(url, data, HTTP_HOST=BOTOSANI).content.decode()

    later_option = later.options.get(key="yes")
    # A later question is not offered, and refused if sent.
    assert "Select a valid choice." in post(
        shown_if_question=str(later.pk), shown_if_options=str(later_option.pk)
    )
    assert "Select a valid choice." in post(
        shown_if_question=str(other_survey.pk),
        shown_if_options=str(other_survey.options.first().pk),  # type: ignore[union-attr]
    )
    # Options of another question than the one named.
    bus = source.options.get(key="bus")
    assert "Choose at least one option of that question." in post(shown_if_question=str(source.pk))
    assert "Choose the question the condition depends on." in post(shown_if_options=str(bus.pk))
    text.refresh_from_db()
    assert text.shown_if_question is None
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_the_service_refuses_a_condition_on_a_later_or_text_question(
    botosani: Municipality,
) -> None:
    from django.core.exceptions import ValidationError

    from digiplace.participation.services.survey_staff import QuestionFields, question_update

    survey = SurveyFactory.create(municipality=botosani)
    text = QuestionFactory.create(survey=survey, position=1, kind="long_text")
    target = QuestionFactory.create(survey=survey, position=2, kind="long_text")
    later = QuestionFactory.create(survey=survey, position=3, options=["yes", "no"])

    def update(source: Question) -> str:
        fields = QuestionFields(
            kind="long_text",
            text_ro="De ce?",
            shown_if_question_id=source.pk,
            shown_if_option_ids=tuple(source.options.values_list("pk", flat=True)[:1]),
        )
        with pytest.raises(ValidationError) as refused:
            question_update(actor=None, question=target, fields=fields)
        return " ".join(refused.value.messages)

    assert "placed before this one" in update(later)
    assert "single or multiple choice question" in update(text)


@pytest.mark.django_db
def test_texts_of_an_answered_question_may_change_but_not_its_answered_options(
    staff_client: Client, botosani: Municipality
) -> None:
    question = QuestionFactory.create(municipality=botosani, options=["tram", "bus"])
    tram = question.options.get(key="tram")
    AnswerFactory.create(question=question, option=tram)
    url = f"{BASE}/questions/{question.pk}/"

    removed = staff_client.post(
        url, _question_data(options="bus | Autobuze\nboth | Amândouă"), HTTP_HOST=BOTOSANI
    )
    kind_changed = staff_client.post(url, _question_data(kind="multiple"), HTTP_HOST=BOTOSANI)
    reworded = staff_client.post(
        url,
        _question_data(
            text_en="Tram or buses?", options="tram | Tramvaiul | The tram\nbus | Autobuze"
        ),
        HTTP_HOST=BOTOSANI,
    )

    assert "This option has answers and cannot be removed: “Option tram” (tram)." in (
        removed.content.decode()
    )
    assert "its kind can no longer change" in kind_changed.content.decode()
    assert reworded.status_code == 302
    question.refresh_from_db()
    tram.refresh_from_db()
    assert (question.kind, question.text_en) == ("single", "Tram or buses?")  # type: ignore[attr-defined]
    assert (tram.pk, tram.label_en) == (question.options.get(key="tram").pk, "The tram")  # type: ignore[attr-defined]
    assert sorted(question.options.values_list("key", flat=True)) == ["bus", "tram"]


@pytest.mark.django_db
def test_a_question_with_answers_cannot_be_deleted(
    staff_client: Client, botosani: Municipality
) -> None:
    question = QuestionFactory.create(
        municipality=botosani, kind="long_text", text_ro="De ce?", text_en="Why?"
    )
    AnswerFactory.create(question=question, text="Pentru că.")

    response = staff_client.post(
        f"{BASE}/questions/{question.pk}/delete/", HTTP_HOST=BOTOSANI, follow=True
    )

    assert "“Why?” has 1 answer and cannot be deleted." in response.content.decode()
    assert Question.objects.filter(pk=question.pk).exists()
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_question_without_answers_is_deleted_and_audited(
    staff_client: Client, botosani: Municipality
) -> None:
    question = QuestionFactory.create(municipality=botosani, options=["a", "b"])

    response = staff_client.post(f"{BASE}/questions/{question.pk}/delete/", HTTP_HOST=BOTOSANI)

    assert response.status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()
    assert sorted(AuditLogEntry.objects.values_list("action", "target_type")) == [
        ("delete", "participation.Question"),
        ("delete", "participation.QuestionOption"),
        ("delete", "participation.QuestionOption"),
    ]


@pytest.mark.django_db
def test_a_question_a_condition_depends_on_is_not_deleted(
    staff_client: Client, botosani: Municipality
) -> None:
    source = QuestionFactory.create(municipality=botosani, options=["a", "b"])
    dependent = QuestionFactory.create(survey=source.survey, shown_if_question=source)

    response = staff_client.post(
        f"{BASE}/questions/{source.pk}/delete/", HTTP_HOST=BOTOSANI, follow=True
    )

    assert "change their condition first" in response.content.decode()
    assert Question.objects.filter(pk__in=[source.pk, dependent.pk]).count() == 2


@pytest.mark.django_db
def test_questions_move_but_never_before_the_question_they_depend_on(
    staff_client: Client, botosani: Municipality
) -> None:
    survey = SurveyFactory.create(municipality=botosani)
    first = QuestionFactory.create(survey=survey, position=1, options=["a", "b"])
    second = QuestionFactory.create(survey=survey, position=2, shown_if_question=first)
    third = QuestionFactory.create(survey=survey, position=3)

    def move(question: Question, direction: str) -> str:
        response = staff_client.post(
            f"{BASE}/questions/{question.pk}/move/",
            {"direction": direction},
            HTTP_HOST=BOTOSANI,
            follow=True,
        )
        return response.content.decode()

    def order() -> list[int]:
        return list(survey.questions.order_by("position").values_list("pk", flat=True))

    move(third, "up")
    assert order() == [first.pk, third.pk, second.pk]
    move(second, "up")
    assert order() == [first.pk, second.pk, third.pk]
    blocked = move(second, "up")
    assert "is shown depending on" in blocked and "so it stays after it." in blocked
    assert "This question is already last." in move(third, "down")
    assert order() == [first.pk, second.pk, third.pk]
    assert AuditLogEntry.objects.filter(target_type="participation.Question").count() == 4


# Who may use the builder


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["resident", "other_city_staff", "other_module_staff"])
def test_people_without_this_citys_participation_back_office_are_refused(
    client: Client, botosani: Municipality, timisoara: Municipality, resident: User, who: str
) -> None:
    if who == "resident":
        person = resident
    elif who == "other_city_staff":
        person = StaffMembershipFactory.create(
            municipality=timisoara, modules=["participation"]
        ).user
    else:
        person = StaffMembershipFactory.create(municipality=botosani, modules=["reports"]).user
    question = QuestionFactory.create(municipality=botosani, options=["a", "b"])
    client.force_login(person)

    pages = [
        client.get(f"{BASE}/", HTTP_HOST=BOTOSANI),
        client.get(f"{BASE}/{question.survey_id}/", HTTP_HOST=BOTOSANI),
        client.post(
            f"{BASE}/processes/{question.survey.process_id}/new/",
            _survey_data(),
            HTTP_HOST=BOTOSANI,
        ),
        client.post(f"{BASE}/questions/{question.pk}/delete/", HTTP_HOST=BOTOSANI),
        client.post(f"{BASE}/questions/{question.pk}/", _question_data(), HTTP_HOST=BOTOSANI),
    ]

    assert [page.status_code for page in pages] == [403] * 5
    assert Question.objects.filter(pk=question.pk).exists()
    assert Survey.objects.count() == 1
    assert AuditLogEntry.objects.count() == 0


@pytest.mark.django_db
def test_another_citys_survey_is_not_found(staff_client: Client, timisoara: Municipality) -> None:
    question = QuestionFactory.create(municipality=timisoara)

    pages = [
        staff_client.get(f"{BASE}/{question.survey_id}/", HTTP_HOST=BOTOSANI),
        staff_client.post(f"{BASE}/questions/{question.pk}/delete/", HTTP_HOST=BOTOSANI),
    ]

    assert [page.status_code for page in pages] == [404, 404]
    assert Question.objects.filter(pk=question.pk).exists()


@pytest.mark.django_db
def test_the_survey_page_lists_questions_and_links_the_results(
    staff_client: Client, botosani: Municipality
) -> None:
    survey = SurveyFactory.create(municipality=botosani, slug="transport", title_en="Transport")
    QuestionFactory.create(survey=survey, text_en="What do you prefer?", options=["tram", "bus"])
    QuestionFactory.create(survey=survey, kind="long_text", text_en="Why?")

    page = staff_client.get(f"{BASE}/{survey.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    listing = staff_client.get(f"{BASE}/", HTTP_HOST=BOTOSANI).content.decode()

    assert "What do you prefer?" in page and "Why?" in page
    assert "/participation/surveys/transport/results/" in page
    assert "Themes of the answers" in page
    assert "Transport" in listing and "2 questions" in listing


@pytest.mark.django_db
def test_the_question_form_shows_the_question_as_saved(
    staff_client: Client, botosani: Municipality
) -> None:
    survey = SurveyFactory.create(municipality=botosani)
    source = QuestionFactory.create(survey=survey, position=1, options=["tram", "bus"])
    tram = source.options.get(key="tram")
    question = QuestionFactory.create(
        survey=survey, position=2, kind="matrix", scale_max=4, shown_if_question=source
    )
    question.shown_if_options.set([tram])
    QuestionOption.objects.create(
        question=question, municipality=botosani, key="day", label_ro="Ziua", label_en="By day"
    )

    page = staff_client.get(f"{BASE}/questions/{question.pk}/", HTTP_HOST=BOTOSANI)
    delete_page = staff_client.get(f"{BASE}/questions/{question.pk}/delete/", HTTP_HOST=BOTOSANI)

    text = page.content.decode()
    assert page.status_code == 200
    assert "day | Ziua | By day" in text
    assert f'<option value="{source.pk}" selected>' in text
    assert f'value="{tram.pk}"' in text and "checked" in text
    assert 'name="scale_max" value="4"' in text
    assert delete_page.status_code == 200
    assert "The question and its options are deleted." in delete_page.content.decode()


@pytest.mark.django_db
def test_staff_follow_the_results_link_even_when_results_are_for_staff_only(
    staff_client: Client, botosani: Municipality, resident: User
) -> None:
    survey = SurveyFactory.create(municipality=botosani, slug="interne", results_visibility="staff")
    QuestionFactory.create(survey=survey, options=["a", "b"])
    results = "/participation/surveys/interne/results/"

    page = staff_client.get(f"{BASE}/{survey.pk}/", HTTP_HOST=BOTOSANI).content.decode()
    staff_view = staff_client.get(results, HTTP_HOST=BOTOSANI)
    public = Client()
    public.force_login(resident)
    resident_view = public.get(results, HTTP_HOST=BOTOSANI)

    assert results in page
    assert staff_view.status_code == 200
    assert resident_view.status_code == 404
