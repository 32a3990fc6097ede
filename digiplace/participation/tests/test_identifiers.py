"""CNP, CUI and voting codes: every rule, every failure reason, digests that hide the number.

Control digits are computed here from the published rules (not with the module's helpers),
and a few numbers were checked by hand; they are noted where they appear.
"""

import contextlib
import hashlib
import hmac
import re
from datetime import date

import pytest
from django.utils.functional import Promise
from hypothesis import given, settings
from hypothesis import strategies as st

from digiplace.participation.identifiers import (
    VOTING_CODE_ALPHABET,
    VOTING_CODE_LENGTH,
    Cnp,
    Cui,
    IdentifierError,
    Sex,
    census_key,
    cnp_digest,
    cnp_parse,
    cui_parse,
    voting_code_check,
    voting_code_digest,
    voting_code_key,
    voting_code_new,
    voting_code_normalise,
)

TODAY = date(2026, 11, 30)


def cnp_with_control(first_twelve: str) -> str:
    """Appends the control digit: weights 279146358279, sum modulo 11, 10 becomes 1."""
    total = sum(
        int(digit) * int(weight) for digit, weight in zip(first_twelve, "279146358279", strict=True)
    )
    remainder = total % 11
    return first_twelve + str(1 if remainder == 10 else remainder)


def cui_with_control(body: str) -> str:
    """Appends the control digit: key 753217532 right-aligned, sum*10 modulo 11, 10 becomes 0."""
    key = "753217532"[-len(body) :]
    total = sum(int(digit) * int(weight) for digit, weight in zip(body, key, strict=True))
    return body + str(total * 10 % 11 % 10)


def error_of(function, text, **options) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        function(text, **options)
    return caught.value


# --- CNP -----------------------------------------------------------------------------------


def test_cnp_checked_by_hand_is_parsed():
    # 1 80 01 01 22 114 4: 2+56+0+0+4+0+3+10+16+2+7+36 = 136, 136 mod 11 = 4.
    cnp = cnp_parse("1800101221144", today=TODAY)

    assert cnp == Cnp(
        number="1800101221144",
        sex=Sex.MALE,
        birth_date=date(1980, 1, 1),
        is_foreign_resident=False,
        county_code="22",
    )


def test_cnp_born_on_29_february_2000_checked_by_hand_is_parsed():
    # 5 00 02 29 12 345 3: 10+0+0+0+8+12+27+5+16+6+28+45 = 157, 157 mod 11 = 3.
    cnp = cnp_parse("5000229123453", today=TODAY)

    assert (cnp.sex, cnp.birth_date, cnp.county_code) == (Sex.MALE, date(2000, 2, 29), "12")


def test_cnp_with_spaces_and_dashes_is_normalised():
    cnp = cnp_parse("  1 800101-22-1144\u00a0", today=TODAY)

    assert cnp.number == "1800101221144"


@pytest.mark.parametrize(
    ("first_digit", "sex", "year"),
    [
        ("1", Sex.MALE, 1985),
        ("2", Sex.FEMALE, 1985),
        ("3", Sex.MALE, 1885),
        ("4", Sex.FEMALE, 1885),
        ("5", Sex.MALE, 2005),
        ("6", Sex.FEMALE, 2005),
    ],
)
def test_cnp_first_digit_gives_sex_and_century(first_digit, sex, year):
    number = cnp_with_control(f"{first_digit}{year % 100:02d}0715" + "35" + "001")

    cnp = cnp_parse(number, today=TODAY)

    assert (cnp.sex, cnp.birth_date) == (sex, date(year, 7, 15))
    assert not cnp.is_foreign_resident


@pytest.mark.parametrize(
    ("first_digit", "year_digits", "sex", "birth_date"),
    [
        ("7", "05", Sex.MALE, date(2005, 3, 1)),
        ("8", "85", Sex.FEMALE, date(1985, 3, 1)),
        ("7", "26", Sex.MALE, date(2026, 3, 1)),
        # 1 March 2027 would be after TODAY: the resident was born in 1927.
        ("8", "27", Sex.FEMALE, date(1927, 3, 1)),
    ],
)
def test_cnp_of_foreign_resident_gets_the_latest_possible_century(
    first_digit, year_digits, sex, birth_date
):
    number = cnp_with_control(f"{first_digit}{year_digits}0301" + "40" + "123")

    cnp = cnp_parse(number, today=TODAY)

    assert (cnp.sex, cnp.birth_date) == (sex, birth_date)
    assert cnp.is_foreign_resident


