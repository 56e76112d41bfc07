from django.urls import path

from laureat.selection import views

app_name = "selection"

_BASE = "gestion/appels/<slug:slug>/selection/"
_MEETING = _BASE + "seances/<int:pk>/"

urlpatterns = [
    path(_BASE, views.manage, name="manage"),
    path(_BASE + "forcer/", views.force, name="force"),
    path(_BASE + "seances/", views.meetings, name="meetings"),
    path(_BASE + "seances/nouvelle/", views.meeting_create, name="meeting_create"),
    path(_MEETING, views.meeting, name="meeting"),
    path(_MEETING + "modifier/", views.meeting_edit, name="meeting_edit"),
    path(_MEETING + "pieces/", views.meeting_attachment_add, name="meeting_attachment_add"),
    path(
        _MEETING + "pieces/<int:attachment>/",
        views.meeting_attachment,
        name="meeting_attachment",
    ),
    path(_MEETING + "clore/", views.meeting_close, name="meeting_close"),
    path(_MEETING + "recalculer/", views.meeting_recompute, name="meeting_recompute"),
    path(_MEETING + "charger/", views.meeting_load, name="meeting_load"),
    path(
        _MEETING + "decisions/<int:application>/",
        views.decision_edit,
        name="decision_edit",
    ),
    path(
        _MEETING + "decisions/<int:application>/rapide/",
        views.decision_quick,
        name="decision_quick",
    ),
    path(_MEETING + "publier/", views.publish, name="publish"),
]
