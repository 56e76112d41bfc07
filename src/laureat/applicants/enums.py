from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    EMPLOYER_FEDERATION = "employer_federation", _("Fédération patronale")
    CCI = "cci", _("Chambre de commerce et d'industrie")
    CNAM = "cnam", _("Cnam")
    UNIVERSITY = "university", _("Université")
    ENGINEERING_SCHOOL = "engineering_school", _("École d'ingénieurs")
    SCHOOL = "school", _("Lycée ou établissement scolaire")
    ASSOCIATION = "association", _("Association")
    TRAINING_CENTRE = "training_centre", _("Centre de formation")
    COMPANY = "company", _("Entreprise")
    LOCAL_AUTHORITY = "local_authority", _("Collectivité territoriale")


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("Administrateur")
    MEMBER = "member", _("Membre")