@pytest.mark.parametrize("first_digit", ["0", "9"])
def test_cnp_with_unknown_first_digit_is_refused(first_digit):
    error = error_of(cnp_parse, cnp_with_control(first_digit + "80010122111"), today=TODAY)

    assert error.code == "cnp_sex_century"


@pytest.mark.parametrize(
    ("first_digit", "year_digits", "is_leap"),
    [
        ("1", "00", False),  # 1900: divisible by 100, not by 400
        ("1", "04", True),
        ("1", "99", False),
        ("3", "00", False),  # 1800
        ("3", "96", True),  # 1896
        ("5", "00", True),  # 2000: divisible by 400
        ("6", "23", False),
        ("6", "24", True),
    ],
)
def test_cnp_29_february_exists_only_in_leap_years(first_digit, year_digits, is_leap):
    number = cnp_with_control(f"{first_digit}{year_digits}0229" + "07" + "010")

    if is_leap:
        assert cnp_parse(number, today=TODAY).birth_date.day == 29
    else:
        assert error_of(cnp_parse, number, today=TODAY).code == "cnp_birth_date"


def test_cnp_29_february_1900_checked_by_hand_is_refused():
    # Control digit correct (149 mod 11 = 6): only the date is wrong.
    assert error_of(cnp_parse, "1000229123456", today=TODAY).code == "cnp_birth_date"


@pytest.mark.parametrize("month_day", ["0001", "1301", "0100", "0132", "0431", "0230"])
def test_cnp_with_impossible_date_is_refused(month_day):
    number = cnp_with_control(f"190{month_day}" + "35" + "001")

    assert error_of(cnp_parse, number, today=TODAY).code == "cnp_birth_date"


def test_cnp_born_after_today_is_refused():
    tomorrow = cnp_with_control("5261201" + "35" + "001")
    today = cnp_with_control("5261130" + "35" + "001")

    assert error_of(cnp_parse, tomorrow, today=TODAY).code == "cnp_birth_date_future"
    assert cnp_parse(today, today=TODAY).birth_date == TODAY


@pytest.mark.parametrize(
    "county", [f"{n:02d}" for n in range(1, 47)] + ["51", "52", "70", "80", "81", "82", "83"]
)
def test_cnp_issued_county_codes_are_accepted(county):
    cnp = cnp_parse(cnp_with_control("2950412" + county + "204"), today=TODAY)

    assert cnp.county_code == county


@pytest.mark.parametrize("county", ["00", "49", "53", "55", "59", "69", "71", "79", "85", "97"])
def test_cnp_county_codes_never_issued_are_refused(county):
    error = error_of(cnp_parse, cnp_with_control("2950412" + county + "204"), today=TODAY)

    assert error.code == "cnp_county"


@pytest.mark.parametrize("county", ["47", "48"])
def test_cnp_former_bucharest_sectors_only_before_their_merger(county):
    before = cnp_with_control("1791218" + county + "204")
    after = cnp_with_control("1791219" + county + "204")

    assert cnp_parse(before, today=TODAY).county_code == county
    assert error_of(cnp_parse, after, today=TODAY).code == "cnp_county"


def test_cnp_serial_000_is_refused():
    number = cnp_with_control("1800101" + "22" + "000")

    assert error_of(cnp_parse, number, today=TODAY).code == "cnp_serial"


@pytest.mark.parametrize("wrong", [d for d in "0123456789" if d != "4"])
def test_cnp_every_wrong_control_digit_is_refused(wrong):
    error = error_of(cnp_parse, "180010122114" + wrong, today=TODAY)

    assert error.code == "cnp_control"


