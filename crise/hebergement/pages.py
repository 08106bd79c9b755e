"""Housing's parts of the event page and of a person's record (connected to crise.signals)."""

from crise.hebergement import bp, services
from crise.hebergement.consentements import arreter_relogement_sans_consentement
from crise.hebergement.models import can_house, can_view_housing, is_housing_agent
from crise.signals import consentement_retire, page_evenement, page_personne

bp.add_app_template_global(is_housing_agent)


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    """Tonight's housing figures for the event."""
    return {"hebergement": services.totaux(user, evenement, services.nuit_en_cours())
            if can_view_housing(user) else None}


@page_personne.connect
def personne(personne, *, user) -> dict:
    """The person's housing dossier, and whether the user may house them."""
    return {"dossier": services.dossier_of(personne)
            if can_view_housing(user) else None,
            "nuit": services.nuit_en_cours(),
            "peut_heberger": can_house(user)
            and not personne.fusionne_dans_id}


@consentement_retire.connect
def consentement_retire_(fait) -> None:
    if fait.details.get("finalite") == "bailleur":
        arreter_relogement_sans_consentement(fait)
