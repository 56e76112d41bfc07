from django.urls import path

from laureat.applications import views

app_name = "applications"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("nouvelle/<slug:slug>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/etapes/<slug:step>/", views.step, name="step"),
    path("<int:pk>/budget/totaux/", views.budget_totals, name="budget_totals"),
    path("<int:pk>/deposer/", views.submit, name="submit"),
    path("<int:pk>/recepisse/", views.receipt, name="receipt"),
    path("<int:pk>/recepisse.pdf", views.receipt_pdf_view, name="receipt_pdf"),
    path("<int:pk>/retirer/", views.withdraw, name="withdraw"),
]
