"""Open answers grouped into themes: quality on hand-labelled answers, text handling, edge cases.

Quality is measured on ``data/open_answers_labelled.csv`` (256 synthetic answers written and
labelled by hand, see ``data/README.md``), each question on its own, against the hand themes:
adjusted Rand index (ARI: 0 for a chance grouping, 1 for the hand grouping) and purity (share
of answers in their theme's majority hand theme; answers left out count as misplaced).
Figures measured with scikit-learn 1.9.1 and snowballstemmer 3.1.1 (``pytest -s`` prints them):

=====================================  =====  ======  ==========================
question, number of themes             ARI    purity  asserted at least
=====================================  =====  ======  ==========================
Timișoara digital services, count=5    0.659  0.843   ARI 0.55, purity 0.75
Timișoara, chosen automatically (5)    0.659  0.843   ARI 0.55, purity 0.75
Botoșani tram or buses, count=4        0.269  0.633   ARI 0.18, purity 0.50
Botoșani, chosen automatically (7)     0.305  0.708   ARI 0.22, purity 0.62
=====================================  =====  ======  ==========================

Each question's text is given, so its own words ("tramvai", "autobuze") are left out. The
thresholds sit 0.08 to 0.13 under the figures, so that a change in a library's numerics does
not fail the test while a real loss of quality does. Each figure is also checked against
chance: it must beat every one of 200 random groupings of the same sizes (a permutation test,
p < 0.005). Timișoara's themes have their own words (taxes, tickets, internet, data, older
people); Botoșani's four themes all speak of trams and buses and share few other words, which
words alone (no meaning of words) separate only partly: that figure is the honest limit of
the method, not a target. It is also fragile: while this engine was built, adding one
stop word moved Botoșani's ARI by up to 0.08 either way (0.18 to 0.35 over the changes
tried), while Timișoara's stayed between 0.59 and 0.69.

English words are read through the small English-to-Romanian lexicon of city words in
``participation/text/lexicon.py``, written with these answers in view (it also lists many
words they do not use). Just before it was added, the figures were 0.674/0.843 (Timișoara),
0.180/0.525 and 0.245/0.650 (Botoșani): it helps the question where English answers
otherwise formed a theme of their own, and costs Timișoara a little.
"""

import csv
import random
from collections import Counter
from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score

from digiplace.participation.text.tokens import (
    AnswerTokeniser,
    language_detect,
    text_fold,
    text_words,
    word_stem,
)
from digiplace.participation.themes import ThemeInputError, theme_terms, themes_find

DATA = Path(__file__).parent / "data" / "open_answers_labelled.csv"
QUESTIONS = {
    "timisoara": "Ce v-ar face să folosiți mai des serviciile digitale ale Primăriei Timișoara?",
    "botosani": (
        "Ce preferați pentru transportul public din Botoșani: tramvaiul reabilitat sau "
        "autobuze electrice? De ce?"
    ),
}
NO_THEME = "none"


def labelled_answers(city):
    with DATA.open(encoding="utf-8", newline="") as source:
        rows = [row for row in csv.DictReader(source) if row["theme"].startswith(f"{city}:")]
    return [row["answer"] for row in rows], [row["theme"].split(":", 1)[1] for row in rows]


def grouping_measure(labels, assignment):
    """ARI and purity over the answers with a hand theme; left out answers count as wrong."""
    pairs = [
        (label, theme) for label, theme in zip(labels, assignment, strict=True) if label != NO_THEME
    ]
    hand = [label for label, _theme in pairs]
    found = [-1 if theme is None else theme for _label, theme in pairs]
    majority = sum(
        Counter(
            label for label, theme in zip(hand, found, strict=True) if theme == number
        ).most_common(1)[0][1]
        for number in set(found)
        if number != -1
    )
    return adjusted_rand_score(hand, found), majority / len(pairs)


