"""SIRET checks: python-stdnum decides, the messages tell a person what to fix."""

import pytest
from django.core.exceptions import ValidationError
from stdnum import luhn
from stdnum.fr import siret as stdnum_siret

from laureat.applicants.siret import clean_siret, siren_of
from tests.factories import valid_siret

# A real public body (its SIRET is published in the SIRENE register).
PUBLIC_BODY_SIRET = "13002526500013"


def _siret_error(value: str | None) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean_siret(value)  # type: ignore[arg-type]
    return caught.value


def test_public_body_siret_is_valid_for_stdnum() -> None:
    assert stdnum_siret.is_valid(PUBLIC_BODY_SIRET) is True


@pytest.mark.parametrize(
    "typed",
    ["13002526500013", "130 025 265 00013", " 130 025 265 00013 ", "130.025.265.00013"],
)
def test_clean_siret_valid_with_spaces_or_dots_returns_14_digits(typed: str) -> None:
    assert clean_siret(typed) == PUBLIC_BODY_SIRET


def test_clean_siret_valid_with_dashes_returns_14_digits() -> None:
    assert clean_siret("130-025-265-00013") == PUBLIC_BODY_SIRET


def test_clean_siret_bad_checksum_says_the_check_key_does_not_match() -> None:
    error = _siret_error("130 025 265 00014")

    assert error.code == "checksum"
    assert error.messages == [
        "Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas. "
        "Vérifiez chaque chiffre sur l'avis de situation au répertoire SIRENE."
    ]


def test_clean_siret_bad_siren_checksum_says_the_check_key_does_not_match() -> None:
    # The 14 digits pass the Luhn check, but the SIREN (first 9) does not.
    siren = "123456780"
    assert not luhn.is_valid(siren)
    body = siren + "0001"
    siret = body + luhn.calc_check_digit(body)
    assert luhn.is_valid(siret)

    error = _siret_error(siret)

    assert error.code == "checksum"
    assert "clé de contrôle" in error.messages[0]


@pytest.mark.parametrize(("typed", "count"), [("1300252650001", 13), ("130 025 265 000 131", 15)])
def test_clean_siret_wrong_length_says_14_digits_and_the_count_typed(
    typed: str, count: int
) -> None:
    error = _siret_error(typed)

    assert error.code == "length"
    assert error.messages == [
        "Un SIRET compte 14 chiffres (9 pour le SIREN et 5 pour l'établissement) ; "
        f"vous en avez saisi {count}."
    ]


def test_clean_siret_with_letters_says_only_digits_and_repeats_the_value() -> None:
    error = _siret_error("1300252650001A")

    assert error.code == "format"
    assert error.messages == [
        "Le SIRET ne contient que des chiffres : « 1300252650001A » n'en est pas un."
    ]


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_clean_siret_empty_asks_for_the_number(typed: str | None) -> None:
    error = _siret_error(typed)

    assert error.code == "required"
    assert error.messages == ["Saisissez le numéro SIRET (14 chiffres)."]


def test_siren_of_is_the_first_nine_digits() -> None:
    assert siren_of(PUBLIC_BODY_SIRET) == "130025265"


@pytest.mark.parametrize("n", [0, 1, 9, 10, 12345, 35600000, 99_999_999])
def test_valid_siret_helper_builds_sirets_stdnum_accepts(n: int) -> None:
    siret = valid_siret(n)

    assert len(siret) == 14
    assert stdnum_siret.is_valid(siret) is True
    assert clean_siret(siret) == siret


def test_valid_siret_helper_gives_distinct_sirets() -> None:
    assert len({valid_siret(n) for n in range(1000)}) == 1000
