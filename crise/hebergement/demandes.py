"""Households that asked for a roof at the desk and have no dossier yet: listed for the
DSOL (oldest first, read as they come) and counted by the database for the boards (a
city-wide flood loads none of them)."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from crise.auth.models import User
from crise.care.models import Personne
from crise.care.services.personnes import membres_du_foyer
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.hebergement.models import DossierHebergement

__all__ = ["DemandeSansDossier", "conditions_sans_dossier", "demandes_sans_dossier",
           "demandes_sans_dossier_comptees", "foyers_sans_dossier_par_mairie"]


@dataclass
class DemandeSansDossier:
    """A household that asked for a roof at the desk and has no dossier yet: without a
    solution tonight like any open dossier no stay covers."""

    personne: Personne  # who said it at the desk (the référent, usually)
    taille: int
    depuis: datetime


def _sans_dossier(actor: User | None, evenement: Evenement, mairie_ids: list[int] | None):
    query = sa.select(Personne).where(*conditions_sans_dossier(evenement))
    if actor is not None:
        query = query.where(actor.perimetre(Personne.mairie_id, Personne.evenement_id))
    if mairie_ids is not None:
        query = query.where(Personne.mairie_id.in_(mairie_ids))
    return query


def demandes_sans_dossier(actor: User | None, evenement: Evenement, *,
                          mairie_ids: list[int] | None = None,
                          limit: int | None = None) -> list[DemandeSansDossier]:
    """Households still at a C.A.RE with « hébergement » among their needs and no dossier,
    one line per household, oldest first. ``actor`` None: every mairie (or ``mairie_ids``);
    ``limit``: the first households only (read as they come, never the whole event)."""
    query = _sans_dossier(actor, evenement, mairie_ids).order_by(
        Personne.created_at, Personne.id).execution_options(yield_per=200)
    found, seen = [], set()
    with db.session.scalars(query) as personnes:
        for personne in personnes:
            if limit is not None and len(found) >= limit:
                break
            household = personne.foyer_id or -personne.id
            if household in seen:
                continue
            membres = membres_du_foyer(personne)
            seen.add(household)
            found.append(DemandeSansDossier(personne, len(membres) or 1, personne.created_at))
    return found


def demandes_sans_dossier_comptees(actor: User | None, evenement: Evenement, *,
                                   mairie_ids: list[int] | None = None) -> tuple[int, int]:
    """(households, people) of ``demandes_sans_dossier``, counted by the database: the
    cellule's dashboard of a city-wide flood loads none of them."""
    demandeurs = _sans_dossier(actor, evenement, mairie_ids).with_only_columns(
        Personne.id, Personne.foyer_id).subquery()
    seuls = db.session.scalar(sa.select(sa.func.count()).where(
        demandeurs.c.foyer_id.is_(None))) or 0
    nombre, membres = db.session.execute(sa.select(
        sa.func.count(sa.distinct(Personne.foyer_id)), sa.func.count()).where(
        Personne.foyer_id.in_(sa.select(demandeurs.c.foyer_id).where(
            demandeurs.c.foyer_id.is_not(None))),
        Personne.fusionne_dans_id.is_(None))).one()
    return seuls + (nombre or 0), seuls + (membres or 0)


def foyers_sans_dossier_par_mairie(evenement: Evenement, mairie_ids: list[int]
                                   ) -> dict[int, int]:
    """{mairie id: households of ``demandes_sans_dossier``}, counted by the database."""
    demandeurs = _sans_dossier(None, evenement, mairie_ids).with_only_columns(
        Personne.mairie_id, sa.func.coalesce(Personne.foyer_id, -Personne.id).label("foyer")
    ).subquery()
    return dict(db.session.execute(sa.select(
        demandeurs.c.mairie_id, sa.func.count(sa.distinct(demandeurs.c.foyer))).group_by(
        demandeurs.c.mairie_id)).all())


def conditions_sans_dossier(evenement: Evenement) -> list:
    """People still at a C.A.RE who asked for a roof and have no dossier, nor anyone of
    their household (filtered by the database)."""
    autre = aliased(Personne)
    return [
        Personne.evenement_id == evenement.id, Personne.fusionne_dans_id.is_(None),
        Personne.present.is_(True),
        Personne.besoin_condition("hebergement"),
        # No dossier for them, nor for anyone of their household (filtered by the
        # database: an event of 20,000 housed households loads none of them).
        ~sa.select(DossierHebergement.id).where(
            DossierHebergement.referent_id == Personne.id).exists(),
        ~sa.select(DossierHebergement.id).join(
            autre, autre.id == DossierHebergement.referent_id).where(
            Personne.foyer_id.is_not(None), autre.foyer_id == Personne.foyer_id).exists()]
