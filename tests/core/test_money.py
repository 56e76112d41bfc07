"""Money: Decimal euros with cents, never floats; French formatting."""

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.formats import get_format

from laureat.core.money import ZERO, MoneyField, format_eur, money_sum, to_money

# The spaces a French locale may use to group thousands (Django's "fr" uses one of them).
_SPACES = {"\u00a0": " ", "\u202f": " "}


def _normalise_spaces(text: str) -> str:
    return text.translate(str.maketrans(_SPACES))


def test_to_money_refuses_float() -> None:
    with pytest.raises(TypeError, match="float"):
        to_money(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.125"), Decimal("0.12")),  # half to even: down
        (Decimal("0.135"), Decimal("0.14")),  # half to even: up
        (Decimal("2.665"), Decimal("2.66")),
        (Decimal("-0.125"), Decimal("-0.12")),
        (Decimal("0.1251"), Decimal("0.13")),  # not a half: ordinary rounding
        ("1234.5", Decimal("1234.50")),
        (7, Decimal("7.00")),
    ],
)
def test_to_money_rounds_half_even_to_cents(value: Decimal | str | int, expected: Decimal) -> None:
    result = to_money(value)

    assert result == expected
    assert result.as_tuple().exponent == -2


def test_money_sum_of_nothing_is_zero_with_cents() -> None:
    assert money_sum([]) == ZERO
    assert str(money_sum([])) == "0.00"


def test_money_sum_adds_and_rounds_to_cents() -> None:
    assert str(money_sum([Decimal("0.10"), Decimal("0.20"), Decimal("1.005")])) == "1.30"


def test_format_eur_in_french_groups_thousands_and_uses_comma() -> None:
    with translation.override("fr"):
        formatted = format_eur(Decimal("1234567.5"))
        sep = get_format("THOUSAND_SEPARATOR")

    assert formatted == f"1{sep}234{sep}567,50 €"
    assert _normalise_spaces(formatted) == "1 234 567,50 €"


def test_format_eur_in_french_rounds_to_cents() -> None:
    with translation.override("fr"):
        assert format_eur(Decimal("0.125")) == "0,12 €"
        assert format_eur(Decimal("999.999")) == f"1{get_format('THOUSAND_SEPARATOR')}000,00 €"


def test_format_eur_of_none_is_a_dash() -> None:
    assert format_eur(None) == "—"


def test_format_eur_refuses_float() -> None:
    with pytest.raises(TypeError):
        format_eur(12.5)  # type: ignore[arg-type]


def test_money_field_stores_euros_with_cents_up_to_a_thousand_billion() -> None:
    field = MoneyField()

    assert (field.max_digits, field.decimal_places) == (15, 2)
    assert field.deconstruct()[1] == "laureat.core.money.MoneyField"
