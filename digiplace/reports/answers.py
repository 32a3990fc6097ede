"""A report's answers to its category's questions, as people read them: the question and
the chosen names, never the stored keys. The public report page and the staff page show
the same rows."""

from __future__ import annotations

from typing import Any

from .models import CategoryAttribute, Report


def _choice_names(question: CategoryAttribute | None) -> dict[str, str]:
    if question is None:
        return {}
    return {
        str(choice.get("key")): str(choice.get("name") or choice.get("key"))
        for choice in question.values or []
        if isinstance(choice, dict)
    }


def _answer_text(question: CategoryAttribute | None, value: Any) -> str:
    names = _choice_names(question)
    values = value if isinstance(value, list) else [value]
    return ", ".join(names.get(str(item), str(item)) for item in values)


def report_answers(*, report: Report) -> list[tuple[str, str]]:
    """(question, answer) rows in the order of the category's questions.

    An answer to a question the category no longer has keeps its code as the question,
    after the others, so that nothing the person wrote is lost from view."""
    answers = report.attributes or {}
    if not answers:
        return []
    questions = list(report.category.attributes.all())
    rows = [
        (question.description, _answer_text(question, answers[question.code]))
        for question in questions
        if question.code in answers
    ]
    known = {question.code for question in questions}
    rows.extend(
        (code, _answer_text(None, value)) for code, value in answers.items() if code not in known
    )
    return rows
