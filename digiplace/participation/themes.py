"""Open answers grouped into themes, offline, in Romanian and English.

A survey question's open answers are turned into TF-IDF vectors of stemmed words and
clustered with k-means; each theme gets readable top terms, its most central answers as
examples and its size. Nothing is downloaded at run time: the stop words are in
``participation.text.stopwords`` and the stemmers are Snowball's (``snowballstemmer``).

The answers are read by ``participation.text.tokens`` (diacritics unified and matched
with and without, language guessed per answer, stop words and the question's own words
dropped, Snowball stems; see there), then weighed by TF-IDF.

Clustering: TF-IDF rows of stems (sublinear term frequency), joined by TF-IDF rows of the
stems' character 4- and 5-grams, are reduced by truncated SVD (latent semantic analysis) to
about as many dimensions as themes, normalised, and clustered by k-means with a fixed random
state, on one thread: the same answers, in any order, always give the same themes. Without a
given ``count``, the number of themes is the smallest between 2 and ``max_count`` whose cosine
silhouette, measured in the full feature space, comes within 10% of the best.

Answers left out of every theme (``None`` in the assignment): empty ones, those made only
of stop words or noise ("nu", "n/a", "-"), and those sharing no term with any other answer
(they cannot be grouped). Duplicates (the same words once normalised) are clustered once,
weighted by how often they occur, and always land in the same theme.

Measured once on 5,000 answers (4,751 distinct), on a two-core machine shared with other
work: 2.7 to 4.3 s wall clock (1.9 s of CPU) with the number of themes chosen, 1.3 to 2.9 s
(1.1 s of CPU) with ``count`` given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, hstack
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from digiplace.participation.text.tokens import AnswerTokeniser, Language, text_fold

RANDOM_STATE = 0
TERM_COUNT = 6
EXAMPLE_COUNT = 3
# Beyond this many distinct answers the silhouette is measured on a fixed sample.
SILHOUETTE_SAMPLE = 2000
# Without a given count: the fewest themes whose silhouette reaches this share of the best.
SILHOUETTE_NEAR_BEST = 0.9
# Fewest dimensions kept by the SVD (more when more themes are asked for).
LSA_DIMENSIONS = 8


class ThemeInputError(ValueError):
    """Arguments that cannot give themes; the message is in the user's language."""


def _identity(tokens: Sequence[str]) -> Sequence[str]:
    return tokens


@dataclass(frozen=True)
class AnswerVectors:
    """The TF-IDF work on a question's answers, kept to relabel themes later.

    ``matrix`` has one L2-normalised row per answer, in the order given (rows of answers
    without terms are zero); ``terms`` names each column with the most frequent word behind
    its stem, as people wrote it.
    """

    answers: tuple[str, ...]
    languages: tuple[Language, ...]
    stems: tuple[tuple[str, ...], ...]
    matrix: csr_matrix = field(compare=False)
    terms: tuple[str, ...]
    tokeniser: AnswerTokeniser = field(repr=False, compare=False)
    vectoriser: TfidfVectorizer = field(repr=False, compare=False)

    def transform(self, answers: Sequence[str]) -> csr_matrix:
        """Vectorise other answers with this vocabulary and these weights."""
        tokens = [self.tokeniser.answer_tokenise(answer).stems for answer in answers]
        return csr_matrix(self.vectoriser.transform(tokens))

    def terms_top(self, rows: csr_matrix, *, count: int = TERM_COUNT) -> list[str]:
        """The words that best set ``rows`` apart from all the answers of the question."""
        if rows.shape[0] == 0 or rows.nnz == 0:
            return []
        inside = np.asarray(rows.mean(axis=0)).ravel()
        overall = np.asarray(self.matrix.mean(axis=0)).ravel()
        score = inside - 0.5 * overall
        order = np.lexsort((np.arange(score.size), -score))
        chosen = [int(column) for column in order if inside[column] > 0 and score[column] > 0]
        return [self.terms[column] for column in chosen[:count]]


def answers_vectorise(answers: Sequence[str], *, question: str = "") -> AnswerVectors:
    """Tokenise, stem and weigh a question's answers (TF-IDF), ready for clustering.

    Terms found in a single answer are dropped once there are ten distinct answers or more:
    they cannot join that answer to any other. An answer written by several people counts
    once per person, so that its words are kept.
    """
    answers = _answers_check(answers)
    tokeniser = AnswerTokeniser(answers, question=question)
    tokens = [tokeniser.answer_tokenise(answer) for answer in answers]
    distinct = {token.stems for token in tokens if token.stems}
    vectoriser = TfidfVectorizer(
        analyzer=_identity, sublinear_tf=True, min_df=2 if len(distinct) >= 10 else 1
    )
    documents = sorted(list(token.stems) for token in tokens if token.stems)
    languages = tuple(token.language for token in tokens)
    if not documents:
        return AnswerVectors(
            answers=tuple(answers),
            languages=languages,
            stems=tuple(() for _answer in answers),
            matrix=csr_matrix((len(answers), 0)),
            terms=(),
            tokeniser=tokeniser,
            vectoriser=vectoriser,
        )
    try:
        vectoriser.fit(documents)
    except ValueError:  # every term in one answer only
        vectoriser = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
        vectoriser.fit(documents)
    matrix = csr_matrix(vectoriser.transform([list(token.stems) for token in tokens]))
    surfaces: dict[str, Counter[tuple[str, bool]]] = {}
    for token in tokens:
        for stem, word in zip(token.stems, token.words, strict=True):
            surfaces.setdefault(stem, Counter())[(word, token.language == "en")] += 1
    # The most frequent spelling; on a tie, the Romanian one (the city's language).
    terms = tuple(
        min(surfaces[stem].items(), key=lambda item: (-item[1], item[0][1], item[0][0]))[0][0]
        for stem in vectoriser.get_feature_names_out()
    )
    return AnswerVectors(
        answers=tuple(answers),
        languages=languages,
        stems=tuple(
            tuple(stem for stem in token.stems if stem in vectoriser.vocabulary_)
            for token in tokens
        ),
        matrix=matrix,
        terms=terms,
        tokeniser=tokeniser,
        vectoriser=vectoriser,
    )


