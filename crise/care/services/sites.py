"""The sites a mairie can open a C.A.RE in."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care.noms import comparable
from crise.care.models import SITE_CATEGORIES, SITE_EQUIPEMENTS, SITE_USAGES, CentreAccueil, Site
from crise.db import diff, prendre, snapshot, utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.mairies.models import Mairie
from crise.signals import suppression_site_demandee

__all__ = ["CAPACITE_MAX", "NOM_MAX", "SiteData", "charger_sites_par_defaut",
           "enregistrer_site", "sites_for", "sites_for_opening", "sites_in_scope",
           "supprimer_site", "verifier_site"]


CAPACITE_MAX = 5000


NOM_MAX = 120


def charger_sites_par_defaut() -> int:
    """Each mairie has at least its own building as a site; idempotent."""
    with_site = set(db.session.scalars(sa.select(Site.mairie_id).distinct()))
    created = 0
    for mairie in db.session.scalars(sa.select(Mairie).order_by(Mairie.ordre)):
        if mairie.id not in with_site:
            db.session.add(Site(mairie=mairie, nom=f"{mairie.nom} (salle des fêtes)",
                                adresse=mairie.adresse, capacite=None, categorie="mairie",
                                arrondissement=mairie.arrondissements[0]
                                if len(mairie.arrondissements) == 1 else None))
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
    """The sites where the actor may open a C.A.RE for this event: in use, and said fit
    for one in the PCS (a shelter without a hall is not offered)."""
    query = sa.select(Site).join(Mairie).where(Site.actif.is_(True), Site.usage_care.is_(True),
                                               Site.mairie_id.in_(evenement.mairie_ids))
    query = query.where(actor.perimetre(Site.mairie_id))
    return db.session.scalars(query.order_by(Mairie.ordre, Site.nom)).all()


@dataclass
class SiteData:
    """What the site's form says (the PCS's description of a site de repli)."""

    nom: str
    adresse: str = ""
    capacite: int | None = None
    capacite_couchage: int | None = None
    categorie: str = "equipement"
    arrondissement: int | None = None
    usages: tuple[str, ...] = ("care",)
    equipements: tuple[str, ...] = ()
    cles: str = ""
    latitude: float | None = None
    longitude: float | None = None
    actif: bool = True
    verifie: bool = False  # « I have checked this on the ground today »


# Paris, with a margin: a position outside is a typing error (a swapped latitude…).
LATITUDES, LONGITUDES = (48.80, 48.91), (2.22, 2.48)


def _check_site(mairie: Mairie, data: SiteData) -> None:
    if not data.nom:
        raise ServiceError("Donnez un nom au site.", field="nom")
    if len(data.nom) > 200:
        raise ServiceError("200 caractères au maximum.", field="nom")
    for name, n in (("adresse", 255), ("cles", 255)):
        if len(getattr(data, name)) > n:
            raise ServiceError(f"{n} caractères au maximum.", field=name)
    for name in ("capacite", "capacite_couchage"):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= CAPACITE_MAX:
            raise ServiceError(f"La capacité doit être comprise entre 0 et {CAPACITE_MAX}.",
                               field=name)
    if data.categorie not in SITE_CATEGORIES:
        raise ServiceError("Choisissez le type de bâtiment.", field="categorie")
    if not set(data.usages) <= set(SITE_USAGES) or not data.usages:
        raise ServiceError("Dites à quoi le site peut servir (au moins un usage).",
                           field="usages")
    if not set(data.equipements) <= set(SITE_EQUIPEMENTS):
        raise ServiceError("Équipement inconnu.", field="equipements")
    if data.arrondissement is not None and data.arrondissement not in mairie.arrondissements:
        raise ServiceError(f"Un site de la {mairie.nom} est dans "
                           + (", ".join(f"{a}e" if a > 1 else "1er"
                                        for a in mairie.arrondissements)) + ".",
                           field="arrondissement")
    if (data.latitude is None) != (data.longitude is None):
        raise ServiceError("Donnez la latitude et la longitude, ou aucune des deux.",
                           field="latitude")
    if data.latitude is not None and not (LATITUDES[0] <= data.latitude <= LATITUDES[1]
                                          and LONGITUDES[0] <= data.longitude <= LONGITUDES[1]):
        raise ServiceError("Cette position n'est pas dans Paris (latitude vers 48,86, "
                           "longitude vers 2,35).", field="latitude")


CHAMPS_SITE = ["nom", "adresse", "capacite", "capacite_couchage", "categorie",
               "arrondissement", "usage_care", "usage_frais", "usage_hebergement", "pmr",
               "animaux", "climatise", "groupe_electrogene", "cuisine", "cles", "latitude",
               "longitude", "actif"]


def enregistrer_site(actor: User, site: Site | None, *, mairie: Mairie, data: SiteData,
                     version_vue: int | None = None, now: datetime | None = None) -> Site:
    """Add a site or change it. An edit made meanwhile by someone else is refused with who
    and when: the form keeps what was typed."""
    now = now or utcnow()
    data.nom, data.adresse, data.cles = (data.nom or "").strip(), (data.adresse or "").strip(), \
        (data.cles or "").strip()
    if data.arrondissement is None and len(mairie.arrondissements) == 1:
        data.arrondissement = mairie.arrondissements[0]
    _check_site(mairie, data)
    homonyme = next((s for s in sites_for(mairie.id, actifs_only=False)
                     if s is not site and comparable(s.nom) == comparable(data.nom)), None)
    if homonyme is not None:
        raise ServiceError(f"La {mairie.nom} a déjà un site « {homonyme.nom} » "
                           f"({homonyme.adresse or 'sans adresse'}) : donnez un nom qui les "
                           "distingue à l'ouverture d'un C.A.RE.", field="nom")
    creating = site is None
    if creating:
        site = Site(mairie=mairie, mairie_id=mairie.id)
        if not site.can_edit(actor):
            raise ServiceError("Vous ne pouvez pas modifier les sites de cette mairie.")
        db.session.add(site)
        avant = {}
    else:
        if not site.can_edit(actor):
            raise ServiceError("Vous ne pouvez pas modifier les sites de cette mairie.")
        if not prendre(site, version_vue):
            raise ServiceError(site.conflit("Ce site"))
        avant = snapshot(site, CHAMPS_SITE)
        site.version += 1
    site.nom, site.adresse, site.cles = data.nom, data.adresse, data.cles
    site.modifie_par_nom = str(actor)[:120]
    site.capacite, site.capacite_couchage = data.capacite, data.capacite_couchage
    site.categorie, site.arrondissement = data.categorie, data.arrondissement
    for code in SITE_USAGES:
        setattr(site, f"usage_{code}", code in data.usages)
    for code in SITE_EQUIPEMENTS:
        setattr(site, code, code in data.equipements)
    site.latitude, site.longitude, site.actif = data.latitude, data.longitude, data.actif
    if data.verifie or creating:
        site.noter_verification(actor, now)
    db.session.flush()
    changes = diff(site, CHAMPS_SITE, avant) if not creating else None
    record(actor, Action.CREATE if creating else Action.UPDATE, "site", site.id,
           summary=f"Site « {site.nom} » {'ajouté' if creating else 'modifié'}"
           + (" et vérifié" if data.verifie and not creating else ""),
           changes=changes, mairie_id=site.mairie_id)
    return site


def verifier_site(actor: User, site: Site, *, now: datetime | None = None) -> Site:
    """« Checked today, nothing changed »: one click from the list."""
    if not site.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier les sites de cette mairie.")
    prendre(site)
    site.noter_verification(actor, now)
    db.session.flush()
    record(actor, Action.UPDATE, "site", site.id, summary=f"Site « {site.nom} » vérifié",
           mairie_id=site.mairie_id)
    return site


def supprimer_site(actor: User, site: Site) -> None:
    """Remove a site entered by mistake. A site where a C.A.RE is open stays (it can be
    retired); the C.A.RE it hosted before keep their name and address as they were."""
    if not site.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier les sites de cette mairie.")
    prendre(site)
    ouverts = db.session.scalars(sa.select(CentreAccueil).where(
        CentreAccueil.site_id == site.id, CentreAccueil.ferme_at.is_(None))).all()
    if ouverts:
        raise ServiceError(
            f"Un C.A.RE est ouvert dans ce site ({ouverts[0].nom}, {ouverts[0].evenement.titre}) "
            ": il ne peut pas être supprimé. Retirez-le plutôt (« Site utilisable » décoché) "
            "pour qu'il ne soit plus proposé.")
    for _, raison in suppression_site_demandee.send(site):
        if raison:
            raise ServiceError(f"{raison} : déplacez-les d'abord (page Moyens), ou retirez le "
                               "site (« Site utilisable » décoché).")
    db.session.execute(sa.update(CentreAccueil).where(CentreAccueil.site_id == site.id)
                       .values(site_id=None))
    record(actor, Action.DELETE, "site", site.id, summary=f"Site « {site.nom} » supprimé",
           mairie_id=site.mairie_id)
    db.session.delete(site)
    db.session.flush()