def chance_best(labels, assignment, rounds=200):
    """The best ARI and purity of random groupings with the same theme sizes."""
    rng = random.Random(10)
    shuffled = list(assignment)
    best_ari = best_purity = 0.0
    for _round in range(rounds):
        rng.shuffle(shuffled)
        ari, purity = grouping_measure(labels, shuffled)
        best_ari, best_purity = max(best_ari, ari), max(best_purity, purity)
    return best_ari, best_purity


@pytest.mark.parametrize(
    ("city", "count", "least_ari", "least_purity"),
    [
        ("timisoara", 5, 0.55, 0.75),
        ("timisoara", None, 0.55, 0.75),
        ("botosani", 4, 0.18, 0.50),
        ("botosani", None, 0.22, 0.62),
    ],
)
def test_grouping_matches_the_hand_themes(city, count, least_ari, least_purity):
    # Given one question's hand-labelled answers
    answers, labels = labelled_answers(city)
    # When they are grouped
    found = themes_find(answers, count=count, question=QUESTIONS[city])
    # Then the grouping agrees with the hand themes well beyond chance
    ari, purity = grouping_measure(labels, found.assignment)
    chance_ari, chance_purity = chance_best(labels, found.assignment)
    print(
        f"\n{city} count={count}: {len(found.themes)} themes, ARI {ari:.3f}, purity {purity:.3f}"
        f" (best of 200 random groupings: ARI {chance_ari:.3f}, purity {chance_purity:.3f});"
        f" left out {found.left_out_count} of {len(answers)}"
    )
    assert ari >= least_ari
    assert purity >= least_purity
    assert ari > chance_ari
    assert purity > chance_purity
    if count is not None:
        assert len(found.themes) == count
    else:
        assert 2 <= len(found.themes) <= 8


@pytest.mark.parametrize("city", ["timisoara", "botosani"])
def test_answers_that_say_nothing_are_left_out(city):
    answers, labels = labelled_answers(city)
    found = themes_find(answers, question=QUESTIONS[city])
    noise = [
        theme for label, theme in zip(labels, found.assignment, strict=True) if label == NO_THEME
    ]
    assert noise
    assert noise == [None] * len(noise)


def test_text_fold_removes_romanian_diacritics_both_spellings():
    assert text_fold("Plăți ÎN Țară, şi ţară, ÂȘ") == "plati in tara, si tara, as"


def test_text_words_unifies_cedilla_letters_and_splits_hyphens():
    assert text_words("Ţara şi s-a dus") == ["țara", "și", "s", "a", "dus"]
    assert text_words("site-urile, Wi-Fi, e-mail") == ["site", "wifi", "email"]


def test_words_typed_without_diacritics_meet_those_with():
    tokeniser = AnswerTokeniser(["Plăți online pentru taxe", "plati online", "platile taxelor"])
    with_marks = tokeniser.answer_tokenise("Plăți online pentru taxe")
    without = tokeniser.answer_tokenise("plati online")
    assert with_marks.stems[0] == without.stems[0]
    # The word shown is the spelling with diacritics that people used.
    assert without.words[0] == "plăți"


def test_romanian_stemming_joins_inflected_forms():
    assert word_stem("taxelor", "ro") == word_stem("taxe", "ro")
    assert word_stem("impozitul", "ro") == word_stem("impozite", "ro")
    assert word_stem("plățile", "ro") == word_stem("plăți", "ro") == "plat"
    assert word_stem("vârstnicii", "ro") == word_stem("varstnici", "ro")


def test_english_stemming_joins_inflected_forms():
    assert word_stem("payments", "en") == word_stem("payment", "en")
    assert word_stem("tickets", "en") == word_stem("ticket", "en")
    assert word_stem("paying", "en") == word_stem("pay", "en")


def test_english_words_meet_their_romanian_counterparts():
    tokeniser = AnswerTokeniser([])
    english = tokeniser.answer_tokenise("the pollution and the batteries of the buses")
    romanian = tokeniser.answer_tokenise("poluarea și bateriile autobuzelor")
    assert english.stems == romanian.stems
    # The words shown stay those the person wrote.
    assert english.words == ("pollution", "batteries", "buses")


