from django.urls import path

from laureat.eligibility import views

app_name = "eligibility"

_BASE = "gestion/appels/<slug:slug>/recevabilite/"

urlpatterns = [
    path(_BASE, views.manage, name="manage"),
    path(f"{_BASE}regles/", views.rules, name="rules"),
    path(f"{_BASE}regles/ajouter/<slug:kind>/", views.rule_add, name="rule_add"),
    path(f"{_BASE}regles/<int:pk>/modifier/", views.rule_edit, name="rule_edit"),
    path(f"{_BASE}regles/<int:pk>/activer/", views.rule_toggle, name="rule_toggle"),
    path(f"{_BASE}regles/<int:pk>/supprimer/", views.rule_remove, name="rule_remove"),
    path(f"{_BASE}reevaluer/", views.reevaluate, name="reevaluate"),
    path(f"{_BASE}candidatures/<int:pk>/", views.report, name="report"),
]
