"""Forms of the documents pages. The checks on files themselves are in domain.py."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from laureat.documents.enums import Section


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class AttachmentForm(forms.Form):
    label = forms.CharField(label=_("Libellé (facultatif)"), max_length=200, required=False)
    file = forms.FileField(
        label=_("Fichier"),
        error_messages={
            "required": _("Choisissez un fichier."),
            "empty": _("Le fichier choisi est vide."),
        },
    )


class InformationRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message au porteur de projet"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        error_messages={"required": _("Rédigez le message de la demande.")},
    )
    sections = forms.MultipleChoiceField(
        label=_("Sections concernées"),
        choices=Section.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reopen = forms.BooleanField(
        label=_("Rouvrir ces sections pour correction (la candidature repasse en brouillon)"),
        required=False,
    )


class InformationReplyForm(forms.Form):
    message = forms.CharField(
        label=_("Votre réponse"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
        error_messages={"required": _("Rédigez votre réponse.")},
    )
    documents = MultipleFileField(label=_("Fichiers joints (facultatif)"), required=False)