def test_cnp_remainder_10_gives_control_digit_1():
    # Walk the serials of one day until the weighted sum leaves 10 modulo 11.
    for serial in range(1, 1000):
        first_twelve = "2850612" + "35" + f"{serial:03d}"
        total = sum(int(a) * int(b) for a, b in zip(first_twelve, "279146358279", strict=True))
        if total % 11 == 10:
            break
    else:
        pytest.fail("no serial gives a remainder of 10")

    assert cnp_parse(first_twelve + "1", today=TODAY).number == first_twelve + "1"
    assert error_of(cnp_parse, first_twelve + "0", today=TODAY).code == "cnp_control"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "cnp_length"),
        ("180010122114", "cnp_length"),
        ("18001012211440", "cnp_length"),
        ("18001012211a4", "cnp_characters"),
        ("1800101.221144", "cnp_characters"),
        ("١٨٠٠١٠١٢٢١١٤٤", "cnp_characters"),  # Arabic-Indic digits are not accepted
    ],
)
def test_cnp_malformed_is_refused(text, code):
    assert error_of(cnp_parse, text, today=TODAY).code == code


def test_cnp_error_counts_the_digits_and_is_translatable():
    error = error_of(cnp_parse, "180010122114", today=TODAY)

    assert isinstance(error.message, Promise)
    assert error.params == {"count": "12"}
    assert str(error) == "A CNP has exactly 13 digits; this one has 12."


@pytest.mark.parametrize(
    "text",
    [
        "9800101221114",
        "1990229221114",
        cnp_with_control("1800101" + "49" + "114"),
        cnp_with_control("1800101" + "22" + "000"),
        "1800101221140",
    ],
)
def test_cnp_errors_never_repeat_the_digits(text):
    message = str(error_of(cnp_parse, text, today=TODAY))

    assert not any(text[start : start + 4] in message for start in range(len(text) - 3))


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2018, 2, 28), 17),
        (date(2018, 3, 1), 18),
        (date(2020, 2, 28), 19),
        (date(2020, 2, 29), 20),
        (date(2026, 11, 30), 26),
    ],
)
def test_cnp_age_on_a_day_counts_full_years(day, age):
    # Born on 29 February 2000 (checked by hand above).
    assert cnp_parse("5000229123453", today=TODAY).age_on(day) == age


def test_cnp_repr_hides_the_number():
    cnp = cnp_parse("1800101221144", today=TODAY)

    assert "1800101221144" not in repr(cnp)
    assert "1800101221144" not in str(cnp)


# --- Keys and digests ----------------------------------------------------------------------

KEY = census_key("a secret of this installation")


def test_cnp_digest_is_hmac_sha256_of_the_normalised_number():
    expected = hmac.new(KEY, b"1800101221144", hashlib.sha256).hexdigest()

    assert cnp_digest("1800101221144", key=KEY) == expected
    assert cnp_digest(" 1 800101-22-1144 ", key=KEY) == expected
    assert cnp_digest(cnp_parse("1800101221144"), key=KEY) == expected


def test_cnp_digest_depends_on_the_key_and_hides_the_number():
    first = cnp_digest("1800101221144", key=KEY)
    second = cnp_digest("1800101221144", key=census_key("another installation"))

    assert first != second
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert "1800101221144" not in first
    assert first != hashlib.sha256(b"1800101221144").hexdigest()


def test_cnp_digest_of_invalid_cnp_raises():
    assert error_of(cnp_digest, "1800101221145", key=KEY).code == "cnp_control"


def test_digest_refuses_short_keys():
    with pytest.raises(ValueError, match="16 bytes"):
        cnp_digest("1800101221144", key=b"short")
    with pytest.raises(ValueError, match="16 bytes"):
        voting_code_digest(voting_code_new(), key=b"")


def test_keys_are_stable_separate_per_purpose_and_per_secret():
    assert census_key("s3cret") == census_key("s3cret")
    assert len(census_key("s3cret")) == 32
    assert len(voting_code_key("s3cret")) == 32
    assert census_key("s3cret") != voting_code_key("s3cret")
    assert census_key("s3cret") != census_key("s3cret!")
    assert census_key("s3cret") != hashlib.sha256(b"s3cret").digest()


def test_keys_accept_the_secret_as_bytes():
    assert census_key(b"s3cret") == census_key("s3cret")
    assert voting_code_key("s\u0103cret".encode()) == voting_code_key("s\u0103cret")


