"""Answers to a category's questions, checked by datatype."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from digiplace.core import parsing

from ..models import (
    AttributeDatatype,
    Category,
    CategoryAttribute,
)
from ._common import Errors, _add, _raise_if
from .constants import MAX_STRING_ANSWER_LENGTH, MAX_TEXT_ANSWER_LENGTH

# Number answers beyond this size are refused: they are counts and measures, and a float
# holds every whole number up to it exactly.
MAX_NUMBER_ANSWER = 10**15


def _answer_clean(question: CategoryAttribute, value: Any) -> Any:
    """The stored form of one answer: strings, a decimal as a string, an ISO 8601 date-time,
    a list key or a list of keys. Raises ValidationError with a message naming the question."""
    label = question.description
    datatype = question.datatype
    if datatype in (AttributeDatatype.STRING, AttributeDatatype.TEXT):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValidationError(_("“%(question)s”: enter text.") % {"question": label})
        text = str(value).strip()
        limit = (
            MAX_STRING_ANSWER_LENGTH
            if datatype == AttributeDatatype.STRING
            else MAX_TEXT_ANSWER_LENGTH
        )
        if len(text) > limit:
            raise ValidationError(
                _("“%(question)s”: use at most %(limit)d characters.")
                % {"question": label, "limit": limit}
            )
        return text
    if datatype == AttributeDatatype.NUMBER:
        # core's strict parser: ASCII digits only (no other scripts' digits, underscores,
        # exponents, inf or nan); a comma may stand for the decimal point.
        text = "" if isinstance(value, bool) else str(value).strip().replace(",", ".")
        try:
            parsing.parse_number(
                text, name=f"“{label}”", minimum=-MAX_NUMBER_ANSWER, maximum=MAX_NUMBER_ANSWER
            )
        except parsing.ParseError as error:
            if error.code == "out_of_range":
                raise ValidationError(str(error), code="out_of_range") from None
            raise ValidationError(
                _("“%(question)s”: enter a number.") % {"question": label}
            ) from None
        return str(Decimal(text))
    if datatype == AttributeDatatype.DATETIME:
        try:
            if isinstance(value, datetime.datetime):
                moment = value
                parsing.check_date_range(moment.date(), name=f"“{label}”")
            elif isinstance(value, str):
                moment = parsing.parse_datetime(value, name=f"“{label}”")
            else:
                raise parsing.ParseError("", name=label)
        except parsing.ParseError as error:
            if error.code == "out_of_range":
                raise ValidationError(str(error), code="out_of_range") from None
            raise ValidationError(
                _("“%(question)s”: enter a date and time such as 2025-05-31T14:30:00+03:00.")
                % {"question": label}
            ) from None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.isoformat()
    keys = {str(choice.get("key")) for choice in question.values if isinstance(choice, dict)}
    if datatype == AttributeDatatype.SINGLE:
        if isinstance(value, list | tuple) and len(value) == 1:
            value = value[0]
        if isinstance(value, list | tuple | dict) or str(value) not in keys:
            raise ValidationError(
                _("“%(question)s”: choose one of the options offered.") % {"question": label}
            )
        return str(value)
    # Several choices from a list.
    chosen = [value] if isinstance(value, str | int) else value
    if not isinstance(chosen, list | tuple) or not chosen:
        raise ValidationError(
            _("“%(question)s”: choose one or more of the options offered.") % {"question": label}
        )
    answer: list[str] = []
    for item in chosen:
        if isinstance(item, list | tuple | dict) or str(item) not in keys:
            raise ValidationError(
                _("“%(question)s”: “%(value)s” is not one of the options offered.")
                % {"question": label, "value": item}
            )
        if str(item) not in answer:
            answer.append(str(item))
    return answer


def attributes_clean(*, category: Category, answers: dict[str, Any] | None) -> dict[str, Any]:
    """Answers to the category's questions, checked by datatype; raises ValidationError
    keyed ``attribute[<code>]`` (unknown codes and missing required answers included)."""
    answers = answers or {}
    errors: Errors = {}
    questions = {question.code: question for question in category.attributes.all()}
    for code in sorted(set(answers) - set(questions)):
        _add(
            errors,
            f"attribute[{code}]",
            _("This category has no question with the code “%(code)s”.") % {"code": code},
        )
    cleaned: dict[str, Any] = {}
    for code, question in questions.items():
        value = answers.get(code)
        if value is None or value == "" or value == [] or value == ():
            if question.required:
                _add(
                    errors,
                    f"attribute[{code}]",
                    _("Answer the question “%(question)s”.") % {"question": question.description},
                )
            continue
        try:
            cleaned[code] = _answer_clean(question, value)
        except ValidationError as error:
            for message in error.messages:
                _add(errors, f"attribute[{code}]", message)
    _raise_if(errors)
    return cleaned
