"""The sites a mairie can open a C.A.RE in."""

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care.models import Site
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.mairies.models import Mairie

__all__ = ["CAPACITE_MAX", "NOM_MAX", "charger_sites_par_defaut", "enregistrer_site",
           "sites_for", "sites_for_opening", "sites_in_scope"]


CAPACITE_MAX = 5000


NOM_MAX = 120


def charger_sites_par_defaut() -> int:
    """Each mairie has at least its own building as a site; idempotent."""
    with_site = set(db.session.scalars(sa.select(Site.mairie_id).distinct()))
    created = 0
    for mairie in db.session.scalars(sa.select(Mairie).order_by(Mairie.ordre)):
        if mairie.id not in with_site:
            db.session.add(Site(mairie=mairie, nom=f"{mairie.nom} (salle des fêtes)",
                                adresse=mairie.adresse, capacite=None))
            created += 1
    db.session.flush()
    return created


def sites_for(mairie_id: int, *, actifs_only: bool = True) -> list[Site]:
    query = sa.select(Site).where(Site.mairie_id == mairie_id).order_by(Site.nom)
    if actifs_only:
        query = query.where(Site.actif.is_(True))
    return db.session.scalars(query).all()


def sites_in_scope(actor: User) -> list[Site]:
    """Every site of the actor's mairie (all of them for the central roles), by mairie."""
    query = sa.select(Site).join(Mairie).order_by(Mairie.ordre, Site.nom)
    query = query.where(actor.perimetre(Site.mairie_id))
    return db.session.scalars(query).all()


def sites_for_opening(actor: User, evenement: Evenement) -> list[Site]:
    """The sites where the actor may open a C.A.RE for this event."""
    query = sa.select(Site).join(Mairie).where(Site.actif.is_(True),
                                               Site.mairie_id.in_(evenement.mairie_ids))
    query = query.where(actor.perimetre(Site.mairie_id))
    return db.session.scalars(query.order_by(Mairie.ordre, Site.nom)).all()


def enregistrer_site(actor: User, site: Site | None, *, mairie: Mairie, nom: str, adresse: str,
                     capacite: int | None, actif: bool = True) -> Site:
    nom, adresse = (nom or "").strip(), (adresse or "").strip()
    if not nom:
        raise ServiceError("Donnez un nom au site.", field="nom")
    if len(nom) > 200:
        raise ServiceError("200 caractères au maximum.", field="nom")
    if len(adresse) > 255:
        raise ServiceError("255 caractères au maximum.", field="adresse")
    if capacite is not None and not 1 <= capacite <= CAPACITE_MAX:
        raise ServiceError(f"La capacité doit être comprise entre 1 et {CAPACITE_MAX}.",
                           field="capacite")
    creating = site is None
    if creating:
        site = Site(mairie=mairie, mairie_id=mairie.id)
        db.session.add(site)
    if not site.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier les sites de cette mairie.")
    site.nom, site.adresse, site.capacite, site.actif = nom, adresse, capacite, actif
    db.session.flush()
    record(actor, Action.CREATE if creating else Action.UPDATE, "site", site.id,
           summary=f"Site « {nom} » {'ajouté' if creating else 'modifié'}",
           mairie_id=site.mairie_id)
    return site
