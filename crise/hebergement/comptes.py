"""Counts of the housing situation for views that span the city (the situation map)."""

from datetime import date

import sqlalchemy as sa

from crise.care.models import Personne
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.hebergement.models import DossierHebergement
from crise.hebergement.demandes import conditions_sans_dossier
from crise.hebergement.services import couvert


def sans_solution_par_mairie(evenement: Evenement, nuit: date) -> dict[int, int]:
    """Households without a solution tonight, per mairie, in two grouped counts (the map
    of a city-wide flood): open dossiers no stay covers, and households that asked for a
    roof at the desk and have no dossier yet."""
    compte: dict[int, int] = {}
    for mairie_id, n in db.session.execute(
            sa.select(DossierHebergement.mairie_id, sa.func.count()).where(
                DossierHebergement.evenement_id == evenement.id,
                DossierHebergement.clos.is_(False), ~couvert(nuit))
            .group_by(DossierHebergement.mairie_id)):
        compte[mairie_id] = compte.get(mairie_id, 0) + n
    foyer = sa.func.coalesce(Personne.foyer_id, -Personne.id)
    for mairie_id, n in db.session.execute(
            sa.select(Personne.mairie_id, sa.func.count(sa.distinct(foyer)))
            .where(*conditions_sans_dossier(evenement)).group_by(Personne.mairie_id)):
        compte[mairie_id] = compte.get(mairie_id, 0) + n
    return compte