def test_bare_word_meets_its_inflected_forms():
    # Snowball cuts "tramvai" to "tramv" but "tramvaiul" to "tramvai"
    tokeniser = AnswerTokeniser(["tramvaiul vechi", "un tramvai nou", "tramvaiele noi"])
    stems = {tokeniser.answer_tokenise(answer).stems[0] for answer in ["tramvaiul", "tramvai"]}
    assert len(stems) == 1


def test_stop_words_of_both_languages_and_the_question_words_are_dropped():
    tokeniser = AnswerTokeniser(
        ["Aș vrea tramvaiul, it is cheaper than the buses"], question="Tramvai sau autobuze?"
    )
    tokens = tokeniser.answer_tokenise("Aș vrea tramvaiul, it is cheaper than the buses")
    # "buses" too: it is read as "autobuze", a word of the question
    assert tokens.words == ("cheaper",)


@pytest.mark.parametrize(
    ("answer", "language"),
    [
        ("Vreau să plătesc taxele online", "ro"),
        ("plata online fara cont si fara drumuri", "ro"),
        ("I would like to pay my taxes online", "en"),
        ("the tram app keeps crashing", "en"),
        ("wifi", "ro"),
    ],
)
def test_language_detect(answer, language):
    assert language_detect(answer) == language


def test_same_answers_give_the_same_themes_in_any_order():
    answers, _labels = labelled_answers("timisoara")
    first = themes_find(answers)
    again = themes_find(answers)
    assert first.assignment == again.assignment
    assert first.themes == again.themes
    order = list(range(len(answers)))
    random.Random(3).shuffle(order)
    shuffled = themes_find([answers[index] for index in order])

    def groups(theme_set, texts):
        return {
            frozenset(texts[index] for index in theme.answer_indexes) for theme in theme_set.themes
        }

    assert groups(first, answers) == groups(shuffled, [answers[index] for index in order])


def test_no_answers_give_no_themes():
    found = themes_find([])
    assert found.themes == []
    assert found.assignment == []


@pytest.mark.parametrize("answers", [["", "   ", "nu", "-", "N/A", "nu știu", "ok"]])
def test_answers_without_words_give_no_themes(answers):
    found = themes_find(answers)
    assert found.themes == []
    assert found.assignment == [None] * len(answers)


def test_one_answer_makes_one_theme():
    found = themes_find(["Plata taxelor online"])
    assert len(found.themes) == 1
    assert found.themes[0].answer_indexes == [0]
    assert found.themes[0].examples == ["Plata taxelor online"]
    assert found.assignment == [0]


def test_two_answers_make_one_theme():
    found = themes_find(["Plata taxelor online", "Internet slab în cartier", ""])
    assert len(found.themes) == 1
    assert found.themes[0].answer_indexes == [0, 1]
    assert found.assignment == [0, 0, None]


def test_duplicates_share_a_theme_and_appear_once_among_examples():
    answers, _labels = labelled_answers("timisoara")
    repeated = "Wifi public care să meargă, nu doar să existe pe hârtie."
    found = themes_find([*answers, repeated, repeated.upper(), repeated])
    indexes = [
        index
        for index, answer in enumerate(found.vectors.answers)
        if text_fold(answer) == text_fold(repeated)
    ]
    assert len(indexes) == 4
    assert len({found.assignment[index] for index in indexes}) == 1
    for theme in found.themes:
        folded = [text_fold(example) for example in theme.examples]
        assert len(folded) == len(set(folded))


def test_an_answer_many_people_wrote_forms_a_theme():
    answers, _labels = labelled_answers("botosani")
    repeated = "Metrou ușor suspendat!"
    found = themes_find(
        [*answers, repeated, repeated, "metrou usor suspendat"], question=QUESTIONS["botosani"]
    )
    themes = {found.assignment[index] for index in range(len(answers), len(answers) + 3)}
    assert len(themes) == 1
    theme = themes.pop()
    assert theme is not None
    assert "metrou" in found.terms_of(range(len(answers), len(answers) + 3))


