"""mask, pseudonymise, drop and report on text and records; pseudonyms consistent, keyed and
shaped like the values they replace."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from syndgen.privacy.entities import ALL_TYPES
from syndgen.privacy.keys import check_outside, load_key
from syndgen.privacy.redact import Redactor
from syndgen.privacy.surrogates import surrogate

TEXT = "Maria Gonzalez (MRN 00482913), card 4111 1111 1111 1111, wrote from maria.g@example-mail.com."
KEY = b"k" * 64


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", number)][::-1]
    return sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)) % 10 == 0


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    return int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1


def test_mask_replaces_each_value_by_its_type():
    text, found = Redactor("mask", ALL_TYPES).text(TEXT)
    assert text == "<PERSON> (MRN <MEDICAL_RECORD_NUMBER>), card <CREDIT_CARD>, wrote from <EMAIL_ADDRESS>."
    assert found == {"PERSON": 1, "MEDICAL_RECORD_NUMBER": 1, "CREDIT_CARD": 1, "EMAIL_ADDRESS": 1}


def test_pseudonymise_is_consistent_and_keyed():
    first, _ = Redactor("pseudonymise", ALL_TYPES, key=KEY).text(TEXT)
    again, _ = Redactor("pseudonymise", ALL_TYPES, key=KEY).text(f"Note: {TEXT}")
    other, _ = Redactor("pseudonymise", ALL_TYPES, key=b"z" * 64).text(TEXT)
    assert "Maria Gonzalez" not in first and "4111" not in first.replace("4111 1111 1111 1111", "")
    assert again == f"Note: {first}"  # the same values, the same surrogates
    assert other != first  # another key, other surrogates
    # the same digits in another layout are the same card, written in that layout
    dashed = surrogate(KEY, "CREDIT_CARD", "4111-1111-1111-1111")
    assert dashed.replace("-", " ") == surrogate(KEY, "CREDIT_CARD", "4111 1111 1111 1111")


@pytest.mark.parametrize(
    ("entity", "value", "check"),
    [
        ("CREDIT_CARD", "4111 1111 1111 1111", lambda v: luhn_ok(v) and v[0] == "4" and len(v) == 19),
        ("IBAN_CODE", "DE89370400440532013000", lambda v: iban_ok(v) and v[:2] == "DE" and len(v) == 22),
        ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32", lambda v: iban_ok(v) and v.count(" ") == 5),
        ("DATE_OF_BIRTH", "03/14/1962", lambda v: re.fullmatch(r"\d\d/\d\d/\d{4}", v) is not None),
        (
            "DATE_OF_BIRTH",
            "4 March 1978",
            lambda v: re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", v) is not None,
        ),
        (
            "EMAIL_ADDRESS",
            "a.rahman@northwind.org",
            lambda v: re.fullmatch(r"[a-z]+\.[a-z]+\d*@example\.\w+", v),
        ),
        ("US_SSN", "536-22-8714", lambda v: re.fullmatch(r"\d{3}-\d{2}-\d{4}", v) is not None),
        ("PHONE_NUMBER", "+44 20 7946 0958", lambda v: v.startswith("+4") and len(v) == 16),
        ("IP_ADDRESS", "192.168.1.20", lambda v: re.fullmatch(r"10(\.\d{1,3}){3}", v) is not None),
        ("PERSON", "Aisha Rahman", lambda v: len(v.split()) == 2 and v != "Aisha Rahman"),
    ],
)
def test_surrogates_keep_the_shape_of_their_type(entity: str, value: str, check):
    fake = surrogate(KEY, entity, value)
    assert fake != value
    assert check(fake), fake


def test_records_redact_every_string_field_and_chat_messages_but_not_roles():
    row = {
        "id": "r1",
        "messages": [
            {"role": "user", "content": "I am Maria Gonzalez, call (415) 555-0132."},
            {"role": "assistant", "content": "Thanks, noted."},
        ],
        "score": 5,
    }
    new, found = Redactor("mask", ALL_TYPES).record(row)
    assert new["messages"][0] == {"role": "user", "content": "I am <PERSON>, call <PHONE_NUMBER>."}
    assert new["messages"][1]["content"] == "Thanks, noted."
    assert new["id"] == "r1" and new["score"] == 5
    assert found == {"PERSON": 1, "PHONE_NUMBER": 1}


def test_fields_limit_which_fields_are_redacted():
    row = {"question": "Is Maria Gonzalez insured?", "answer": "Maria Gonzalez is insured."}
    new, _ = Redactor("mask", ALL_TYPES).record(row, ["answer"])
    assert new == {"question": "Is Maria Gonzalez insured?", "answer": "<PERSON> is insured."}


def test_drop_and_report_only_look():
    for mode in ("drop", "report"):
        redactor = Redactor(mode, ALL_TYPES)
        text, found = redactor.text(TEXT)
        assert text == TEXT and sum(found.values()) == 4
        assert sum(redactor.counts.values()) == 4


def test_the_same_value_gets_the_same_surrogate_in_two_processes(key_file: Path):
    script = (
        "import sys; from pathlib import Path; from syndgen.privacy.keys import load_key;"
        "from syndgen.privacy.redact import Redactor; from syndgen.privacy.entities import ALL_TYPES;"
        "print(Redactor('pseudonymise', ALL_TYPES, key=load_key(Path(sys.argv[1]))).text(sys.argv[2])[0])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, str(key_file), TEXT], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert len(outputs) == 1
    assert outputs.pop().strip() == Redactor("pseudonymise", ALL_TYPES, key=load_key(key_file)).text(TEXT)[0]


def test_a_missing_key_is_created_private_and_the_run_folder_refuses_it(tmp_path: Path):
    path = tmp_path / "cfg" / "pii.key"
    key = load_key(path)
    assert load_key(path) == key and len(key) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    from syndgen.errors import ConfigError

    with pytest.raises(ConfigError, match="inside the run folder"):
        check_outside(tmp_path / "run" / "pii.key", tmp_path / "run")
    check_outside(path, tmp_path / "run")
