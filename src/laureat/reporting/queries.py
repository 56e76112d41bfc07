"""Reads for the public results of a call: figures, regions, funders and the laureates.

Only what was published is read: decisions with ``published_at`` set and the
outcome LAUREATE, on a call whose state is RESULTS_PUBLISHED. The waiting list and
the rejections are never read here.

Counting rules:

- **applications** (M) are the call's submitted applications, as on the call page
  and the home page (``applications.enums.SUBMITTED_STATES``): drafts are not
  applications, and an application withdrawn by its applicant (even after it was
  submitted) no longer counts, so the figures agree across the public pages;
- **laureates** (N) are the applications with a published LAUREATE decision; a
  laureate's application stays in a submitted state (it cannot be withdrawn);
- **regions** are those of the laureates' project communes, split between
  metropolitan and overseas regions.

The figures (N, M, regions, totals, per region) describe the whole call; the
filters (region, theme, technology, holder kind) apply to the list of laureates.
"""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from laureat.applicants.enums import OrganisationKind
from laureat.applications.enums import SUBMITTED_STATES
from laureat.applications.models import Application
from laureat.core.money import ZERO, money_sum
from laureat.programmes.enums import CallState
from laureat.programmes.models import Call, Funder
from laureat.selection.enums import DecisionOutcome
from laureat.selection.models import Decision, DecisionAward
from laureat.territories.models import Region


@dataclass(frozen=True)
class ResultFilters:
    """What the list of laureates is narrowed to; ``None`` means no filter on that."""

    region: str | None = None  # INSEE region code
    theme: str | None = None  # theme slug
    technology: str | None = None  # technology slug
    kind: str | None = None  # OrganisationKind value

    @property
    def active(self) -> bool:
        return any((self.region, self.theme, self.technology, self.kind))


@dataclass(frozen=True)
class FunderTotal:
    funder_id: int
    name: str
    short_name: str
    amount: Decimal


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    overseas: bool
    laureates: int
    applications: int
    amount: Decimal


@dataclass(frozen=True)
class LaureateRow:
    application_id: int
    organisation_name: str
    organisation_kind: str
    organisation_kind_label: str
    title: str
    commune: str
    department: str
    region_code: str
    region_name: str
    # One amount per funder of ``CallResults.funders``, in that order (0 when none).
    amounts: tuple[Decimal, ...]
    total: Decimal


@dataclass(frozen=True)
class CallResults:
    call: Call
    laureates_count: int
    applications_count: int
    metro_regions: int
    overseas_regions: int
    total_awarded: Decimal
    funders: tuple[FunderTotal, ...]
    # The 18 regions, metropolitan first then overseas, each by name.
    regions: tuple[RegionRow, ...]
    # The laureates after the filters, by region name, organisation name and title.
    laureates: tuple[LaureateRow, ...]
    filters: ResultFilters = field(default_factory=ResultFilters)

    @property
    def sentence(self) -> str:
        return results_sentence(
            self.laureates_count,
            self.applications_count,
            self.metro_regions,
            self.overseas_regions,
        )

    @property
    def laureates_by_region(self) -> dict[str, int]:
        return {r.code: r.laureates for r in self.regions}

    @property
    def amounts_by_region(self) -> dict[str, Decimal]:
        return {r.code: r.amount for r in self.regions}

    @property
    def listed_total(self) -> Decimal:
        """The total awarded to the laureates listed (after the filters)."""
        return money_sum(row.total for row in self.laureates)


def results_sentence(laureates: int, applications: int, metro: int, overseas: int) -> str:
    """« 41 lauréats sur 59 candidatures, dans 12 régions métropolitaines et 2 d'outre-mer »."""
    # Without a French catalogue, ngettext follows the source's plural rule (n != 1),
    # which would write « 0 lauréats »: none is said in words.
    if laureates == 0:
        laureates_text = _("Aucun lauréat")
    else:
        laureates_text = ngettext("%(count)s lauréat", "%(count)s lauréats", laureates) % {
            "count": laureates
        }
    applications_text = ngettext(
        "%(count)s candidature", "%(count)s candidatures", applications
    ) % {"count": applications}
    if metro and overseas:
        regions_text = _("%(metro)s et %(overseas)s") % {
            "metro": ngettext(
                "%(count)s région métropolitaine", "%(count)s régions métropolitaines", metro
            )
            % {"count": metro},
            "overseas": ngettext("%(count)s d'outre-mer", "%(count)s d'outre-mer", overseas)
            % {"count": overseas},
        }
    elif metro:
        regions_text = ngettext(
            "%(count)s région métropolitaine", "%(count)s régions métropolitaines", metro
        ) % {"count": metro}
    elif overseas:
        regions_text = ngettext(
            "%(count)s région d'outre-mer", "%(count)s régions d'outre-mer", overseas
        ) % {"count": overseas}
    else:
        return _("%(laureates)s sur %(applications)s") % {
            "laureates": laureates_text,
            "applications": applications_text,
        }
    return _("%(laureates)s sur %(applications)s, dans %(regions)s") % {
        "laureates": laureates_text,
        "applications": applications_text,
        "regions": regions_text,
    }


