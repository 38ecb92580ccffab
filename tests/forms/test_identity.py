"""Protected identities: codice fiscale checks, keyed pseudonyms and encrypted identifiers."""

import base64
import hashlib
import hmac
import re
from datetime import date

import pytest

from forms.errors import FormError
from forms.identity import (
    IdentityError,
    check_character,
    check_codice_fiscale,
    decrypt_identity,
    encrypt_identity,
    normalise_identity_part,
    pseudonym,
)

KEY = b"k" * 32
# Examples published with the algorithm's description (Agenzia delle Entrate's layout, as Wikipedia shows it).
PUBLISHED = ["RSSMRA85T10A562S", "MRTMTT25D09F205Z"]


def with_check(first15: str) -> str:
    return first15 + check_character(first15)


def cf_error(text: str) -> IdentityError:
    with pytest.raises(IdentityError) as raised:
        check_codice_fiscale(text)
    return raised.value


# Codice fiscale


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_examples_have_the_check_character_the_algorithm_computes(code):
    assert check_character(code[:15]) == code[15]
    assert check_codice_fiscale(code) == code


@pytest.mark.parametrize(
    "first15",
    [
        "BNCGNN72C52F205",  # a woman: day + 40
        "VRDLCU01A01Z404",  # born abroad (Z + country code)
        "XXXXXX00T31H501",  # X fillers, 31 December
        "MRTMTT25D09F20R",  # omocodia: the last digit 5 written as R
        "MRTMTTNRDLSFNLR",  # omocodia in every digit position
    ],
)
def test_valid_codes_built_with_their_check_character_are_accepted(first15):
    code = with_check(first15)

    assert check_codice_fiscale(code) == code


def test_a_code_is_upper_cased_and_stripped_of_spaces():
    assert check_codice_fiscale(" rssmra 85t10 a562s ") == "RSSMRA85T10A562S"


@pytest.mark.parametrize(("text", "length"), [("RSSMRA85T10A562", 15), ("RSSMRA85T10A562SX", 17), ("", 0)])
def test_a_wrong_length_says_how_many_characters_there_are(text, length):
    error = cf_error(text)

    assert (error.code, error.params["length"]) == ("cf_length", length)
    assert error.message("it") == f"Il codice fiscale ha 16 caratteri; questo ne ha {length}."
    assert error.message("en") == f"A codice fiscale has 16 characters; this one has {length}."


def test_an_eleven_digit_code_is_explained_as_a_partita_iva():
    assert "partita IVA" in cf_error("01234567890").message("it")


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ("R5SMRA85T10A562S", "cf_letter", 2),
        ("RSSMRA8AT10A562S", "cf_digit", 8),
        ("RSSMRA85T10A5W2S", "cf_digit", 14),
        ("RSSMRA85T1-A562S", "cf_digit", 11),
        ("RSSMRA85T10À562S", "cf_letter", 12),
    ],
)
def test_a_wrong_character_is_named_by_its_position(text, code, position):
    error = cf_error(text)

    assert (error.code, error.params["position"]) == (code, position)
    assert f"carattere {position}" in error.message("it")
    assert f"Character {position}" in error.message("en")


def test_a_letter_that_is_no_month_is_refused():
    error = cf_error(with_check("RSSMRA85F10A562"))

    assert error.code == "cf_month"
    assert "mese" in error.message("it")


@pytest.mark.parametrize("day", ["00", "32", "40", "72", "99"])
def test_a_day_outside_1_31_and_41_71_is_refused(day):
    assert cf_error(with_check(f"RSSMRA85T{day}A562")).code == "cf_day"


@pytest.mark.parametrize("typo", ["RSSMRA85T10A562T", "RSSMRA58T10A562S", "RSSMRA85T10A526S"])
def test_a_mistyped_code_fails_its_check_character(typo):
    error = cf_error(typo)

    assert error.code == "cf_check"
    assert "digitato male" in error.message("it")
    assert "mistyped" in error.message("en")


def test_identity_errors_are_form_errors():
    assert isinstance(cf_error("X"), FormError)


# Pseudonyms


def test_a_pseudonym_has_its_prefix_and_ten_base32_characters():
    code = pseudonym(KEY, "RSSMRA85T10A562S")

    prefix, _, body = code.partition("-")
    assert prefix == "MIN"
    assert len(body) == 10
    assert set(body) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_a_pseudonym_without_separator_fits_the_intake_forms_code_field():
    code = pseudonym(KEY, "RSSMRA85T10A562S", separator="")

    assert re.fullmatch("[A-Z0-9]{6,16}", code)  # cartella_sociale's codice_minore constraint
    assert code == pseudonym(KEY, "RSSMRA85T10A562S").replace("-", "")


def test_a_pseudonym_is_stable_for_one_person_however_the_identity_is_typed():
    typed = [
        ("D'Angelo", "Maria Grazia", date(2013, 4, 5)),
        ("D’ANGELO", "MARIA  GRAZIA", "2013-04-05"),
        ("dangelo", "mariagrazia", "2013-04-05"),
        (" D'Àngelo ", "Maria-Grazia", date(2013, 4, 5)),
    ]

    assert len({pseudonym(KEY, *parts) for parts in typed}) == 1


