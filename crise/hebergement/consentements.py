"""What a withdrawn consent stops in housing: a rehousing request shared with the bailleurs."""

from crise.care.models import Personne
from crise.extensions import db
from crise.hebergement.models import NoteRelogement, StatutRelogement
from crise.hebergement.services import _log, dossier_of


def arreter_relogement_sans_consentement(fait) -> None:
    """The household's référent withdrew the consent to sharing with the bailleur: a
    rehousing request not yet concluded stops at once (« sans suite »), said in the DLH's
    notes and the dossier's journal."""
    personne = db.session.get(Personne, fait.objet_id)
    dossier = dossier_of(personne) if personne is not None else None
    if dossier is None or dossier.referent_id != personne.id or dossier.relogement is None:
        return
    relogement = dossier.relogement
    if relogement.statut in (StatutRelogement.RELOGE, StatutRelogement.SANS_SUITE):
        return
    texte = ("Consentement au partage avec le bailleur retiré : demande de relogement "
             "arrêtée, plus rien n'est transmis aux bailleurs")
    relogement.statut = StatutRelogement.SANS_SUITE
    relogement.updated_at = fait.at
    relogement.notes.append(NoteRelogement(auteur_id=getattr(fait.acteur, "id", None),
                                           statut=StatutRelogement.SANS_SUITE, at=fait.at,
                                           texte=texte))
    _log(dossier, fait.acteur, texte, fait.at)
