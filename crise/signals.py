"""What happened: the domain events the modules announce, and whoever listens to them.

A service that does something other parts of the application care about announces a
``Fait`` on the signal named for it, inside the same transaction (listeners write with the
same session; a rollback takes their writes away too):

    annoncer(signals.centre_ouvert, Fait(evenement_id=…, texte="C.A.RE ouvert : …", …))

Listeners connect in their own package and the announcer imports none of them: the main
courante writes the application's entries (``crise.evenements.journal``), the audit trail
records what happens to accounts (``crise.audit.listeners``), the exercises will check their
expected actions on ``tout``, which repeats every fait with the name of its signal.
"""

from dataclasses import dataclass, field
from datetime import datetime

from blinker import Namespace

_faits = Namespace()

# C.A.RE
centre_ouvert = _faits.signal("centre-ouvert")
centre_ferme = _faits.signal("centre-ferme")
personne_enregistree = _faits.signal("personne-enregistree")
# SCOP
demande_scop_envoyee = _faits.signal("demande-scop-envoyee")
demande_scop_changee = _faits.signal("demande-scop-changee")
# Housing
menage_heberge = _faits.signal("menage-heberge")
# A person withdrew a consent (details: the purpose): what was shared under it stops.
consentement_retire = _faits.signal("consentement-retire")
# The cellule
cellule_activee = _faits.signal("cellule-activee")
cellule_desactivee = _faits.signal("cellule-desactivee")
decision_prise = _faits.signal("decision-prise")
decision_relancee = _faits.signal("decision-relancee")
decision_terminee = _faits.signal("decision-terminee")
decision_modifiee = _faits.signal("decision-modifiee")
decision_lue = _faits.signal("decision-lue")
decision_repondue = _faits.signal("decision-repondue")
point_situation_recu = _faits.signal("point-situation-recu")
rythme_change = _faits.signal("rythme-change")
reunion_planifiee = _faits.signal("reunion-planifiee")
compte_rendu_ecrit = _faits.signal("compte-rendu-ecrit")
main_courante_ecrite = _faits.signal("main-courante-ecrite")
# Accounts
compte_cree = _faits.signal("compte-cree")
compte_modifie = _faits.signal("compte-modifie")
connexion = _faits.signal("connexion")
connexion_refusee = _faits.signal("connexion-refusee")
deconnexion = _faits.signal("deconnexion")
compte_consulte = _faits.signal("compte-consulte")

# Asked before an event is closed, with the event as sender: a listener returns what still
# waits in its module, as a French sentence, or None. The closing asks for confirmation.
cloture_demandee = _faits.signal("cloture-demandee")

# Asked before a mairie is taken off an event, with the event as sender and ``mairie=``:
# a listener returns, as a French sentence, what that mairie already has in the event in
# its module (it would lose sight of it), or None. The removal is refused.
retrait_mairie_demande = _faits.signal("retrait-mairie-demande")

# Asked before a site de repli is deleted, with the site as sender: a listener returns, as
# a French sentence, what its module keeps there (stocks), or None. The deletion is refused.
suppression_site_demandee = _faits.signal("suppression-site-demandee")

# Asked when a C.A.RE opens, with no sender: a listener returns the steps of the fiche
# réflexe d'ouverture as it stands ([(code, libellé)]), or None (the built-in steps then).
etapes_ouverture_demandees = _faits.signal("etapes-ouverture-demandees")

# Pages that features complete (Indico's template hooks): the host page sends, each feature
# connected in its own package returns the variables of its part ({name: value}), and the
# host imports none of them. The event page: sender the event, ``user=`` who looks.
page_evenement = _faits.signal("page-evenement")
# A person's record at the C.A.RE: sender the person, ``user=`` who looks.
page_personne = _faits.signal("page-personne")
# The home page (the list of events): sender the user who looks.
page_accueil = _faits.signal("page-accueil")
# A C.A.RE's desk page: sender the centre, ``user=`` who looks.
page_centre = _faits.signal("page-centre")
# An exercise run's console: sender the run, ``user=`` the animateur.
page_exercice = _faits.signal("page-exercice")


def contributions(signal, sender, **kwargs) -> dict:
    """What every feature contributes to a page, merged."""
    merged: dict = {}
    for _, part in signal.send(sender, **kwargs):
        merged.update(part or {})
    return merged


# Every fait above, with ``signal=`` its name: for those who watch everything.
tout = _faits.signal("tout")


@dataclass
class Fait:
    """Something that happened: when, in which event, about which record, told in French."""

    texte: str
    at: datetime
    evenement_id: int | None = None
    objet_type: str = ""
    objet_id: int | None = None
    acteur: object = None  # the User who did it; None when the application did
    mairie_id: int | None = None
    details: dict = field(default_factory=dict)
    # When the application learned of it, if the fait is dated earlier (a C.A.RE declared
    # open since 14 h, a main courante entry written after the fact).
    enregistre_at: datetime | None = None

    @property
    def connu_at(self) -> datetime:
        return self.enregistre_at or self.at


def annoncer(signal, fait: Fait) -> Fait:
    signal.send(fait)
    tout.send(fait, signal=signal.name)
    return fait
