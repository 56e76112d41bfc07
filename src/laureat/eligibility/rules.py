"""Who manages eligibility: the call's programme managers (``programmes.manage_programme``)."""

import rules

from laureat.programmes.rules import is_admin, is_programme_manager

rules.add_perm("eligibility.manage_eligibility", is_programme_manager | is_admin)