def test_keys_need_a_secret():
    with pytest.raises(ValueError, match="empty"):
        census_key("")
    with pytest.raises(ValueError, match="empty"):
        voting_code_key(b"")


def test_key_derivation_is_rfc_5869_hkdf_sha256():
    from digiplace.participation.identifiers import _hkdf_sha256

    # RFC 5869, appendix A, test cases 1 and 3.
    okm = _hkdf_sha256(
        bytes([0x0B] * 22), salt=bytes(range(13)), info=bytes(range(0xF0, 0xFA)), length=42
    )
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )
    okm = _hkdf_sha256(bytes([0x0B] * 22), info=b"", length=42)
    assert okm.hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )


# --- CUI -----------------------------------------------------------------------------------

# Public companies listed on the Bucharest Stock Exchange; each passes the control rule.
REAL_CUIS = {
    "1590082": "OMV Petrom",
    "14056826": "Romgaz",
    "13068733": "Transgaz",
    "14506181": "Electrica",
    "5022670": "Banca Transilvania",
    "13267213": "Hidroelectrica",
    "10874881": "Nuclearelectrica",
    "13328043": "Transelectrica",
    "361579": "BRD - Groupe Société Générale",
    "14399840": "Digi Communications (RCS & RDS)",
}


@pytest.mark.parametrize("digits", sorted(REAL_CUIS))
def test_cui_of_real_companies_with_and_without_ro(digits):
    assert cui_with_control(digits[:-1]) == digits

    assert cui_parse(digits) == Cui(digits=digits, has_vat_prefix=False)
    assert cui_parse("RO" + digits) == Cui(digits=digits, has_vat_prefix=True)
    assert cui_parse(f" ro {digits[:3]} {digits[3:]} ") == Cui(digits=digits, has_vat_prefix=True)


def test_cui_prints_as_written():
    assert str(cui_parse("ro14399840")) == "RO14399840"
    assert str(cui_parse("14399840")) == "14399840"


@pytest.mark.parametrize("length", range(2, 11))
def test_cui_of_every_length_with_computed_control_digit(length):
    body = "987654321"[: length - 1]
    digits = cui_with_control(body)

    assert cui_parse(digits).digits == digits


def test_cui_remainder_10_gives_control_digit_0():
    body = next(
        str(n)
        for n in range(1000, 10000)
        if sum(int(a) * int(b) for a, b in zip(str(n), "7532", strict=True)) * 10 % 11 == 10
    )

    assert cui_parse(body + "0").digits == body + "0"


@pytest.mark.parametrize("wrong", [d for d in "0123456789" if d != "0"])
def test_cui_every_wrong_control_digit_is_refused(wrong):
    assert error_of(cui_parse, "1439984" + wrong).code == "cui_control"


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("", "cui_length", {"count": "0"}),
        ("RO", "cui_length", {"count": "0"}),
        ("7", "cui_length", {"count": "1"}),
        ("12345678901", "cui_length", {"count": "11"}),
        ("RO1439-9840", "cui_characters", {}),
        ("DE14399840", "cui_characters", {}),
        ("14399840RO", "cui_characters", {}),
        ("014399840", "cui_leading_zero", {}),
    ],
)
def test_cui_malformed_is_refused(text, code, params):
    error = error_of(cui_parse, text)

    assert (error.code, error.params) == (code, params)
    assert isinstance(error.message, Promise)


# --- Voting codes --------------------------------------------------------------------------

CODE_FORM = re.compile(rf"[{VOTING_CODE_ALPHABET}]{{4}}(-[{VOTING_CODE_ALPHABET}]{{4}}){{2}}")


def test_voting_code_alphabet_has_no_look_alikes():
    assert not set("0O1IL") & set(VOTING_CODE_ALPHABET)
    assert len(set(VOTING_CODE_ALPHABET)) == len(VOTING_CODE_ALPHABET) == 31


def test_voting_codes_are_well_formed_valid_and_unique():
    codes = [voting_code_new() for _ in range(20_000)]

    assert all(CODE_FORM.fullmatch(code) for code in codes)
    assert all(voting_code_check(code) == code for code in codes[:1000])
    assert len(set(codes)) == len(codes)
    # Every symbol of the alphabet turns up, in every random position.
    for position in (0, 5, 13):
        assert {code[position] for code in codes} == set(VOTING_CODE_ALPHABET)


