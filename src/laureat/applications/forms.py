"""Forms of the application wizard: one per step. They check input; the domain saves it."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from laureat.applicants.models import Organisation
from laureat.applications.enums import ResourceKind
from laureat.applications.models import Application
from laureat.programmes.enums import ExpenseCategory
from laureat.programmes.models import Call, CallQuestion, QuestionKind, Technology, Theme

MAX_AMOUNT = Decimal("1000000000.00")


def _dsfr(form: forms.Form) -> None:
    """Give each widget the DSFR classes (inputs, selects, text areas)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(
            widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput
        ):
            continue
        if isinstance(widget, forms.FileInput):
            widget.attrs.setdefault("class", "fr-upload")
            continue
        widget.attrs.setdefault(
            "class", "fr-select" if isinstance(widget, forms.Select) else "fr-input"
        )


class VersionedForm(forms.Form):
    """Every step carries the version the applicant started from (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _dsfr(self)


class StartForm(forms.Form):
    organisation: "forms.ModelChoiceField[Organisation]" = forms.ModelChoiceField(
        label=_("Organisation porteuse"),
        queryset=Organisation.objects.none(),
        empty_label=None,
    )
    title = forms.CharField(label=_("Titre du projet"), max_length=300)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        _dsfr(self)


class ProjectForm(VersionedForm):
    title = forms.CharField(label=_("Titre du projet"), max_length=300)
    acronym = forms.CharField(label=_("Acronyme"), max_length=40, required=False)
    summary = forms.CharField(
        label=_("Résumé"),
        help_text=_("2 000 caractères au plus ; il sera lu par le comité."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    description = forms.CharField(
        label=_("Description détaillée"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )


class TerritoryForm(VersionedForm):
    commune_query = forms.CharField(
        label=_("Rechercher une commune"),
        help_text=_("Nom, code postal ou code INSEE, par exemple « Chalon » ou « 71100 »."),
        required=False,
        max_length=100,
    )
    commune = forms.CharField(required=False, max_length=5, widget=forms.HiddenInput)


class ThemesForm(VersionedForm):
    themes = forms.ModelMultipleChoiceField(
        label=_("Thèmes de l'appel"),
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    technologies = forms.ModelMultipleChoiceField(
        label=_("Technologies de l'industrie 4.0"),
        queryset=Technology.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = call.themes.all()  # type: ignore[attr-defined]


class LearnersForm(VersionedForm):
    learners_targeted = forms.IntegerField(
        label=_("Nombre d'apprenants visés"), min_value=0, max_value=1_000_000, required=False
    )
    start_date = forms.DateField(
        label=_("Date de démarrage"),
        help_text=_("Au format jj/mm/aaaa."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _amount(label: Any, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        decimal_places=2,
        max_digits=15,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


EXPENSE_ROWS = 6


class BudgetForm(VersionedForm):
    """Expenses as rows (category, label, amount), and resources: one amount per source.

    Empty rows are ignored; a row with an amount needs a category.
    """

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.envelopes = list(
            call.envelopes.select_related("funder").prefetch_related("categories")
        )
        for i in range(EXPENSE_ROWS):
            self.fields[f"expense_{i}_category"] = forms.ChoiceField(
                label=_("Catégorie"),
                choices=[("", "—"), *ExpenseCategory.choices],
                required=False,
            )
            self.fields[f"expense_{i}_label"] = forms.CharField(
                label=_("Libellé"), max_length=300, required=False
            )
            self.fields[f"expense_{i}_amount"] = _amount(_("Montant (€)"))
        for envelope in self.envelopes:
            self.fields[f"funder_{envelope.funder_id}"] = _amount(
                _("Demande à %s (€)") % envelope.funder
            )
        self.fields["own_funds"] = _amount(_("Fonds propres (€)"))
        self.fields["other_public"] = _amount(_("Autres financements publics (€)"))
        self.fields["other_public_label"] = forms.CharField(
            label=_("Lesquels ?"), max_length=300, required=False
        )
        self.fields["other_private"] = _amount(_("Autres financements privés (€)"))
        _dsfr(self)

    def expense_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"expense_{i}_category"], self[f"expense_{i}_label"], self[f"expense_{i}_amount"])
            for i in range(EXPENSE_ROWS)
        ]

    def funder_rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(e, self[f"funder_{e.funder_id}"]) for e in self.envelopes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(EXPENSE_ROWS):
            amount = data.get(f"expense_{i}_amount")
            if amount and not data.get(f"expense_{i}_category"):
                self.add_error(
                    f"expense_{i}_category", _("Choisissez la catégorie de cette dépense.")
                )
        return data

    def expenses(self) -> list[Any]:
        from laureat.applications.budget import Expense

        rows = []
        for i in range(EXPENSE_ROWS):
            amount = self.cleaned_data.get(f"expense_{i}_amount")
            category = self.cleaned_data.get(f"expense_{i}_category")
            if amount and category:
                rows.append(
                    Expense(category, amount, self.cleaned_data.get(f"expense_{i}_label", ""))
                )
        return rows

    def resources(self) -> list[Any]:
        from laureat.applications.budget import Resource

        rows = []
        for envelope in self.envelopes:
            amount = self.cleaned_data.get(f"funder_{envelope.funder_id}")
            if amount:
                rows.append(Resource(ResourceKind.FUNDER, amount, envelope.funder_id))
        for kind, name, label in (
            (ResourceKind.OWN_FUNDS, "own_funds", ""),
            (
                ResourceKind.OTHER_PUBLIC,
                "other_public",
                self.cleaned_data.get("other_public_label", ""),
            ),
            (ResourceKind.OTHER_PRIVATE, "other_private", ""),
        ):
            amount = self.cleaned_data.get(name)
            if amount:
                rows.append(Resource(kind, amount, None, label))
        return rows


def budget_initial(application: Application) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": application.version}
    for i, expense in enumerate(application.budget_lines.all()[:EXPENSE_ROWS]):
        initial[f"expense_{i}_category"] = expense.category
        initial[f"expense_{i}_label"] = expense.label
        initial[f"expense_{i}_amount"] = expense.amount
    for resource in application.resource_lines.all():
        if resource.kind == ResourceKind.FUNDER:
            initial[f"funder_{resource.funder_id}"] = resource.amount
        elif resource.kind == ResourceKind.OWN_FUNDS:
            initial["own_funds"] = resource.amount
        elif resource.kind == ResourceKind.OTHER_PUBLIC:
            initial["other_public"] = resource.amount
            initial["other_public_label"] = resource.label
        else:
            initial["other_private"] = resource.amount
    return initial


class QuestionsForm(VersionedForm):
    """One field per question of the call; the field name is ``q_<question id>``."""

    def __init__(self, *args: Any, questions: list[CallQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q_{question.pk}"] = _question_field(question)
        _dsfr(self)

    def question_fields(self) -> list[tuple[CallQuestion, forms.BoundField]]:
        return [(q, self[f"q_{q.pk}"]) for q in self.questions]

    def answers(self) -> dict[CallQuestion, Any]:
        values: dict[CallQuestion, Any] = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q_{question.pk}")
            if question.kind == QuestionKind.FILE:
                if value:  # no new file: the one already sent stays
                    values[question] = value
                continue
            if question.kind == QuestionKind.YES_NO:
                value = {"yes": True, "no": False}.get(value or "")
            values[question] = value
        return values


def _question_field(question: CallQuestion) -> forms.Field:
    # Required-ness is checked at submission, so that a draft can be saved half-answered.
    common: dict[str, Any] = {
        "label": question.label,
        "help_text": question.help_text,
        "required": False,
    }
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        return forms.CharField(max_length=300, **common)
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(
            max_length=10_000, widget=forms.Textarea(attrs={"rows": 6}), **common
        )
    if kind == QuestionKind.NUMBER:
        return forms.DecimalField(localize=True, max_digits=20, decimal_places=4, **common)
    if kind == QuestionKind.YES_NO:
        return forms.ChoiceField(
            choices=[("yes", _("Oui")), ("no", _("Non"))], widget=forms.RadioSelect, **common
        )
    if kind == QuestionKind.SINGLE_CHOICE:
        return forms.ChoiceField(
            choices=[(c, c) for c in question.choices], widget=forms.RadioSelect, **common
        )
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in question.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if kind == QuestionKind.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    return forms.FileField(
        max_length=200,
        widget=forms.FileInput,
        validators=[_file_size_limit],
        **common,
    )


MAX_FILE_SIZE = 10 * 1024 * 1024


def _file_size_limit(value: Any) -> None:
    if value.size > MAX_FILE_SIZE:
        raise forms.ValidationError(_("Le fichier dépasse 10 Mo."))


def questions_initial(application: Application, questions: list[CallQuestion]) -> dict[str, Any]:
    answers = {a.question_id: a for a in application.answers.all()}
    initial: dict[str, Any] = {"version": application.version}
    for question in questions:
        answer = answers.get(question.pk)
        if answer is None or answer.value is None:
            continue
        value = answer.value
        if question.kind == QuestionKind.YES_NO:
            value = "yes" if value else "no"
        elif question.kind == QuestionKind.FILE:
            continue
        initial[f"q_{question.pk}"] = value
    return initial


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "fr-input"}),
    )
