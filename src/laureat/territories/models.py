"""French administrative geography (COG 2026): regions, departments, communes.

Reference data, loaded by a data migration from the compact files in
``territories/data/`` (see ``territories/data/SOURCES.md``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=2, primary_key=True)
    name = models.CharField(_("nom"), max_length=100, unique=True)
    overseas = models.BooleanField(_("outre-mer"), default=False)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["overseas", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{2}$"),
                name="territories_region_code_2_digits",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("région"), on_delete=models.PROTECT, related_name="departments"
    )
    overseas = models.BooleanField(_("outre-mer"), default=False)

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^([0-9]{2}|2A|2B|97[1-6])$"),
                name="territories_department_code_format",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    # Lower-case, accents removed, hyphens and apostrophes as spaces: what
    # name-prefix search compares against (indexed).
    search_name = models.CharField(_("nom normalisé"), max_length=100, db_index=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="communes",
    )
    postal_codes = models.CharField(
        _("codes postaux"), max_length=200, blank=True, help_text=_("Séparés par des espaces.")
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^([0-9]{5}|2[AB][0-9]{3})$"),
                name="territories_commune_code_format",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.department_id})"