@dataclass(frozen=True)
class Theme:
    """One group of answers: its top terms, up to three central examples, its members."""

    terms: list[str]
    answer_indexes: list[int]
    examples: list[str]

    @property
    def answer_count(self) -> int:
        return len(self.answer_indexes)


@dataclass(frozen=True)
class ThemeSet:
    """The themes of a question's answers, largest first.

    ``assignment[i]`` is the position in ``themes`` of answer ``i``'s theme, or ``None`` for
    an answer left out. ``vectors`` is the TF-IDF work, to relabel themes after staff edits.
    """

    themes: list[Theme]
    assignment: list[int | None]
    vectors: AnswerVectors = field(repr=False, compare=False)

    @property
    def left_out_count(self) -> int:
        return sum(1 for theme in self.assignment if theme is None)

    def terms_of(self, answer_indexes: Sequence[int], *, count: int = TERM_COUNT) -> list[str]:
        """Top terms of any group of this question's answers (after a merge or a move)."""
        size = len(self.assignment)
        if any(not 0 <= index < size for index in answer_indexes):
            raise ThemeInputError(_("An answer chosen for the theme is not among the answers."))
        return self.vectors.terms_top(self.vectors.matrix[list(answer_indexes)], count=count)


def theme_terms(
    answers: Sequence[str], *, vectors: AnswerVectors | None = None, count: int = TERM_COUNT
) -> list[str]:
    """Top terms of a group of answers, shown as words.

    With ``vectors`` (a ``ThemeSet.vectors``) the answers are weighed against the whole
    question, so the terms say what sets the group apart; without, against each other.
    """
    answers = _answers_check(answers)
    if count < 1:
        raise ThemeInputError(_("The number of terms must be at least 1."))
    if vectors is None:
        vectors = answers_vectorise(answers)
        return vectors.terms_top(vectors.matrix, count=count)
    return vectors.terms_top(vectors.transform(answers), count=count)


def themes_find(
    answers: Sequence[str],
    *,
    count: int | None = None,
    max_count: int = 8,
    question: str = "",
) -> ThemeSet:
    """Group a question's open answers into themes.

    ``count`` fixes the number of themes (fewer only when there are fewer distinct answers
    to group); otherwise it is chosen between 2 and ``max_count`` by silhouette. Two or fewer
    distinct answers make one theme; no answer with terms makes none. ``question``, the text
    of the question asked, keeps its words out of the terms and out of the grouping.
    """
    if count is not None and count < 1:
        raise ThemeInputError(_("The number of themes must be at least 1."))
    if max_count < 1:
        raise ThemeInputError(_("The largest number of themes must be at least 1."))
    vectors = answers_vectorise(answers, question=question)
    matrix = vectors.matrix
    grouped = [
        index for index in range(matrix.shape[0]) if matrix.indptr[index + 1] > matrix.indptr[index]
    ]
    if not grouped:
        return ThemeSet(themes=[], assignment=[None] * len(answers), vectors=vectors)
    # Identical rows are clustered once, weighted by how often they occur.
    row_keys = [_row_key(matrix, index) for index in grouped]
    distinct_keys = sorted(set(row_keys))
    position = {key: number for number, key in enumerate(distinct_keys)}
    first_row: dict[tuple[tuple[int, ...], tuple[float, ...]], int] = {}
    for index, key in zip(grouped, row_keys, strict=True):
        first_row.setdefault(key, index)
    distinct = matrix[[first_row[key] for key in distinct_keys]]
    spellings = [" ".join(vectors.stems[first_row[key]]) for key in distinct_keys]
    weights = np.bincount([position[key] for key in row_keys], minlength=len(distinct_keys))
    # One thread: for a few thousand answers, starting threads costs more than it saves,
    # and the web server runs other requests beside this one.
    with threadpool_limits(limits=1):
        labels = _labels_find(distinct, spellings, weights, count=count, max_count=max_count)
    return _themes_build(vectors, grouped, [int(labels[position[key]]) for key in row_keys])