def collation_key(text: str) -> str:
    """Sort key for French names: accents and case ignored (« Île-de-France » under I)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def published_laureate_decisions(call: Call) -> QuerySet[Decision]:
    """The call's published LAUREATE decisions (never the waiting list nor rejections)."""
    return Decision.objects.filter(
        application__call=call,
        application__state__in=SUBMITTED_STATES,
        outcome=DecisionOutcome.LAUREATE,
        published_at__isnull=False,
    )


def results_published(call: Call) -> bool:
    """Whether the public may see the call's results (one query when the state allows)."""
    if call.state != CallState.RESULTS_PUBLISHED:
        return False
    return Decision.objects.filter(application__call=call, published_at__isnull=False).exists()


def _filtered(decisions: QuerySet[Decision], filters: ResultFilters) -> QuerySet[Decision]:
    if filters.region:
        decisions = decisions.filter(application__commune__department__region_id=filters.region)
    if filters.theme:
        decisions = decisions.filter(application__themes__slug=filters.theme)
    if filters.technology:
        decisions = decisions.filter(application__technologies__slug=filters.technology)
    if filters.kind:
        decisions = decisions.filter(application__organisation__kind=filters.kind)
    return decisions.distinct() if filters.theme or filters.technology else decisions


def _laureate_rows(
    decisions: QuerySet[Decision], funders: tuple[FunderTotal, ...]
) -> tuple[LaureateRow, ...]:
    """Two queries: the decisions with their application's organisation and territory, then
    their awards."""
    kinds = dict(OrganisationKind.choices)
    position = {f.funder_id: i for i, f in enumerate(funders)}
    rows = []
    queryset = decisions.select_related(
        "application__organisation", "application__commune__department__region"
    ).prefetch_related(
        Prefetch(
            "awards", queryset=DecisionAward.objects.only("decision_id", "funder_id", "amount")
        )
    )
    for decision in queryset:
        application = decision.application
        amounts = [ZERO] * len(funders)
        for award in decision.awards.all():
            if award.funder_id in position:
                amounts[position[award.funder_id]] = award.amount
        commune = application.commune
        department = commune.department if commune else None
        region = department.region if department else None
        rows.append(
            LaureateRow(
                application_id=application.pk,
                organisation_name=application.organisation.name,
                organisation_kind=application.organisation.kind,
                organisation_kind_label=str(kinds.get(application.organisation.kind, "")),
                title=application.title,
                commune=commune.name if commune else "",
                department=f"{department.name} ({department.code})" if department else "",
                region_code=region.code if region else "",
                region_name=region.name if region else "",
                amounts=tuple(amounts),
                total=money_sum(amounts),
            )
        )
    rows.sort(
        key=lambda r: (
            collation_key(r.region_name),
            collation_key(r.organisation_name),
            collation_key(r.title),
        )
    )
    return tuple(rows)


def call_results(call: Call, filters: ResultFilters | None = None) -> CallResults | None:
    """The published results of ``call``, or ``None`` while they are not published.

    Eight queries whatever the number of laureates and the filters: the published
    check, the submitted applications per region, the laureates per region, the
    awards per region and funder, the funders, the regions, and the listed laureates
    with their awards (two).
    """
    if not results_published(call):
        return None
    filters = filters or ResultFilters()
    decisions = published_laureate_decisions(call)
    region_key = "application__commune__department__region_id"

    applications_by_region: dict[str | None, int] = {
        row["commune__department__region_id"]: row["n"]
        for row in Application.objects.filter(call=call, state__in=SUBMITTED_STATES)
        .values("commune__department__region_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    laureates_by_region: dict[str | None, int] = {
        row[region_key]: row["n"]
        for row in decisions.values(region_key).annotate(n=Count("id")).order_by()
    }
    amount_by_region: dict[str | None, Decimal] = defaultdict(lambda: ZERO)
    amount_by_funder: dict[int, Decimal] = defaultdict(lambda: ZERO)
    awards_rows = (
        DecisionAward.objects.filter(decision__in=decisions)
        .values("funder_id", f"decision__{region_key}")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in awards_rows:
        amount_by_region[row[f"decision__{region_key}"]] += row["total"]
        amount_by_funder[row["funder_id"]] += row["total"]
    funder_objects = Funder.objects.filter(pk__in=list(amount_by_funder)).order_by("name")
    funders = tuple(
        FunderTotal(f.pk, f.name, f.short_name or f.name, money_sum([amount_by_funder[f.pk]]))
        for f in funder_objects
    )

    regions_sorted = sorted(Region.objects.all(), key=lambda r: (r.overseas, collation_key(r.name)))
    regions = tuple(
        RegionRow(
            code=region.code,
            name=region.name,
            overseas=region.overseas,
            laureates=laureates_by_region.get(region.code, 0),
            applications=applications_by_region.get(region.code, 0),
            amount=money_sum([amount_by_region.get(region.code, ZERO)]),
        )
        for region in regions_sorted
    )
    laureates = _laureate_rows(_filtered(decisions, filters), funders)
    return CallResults(
        call=call,
        laureates_count=sum(laureates_by_region.values()),
        applications_count=sum(applications_by_region.values()),
        metro_regions=sum(1 for r in regions if r.laureates and not r.overseas),
        overseas_regions=sum(1 for r in regions if r.laureates and r.overseas),
        total_awarded=money_sum(amount_by_funder.values()),
        funders=funders,
        regions=regions,
        laureates=laureates,
        filters=filters,
    )
