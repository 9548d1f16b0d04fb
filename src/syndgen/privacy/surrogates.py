"""Pseudonyms: consistent, type-preserving surrogates derived from a secret key (pure).

A surrogate is a function of ``HMAC-SHA256(key, type + value)``, so the same real value always
maps to the same fake one for a key: across a run, its resumes and separate processes, and no
mapping table is ever written. Another key gives other surrogates. Values are normalised first
(case and spacing for names, the digits alone for numbers), so "4111 1111 1111 1111" and
"4111-1111-1111-1111" get the same card, each in its own layout. Surrogates keep the type's
shape: a name is a name, an email an email at a reserved example domain, a card keeps its first
digit and a valid Luhn check digit, an IBAN its country and valid check digits, a date of birth
its format, numbers their layout and separators.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import string


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words("""Alex Amara Ben Carla Dana Elif Farid Greta Hana Ivan Jonas Kira Liam Maya Nadia Omar Priya
    Quinn Rosa Sami Tara Umar Vera Wen Yara Zane Ines Milo Noor Otto Lena Ravi Sofia Theo Aiko""")
LAST = _words("""Abbott Baird Calder Dunmore Ellery Faraday Galloway Hartley Iverson Jessop Kimura Lindqvist
    Marlow Novak Okafor Pruett Quillan Rasmussen Sorensen Thorne Underhill Varga Whitlock Yilmaz
    Zeller Brandt Castell Delacroix Eberhart Fenwick Granger Holloway Ingram Kowalski Mercer""")
PLACES = _words("""Ashford Brambleton Carrowmore Dunvale Eastmere Fairhollow Glenrock Harrowgate Ivybridge
    Kestrel Larkspur Millbrook Northwick Oakhaven Pinecrest Queensford Riverton Stonebridge""")
ORG_WORDS = _words("Alder Beacon Cobalt Driftwood Ember Fathom Granite Harbor Juniper Keystone Lumen")
ORG_SUFFIXES = ("Ltd", "Group", "Partners", "Holdings", "Labs", "Clinic", "Associates")
MONTHS = _words("January February March April May June July August September October November December")


def _normal(entity: str, value: str) -> str:
    if entity in ("PERSON", "LOCATION", "ORGANIZATION", "EMAIL_ADDRESS", "URL"):
        return " ".join(value.casefold().split())
    digits = re.sub(r"[^0-9A-Za-z]", "", value).upper()
    return digits or value


class Stream:
    """Deterministic numbers drawn from one value's keyed hash."""

    def __init__(self, key: bytes, entity: str, value: str) -> None:
        self._seed = hmac.new(key, f"{entity}\x00{_normal(entity, value)}".encode(), hashlib.sha256).digest()
        self._block = b""
        self._counter = 0

    def below(self, n: int) -> int:
        if len(self._block) < 4:
            self._counter += 1
            self._block += hashlib.sha256(self._seed + self._counter.to_bytes(4, "big")).digest()
        chunk, self._block = self._block[:4], self._block[4:]
        return int.from_bytes(chunk, "big") % n

    def pick(self, options: tuple[str, ...] | list[str]) -> str:
        return options[self.below(len(options))]

    def hex(self, n: int) -> str:
        return "".join("0123456789abcdef"[self.below(16)] for _ in range(n))


def _same_layout(value: str, rng: Stream, keep: int = 0) -> str:
    """Every digit and letter replaced, separators kept; the first ``keep`` characters kept."""
    out = []
    for i, ch in enumerate(value):
        if i < keep or not ch.isalnum():
            out.append(ch)
        elif ch.isdigit():
            out.append(str(rng.below(10)))
        else:
            letter = string.ascii_uppercase[rng.below(26)]
            out.append(letter if ch.isupper() else letter.lower())
    return "".join(out)


