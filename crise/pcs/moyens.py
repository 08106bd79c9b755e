"""The means a mairie holds for the night (cots, blankets, generators) and where they are.
The VPU's stocks are the SCOP's, not here."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care.models import Site
from crise.db import diff, prendre, snapshot, utcnow
from crise.errors import ServiceError
from crise.extensions import db
from crise.mairies.models import Mairie
from crise.pcs.models import MOYEN_CATEGORIES, Moyen, can_edit_pcs

QUANTITE_MAX = 100_000
CHAMPS = ["categorie", "libelle", "quantite", "site_id", "lieu"]


@dataclass
class MoyenData:
    categorie: str
    libelle: str
    quantite: int | None
    site_id: int | None = None
    lieu: str = ""
    verifie: bool = False


def moyens_in_scope(actor: User) -> list[Moyen]:
    return db.session.scalars(sa.select(Moyen).join(Mairie).where(
        actor.perimetre(Moyen.mairie_id)).order_by(Mairie.ordre, Moyen.categorie,
                                                   Moyen.libelle)).all()


def enregistrer_moyen(actor: User, moyen: Moyen | None, *, mairie: Mairie, data: MoyenData,
                      version_vue: int | None = None, now: datetime | None = None) -> Moyen:
    now = now or utcnow()
    mairie_id = moyen.mairie_id if moyen else mairie.id
    if not can_edit_pcs(actor, mairie_id):
        raise ServiceError("Vous ne pouvez pas modifier les moyens de cette mairie.")
    data.libelle, data.lieu = (data.libelle or "").strip(), (data.lieu or "").strip()
    if data.categorie not in MOYEN_CATEGORIES:
        raise ServiceError("Choisissez la catégorie.", "categorie")
    if not data.libelle:
        data.libelle = MOYEN_CATEGORIES[data.categorie]
    if len(data.libelle) > 200 or len(data.lieu) > 255:
        raise ServiceError("200 caractères au maximum.",
                           "libelle" if len(data.libelle) > 200 else "lieu")
    if data.quantite is None or not 0 <= data.quantite <= QUANTITE_MAX:
        raise ServiceError(f"La quantité est un nombre entre 0 et {QUANTITE_MAX:,}."
                           .replace(",", " "), "quantite")
    if data.site_id is not None:
        site = db.session.get(Site, data.site_id)
        if site is None or site.mairie_id != mairie_id:
            raise ServiceError("Choisissez un site de la mairie.", "site_id")
    if moyen is not None and not prendre(moyen, version_vue):
        raise ServiceError(moyen.conflit("Ce moyen"))
    creating = moyen is None
    avant = {} if creating else snapshot(moyen, CHAMPS)
    if creating:
        moyen = Moyen(mairie_id=mairie_id)
        db.session.add(moyen)
    else:
        moyen.version += 1
    for name in CHAMPS:
        setattr(moyen, name, getattr(data, name))
    moyen.modifie_par_nom = str(actor)[:120]
    if data.verifie or creating:
        moyen.noter_verification(actor, now)
    db.session.flush()
    record(actor, Action.CREATE if creating else Action.UPDATE, "moyen", moyen.id,
           summary=f"Moyen « {moyen.libelle} » : {moyen.quantite}",
           changes=None if creating else diff(moyen, CHAMPS, avant), mairie_id=mairie_id)
    return moyen


def supprimer_moyen(actor: User, moyen: Moyen) -> None:
    if not moyen.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier les moyens de cette mairie.")
    record(actor, Action.DELETE, "moyen", moyen.id, mairie_id=moyen.mairie_id,
           summary=f"Moyen « {moyen.libelle} » supprimé ({moyen.quantite})")
    db.session.delete(moyen)
    db.session.flush()
