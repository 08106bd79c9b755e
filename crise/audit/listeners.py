"""The audit trail listens to what happens to accounts (crise.signals): the accounts module
sits below the audit and announces; the trail writes, in the same transaction."""

from crise import signals
from crise.audit.models import Action
from crise.audit.services import record, record_view

ACTIONS = {
    signals.compte_cree: Action.CREATE,
    signals.compte_modifie: Action.UPDATE,
    signals.connexion: Action.LOGIN,
    signals.connexion_refusee: Action.LOGIN_FAILED,
    signals.deconnexion: Action.LOGOUT,
}


def _recorder(action: Action):
    def receiver(fait: signals.Fait) -> None:
        record(fait.acteur, action, fait.objet_type, fait.objet_id, summary=fait.texte,
               changes=fait.details.get("changes"), mairie_id=fait.mairie_id,
               evenement_id=fait.evenement_id)
    return receiver


for _signal, _action in ACTIONS.items():
    _signal.connect(_recorder(_action), weak=False)


@signals.compte_consulte.connect
def _consultation(fait: signals.Fait) -> None:
    record_view(fait.acteur, fait.objet_type, fait.objet_id, summary=fait.texte,
                mairie_id=fait.mairie_id, evenement_id=fait.evenement_id, now=fait.at)