@pytest.mark.parametrize("city", ["timisoara", "botosani"])
def test_themes_terms_are_words_people_wrote(city):
    answers, _labels = labelled_answers(city)
    written = {word for answer in answers for word in text_words(answer)}
    found = themes_find(answers, question=QUESTIONS[city])
    for theme in found.themes:
        assert 1 <= len(theme.terms) <= 6
        assert set(theme.terms) <= written


def test_payment_theme_is_shown_with_diacritics_and_whole_words():
    answers, labels = labelled_answers("timisoara")
    found = themes_find(answers, count=5, question=QUESTIONS["timisoara"])
    payments = {index for index, label in enumerate(labels) if label == "payments_taxes"}
    theme = max(found.themes, key=lambda theme: len(payments.intersection(theme.answer_indexes)))
    assert "plată" in theme.terms
    assert "impozit" in theme.terms


@pytest.mark.parametrize("city", ["timisoara", "botosani"])
def test_examples_are_answers_of_their_theme(city):
    answers, _labels = labelled_answers(city)
    found = themes_find(answers, question=QUESTIONS[city])
    seen = []
    for number, theme in enumerate(found.themes):
        members = {answers[index].strip() for index in theme.answer_indexes}
        assert 1 <= len(theme.examples) <= 3
        assert set(theme.examples) <= members
        assert theme.answer_count == len(theme.answer_indexes)
        assert all(found.assignment[index] == number for index in theme.answer_indexes)
        seen.extend(theme.answer_indexes)
    assert sorted(seen) == [
        index for index, theme in enumerate(found.assignment) if theme is not None
    ]
    sizes = [theme.answer_count for theme in found.themes]
    assert sizes == sorted(sizes, reverse=True)


@pytest.mark.parametrize("count", [1, 2, 3, 6, 8])
def test_count_is_honoured(count):
    answers, _labels = labelled_answers("timisoara")
    found = themes_find(answers, count=count)
    assert len(found.themes) == count


def test_count_above_the_distinct_answers_gives_one_theme_each():
    found = themes_find(["taxe online", "bilete de tramvai", "internet slab"], count=5)
    assert len(found.themes) == 3


def test_max_count_bounds_the_automatic_choice():
    answers, _labels = labelled_answers("botosani")
    found = themes_find(answers, max_count=3)
    assert 2 <= len(found.themes) <= 3


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"answers": ["a b"], "count": 0}, "The number of themes must be at least 1."),
        ({"answers": ["a b"], "max_count": 0}, "The largest number of themes must be at least 1."),
        ({"answers": "plata online"}, "The answers must be a list of texts."),
        ({"answers": ["plata online", None]}, "The answers must be a list of texts."),
    ],
)
def test_bad_arguments_are_refused_with_a_message(arguments, message):
    with pytest.raises(ThemeInputError) as error:
        themes_find(**arguments)
    assert str(error.value) == message


def test_terms_of_a_merged_theme_cover_both_parts():
    answers, labels = labelled_answers("timisoara")
    found = themes_find(answers, count=5, question=QUESTIONS["timisoara"])
    internet = [index for index, label in enumerate(labels) if label == "connectivity"]
    privacy = [index for index, label in enumerate(labels) if label == "trust_privacy"]
    merged = found.terms_of(internet + privacy, count=10)
    assert "internet" in merged
    assert "datele" in merged
    # The same figures from the texts, read with the question's vocabulary
    assert (
        theme_terms(
            [answers[index] for index in internet + privacy], vectors=found.vectors, count=10
        )
        == merged
    )


def test_terms_of_a_group_without_context():
    terms = theme_terms(
        ["Internet slab în cartier", "internetul e slab la noi", "fibra optica lipseste"]
    )
    assert terms[0] == "internet"
    assert "slab" in terms


def test_terms_of_refuses_unknown_answers():
    found = themes_find(["taxe online", "bilete de tramvai"])
    with pytest.raises(ThemeInputError):
        found.terms_of([0, 5])
    with pytest.raises(ThemeInputError):
        theme_terms(["taxe"], count=0)
