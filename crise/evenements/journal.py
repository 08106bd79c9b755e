"""The main courante of an event: its entries, append-only, and the entries the application
writes itself when something happens.

The main courante is evidence: an entry is never edited nor deleted. A wrong entry is struck
through with a reason and stays visible; the ORM refuses any other change (see the guards
below), whatever the route. It lives here, below the features that write in it (C.A.RE,
SCOP, cellule): they announce what happened (crise.signals) and the journal listens, so that
none of them imports the cellule.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise import signals
from crise.audit.models import declare_object_type
from crise.auth.models import Role, User
from crise.db import purge_autorisee, utcnow  # noqa: F401  (the purge, see crise.db)
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.extensions import db

declare_object_type("main_courante", "Main courante")

TEXTE_MAX = 5000

TYPE_LABELS = {"information": "Information", "demande": "Demande", "action": "Action",
               "decision": "Décision", "point_situation": "Point de situation"}
SUPPORT_LABELS = {"telephone": "Téléphone", "radio": "Radio", "mail": "Mail", "oral": "Oral",
                  "reunion": "Réunion", "application": "Application", "autre": "Autre"}
PRIORITE_LABELS = {"normale": "Normale", "haute": "Haute", "urgente": "Urgente"}


class EntreeMainCourante(db.Model):
    __tablename__ = "cellule_main_courante"
    __table_args__ = (sa.Index("ix_cellule_main_courante_fil", "evenement_id", "fait_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"))
    fait_at: Mapped[datetime]
    ecrit_at: Mapped[datetime] = mapped_column(default=utcnow)
    auteur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Who wrote it, as they were then (a renamed account does not rewrite the log).
    auteur_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    auteur_role: Mapped[str] = mapped_column(sa.String(32), default="")
    type: Mapped[str] = mapped_column(sa.String(20))
    source: Mapped[str] = mapped_column(sa.String(200), default="")
    support: Mapped[str] = mapped_column(sa.String(20), default="")
    priorite: Mapped[str] = mapped_column(sa.String(10), default="normale")
    texte: Mapped[str] = mapped_column(sa.Text)
    systeme: Mapped[bool] = mapped_column(default=False)
    # What it concerns: « centre », « demande », « decision », « reunion » and its id.
    objet_type: Mapped[str] = mapped_column(sa.String(20), default="")
    objet_id: Mapped[int | None]
    barree_at: Mapped[datetime | None]
    barree_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    barree_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    barree_motif: Mapped[str] = mapped_column(sa.String(500), default="")

    evenement: Mapped[Evenement] = relationship()

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type)

    @property
    def support_label(self) -> str:
        return SUPPORT_LABELS.get(self.support, self.support)

    @property
    def priorite_label(self) -> str:
        return PRIORITE_LABELS.get(self.priorite, self.priorite)

    @property
    def auteur_role_label(self) -> str:
        try:
            return Role(self.auteur_role).label
        except ValueError:
            return self.auteur_role


def ecrire_application(evenement_id: int, texte: str, *, objet_type: str = "",
                       objet_id: int | None = None, type: str = "information",
                       now: datetime | None = None, auteur=None) -> EntreeMainCourante:
    """An entry written by the application itself (C.A.RE opened, request moved…); signed
    by ``auteur`` when it records what a person decided."""
    now = now or utcnow()
    entree = EntreeMainCourante(
        evenement_id=evenement_id, fait_at=now, ecrit_at=now, auteur_nom="Application",
        type=type, support="application", priorite="normale", texte=texte[:TEXTE_MAX],
        systeme=True, objet_type=objet_type, objet_id=objet_id)
    if auteur is not None:
        entree.auteur_id, entree.auteur_nom, entree.auteur_role = (
            auteur.id, auteur.nom or auteur.email, auteur.role)
    db.session.add(entree)
    return entree


# What the application writes in the main courante, and as which type of entry. An entry
# is signed by the person who acted, when a person did (a decision is theirs, and so is the
# text a mairie typed in a signalement, a point de situation or a report): it says who,
# and the cellule can strike it through like any entry written by a person.
JOURNALISES = {
    signals.centre_ouvert: "information",
    signals.centre_ferme: "information",
    signals.demande_scop_envoyee: "demande",
    signals.demande_scop_changee: "information",
    signals.cellule_activee: "information",
    signals.cellule_desactivee: "information",
    signals.decision_prise: "decision",
    signals.decision_relancee: "information",
    signals.decision_terminee: "decision",
    signals.decision_modifiee: "decision",
    signals.decision_lue: "information",
    signals.decision_repondue: "information",
    signals.point_situation_recu: "point_situation",
    signals.rythme_change: "information",
    signals.reunion_planifiee: "information",
    signals.compte_rendu_ecrit: "information",
}


def _journaliser(type_entree: str):
    def receiver(fait: signals.Fait) -> None:
        ecrire_application(fait.evenement_id, fait.texte, objet_type=fait.objet_type,
                           objet_id=fait.objet_id, type=type_entree, now=fait.at,
                           auteur=fait.acteur if isinstance(fait.acteur, User) else None)
    return receiver


for _signal, _type in JOURNALISES.items():
    _signal.connect(_journaliser(_type), weak=False)


# --- The main courante is append-only ------------------------------------------------------

STRIKE_FIELDS = {"barree_at", "barree_par_id", "barree_par_nom", "barree_motif"}


@sa.event.listens_for(EntreeMainCourante, "before_update")
def _refuse_edit(mapper, connection, target):
    state = sa.inspect(target)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    if changed - STRIKE_FIELDS:
        raise ServiceError("Une entrée de la main courante ne se modifie pas : barrez-la avec "
                           "un motif et écrivez-en une nouvelle.")
    if state.attrs.barree_at.history.deleted and state.attrs.barree_at.history.deleted[0]:
        raise ServiceError("Cette entrée est déjà barrée.")


@sa.event.listens_for(EntreeMainCourante, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise ServiceError("Une entrée de la main courante ne se supprime pas.")


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def _refuse_bulk(orm_execute_state):
    if (orm_execute_state.is_update or orm_execute_state.is_delete) and any(
            getattr(m, "class_", None) is EntreeMainCourante
            for m in orm_execute_state.all_mappers):
        raise ServiceError("La main courante ne se modifie pas en masse.")