def test_a_codice_fiscale_gives_the_same_pseudonym_in_any_case():
    assert pseudonym(KEY, "rssmra85t10a562s") == pseudonym(KEY, "RSSMRA85T10A562S")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("Rossi", "Ada", "2013-04-05"), ("Rossi", "Ada", "2013-04-06")),
        (("Rossi", "Ada", "2013-04-05"), ("Rosi", "Ada", "2013-04-05")),
        (("Ros", "siAda", "2013-04-05"), ("Rossi", "Ada", "2013-04-05")),
    ],
)
def test_different_people_get_different_pseudonyms(left, right):
    assert pseudonym(KEY, *left) != pseudonym(KEY, *right)


def test_a_pseudonym_depends_on_the_key_and_the_prefix():
    code = pseudonym(KEY, "RSSMRA85T10A562S")

    assert pseudonym(b"j" * 32, "RSSMRA85T10A562S") != code
    assert pseudonym(KEY, "RSSMRA85T10A562S", prefix="PAR").partition("-")[2] != code.partition("-")[2]


def test_a_longer_pseudonym_extends_the_shorter_one():
    assert pseudonym(KEY, "x", length=13).startswith(pseudonym(KEY, "x"))


def full_digest_code(key: bytes, *parts: str | date, prefix: str = "MIN", length: int = 10) -> str:
    """A pseudonym's characters as first computed: the whole HMAC digest in base32, then cut to `length`."""
    normalised = [normalise_identity_part(part) for part in parts]
    message = b"|".join([b"humus-pseudonym/1", prefix.encode(), *(p.encode() for p in normalised)])
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return f"{prefix}-{base64.b32encode(digest).decode()[:length]}"


@pytest.mark.parametrize(
    ("key", "parts", "prefix"),
    [
        (KEY, ("RSSMRA85T10A562S",), "MIN"),
        (KEY, ("D'Angelo", "Maria Grazia", date(2013, 4, 5)), "MIN"),
        (b"j" * 32, ("Rossi", "Ada", "2013-04-05"), "PAR"),
    ],
)
def test_every_length_of_pseudonym_matches_the_full_digest_encoding_cut_to_length(key, parts, prefix):
    lengths = range(8, 53)

    codes = [pseudonym(key, *parts, prefix=prefix, length=length) for length in lengths]

    assert codes == [full_digest_code(key, *parts, prefix=prefix, length=length) for length in lengths]


@pytest.mark.parametrize(
    ("key", "parts", "length"),
    [(b"short", ("x",), 10), (KEY, (), 10), (KEY, (" ", "'"), 10), (KEY, ("x",), 4)],
)
def test_a_weak_key_no_identity_or_a_too_short_code_is_refused(key, parts, length):
    with pytest.raises(ValueError):
        pseudonym(key, *parts, length=length)


def test_normalisation_drops_accents_case_and_punctuation():
    assert normalise_identity_part("  Niccolò  De'  Santis-Òrlando ") == "niccolodesantisorlando"


# Encryption at rest


@pytest.fixture
def fernet_key() -> bytes:
    pytest.importorskip("cryptography")
    return base64.urlsafe_b64encode(bytes(range(32)))


IDENTITY = {
    "nome": "Ada",
    "cognome": "D'Angelo",
    "codice_fiscale": "RSSMRA85T10A562S",
    "indirizzo": "Via Àrgine 3",
}


def test_identifiers_round_trip_through_encryption(fernet_key):
    blob = encrypt_identity(fernet_key, IDENTITY)

    assert decrypt_identity(fernet_key, blob) == IDENTITY


def test_encrypted_identifiers_do_not_show_in_the_stored_bytes(fernet_key):
    blob = encrypt_identity(fernet_key, IDENTITY)

    assert b"Angelo" not in blob and b"RSSMRA" not in blob


def test_a_wrong_key_cannot_decrypt_and_says_so(fernet_key):
    blob = encrypt_identity(fernet_key, IDENTITY)
    other = base64.urlsafe_b64encode(bytes(range(1, 33)))

    with pytest.raises(IdentityError) as raised:
        decrypt_identity(other, blob)

    assert raised.value.code == "decrypt"
    assert "chiave" in raised.value.message("it")


def test_damaged_data_cannot_be_decrypted(fernet_key):
    blob = bytearray(encrypt_identity(fernet_key, IDENTITY))
    blob[-5] ^= 1

    with pytest.raises(IdentityError):
        decrypt_identity(fernet_key, bytes(blob))


def test_a_rotated_key_still_reads_data_encrypted_with_the_old_one(fernet_key):
    new = base64.urlsafe_b64encode(bytes(range(1, 33)))
    old_blob = encrypt_identity(fernet_key, IDENTITY)

    assert decrypt_identity([new, fernet_key], old_blob) == IDENTITY
    assert decrypt_identity(new, encrypt_identity([new, fernet_key], IDENTITY)) == IDENTITY
