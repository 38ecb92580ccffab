"""Protected identities of the case record: codice fiscale checks, keyed pseudonyms, encrypted identifiers.

Direct identifiers (name, surname, codice fiscale, address) are kept only in the case record, encrypted
with a key from the environment; statistics and exports for other scopes see the pseudonym instead.

Pseudonyms: HMAC-SHA256 under a secret key of a normalised identity, so the same person always gets the
same code and nobody without the key can compute or reverse it. The code is its first characters in
base32 (A–Z and 2–7: no 0/O or 1/I to confuse) after a prefix, e.g. "MIN-Q7TKGX2MZA". Ten characters are
50 bits: among n people the chance that any two share a code is about n² / 2^51, i.e. 1 in 22 million for
10,000 people, 1 in 225,000 for 100,000 and 1 in 2,250 for a million (`length=13`, 65 bits, makes that
1 in 74 million).
The prefix is hashed too, so one person's MIN- and PAR- codes cannot be linked to each other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from forms.errors import CodedError

__all__ = [
    "IdentityError",
    "check_codice_fiscale",
    "check_character",
    "decrypt_identity",
    "encrypt_identity",
    "normalise_identity_part",
    "pseudonym",
]

CF_LENGTH = 16
MONTHS = "ABCDEHLMPRST"
# Omocodia: when two people would share a code, digits are replaced by these letters, 0 -> L … 9 -> V.
OMOCODIA = "LMNPQRSTUV"
_DIGIT_POSITIONS = frozenset({6, 7, 9, 10, 12, 13, 14})
_ODD = dict(zip("0123456789", (1, 0, 5, 7, 9, 13, 15, 17, 19, 21), strict=True)) | dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23),
        strict=True,
    )
)
_EVEN = {str(n): n for n in range(10)} | {chr(65 + n): n for n in range(26)}
_MIN_KEY_BYTES = 16
_DOMAIN = b"humus-pseudonym/1"

# code -> (English, Italian), str.format templates over the error's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "cf_length": (
        "A codice fiscale has 16 characters; this one has {length}.",
        "Il codice fiscale ha 16 caratteri; questo ne ha {length}.",
    ),
    "cf_numeric": (
        "An 11-digit code is a partita IVA or a temporary tax code: enter the 16-character codice fiscale.",
        "Un codice di 11 cifre è una partita IVA o un codice fiscale provvisorio: inserire il codice "
        "fiscale di 16 caratteri.",
    ),
    "cf_letter": (
        "Character {position} ('{char}') of the codice fiscale must be a letter.",
        "Il carattere {position} ('{char}') del codice fiscale deve essere una lettera.",
    ),
    "cf_digit": (
        "Character {position} ('{char}') of the codice fiscale must be a digit (or one of the letters "
        "L–V that replace digits in a omocodia code).",
        "Il carattere {position} ('{char}') del codice fiscale deve essere una cifra (o una delle lettere "
        "L–V che sostituiscono le cifre nei codici omocodici).",
    ),
    "cf_month": (
        "Character 9 ('{char}') of the codice fiscale is not a month letter (A B C D E H L M P R S T).",
        "Il carattere 9 ('{char}') del codice fiscale non indica un mese (A B C D E H L M P R S T).",
    ),
    "cf_day": (
        "Characters 10–11 ('{chars}') of the codice fiscale are not a day of birth (01–31, or 41–71 "
        "for women).",
        "I caratteri 10–11 ('{chars}') del codice fiscale non indicano un giorno di nascita (01–31, o "
        "41–71 per le donne).",
    ),
    "cf_check": (
        "The last character of the codice fiscale does not match the others: a character is probably "
        "mistyped.",
        "L'ultimo carattere del codice fiscale non corrisponde agli altri: probabilmente un carattere è "
        "stato digitato male.",
    ),
    "birth_date": (
        "'{value}' is not a birth date: give a past date as YYYY-MM-DD.",
        "'{value}' non è una data di nascita: indicare una data passata nel formato AAAA-MM-GG.",
    ),
    "decrypt": (
        "The identity data cannot be decrypted: the key is wrong or the data is damaged.",
        "I dati identificativi non possono essere decifrati: la chiave è errata o i dati sono danneggiati.",
    ),
}


class IdentityError(CodedError):
    """An identifier that is not valid, or identity data that cannot be read; `code` names the reason."""

    MESSAGES = MESSAGES


# Codice fiscale


def check_codice_fiscale(text: str) -> str:
    """The codice fiscale in `text`, upper-cased and without spaces; IdentityError saying what is wrong.

    Checks the length, the kind of each character (omocodia letters allowed where digits go), the month
    letter, the day (01–31, 41–71 for women) and the check character."""
    code = "".join(text.split()).upper()
    if len(code) != CF_LENGTH:
        if len(code) == 11 and code.isdigit():
            raise IdentityError("cf_numeric")
        raise IdentityError("cf_length", length=len(code))
    for position, char in enumerate(code):
        if position in _DIGIT_POSITIONS:
            if not (char.isascii() and char.isdigit()) and char not in OMOCODIA:
                raise IdentityError("cf_digit", position=position + 1, char=char)
        elif not ("A" <= char <= "Z"):
            raise IdentityError("cf_letter", position=position + 1, char=char)
    if code[8] not in MONTHS:
        raise IdentityError("cf_month", char=code[8])
    day = int(_decode_omocodia(code[9:11]))
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise IdentityError("cf_day", chars=code[9:11])
    if check_character(code[:15]) != code[15]:
        raise IdentityError("cf_check")
    return code


def check_character(first15: str) -> str:
    """The check character of a codice fiscale's first 15 characters (upper-case letters and digits).

    Characters in odd positions (1st, 3rd, …) count by the odd table, the others by their value (digits
    0–9, A=0 … Z=25); the sum modulo 26 is the letter."""
    total = sum(_ODD[c] if i % 2 == 0 else _EVEN[c] for i, c in enumerate(first15))
    return chr(ord("A") + total % 26)


def _decode_omocodia(chars: str) -> str:
    return "".join(str(OMOCODIA.index(c)) if c in OMOCODIA else c for c in chars)


# Pseudonyms


def normalise_identity_part(part: str | date) -> str:
    """A name, code or date as the pseudonym hashes it: accents dropped, case folded, and only letters and
    digits kept, so "D'Angelo", "D’ANGELO" and "d angelo" are one surname. Give dates as `date` or as ISO
    text ("2013-04-05"): both become "20130405"."""
    text = part.isoformat() if isinstance(part, date) else part
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum()).casefold()


def pseudonym(
    key: bytes, *parts: str | date, prefix: str = "MIN", length: int = 10, separator: str = "-"
) -> str:
    """A stable pseudonymous code for the person that `parts` identify (a codice fiscale, or surname,
    name and birth date), e.g. "MIN-Q7TKGX2MZA"; `separator=""` gives "MINQ7TKGX2MZA" for fields that
    allow letters and digits only. See the module's notes for the collision odds."""
    if len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"A pseudonym key needs at least {_MIN_KEY_BYTES} bytes.")
    normalised = [normalise_identity_part(part) for part in parts]
    if not any(normalised):
        raise ValueError("A pseudonym needs at least one non-empty identifying part.")
    if not 8 <= length <= 52:
        raise ValueError("A pseudonym has between 8 and 52 characters after its prefix.")
    # Parts hold letters and digits only, so '|' cannot occur inside one: the joined message is unambiguous.
    message = b"|".join([_DOMAIN, prefix.encode(), *(p.encode() for p in normalised)])
    digest = hmac.new(key, message, hashlib.sha256).digest()
    # Each base32 character carries 5 bits: encode only the bytes the kept characters draw on.
    return f"{prefix}{separator}{base64.b32encode(digest[: (length * 5 + 7) // 8]).decode()[:length]}"


