"""The public results page of a call, and its laureates as CSV.

Both exist only once the results are published: before that, the address is a 404
for everyone, managers included (they preview nothing here: the page shows only
what was published).
"""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from laureat.programmes.models import Call
from laureat.reporting.forms import ResultsFilterForm
from laureat.reporting.map import region_map_svg
from laureat.reporting.queries import CallResults, call_results
from laureat.review.exports import Table, to_csv


def _results(request: HttpRequest, slug: str) -> tuple[CallResults, ResultsFilterForm]:
    call = Call.objects.select_related("programme").filter(slug=slug).first()
    if call is None:
        raise Http404(_("Aucun résultat publié pour cet appel."))
    form = ResultsFilterForm(request.GET or None, call=call)
    results = call_results(call, form.filters)
    if results is None:
        raise Http404(_("Aucun résultat publié pour cet appel."))
    return results, form


@require_safe
def call_results_page(request: HttpRequest, slug: str) -> HttpResponse:
    results, form = _results(request, slug)
    call = results.call
    home_url = reverse("web:home")
    query = urlencode({k: v for k, v in request.GET.items() if k in form.fields and v})
    csv_url = reverse("reporting:call_results_csv", args=[call.slug])
    svg = region_map_svg(
        results.laureates_by_region,
        amounts=results.amounts_by_region,
        names={r.code: r.name for r in results.regions},
        title=_("Carte des lauréats par région : %(sentence)s") % {"sentence": results.sentence},
    )
    context = {
        "call": call,
        "results": results,
        "form": form,
        "ignored": form.ignored,
        # Built by region_map_svg from escaped names and the committed geometry.
        "map_svg": mark_safe(svg),
        "csv_url": f"{csv_url}?{query}" if query else csv_url,
        "breadcrumb": {
            "root_dir": home_url,
            "links": [
                {"url": f"{home_url}#appels", "title": call.programme.name},
                {"url": reverse("web:call_detail", args=[call.slug]), "title": call.title},
            ],
            "current": _("Résultats"),
        },
    }
    return render(request, "reporting/call_results.html", context)


@require_safe
def call_results_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The listed laureates (same filters as the page): UTF-8 with BOM, semicolons.

    Amounts are written with a decimal point (``12500.00``) so that they stay
    numbers for a program; text cells are made inert for spreadsheets
    (``review.exports.safe_text``).
    """
    results, _form = _results(request, slug)
    funder_names = [f.short_name for f in results.funders]
    table = Table(
        headers=[
            _("Organisation"),
            _("Type de structure"),
            _("Projet"),
            _("Commune"),
            _("Département"),
            _("Région"),
            *[_("Montant %(funder)s (€)") % {"funder": name} for name in funder_names],
            _("Total (€)"),
        ],
        rows=[
            [
                row.organisation_name,
                row.organisation_kind_label,
                row.title,
                row.commune,
                row.department,
                row.region_name,
                *row.amounts,
                row.total,
            ]
            for row in results.laureates
        ],
        title=_("Lauréats"),
    )
    response = HttpResponse(to_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="laureats-{results.call.slug}.csv"'
    return response
