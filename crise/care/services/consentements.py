"""Consent per purpose: given at the desk (orally or in writing), refused, withdrawn with the
person's reason (at once), or passed over for vital interest with the reason (GDPR art.
9-2-c). Each step is kept (Consentement) and in the audit trail; the record's
``consent_<purpose>`` is what every transmission checks."""

from datetime import datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care.models import (FINALITES, INTERET_VITAL_ROLES, MODES_CONSENTEMENT,
                               Consentement, Personne)
from crise.db import utcnow
from crise.errors import ServiceError
from crise.extensions import db
from crise.signals import Fait, annoncer, consentement_retire

__all__ = ["changer_consentement", "consentements_de", "exiger_consentement",
           "MOTIF_MAX"]

MOTIF_MAX = 500


def consentements_de(personne: Personne) -> list[Consentement]:
    return list(db.session.scalars(sa.select(Consentement).where(
        Consentement.personne_id == personne.id).order_by(Consentement.at, Consentement.id)))


def changer_consentement(actor: User, personne: Personne, finalite: str, *, donne: bool,
                         mode: str = "oral", motif: str = "", etat_vu: bool | None = None,
                         now: datetime | None = None) -> Consentement | None:
    """Record one step; None when nothing changes (the same answer, the same way).
    ``etat_vu``: the state the page showed; if it changed meanwhile, nothing is done."""
    if finalite not in FINALITES:
        raise ServiceError("Finalité inconnue.")
    if mode not in MODES_CONSENTEMENT:
        raise ServiceError("Indiquez comment le consentement a été recueilli.", field="mode")
    motif = " ".join((motif or "").split())
    if len(motif) > MOTIF_MAX:
        raise ServiceError(f"{MOTIF_MAX} caractères au maximum.", field="motif")
    if mode == "interet_vital":
        if not (actor.has_role(*INTERET_VITAL_ROLES) and personne.can_view(actor)):
            raise ServiceError("Votre rôle ne permet pas d'invoquer l'intérêt vital pour "
                               "cette personne.")
        if not motif:
            raise ServiceError("L'intérêt vital se justifie : indiquez ce qui menace la vie "
                               "ou la santé de la personne, et pourquoi elle ne peut pas "
                               "consentir.", field="motif")
        donne = True
    elif not personne.can_edit(actor):
        raise ServiceError("Cette personne n'est pas dans votre périmètre : son "
                           "consentement se recueille par sa mairie.")
    actuel = getattr(personne, f"consent_{finalite}")
    if etat_vu is not None and etat_vu != actuel:
        raise ServiceError(f"« {FINALITES[finalite]} » a changé entre-temps (il est "
                           f"maintenant à « {'oui' if actuel else 'non'} ») : relisez la "
                           "fiche avant de noter.", field="motif")
    if actuel and not donne and not motif:
        raise ServiceError("Le retrait d'un consentement se note avec son motif (les mots de "
                           "la personne).", field="motif")
    dernier = db.session.scalar(sa.select(Consentement).where(
        Consentement.personne_id == personne.id, Consentement.finalite == finalite).order_by(
        Consentement.at.desc(), Consentement.id.desc()).limit(1))
    if actuel == donne and dernier is not None and dernier.donne == donne and \
            dernier.mode == mode and (mode != "interet_vital" or dernier.motif == motif):
        return None  # said again the same way: one step is enough
    now = now or utcnow()
    etape = Consentement(personne_id=personne.id, finalite=finalite, donne=donne, mode=mode,
                         motif=motif, at=now, par_id=actor.id, par_nom=actor.email)
    db.session.add(etape)
    setattr(personne, f"consent_{finalite}", donne)
    quoi = ("intérêt vital invoqué" if mode == "interet_vital" else
            "donné (" + MODES_CONSENTEMENT[mode].lower() + ")" if donne else
            "retiré" if actuel else "refusé")
    if actuel and not donne:
        annoncer(consentement_retire, Fait(
            f"Consentement retiré (fiche {personne.code_court})", now,
            personne.evenement_id, "personne", personne.id, actor, personne.mairie_id,
            {"finalite": finalite}))
    record(actor, Action.UPDATE, "consentement", personne.id,
           # The reason stays on the record (free words may name someone): never here.
           summary=f"Fiche {personne.code_court} : « {FINALITES[finalite]} » — {quoi}"
                   + (" (motif noté sur la fiche)" if motif else ""),
           personnes=[personne], mairie_id=personne.mairie_id,
           evenement_id=personne.evenement_id)
    db.session.flush()
    return etape


def exiger_consentement(personne: Personne, finalite: str, pour: str) -> None:
    """Refuse a transmission the person did not consent to (nor vital interest allowed)."""
    if not getattr(personne, f"consent_{finalite}"):
        raise ServiceError(
            f"{pour} : la personne (fiche {personne.code_court}) n'a pas consenti à « "
            f"{FINALITES[finalite]} ». Recueillez son consentement sur sa fiche, ou, si sa vie "
            "ou sa santé est en jeu, invoquez l'intérêt vital avec son motif.",
            field="consentement")
