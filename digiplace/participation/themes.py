"""Open answers grouped into themes, offline, in Romanian and English.

A survey question's open answers are turned into TF-IDF vectors of stemmed words and
clustered with k-means; each theme gets readable top terms, its most central answers as
examples and its size. Nothing is downloaded at run time: the stop words are in
``participation.text.stopwords`` and the stemmers are Snowball's (``snowballstemmer``).

The text pipeline, per answer:

1. Unicode NFC, lower case; the old cedilla letters ş and ţ become the comma letters ș and ț.
2. Words are split on anything that is not a letter or digit ("s-a" gives "s" and "a").
3. People often type without diacritics, so "plati" and "plăți" must meet: every word is
   folded (ș→s, ț→t, ă→a, â→a, î→i) and, when the same folded word also occurs with
   diacritics among the answers, the most frequent diacritic spelling stands for both.
4. The language of the answer (Romanian or English) is guessed from the stop words it uses
   that belong to one language only, and from Romanian letters; a tie means Romanian.
5. Stop words of both languages are dropped, and so are the words of the question itself
   when it is given (every answer to "tram or buses?" speaks of trams and buses); the rest
   are stemmed with the answer's language's Snowball stemmer, and the stem, folded, is the
   feature. A word that is itself the stem of other words is kept whole ("tramvai"). An
   English word listed in ``participation.text.lexicon`` is read as its Romanian counterpart
   ("pollution" as "poluare"), so that both languages meet in one theme; the terms shown
   are still the words people wrote.

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

Measured on 5,000 answers on a shared two-core machine: 2.8 s with the number of themes
chosen, 1.4 s with ``count`` given.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import snowballstemmer
from django.utils.translation import gettext as _
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, hstack
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from digiplace.participation.text.lexicon import ENGLISH_TO_ROMANIAN
from digiplace.participation.text.stopwords import (
    ENGLISH_STOP_WORDS_EXTRA,
    NOISE_WORDS,
    ROMANIAN_STOP_WORDS,
)

Language = Literal["ro", "en"]

RANDOM_STATE = 0
TERM_COUNT = 6
EXAMPLE_COUNT = 3
# Beyond this many distinct answers the silhouette is measured on a fixed sample.
SILHOUETTE_SAMPLE = 2000
# Without a given count: the fewest themes whose silhouette reaches this share of the best.
SILHOUETTE_NEAR_BEST = 0.9
# Fewest dimensions kept by the SVD (more when more themes are asked for).
LSA_DIMENSIONS = 8

_CEDILLA = str.maketrans("şţŞŢ", "șțȘȚ")
_WORD = re.compile(r"[^\W_]+")
_BORROWED_ENDING = re.compile(r"(?<=[^\W\d_])-(?:urilor|urile|ului|uri|ul|ii|le)\b")
_ROMANIAN_LETTERS = frozenset("ăâîșț")
_ENGLISH_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | ENGLISH_STOP_WORDS_EXTRA
_ALL_STOP_WORDS = ROMANIAN_STOP_WORDS | _ENGLISH_STOP_WORDS | NOISE_WORDS
# Only words of one language tell which language an answer is in ("a", "in", "are" do not).
_ONLY_ROMANIAN = ROMANIAN_STOP_WORDS - _ENGLISH_STOP_WORDS
_ONLY_ENGLISH = _ENGLISH_STOP_WORDS - ROMANIAN_STOP_WORDS
_LANGUAGES: tuple[Language, ...] = ("ro", "en")
_STEMMERS = {"ro": snowballstemmer.stemmer("romanian"), "en": snowballstemmer.stemmer("english")}


class ThemeInputError(ValueError):
    """Arguments that cannot give themes; the message is in the user's language."""


