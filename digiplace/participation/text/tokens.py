"""Answers read as words and stems, in Romanian and English, for grouping into themes.

Per answer:

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
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from digiplace.participation.text.lexicon import ENGLISH_TO_ROMANIAN
from digiplace.participation.text.stopwords import (
    ENGLISH_STOP_WORDS_EXTRA,
    NOISE_WORDS,
    ROMANIAN_STOP_WORDS,
)

Language = Literal["ro", "en"]

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