def _luhn_digit(payload: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def _card(value: str, rng: Stream) -> str:
    first = next((i for i, ch in enumerate(value) if ch.isdigit()), 0)
    fake = _same_layout(value, rng, keep=first + 1)
    positions = [i for i, ch in enumerate(fake) if ch.isdigit()]
    digits = "".join(fake[i] for i in positions[:-1])
    chars = list(fake)
    chars[positions[-1]] = _luhn_digit(digits)
    return "".join(chars)


def _iban(value: str, rng: Stream) -> str:
    compact = re.sub(r"\s", "", value).upper()
    bban = _same_layout(compact[4:], rng)
    rearranged = bban + compact[:2] + "00"
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    check = f"{98 - number % 97:02d}"
    fake = compact[:2] + check + bban
    if " " in value.strip():
        return " ".join(fake[i : i + 4] for i in range(0, len(fake), 4))
    return fake


def _person(value: str, rng: Stream) -> str:
    words = value.split()
    last = rng.pick(LAST)
    if len(words) < 2:
        return last
    return f"{rng.pick(FIRST)} {last}"


def _email(value: str, rng: Stream) -> str:
    domain = rng.pick(("com", "org", "net"))
    return f"{rng.pick(FIRST).lower()}.{rng.pick(LAST).lower()}{rng.below(100)}@example.{domain}"


def _url(value: str, rng: Stream) -> str:
    scheme = re.match(r"^[a-z]+://", value, flags=re.IGNORECASE)
    has_path = "/" in value[scheme.end() if scheme else 0 :].rstrip("/")
    host = f"{'www.' if 'www.' in value.lower() else ''}site-{rng.hex(6)}.example"
    return f"{scheme.group(0) if scheme else ''}{host}{'/' + rng.hex(8) if has_path else ''}"


def _ip(value: str, rng: Stream) -> str:
    try:
        version = ipaddress.ip_address(value.strip()).version
    except ValueError:
        version = 4 if "." in value else 6
    if version == 4:
        return f"10.{rng.below(256)}.{rng.below(256)}.{1 + rng.below(254)}"
    return "fd00:" + ":".join(rng.hex(4) for _ in range(7))


def _date(value: str, rng: Stream) -> str:
    """Another plausible birth date in the same format (numbers keep their width)."""
    year, month, day = 1940 + rng.below(66), 1 + rng.below(12), 1 + rng.below(28)
    numbers = re.findall(r"\d+", value)
    named = re.search(r"[A-Za-z]{3,}", re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", value))
    if named:
        fields = ["day", "year"]
    elif numbers and len(numbers[0]) == 4:
        fields = ["year", "month", "day"]
    elif numbers and int(numbers[0]) > 12:
        fields = ["day", "month", "year"]
    else:
        fields = ["month", "day", "year"]
    values = {"year": year, "month": month, "day": day}
    parts = iter(fields)

    def number(match: re.Match[str]) -> str:
        field = next(parts, "day")
        width = len(match.group(0))
        new = values[field] % 100 if field == "year" and width == 2 else values[field]
        return f"{new:0{width}d}" if width > 1 else str(new)

    out = re.sub(r"\d+", number, value)
    if named:
        name = MONTHS[month - 1]
        original = named.group(0)
        name = name[: len(original)] if len(original) <= 4 else name
        out = out.replace(original, name.upper() if original.isupper() else name, 1)
    return out


_BY_TYPE = {
    "PERSON": _person,
    "LOCATION": lambda value, rng: rng.pick(PLACES),
    "ORGANIZATION": lambda value, rng: f"{rng.pick(ORG_WORDS)} {rng.pick(ORG_SUFFIXES)}",
    "EMAIL_ADDRESS": _email,
    "URL": _url,
    "IP_ADDRESS": _ip,
    "CREDIT_CARD": _card,
    "IBAN_CODE": _iban,
    "DATE_OF_BIRTH": _date,
}


def surrogate(key: bytes, entity: str, value: str) -> str:
    """The fake value standing for ``value`` (of type ``entity``) under ``key``."""
    rng = Stream(key, entity, value)
    make = _BY_TYPE.get(entity)
    if make is not None:
        return str(make(value, rng))
    if entity == "PHONE_NUMBER" and value.lstrip().startswith("+"):
        return _same_layout(value, rng, keep=len(value) - len(value.lstrip()) + 2)
    return _same_layout(value, rng)