def text_fold(text: str) -> str:
    """Return ``text`` in lower case without Romanian diacritics ("Plăți" → "plati")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def text_words(text: str) -> list[str]:
    """Split an answer into lower-case words, the cedilla letters ş ţ made ș ț."""
    clean = unicodedata.normalize("NFC", text).translate(_CEDILLA).lower()
    # Compound spellings that hyphen splitting would break into noise.
    clean = clean.replace("wi-fi", "wifi").replace("e-mail", "email")
    # Romanian inflects borrowed words after a hyphen ("site-urile"): the ending goes.
    clean = _BORROWED_ENDING.sub("", clean)
    return _WORD.findall(clean)


def language_detect(text: str) -> Language:
    """Guess whether an answer is in Romanian or English ("ro" when unsure)."""
    words = text_words(text)
    romanian = sum(1 for word in words if text_fold(word) in _ONLY_ROMANIAN)
    romanian += sum(1 for word in words if _ROMANIAN_LETTERS.intersection(word))
    english = sum(1 for word in words if word in _ONLY_ENGLISH)
    return "en" if english > romanian else "ro"


def word_stem(word: str, language: Language) -> str:
    """Return the folded Snowball stem of one lower-case word ("plățile" → "plat")."""
    return text_fold(_STEMMERS[language].stemWord(word))


# English stems with the Romanian word they are read as ("pollut" → "poluare").
_ROMANIAN_OF_ENGLISH_STEM: dict[str, str] = {}
for _english, _romanian in ENGLISH_TO_ROMANIAN.items():
    _ROMANIAN_OF_ENGLISH_STEM.setdefault(_STEMMERS["en"].stemWord(_english), _romanian)


def _is_content(word: str) -> bool:
    folded = text_fold(word)
    return len(folded) > 1 and not folded.isdigit() and folded not in _ALL_STOP_WORDS


@dataclass(frozen=True)
class AnswerTokens:
    """One answer's features (folded stems) and the word each came from."""

    language: Language
    stems: tuple[str, ...]
    words: tuple[str, ...]


class AnswerTokeniser:
    """Turns answers into stems, restoring diacritics the answers themselves use.

    Built from a question's answers, so that "plati" is read as "plăți" when somebody wrote
    "plăți"; reused unchanged to read further answers the same way.
    """

    def __init__(self, answers: Iterable[str], *, question: str = "") -> None:
        answers = list(answers)
        spellings: dict[str, Counter[str]] = {}
        for answer in answers:
            for word in text_words(answer):
                if word != text_fold(word):
                    spellings.setdefault(text_fold(word), Counter())[word] += 1
        self._spelling = {
            folded: min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
            for folded, counts in spellings.items()
        }
        self._stems: dict[tuple[str, Language], str] = {}
        self._ignored: frozenset[str] = frozenset()
        # Snowball cuts some bare words shorter than their inflected forms ("tramvai" gives
        # "tramv" but "tramvaiul" gives "tramvai"): a word that is itself the stem of other
        # words in the answers is kept whole, so both meet.
        self._known_stems: frozenset[str] = frozenset()
        self._known_stems = frozenset(
            stem
            for answer in answers
            for word, stem in zip(*self._answer_stems(answer), strict=True)
            if stem != text_fold(word)
        )
        self._stems.clear()
        # The question's own words ("tramvai sau autobuze?") are in every theme: left out,
        # in whichever form or language an answer repeats them.
        self._ignored = frozenset(
            form
            for word in text_words(question)
            if _is_content(word)
            for form in self._word_forms(self.word_restore(word))
        )

    def word_restore(self, word: str) -> str:
        """Return the diacritic spelling of ``word`` found in the answers, or ``word``."""
        return self._spelling.get(text_fold(word), word)

    def _word_stem(self, word: str, language: Language) -> str:
        key = (word, language)
        if key not in self._stems and language == "en":
            # Read as its Romanian counterpart, so both languages meet in one theme.
            romanian = _ROMANIAN_OF_ENGLISH_STEM.get(_STEMMERS["en"].stemWord(word))
            if romanian is not None:
                self._stems[key] = self._word_stem(romanian, "ro")
        if key not in self._stems:
            whole = text_fold(word)
            self._stems[key] = whole if whole in self._known_stems else word_stem(word, language)
        return self._stems[key]

    def _word_forms(self, word: str) -> set[str]:
        """The word folded and its stems in both languages, to recognise it in any form."""
        return {text_fold(word)} | {self._word_stem(word, language) for language in _LANGUAGES}

    def _answer_stems(self, answer: str) -> tuple[list[str], list[str]]:
        language = language_detect(answer)
        words = [self.word_restore(word) for word in text_words(answer) if _is_content(word)]
        return words, [self._word_stem(word, language) for word in words]

    def answer_tokenise(self, answer: str) -> AnswerTokens:
        """Return the answer's language, its feature stems and the words behind them."""
        language = language_detect(answer)
        words = [self.word_restore(word) for word in text_words(answer) if _is_content(word)]
        kept = [
            (self._word_stem(word, language), word)
            for word in words
            if not (self._ignored and self._ignored.intersection(self._word_forms(word)))
        ]
        return AnswerTokens(
            language=language,
            stems=tuple(stem for stem, _word in kept),
            words=tuple(word for _stem, word in kept),
        )


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
    surfaces: dict[str, Counter[str]] = {}
    for token in tokens:
        for stem, word in zip(token.stems, token.words, strict=True):
            surfaces.setdefault(stem, Counter())[word] += 1
    terms = tuple(
        min(surfaces[stem].items(), key=lambda item: (-item[1], item[0]))[0]
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
