"""Stop words for grouping open answers, written for survey answers in Romanian and English.

Every word is stored lower case and without diacritics (ș→s, ț→t, ă→a, â→a, î→i), because
answers are matched after folding: "însă" and "insa" are the same stop word. Besides grammar
words, each list holds the fillers people write in survey answers ("cred", "maybe", "ok") and
the answers that say nothing ("nimic", "nu stiu", "n/a"), so that such an answer is left
without terms and out of every theme.
"""


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Romanian: pronouns, articles, prepositions, conjunctions, auxiliaries, common adverbs and
# the clitic pieces left when "s-a", "într-un", "n-am" are split at the hyphen.
ROMANIAN_STOP_WORDS: frozenset[str] = _word_set(
    """
    a ai al ale alea alt alta altceva alte altele altii altul am ar are as asa asta aceasta
    aceea aceeasi acei aceia acel acela acele acelasi acelea acest acesta aceste acestea acestei
    acestia acestui acolo acum adica ai aia aici aiurea al ala alaturi ale alea am an ani anul
    apoi ar are as asemenea asta astazi astea asupra atat atata atatea atatia ati atit atita
    atitea atunci au avea aveam avem aveti avut azi b ba bine c ca cam care careia caruia
    carora cat cata cate cati catre ce cea ceea cei ceilalti cel cele celor ceva chiar ci cind
    cine cineva cit cita cite citeva citi citiva conform cu cum cumva curand d da daca dar
    dat datorita dau de deci deja deoarece departe desi despre desigur dintr dintre din doar
    dumneavoastra dupa e ea ei el ele era eram este esti eu f face facut fara fata fel fi fie
    fiecare fii fiind fim fiu fost foarte fel g h i ia iar ii il imi impotriva in inainte
    inaintea incat incit incotro intre intr intrucat intrucit isi iti j k l la le li lor lui
    m ma mai mare mea mei mele mereu meu mi mie mine mod mult multa multe multi multumesc
    n ne nevoie nici niciodata nicaieri nimeni nimic niste noastra noastre noi nostri nostru
    nou noua nu numai o oare ori oricare orice oricine oricum oriunde p pai parca pe pentru
    peste pina pana poate pot prea prima primul prin printr putea putem puteti r s sa sai
    sale sau se si sint sintem sinteti spre sub sunt suntem sunteti t ta tale te ti tine
    toata toate tocmai tot toti totul totusi tu tuturor u un una unde undeva unei unele uneori
    unii unor unui unul v va vi voastra voastre voi vom vor vostri vostru vreo vreun z
    cred cand ceea consider parerea parere parerii meu mea zic spun stiu sincer ok okay
    trebui trebuie trebuia ar as fi poate putea vrea vreau vrem vor doresc dorim dori
    bun buna bune buni bine rau lucru lucruri ceva orice lucrul
    dl dna etc adica respectiv inca insa desi nr
    sta stai stau merge merg mearga ajunge altfel putin putina putine conteaza trece decat
    """
)

# English: scikit-learn's list is added to these in the vectoriser; here the survey fillers.
ENGLISH_STOP_WORDS_EXTRA: frozenset[str] = _word_set(
    """
    think maybe ok okay yes really just like would should could also need needs want
    good bad lot lots thing things much many get got make makes dont don doesn isn
    im ive id thanks thank please n
    """
)

# Answers that are only these say nothing ("nu", "n/a", "-"): they stay out of every theme.
NOISE_WORDS: frozenset[str] = _word_set(
    "da nu nimic nush nuj idk na none nothing no yes ok okay asdf test"
)
