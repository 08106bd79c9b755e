"""Opening (« armer ») a C.A.RE, its opening checklist, closing it."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care.models import (ETAPES_OUVERTURE, CentreAccueil, Destination, EtapeOuverture,
                               Site)
from crise.care.services.presence import close_passage, present_people
from crise.care.services.sites import CAPACITE_MAX, NOM_MAX
from crise.db import utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.signals import (Fait, annoncer, centre_ferme, centre_ouvert,
                           etapes_ouverture_demandees)

__all__ = ["centres_for", "cocher_etape", "fermer_centre", "open_centres_for", "ouvrir_centre"]


def etapes_ouverture() -> list[tuple[str, str]]:
    """The steps of the fiche réflexe d'ouverture as the PCS keeps it (versioned there), or
    the built-in ones when no fiche answers."""
    for _, etapes in etapes_ouverture_demandees.send(None):
        if etapes:
            return list(etapes)
    return ETAPES_OUVERTURE


def ouvrir_centre(actor: User, evenement: Evenement, *, site: Site, capacite: int | None,
                  responsable_nom: str, cai: bool = False, caf: bool = False,
                  ouvert_at: datetime | None = None, jeton: str | None = None,
                  now: datetime | None = None) -> tuple[CentreAccueil, bool]:
    """Open (« armer ») a C.A.RE for an event on one of the mairie's sites."""
    now = now or utcnow()
    if not site.can_edit(actor):
        raise ServiceError("Seul le responsable de crise de la mairie ouvre un C.A.RE.")
    if jeton:  # after who may: a token says nothing to someone who may not send it
        existing = db.session.scalar(sa.select(CentreAccueil).where(
            CentreAccueil.jeton_creation == jeton))
        if existing is not None:
            return existing, False
    if not evenement.en_cours:
        raise ServiceError("Cet événement est clos : on n'y ouvre plus de C.A.RE.")
    if site.mairie_id not in evenement.mairie_ids:
        raise ServiceError(f"L'événement ne concerne pas la {site.mairie.nom}.", field="site")
    if not site.actif:
        raise ServiceError("Ce site n'est plus utilisé.", field="site")
    already = db.session.scalar(sa.select(CentreAccueil.id).where(
        CentreAccueil.evenement_id == evenement.id, CentreAccueil.site_id == site.id,
        CentreAccueil.ferme_at.is_(None)))
    if already:
        raise ServiceError("Un C.A.RE est déjà ouvert sur ce site pour cet événement.",
                           field="site")
    responsable_nom = (responsable_nom or "").strip()
    if not responsable_nom:
        raise ServiceError("Indiquez le responsable de permanence.", field="responsable_nom")
    if len(responsable_nom) > NOM_MAX:
        raise ServiceError(f"{NOM_MAX} caractères au maximum.", field="responsable_nom")
    capacite = capacite if capacite is not None else site.capacite
    if capacite is None or not 1 <= capacite <= CAPACITE_MAX:
        raise ServiceError(f"Indiquez la capacité d'accueil (1 à {CAPACITE_MAX} personnes).",
                           field="capacite")
    ouvert_at = ouvert_at or now
    if ouvert_at > now + timedelta(minutes=5):
        raise ServiceError("L'heure d'ouverture est dans le futur.", field="ouvert_at")
    centre = CentreAccueil(
        evenement=evenement, evenement_id=evenement.id, mairie_id=site.mairie_id, site=site,
        nom=site.nom, adresse=site.adresse, capacite=capacite, responsable_nom=responsable_nom,
        cai=cai, caf=caf, ouvert_at=ouvert_at, ouvert_par=actor, jeton_creation=jeton or None,
        etapes=[EtapeOuverture(code=code, libelle=libelle, ordre=i)
                for i, (code, libelle) in enumerate(etapes_ouverture())])
    db.session.add(centre)
    db.session.flush()
    record(actor, Action.CREATE, "centre", centre.id,
           summary=f"C.A.RE ouvert : {centre.nom} (capacité {capacite})",
           mairie_id=centre.mairie_id, evenement_id=evenement.id)
    annoncer(centre_ouvert, Fait(f"C.A.RE ouvert : {centre.nom} ({centre.mairie.nom_court}, "
                                 f"capacité {capacite})", ouvert_at, evenement.id, "centre",
                                 centre.id, actor, centre.mairie_id, enregistre_at=now))
    return centre, True


def centres_for(actor: User, evenement: Evenement) -> list[CentreAccueil]:
    """The C.A.RE of an event that the user may see, open ones first."""
    query = (sa.select(CentreAccueil).where(CentreAccueil.evenement_id == evenement.id)
             .order_by(CentreAccueil.ferme_at.is_not(None), CentreAccueil.ouvert_at.desc()))
    query = query.where(actor.perimetre(CentreAccueil.mairie_id, CentreAccueil.evenement_id))
    return db.session.scalars(query).all()


def open_centres_for(actor: User) -> list[CentreAccueil]:
    """The C.A.RE open now in the user's scope, newest first: the desk's way in."""
    query = sa.select(CentreAccueil).where(CentreAccueil.ferme_at.is_(None)).order_by(
        CentreAccueil.ouvert_at.desc())
    query = query.where(actor.perimetre(CentreAccueil.mairie_id, CentreAccueil.evenement_id))
    return db.session.scalars(query.limit(20)).all()


def cocher_etape(actor: User, centre: CentreAccueil, code: str, done: bool = True,
                 now: datetime | None = None) -> EtapeOuverture:
    if not centre.can_register(actor):
        raise ServiceError("Vous ne pouvez pas modifier ce C.A.RE.")
    etape = next((e for e in centre.etapes if e.code == code), None)
    if etape is None:
        raise ServiceError("Étape inconnue.")
    if done and etape.fait_at is None:
        etape.fait_at, etape.fait_par = now or utcnow(), actor
    elif not done and etape.fait_at is not None:
        etape.fait_at, etape.fait_par = None, None
    else:
        return etape
    record(actor, Action.UPDATE, "centre", centre.id,
           summary=f"Fiche réflexe : « {etape.libelle} » {'faite' if done else 'décochée'}",
           mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    db.session.flush()
    return etape


def fermer_centre(actor: User, centre: CentreAccueil, *, destination: str | None = None,
                  now: datetime | None = None) -> int:
    """Close the C.A.RE; refused while people are present unless all leave for ``destination``.

    Returns how many people were checked out.
    """
    now = now or utcnow()
    if not centre.can_manage(actor):
        raise ServiceError("Seul le responsable de crise de la mairie ferme un C.A.RE.")
    if not centre.ouvert:
        raise ServiceError("Ce C.A.RE est déjà fermé.")
    present = present_people(centre)
    if present and not destination:
        raise ServiceError(f"{len(present)} personne(s) encore présente(s) : enregistrez leur "
                           f"départ, ou indiquez une destination pour toutes.",
                           field="destination")
    for personne in present:
        close_passage(actor, personne, destination, "Fermeture du C.A.RE", now)
    centre.ferme_at, centre.ferme_par = now, actor
    record(actor, Action.UPDATE, "centre", centre.id,
           summary=f"C.A.RE fermé : {centre.nom}"
                   + (f" ({len(present)} départ(s) vers « {Destination(destination).label} »)"
                      if present else ""),
           mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    annoncer(centre_ferme, Fait(f"C.A.RE fermé : {centre.nom} ({centre.mairie.nom_court})", now,
                                centre.evenement_id, "centre", centre.id, actor,
                                centre.mairie_id, {"departs": len(present)}))
    db.session.flush()
    return len(present)
