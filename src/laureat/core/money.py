"""Money is a ``Decimal`` of euros with two decimals, never a float."""

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db import models
from django.utils.formats import number_format

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantise a value to cents; refuses floats, whose binary rounding loses cents."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, an int or a string.")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN)


def money_sum(values: Iterable[Decimal]) -> Decimal:
    return to_money(sum(values, ZERO))


def format_eur(value: Decimal | None) -> str:
    """``Decimal("1234567.5")`` -> ``"1 234 567,50 €"`` in French (the active locale)."""
    if value is None:
        return "—"
    return f"{number_format(to_money(value), decimal_pos=2, force_grouping=True)} €"


class MoneyField(models.DecimalField):
    """Euros with cents: up to a thousand billion."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "laureat.core.money.MoneyField", args, kwargs
