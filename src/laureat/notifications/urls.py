from django.urls import path

from laureat.notifications import views

app_name = "notifications"

urlpatterns = [
    path("gestion/appels/<slug:slug>/courriers/", views.outbox, name="outbox"),
    path(
        "gestion/appels/<slug:slug>/courriers/parametres/",
        views.settings_edit,
        name="settings",
    ),
    path("gestion/appels/<slug:slug>/courriers/preparer/", views.prepare, name="prepare"),
    path("gestion/appels/<slug:slug>/courriers/envoyer/", views.send, name="send"),
    path("gestion/appels/<slug:slug>/courriers/<int:pk>/", views.preview, name="preview"),
    path("gestion/appels/<slug:slug>/courriers/<int:pk>/annuler/", views.cancel, name="cancel"),
    path(
        "gestion/appels/<slug:slug>/courriers/<int:pk>/courrier.pdf",
        views.letter_pdf,
        name="letter_pdf",
    ),
    path("courriers/<int:pk>/courrier.pdf", views.my_letter, name="my_letter"),
]
