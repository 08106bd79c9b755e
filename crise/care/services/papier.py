"""Paper intake sheets for when the network is down: each printed with its own badge,
typed in later at the desk."""

from datetime import datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care.models import CentreAccueil, JetonPapier
from crise.care.pdf import feuilles_pdf
from crise.care.services.codes import new_badge_token, new_code_court, normalise_code
from crise.db import utcnow
from crise.errors import ServiceError
from crise.extensions import db

__all__ = ["imprimer_feuilles", "paper_token", "papier_non_saisi"]


def paper_token(centre: CentreAccueil, code: str) -> JetonPapier:
    """The pre-printed badge of a paper intake sheet, if it may be used here."""
    code = code.strip()
    papier = db.session.scalar(sa.select(JetonPapier).where(
        sa.or_(JetonPapier.token == code, JetonPapier.code_court == normalise_code(code))))
    if papier is None:
        raise ServiceError("Code de fiche papier inconnu : vérifiez-le sur la fiche.",
                           field="jeton_papier")
    printed_for = db.session.get(CentreAccueil, papier.centre_id)
    if printed_for.mairie_id != centre.mairie_id or printed_for.evenement_id != \
            centre.evenement_id:
        # Another mairie's sheet: answered as an unknown code (its existence is not ours).
        raise ServiceError("Code de fiche papier inconnu : vérifiez-le sur la fiche.",
                           field="jeton_papier")
    if papier.personne_id is not None:
        raise ServiceError("Cette fiche papier a déjà été saisie : cherchez la personne par "
                           "son code.", field="jeton_papier")
    return papier


def papier_non_saisi(centre: CentreAccueil, code: str) -> JetonPapier | None:
    """The pre-printed badge of a paper sheet of this C.A.RE not typed in yet, scanned or
    typed at the desk (its token or its short code)."""
    code = (code or "").strip()
    if not code:
        return None
    papier = db.session.scalar(sa.select(JetonPapier).where(
        JetonPapier.centre_id == centre.id, JetonPapier.personne_id.is_(None),
        sa.or_(JetonPapier.token == code, JetonPapier.code_court == normalise_code(code))))
    return papier


def imprimer_feuilles(actor: User, centre: CentreAccueil, nombre: int,
                      now: datetime | None = None) -> bytes:
    """Blank paper intake sheets, each with its own pre-printed badge (token and code)."""
    if not centre.can_register(actor):
        raise ServiceError("Vous ne pouvez pas imprimer de fiches pour ce C.A.RE.")
    if not 1 <= nombre <= 200:
        raise ServiceError("De 1 à 200 fiches à la fois.", field="nombre")
    jetons = []
    for _ in range(nombre):
        jeton = JetonPapier(token=new_badge_token(), code_court=new_code_court(),
                            centre_id=centre.id, imprime_at=now or utcnow(),
                            imprime_par_id=actor.id)
        db.session.add(jeton)
        db.session.flush()
        jetons.append(jeton)
    record(actor, Action.CREATE, "centre", centre.id,
           summary=f"{nombre} fiche(s) d'accueil papier imprimée(s)",
           mairie_id=centre.mairie_id, evenement_id=centre.evenement_id)
    return feuilles_pdf(centre, jetons, exercice=centre.evenement.exercice)
