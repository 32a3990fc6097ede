"""A survey's sent responses as a table: one row per response, one column per question
(per option for multiple choice and ranking, per row for a matrix), for the CSV and XLSX
downloads. Nothing personal: no account, no key, no time; respondents are numbered in the
order their responses were sent.

The answers are read in one ordered pass (``iterator``), so memory stays flat whatever
the number of responses.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.utils.translation import gettext as _

from digiplace.participation.models import Answer, Question, QuestionKind, Survey

# Spreadsheets run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ITERATOR_CHUNK = 5000

Cell = str | int | None


class ExportAnswer(NamedTuple):
    """The parts of an answer the table shows (read as plain rows: no model instances)."""

    option_id: int | None
    is_other: bool
    number: int | None
    text: str


@dataclass(frozen=True)
class Column:
    header: str
    # Reads the cell from the response's answers to the column's question.
    read: Callable[[list[ExportAnswer]], Cell]
    question_id: int


def _cell_text(text: str) -> str:
    """A resident's text made safe for spreadsheets (no formula runs)."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _columns_of(question: Question) -> list[Column]:
    title = f"{question.position}. {question.text}"
    options = list(question.options.all())
    kind = question.kind
    columns: list[Column] = []
    if kind == QuestionKind.SINGLE:
        labels = {option.pk: option.label for option in options}

        def chosen(answers: list[ExportAnswer]) -> Cell:
            for answer in answers:
                if answer.is_other:
                    return _("Other")
                if answer.option_id is not None:
                    return labels.get(answer.option_id)
            return None

        columns.append(Column(title, chosen, question.pk))
    elif kind == QuestionKind.MULTIPLE:
        for option in options:

            def ticked(answers: list[ExportAnswer], option_id: int = option.pk) -> Cell:
                if not answers:
                    return None
                return int(any(answer.option_id == option_id for answer in answers))

            columns.append(Column(f"{title} [{option.label}]", ticked, question.pk))
        if question.has_other:

            def other_ticked(answers: list[ExportAnswer]) -> Cell:
                if not answers:
                    return None
                return int(any(answer.is_other for answer in answers))

            columns.append(Column(f"{title} [{_('Other')}]", other_ticked, question.pk))
    elif kind in {QuestionKind.RANKING, QuestionKind.MATRIX}:
        for option in options:

            def number(answers: list[ExportAnswer], option_id: int = option.pk) -> Cell:
                for answer in answers:
                    if answer.option_id == option_id:
                        return answer.number
                return None

            columns.append(Column(f"{title} [{option.label}]", number, question.pk))
    elif kind == QuestionKind.SCALE:

        def value(answers: list[ExportAnswer]) -> Cell:
            return answers[0].number if answers else None

        columns.append(Column(title, value, question.pk))
    else:

        def text(answers: list[ExportAnswer]) -> Cell:
            return _cell_text(answers[0].text) if answers else None

        columns.append(Column(title, text, question.pk))
    if question.has_other and kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}:

        def other_text(answers: list[ExportAnswer]) -> Cell:
            for answer in answers:
                if answer.is_other:
                    return _cell_text(answer.text)
            return None

        columns.append(Column(f"{title} [{_('Other')}: {_('text')}]", other_text, question.pk))
    return columns


def survey_export_columns(*, survey: Survey) -> list[Column]:
    questions = Question.objects.filter(survey=survey).prefetch_related("options")
    return [
        column
        for question in questions.order_by("position", "pk")
        for column in _columns_of(question)
    ]


def survey_export_rows(*, survey: Survey) -> Iterator[list[Cell]]:
    """The header, then one row per sent response (numbered from 1)."""
    columns = survey_export_columns(survey=survey)
    yield [_("Respondent"), *(column.header for column in columns)]
    answers = (
        Answer.objects.filter(response__survey=survey, response__submitted_at__isnull=False)
        .order_by("response__submitted_at", "response_id", "question_id", "number", "pk")
        .values_list("response_id", "question_id", "option_id", "is_other", "number", "text")
    )
    number = 0
    current: int | None = None
    by_question: dict[int, list[ExportAnswer]] = {}

    def row() -> list[Cell]:
        return [
            number,
            *(column.read(by_question.get(column.question_id, [])) for column in columns),
        ]

    for response_id, question_id, option_id, is_other, value, text in answers.iterator(
        chunk_size=ITERATOR_CHUNK
    ):
        if response_id != current:
            if current is not None:
                yield row()
            number += 1
            current = response_id
            by_question = {}
        by_question.setdefault(question_id, []).append(
            ExportAnswer(option_id, is_other, value, text)
        )
    if current is not None:
        yield row()


class _Echo:
    def write(self, value: str) -> str:
        return value


def survey_export_csv_lines(*, survey: Survey) -> Iterator[str]:
    """The CSV text, line by line, UTF-8 with a byte order mark for Excel."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for cells in survey_export_rows(survey=survey):
        yield writer.writerow(["" if cell is None else cell for cell in cells])


def survey_export_xlsx(*, survey: Survey) -> bytes:
    """The XLSX workbook (one sheet), written in openpyxl's streaming mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Responses")[:31])
    for cells in survey_export_rows(survey=survey):
        sheet.append(cells)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