def _answers_check(answers: Sequence[str]) -> list[str]:
    if isinstance(answers, str) or not all(isinstance(answer, str) for answer in answers):
        raise ThemeInputError(_("The answers must be a list of texts."))
    return list(answers)


def _row_key(matrix: csr_matrix, index: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
    start, end = matrix.indptr[index], matrix.indptr[index + 1]
    return tuple(matrix.indices[start:end].tolist()), tuple(
        np.round(matrix.data[start:end], 9).tolist()
    )


def _labels_find(
    distinct: csr_matrix,
    spellings: list[str],
    weights: NDArray[np.int64],
    *,
    count: int | None,
    max_count: int,
) -> NDArray[np.int64]:
    size = distinct.shape[0]
    upper = min(count if count is not None else max_count, size)
    if (size <= 2 and count is None) or upper == 1:
        return np.zeros(size, dtype=np.int64)
    features = _features_build(distinct, spellings)
    points = _points_reduce(features, dimensions=max(upper, LSA_DIMENSIONS))
    if count is not None:
        return _kmeans_labels(points, weights, upper)
    scored: list[tuple[float, NDArray[np.int64]]] = []
    for clusters in range(2, min(upper, size - 1) + 1):
        labels = _kmeans_labels(points, weights, clusters)
        if len(set(labels.tolist())) < 2:
            continue
        # Measured in the full feature space: in the reduced one, the silhouette keeps
        # growing with the number of themes because the space is cut to their number.
        score = float(
            silhouette_score(
                features,
                labels,
                metric="cosine",
                sample_size=min(size, SILHOUETTE_SAMPLE),
                random_state=RANDOM_STATE,
            )
        )
        scored.append((score, labels))
    if not scored:
        return np.zeros(size, dtype=np.int64)
    # Fewer themes read better: the smallest number scoring near the best one wins.
    best = max(score for score, _labels in scored)
    return next(labels for score, labels in scored if score >= SILHOUETTE_NEAR_BEST * best)


def _features_build(distinct: csr_matrix, spellings: list[str]) -> csr_matrix:
    """Word stems joined by the character 4- and 5-grams of the stems, rows normalised.

    The n-grams meet where stems differ only a little: "poluare" and "nepoluant", typos,
    "ecologic" and "ecological".
    """
    characters = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(4, 5), sublinear_tf=True, min_df=min(2, len(spellings))
    )
    try:
        grams = characters.fit_transform(spellings)
    except ValueError:  # no character n-gram is shared
        return distinct
    return csr_matrix(normalize(hstack([distinct, grams]).tocsr()))


def _points_reduce(features: csr_matrix, *, dimensions: int) -> NDArray[np.float64]:
    """Project the answers by truncated SVD (latent semantic analysis), rows normalised.

    About as many dimensions as themes: what k-means needs to tell them apart, while more
    dimensions mostly keep noise on a few hundred short answers.
    """
    dimensions = min(dimensions, features.shape[0] - 1, features.shape[1] - 1)
    if dimensions < 2:
        return np.asarray(features.toarray(), dtype=np.float64)
    svd = TruncatedSVD(n_components=dimensions, random_state=RANDOM_STATE)
    reduced = svd.fit_transform(features)
    return np.asarray(normalize(reduced), dtype=np.float64)


def _kmeans_labels(
    points: NDArray[np.float64], weights: NDArray[np.int64], clusters: int
) -> NDArray[np.int64]:
    model = KMeans(n_clusters=clusters, n_init=4, random_state=RANDOM_STATE)
    return np.asarray(model.fit_predict(points, sample_weight=weights), dtype=np.int64)


def _themes_build(vectors: AnswerVectors, grouped: list[int], labels: list[int]) -> ThemeSet:
    members: dict[int, list[int]] = {}
    for index, label in zip(grouped, labels, strict=True):
        members.setdefault(label, []).append(index)
    # Largest theme first; equal sizes by their first answer, so the order is stable.
    ordered = sorted(members.values(), key=lambda indexes: (-len(indexes), indexes[0]))
    themes: list[Theme] = []
    assignment: list[int | None] = [None] * len(vectors.answers)
    for number, indexes in enumerate(ordered):
        for index in indexes:
            assignment[index] = number
        rows = vectors.matrix[indexes]
        themes.append(
            Theme(
                terms=vectors.terms_top(rows),
                answer_indexes=indexes,
                examples=_examples_pick(vectors, indexes, rows),
            )
        )
    return ThemeSet(themes=themes, assignment=assignment, vectors=vectors)


def _examples_pick(vectors: AnswerVectors, indexes: list[int], rows: csr_matrix) -> list[str]:
    centre = np.asarray(rows.mean(axis=0)).ravel()
    closeness = rows @ centre
    order = sorted(
        range(len(indexes)), key=lambda position: (-closeness[position], indexes[position])
    )
    examples: list[str] = []
    seen: set[str] = set()
    for position in order:
        answer = vectors.answers[indexes[position]]
        key = " ".join(text_fold(answer).split())
        if key not in seen:
            seen.add(key)
            examples.append(answer.strip())
        if len(examples) == EXAMPLE_COUNT:
            break
    return examples
