"""Finnish personal identity codes (henkilötunnus): parsing and validation.

``DDMMYY`` + century sign + a three-digit individual number + a check
character: the nine digits modulo 31, indexed into CHECK_CHARACTERS. The
century signs of 2023 (Y X W V U for the 1900s, B C D E F for the 2000s) are
as valid as the old ones, and the sign is part of the identity:
``100190-999P`` and ``100190Y999P`` are two different people. Individual
numbers 900-999 are temporary or test codes.

A wrong check character is reported without the expected one: an error
message must not help complete a guessed code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sotesilta.core.kernel.errors import InputInvalid

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY = {"+": 1800, **dict.fromkeys("-YXWVU", 1900), **dict.fromkeys("ABCDEF", 2000)}
_SHAPE = re.compile(r"^(\d{2})(\d{2})(\d{2})([+\-YXWVUABCDEF])(\d{3})([0-9A-Y])$")


@dataclass(frozen=True)
class IdentityCode:
    code: str  # normalised: upper case, no surrounding space
    birth_date: date
    temporary: bool  # individual number 900-999

    def __str__(self) -> str:  # never printed by accident in full
        return f"{self.code[:6]}*****"


def check_character(nine_digits: str) -> str:
    return CHECK_CHARACTERS[int(nine_digits) % 31]


def identity_code_for(birth: date, individual: int) -> str:
    """A valid code for a birth date (the classic century signs); 900-999 make temporary ones."""
    if not 2 <= individual <= 999 or not 1800 <= birth.year <= 2099:
        raise InputInvalid("an individual number is 2-999 and a birth year 1800-2099", field="individual")
    sign = "+" if birth.year < 1900 else "-" if birth.year < 2000 else "A"
    digits = f"{birth:%d%m}{birth.year % 100:02d}{individual:03d}"
    return f"{digits[:6]}{sign}{individual:03d}{check_character(digits)}"


#: dashes a word processor or a phone's keyboard puts where the century sign "-" was typed
#: (en and em dash, minus sign, hyphen, non-breaking hyphen, figure dash)
_DASHES = str.maketrans(dict.fromkeys("\u2013\u2014\u2212\u2010\u2011\u2012", "-"))


def parse_identity_code(raw: str, *, field: str = "identity_code") -> IdentityCode:
    # a pasted code keeps what the paste brought: dashes of other kinds, spaces around
    code = raw.strip().translate(_DASHES).upper()
    match = _SHAPE.match(code)
    if match is None:
        raise InputInvalid(
            "an identity code is DDMMYY, a century sign (+ - Y X W V U A B C D E F), "
            "three digits and a check character",
            field=field,
        )
    day, month, year, sign, individual, check = match.groups()
    try:
        born = date(CENTURY[sign] + int(year), int(month), int(day))
    except ValueError:
        raise InputInvalid("the identity code's date does not exist", field=field) from None
    if int(individual) < 2:
        raise InputInvalid("the identity code's individual number is not in use", field=field)
    if check_character(day + month + year + individual) != check:
        raise InputInvalid("the identity code's check character does not match", field=field)
    return IdentityCode(code, born, int(individual) >= 900)


_PHONE = re.compile(r"^\+?[0-9]{6,15}$")


def normalise_phone(raw: str, *, field: str = "client.phone") -> str:
    """A Finnish or international number: digits with an optional leading +.

    Spaces, dashes and brackets are allowed on input; a leading 0 becomes +358.
    """
    compact = re.sub(r"[\s\-()]", "", raw)
    if not _PHONE.match(compact):
        raise InputInvalid("phone number must have 6-15 digits, optionally with a leading +", field=field)
    if compact.startswith("0"):
        compact = "+358" + compact[1:]
    return compact
