"""The participation secret (DIGIPLACE_PARTICIPATION_SECRET): when set, the digests that
stand for census CNPs, voting codes and survey respondents are keyed by it, not by
SECRET_KEY, so that a new SECRET_KEY keeps printed codes and uploaded lists valid."""

from __future__ import annotations

import pytest
from django.test import override_settings

from digiplace.participation.identifiers import census_key, voting_code_key
from digiplace.participation.services import surveys, voting
from digiplace.participation.tests.factories_surveys import SurveyFactory


@pytest.mark.django_db
def test_the_participation_secret_keys_every_digest_and_outlives_secret_key(botosani, resident):
    survey = SurveyFactory.create(municipality=botosani)
    with override_settings(PARTICIPATION_IDENTIFIER_SECRET=""):
        by_secret_key = (
            voting.census_digest_key(),
            voting.code_digest_key(),
            surveys.respondent_key_for_user(survey=survey, user=resident),
        )
    with override_settings(PARTICIPATION_IDENTIFIER_SECRET="a-dedicated-secret-of-the-city"):
        dedicated = (
            voting.census_digest_key(),
            voting.code_digest_key(),
            surveys.respondent_key_for_user(survey=survey, user=resident),
        )
        with override_settings(SECRET_KEY="a-new-secret-key-after-a-leak-0123456789abcdef"):
            after_change = (
                voting.census_digest_key(),
                voting.code_digest_key(),
                surveys.respondent_key_for_user(survey=survey, user=resident),
            )

    assert dedicated[0] == census_key("a-dedicated-secret-of-the-city")
    assert dedicated[1] == voting_code_key("a-dedicated-secret-of-the-city")
    assert all(a != b for a, b in zip(by_secret_key, dedicated, strict=True))
    assert after_change == dedicated
