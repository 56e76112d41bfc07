"""Template filters of the public pages: money and call phases."""

from decimal import Decimal

from django import template
from django.template import Context
from django.urls import translate_url

from laureat.core.money import format_eur
from laureat.programmes.enums import CallPhase

register = template.Library()

# DSFR badge variants per phase: green when one can apply, blue before, grey after.
PHASE_BADGE_CLASSES: dict[str, str] = {
    CallPhase.DRAFT: "fr-badge--warning",
    CallPhase.UPCOMING: "fr-badge--info",
    CallPhase.OPEN: "fr-badge--success",
    CallPhase.CLOSED: "fr-badge--no-icon",
    CallPhase.RESULTS: "fr-badge--new",
    CallPhase.ARCHIVED: "fr-badge--no-icon",
}


@register.filter
def eur(value: Decimal | int | str | None) -> str:
    """``{{ amount|eur }}`` -> "10 000 000,00 €" (grouping and decimals of the active language)."""
    if value is None or value == "":
        return format_eur(None)
    return format_eur(Decimal(value))


@register.filter
def phase_badge_class(phase: CallPhase | str) -> str:
    return PHASE_BADGE_CLASSES.get(str(phase), "")


@register.simple_tag(takes_context=True)
def url_in_language(context: Context, language: str) -> str:
    """The current page's address in ``language``, as ``set_language`` expects for ``next``.

    ``set_language`` runs unprefixed, hence in French: it cannot resolve an English
    address ("/en/...") to translate it back. Given the address already translated,
    it redirects there unchanged, which is right both ways.
    """
    request = context.get("request")
    if request is None:
        return "/"
    return translate_url(request.get_full_path(), language)
