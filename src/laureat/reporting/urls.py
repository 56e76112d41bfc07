from django.urls import path

from laureat.reporting import views

app_name = "reporting"

urlpatterns = [
    path("appels/<slug:slug>/resultats/", views.call_results_page, name="call_results"),
    path(
        "appels/<slug:slug>/resultats/laureats.csv",
        views.call_results_csv,
        name="call_results_csv",
    ),
]
