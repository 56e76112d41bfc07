from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from laureat.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("dsfr/dist/favicon/favicon.ico"), permanent=True),
    ),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("compte/", include("laureat.accounts.urls")),
    path("candidatures/", include("laureat.applications.urls")),
    path("organisations/", include("laureat.applicants.urls")),
    path("documents/", include("laureat.documents.urls")),
    path("", include("laureat.review.urls")),
    path("", include("laureat.notifications.urls")),
    path("", include("laureat.reporting.urls")),
    path("", include("laureat.eligibility.urls")),
    path("", include("laureat.selection.urls")),
    path("", include("laureat.web.urls")),
    prefix_default_language=False,
)