def test_voting_code_typed_loosely_is_recognised():
    code = voting_code_new()
    compact = code.replace("-", "")
    full_width = "".join(chr(ord(symbol) + 0xFEE0) for symbol in compact)

    assert voting_code_check(code.lower()) == code
    assert voting_code_check(f"  {compact[:6]} {compact[6:]} ") == code
    assert voting_code_check(code.replace("-", "\u2013")) == code
    assert voting_code_check(full_width) == code
    assert voting_code_normalise(code.lower()) == compact


def test_voting_code_cyrillic_and_greek_look_alikes_become_latin():
    assert voting_code_normalise("АВЕК-МНРС") == "ABEKMHPC"
    assert voting_code_normalise("τχ κн-тз") == "TXKHT3"


@pytest.mark.parametrize(
    ("text", "characters"),
    [("OOOO-2222-3333", "O"), ("1234-5678-9ABC", "1"), ("ABCD-EFGH-IJKL", "I, L"), ("A#B", "#")],
)
def test_voting_code_with_unused_characters_names_them(text, characters):
    error = error_of(voting_code_check, text)

    assert (error.code, error.params) == ("voting_code_characters", {"characters": characters})
    assert characters in str(error)


@pytest.mark.parametrize("length", [0, 11, 13])
def test_voting_code_of_wrong_length_is_refused(length):
    assert error_of(voting_code_check, "A" * length).code == "voting_code_length"


def test_voting_code_every_single_substitution_is_caught_exhaustively():
    compact = voting_code_new().replace("-", "")

    for position in range(VOTING_CODE_LENGTH):
        for symbol in VOTING_CODE_ALPHABET:
            if symbol != compact[position]:
                typed = compact[:position] + symbol + compact[position + 1 :]
                assert error_of(voting_code_check, typed).code == "voting_code_check"


symbols = st.sampled_from(VOTING_CODE_ALPHABET)
bodies = st.text(alphabet=VOTING_CODE_ALPHABET, min_size=11, max_size=11)


def code_complete(body: str) -> str:
    """The one check symbol that makes ``body`` a valid code, found by trying them all."""
    valid = []
    for symbol in VOTING_CODE_ALPHABET:
        with contextlib.suppress(IdentifierError):
            valid.append(voting_code_check(body + symbol))
    assert len(valid) == 1
    return valid[0].replace("-", "")


@settings(max_examples=300, deadline=None)
@given(body=bodies, position=st.integers(0, VOTING_CODE_LENGTH - 1), symbol=symbols)
def test_voting_code_check_catches_any_single_wrong_character(body, position, symbol):
    code = code_complete(body)
    typed = code[:position] + symbol + code[position + 1 :]

    if typed == code:
        assert voting_code_check(typed).replace("-", "") == code
    else:
        assert error_of(voting_code_check, typed).code == "voting_code_check"


@settings(max_examples=300, deadline=None)
@given(body=bodies, position=st.integers(0, VOTING_CODE_LENGTH - 2))
def test_voting_code_check_catches_any_adjacent_swap(body, position):
    code = code_complete(body)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]

    if swapped == code:
        assert voting_code_check(swapped).replace("-", "") == code
    else:
        assert error_of(voting_code_check, swapped).code == "voting_code_check"


def test_voting_code_digest_is_keyed_and_hides_the_code():
    code = voting_code_new()
    key = voting_code_key("a secret of this installation")
    digest = voting_code_digest(code, key=key)

    assert digest == voting_code_digest(code.lower().replace("-", " "), key=key)
    assert digest == hmac.new(key, code.replace("-", "").encode(), hashlib.sha256).hexdigest()
    assert digest != voting_code_digest(code, key=voting_code_key("another installation"))
    assert code.replace("-", "") not in digest.upper()


def test_voting_code_digest_of_mistyped_code_raises():
    code = voting_code_new()
    last = VOTING_CODE_ALPHABET[(VOTING_CODE_ALPHABET.index(code[-1]) + 1) % 31]

    error = error_of(voting_code_digest, code[:-1] + last, key=voting_code_key("k"))

    assert error.code == "voting_code_check"