# Encryption at rest


def encrypt_identity(key: bytes | str | Sequence[bytes | str], identity: Mapping[str, Any]) -> bytes:
    """The identifiers in `identity` (JSON-ready values) encrypted and authenticated with Fernet.

    `key` is a Fernet key (url-safe base64 of 32 bytes), or a list of them: the first encrypts, all
    decrypt, so keys can be rotated."""
    data = json.dumps(dict(identity), ensure_ascii=False, sort_keys=True).encode("utf-8")
    return _fernet(key).encrypt(data)


def decrypt_identity(key: bytes | str | Sequence[bytes | str], blob: bytes) -> dict[str, Any]:
    """The identifiers `encrypt_identity` stored; IdentityError when the key is wrong or `blob` damaged."""
    from cryptography.fernet import InvalidToken

    try:
        return json.loads(_fernet(key).decrypt(blob))
    except InvalidToken:
        raise IdentityError("decrypt") from None


def _fernet(key: bytes | str | Sequence[bytes | str]) -> Any:
    # Imported here so that the rest of forms/ works where cryptography is not installed.
    from cryptography.fernet import Fernet, MultiFernet

    keys = [key] if isinstance(key, bytes | str) else list(key)
    if not keys:
        raise ValueError("At least one key is needed.")
    return MultiFernet([Fernet(k) for k in keys])
