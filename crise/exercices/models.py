"""An exercise run: one scenario played once, on an événement flagged EXERCICE.

Nothing about a run lives only in memory. The run keeps the scenario as it was started (its
text), its clock as an anchor (the plan's time played and the real time of play at the last
change, the speed) and the log of every change; each inject delivered is a row, unique per
run and inject, so that two workers ticking at once deliver it once; each expected action
is a row with its deadline, its status and what met it.
"""

import enum
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crise.audit.models import declare_object_type
from crise.auth.models import ROLE_LABELS, Role, User
from crise.care.models import BESOIN_LABELS, CATEGORIE_LABELS
from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.mairies.models import Mairie

declare_object_type("exercice", "Exercice")
declare_object_type("inject", "Inject d'exercice")

# Who runs exercises.
ANIMATION_ROLES = (Role.ANIMATEUR, Role.ADMIN)


def can_animate(user) -> bool:
    return user.has_role(*ANIMATION_ROLES)


def role_libelle(role: str, mairie: Mairie | None) -> str:
    """« Responsable de crise de la mairie (15e) »: who an inject or an action is for."""
    label = ROLE_LABELS.get(role, role)
    return f"{label} ({mairie.nom_court})" if mairie else label


class StatutExercice(enum.StrEnum):
    PRET = "pret"  # created, players named, DEBEX not yet given
    EN_COURS = "en_cours"
    EN_PAUSE = "en_pause"
    TERMINE = "termine"  # FINEX

    @property
    def label(self) -> str:
        return {"pret": "Prêt (avant le DEBEX)", "en_cours": "En cours",
                "en_pause": "En pause", "termine": "Terminé (FINEX)"}[self.value]


class Exercice(db.Model):
    __tablename__ = "exercice"

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int] = mapped_column(sa.ForeignKey("evenement.id"), unique=True)
    scenario_id: Mapped[str] = mapped_column(sa.String(64))
    scenario_titre: Mapped[str] = mapped_column(sa.String(300))
    source: Mapped[str] = mapped_column(sa.Text)  # the scenario file as it was started
    source_nom: Mapped[str] = mapped_column(sa.String(255), default="")
    statut: Mapped[str] = mapped_column(sa.String(16), default=StatutExercice.PRET, index=True)
    # The clock's anchor: at ``ancre_at`` (real), the plan had been played for ``joue_s``
    # seconds and the run had been in play (pauses left out) for ``en_jeu_s`` seconds.
    ancre_at: Mapped[datetime | None]
    joue_s: Mapped[float] = mapped_column(default=0.0)
    en_jeu_s: Mapped[float] = mapped_column(default=0.0)
    cadence: Mapped[float] = mapped_column(default=1.0)  # × the plan's speed
    debex_at: Mapped[datetime | None]
    finex_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    jeton_creation: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Touched under lock by whoever moves the clock or delivers: one at a time per run.
    verrou_at: Mapped[datetime | None]
    # The hot wash: answers kept without their author (the animateur's choice).
    a_chaud_anonyme: Mapped[bool] = mapped_column(default=True)

    evenement: Mapped[Evenement] = relationship()
    created_by: Mapped[User | None] = relationship()
    joueurs: Mapped[list["Joueur"]] = relationship(back_populates="exercice",
                                                   cascade="all, delete-orphan")

    def __str__(self):
        return self.scenario_titre

    @property
    def statut_label(self) -> str:
        return StatutExercice(self.statut).label

    @property
    def en_cours(self) -> bool:
        return self.statut == StatutExercice.EN_COURS

    @property
    def termine(self) -> bool:
        return self.statut == StatutExercice.TERMINE

    def temps_de_jeu(self, now: datetime) -> tuple[timedelta, timedelta]:
        """(the plan's time played, the real time in play) at ``now``: both stop in a pause."""
        joue, en_jeu = timedelta(seconds=self.joue_s), timedelta(seconds=self.en_jeu_s)
        if self.statut == StatutExercice.EN_COURS and self.ancre_at is not None:
            ecoule = max(now - self.ancre_at, timedelta())
            return joue + ecoule * self.cadence, en_jeu + ecoule
        return joue, en_jeu


class Joueur(db.Model):
    """A player named for a run: an account, in its role and mairie."""

    __tablename__ = "exercice_joueur"
    __table_args__ = (sa.UniqueConstraint("exercice_id", "user_id",
                                          name="uq_exercice_joueur_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)

    exercice: Mapped[Exercice] = relationship(back_populates="joueurs")
    user: Mapped[User] = relationship(lazy="joined")


class MouvementHorloge(db.Model):
    """The clock's log: DEBEX, every pause and resumption, jump, change of speed, FINEX,
    with the clock as it stood after it (both times)."""

    __tablename__ = "exercice_horloge"
    __table_args__ = (sa.Index("ix_exercice_horloge_fil", "exercice_id", "reel_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"))
    quoi: Mapped[str] = mapped_column(sa.String(16))
    reel_at: Mapped[datetime]
    scenario_at: Mapped[datetime]
    scenario_avant: Mapped[datetime | None]  # a jump: where the story was
    joue_s: Mapped[float]
    en_jeu_s: Mapped[float]
    cadence: Mapped[float]
    statut: Mapped[str] = mapped_column(sa.String(16))  # the run's status after it
    par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    motif: Mapped[str] = mapped_column(sa.String(500), default="")
    # The form's token: a jump sent twice (two animateurs, Back then send) is made once.
    jeton: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    QUOI_LABELS = {"debex": "DEBEX", "pause": "Pause", "reprise": "Reprise", "saut": "Saut",
                   "cadence": "Vitesse", "finex": "FINEX"}

    @property
    def quoi_label(self) -> str:
        return self.QUOI_LABELS.get(self.quoi, self.quoi)


class Livraison(db.Model):
    """An inject delivered (or, for a conditional one, found not to be sent), once per run:
    the unique constraint is what two workers ticking at the same instant run into."""

    __tablename__ = "exercice_livraison"
    __table_args__ = (
        sa.UniqueConstraint("exercice_id", "inject_id", name="uq_exercice_livraison_inject"),
        sa.Index("ix_exercice_livraison_fil", "exercice_id", "livre_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"))
    inject_id: Mapped[str | None] = mapped_column(sa.String(64))  # None: typed on the spot
    titre: Mapped[str] = mapped_column(sa.String(300))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    de: Mapped[str] = mapped_column(sa.String(300), default="")  # the simulated actor
    canal: Mapped[str] = mapped_column(sa.String(20), default="")
    roles: Mapped[list] = mapped_column(sa.JSON, default=list)
    mairies: Mapped[list] = mapped_column(sa.JSON, default=list)  # codes
    du_scenario_at: Mapped[datetime | None]  # when the scenario wanted it
    livre_at: Mapped[datetime]
    livre_scenario_at: Mapped[datetime]
    en_jeu_s: Mapped[float] = mapped_column(default=0.0)
    pendant_saut: Mapped[bool] = mapped_column(default=False)
    declencheur: Mapped[str] = mapped_column(sa.String(300), default="")
    envoye: Mapped[bool] = mapped_column(default=True)  # False: condition not met
    par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    par_nom: Mapped[str] = mapped_column(sa.String(120), default="")

    exercice: Mapped[Exercice] = relationship()
    destinataires: Mapped[list["Destinataire"]] = relationship(
        back_populates="livraison", cascade="all, delete-orphan", lazy="selectin",
        order_by="Destinataire.id")

    CANAL_LABELS = {"mail": "Courriel", "telephone": "Téléphone", "sms": "SMS",
                    "presse": "Presse", "reseaux_sociaux": "Réseaux sociaux", "radio": "Radio",
                    "oral": "Oral", "": "Message"}

    @property
    def canal_label(self) -> str:
        return self.CANAL_LABELS.get(self.canal, self.canal)

    @property
    def manuel(self) -> bool:
        return self.par_id is not None


class Destinataire(db.Model):
    """One addressee of a delivery: a role, in a mairie for the mairies' roles; acknowledged
    once for all the players who hold it."""

    __tablename__ = "exercice_destinataire"
    __table_args__ = (sa.Index("ix_exercice_destinataire_boite", "role", "mairie_id",
                               "acquitte_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    livraison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercice_livraison.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(32))
    mairie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mairie.id"))
    acquitte_at: Mapped[datetime | None]
    acquitte_scenario_at: Mapped[datetime | None]
    acquitte_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    acquitte_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")

    livraison: Mapped[Livraison] = relationship(back_populates="destinataires")
    mairie: Mapped[Mairie | None] = relationship(lazy="joined")

    @property
    def libelle(self) -> str:
        return role_libelle(self.role, self.mairie)


class StatutAttendu(enum.StrEnum):
    EN_ATTENTE = "en_attente"
    ATTEINT = "atteint"
    MANQUE = "manque"


class Attendu(db.Model):
    """An expected action, due after an inject was delivered."""

    __tablename__ = "exercice_attendu"
    __table_args__ = (
        sa.UniqueConstraint("livraison_id", "attendu_id", name="uq_exercice_attendu_livraison"),
        sa.Index("ix_exercice_attendu_statut", "exercice_id", "statut"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"))
    livraison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercice_livraison.id", ondelete="CASCADE"))
    attendu_id: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(300))
    role: Mapped[str] = mapped_column(sa.String(32))
    mairie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mairie.id"))
    objectif: Mapped[str] = mapped_column(sa.String(64), default="")
    tache_critique: Mapped[str] = mapped_column(sa.String(64), default="")
    validation: Mapped[str] = mapped_column(sa.String(10), default="manuelle")
    observable: Mapped[dict | None] = mapped_column(sa.JSON)
    temps: Mapped[str] = mapped_column(sa.String(10), default="reel")
    # The deadline: in real time of play (pauses left out) or in the story's time.
    echeance_en_jeu_s: Mapped[float | None]
    echeance_scenario_at: Mapped[datetime | None]
    statut: Mapped[str] = mapped_column(sa.String(12), default=StatutAttendu.EN_ATTENTE)
    atteint_at: Mapped[datetime | None]
    atteint_scenario_at: Mapped[datetime | None]
    atteint_en_jeu_s: Mapped[float | None]
    en_retard: Mapped[bool] = mapped_column(default=False)
    preuve_type: Mapped[str] = mapped_column(sa.String(20), default="")
    preuve_id: Mapped[int | None]
    preuve_texte: Mapped[str] = mapped_column(sa.String(500), default="")
    valide_par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    valide_par_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    commentaire: Mapped[str] = mapped_column(sa.String(1000), default="")

    livraison: Mapped[Livraison] = relationship()
    mairie: Mapped[Mairie | None] = relationship(lazy="joined")

    @property
    def acteur_libelle(self) -> str:
        return role_libelle(self.role, self.mairie)


class NoteAnimation(db.Model):
    """The facilitators' own log, never shown to players."""

    __tablename__ = "exercice_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"),
                                             index=True)
    ecrit_at: Mapped[datetime]
    scenario_at: Mapped[datetime | None]
    auteur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    auteur_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    texte: Mapped[str] = mapped_column(sa.Text)


class Figurant(db.Model):
    """A fictitious person arriving at a mairie's C.A.RE, brought by an inject: the desk
    registers them as anyone else; the record they become is linked here."""

    __tablename__ = "exercice_figurant"
    __table_args__ = (sa.Index("ix_exercice_figurant_attente", "exercice_id", "mairie_id",
                               "personne_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"))
    livraison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercice_livraison.id", ondelete="CASCADE"))
    mairie_id: Mapped[int] = mapped_column(sa.ForeignKey("mairie.id"))
    foyer: Mapped[str] = mapped_column(sa.String(40), default="")
    nom: Mapped[str] = mapped_column(sa.String(120))
    prenom: Mapped[str] = mapped_column(sa.String(120), default="")
    categorie: Mapped[str] = mapped_column(sa.String(20), default="sinistre")
    age: Mapped[int | None]
    besoins: Mapped[list] = mapped_column(sa.JSON, default=list)
    langue: Mapped[str] = mapped_column(sa.String(60), default="")
    notes: Mapped[str] = mapped_column(sa.String(300), default="")
    personne_id: Mapped[int | None] = mapped_column(sa.ForeignKey("care_personne.id"))

    mairie: Mapped[Mairie] = relationship(lazy="joined")

    @property
    def foyer_libelle(self) -> str:
        """« Foyer 3 » (its inject's third household)."""
        return "Foyer " + self.foyer.rsplit("-F", 1)[-1] if "-F" in self.foyer else self.foyer

    @property
    def categorie_libelle(self) -> str:
        return CATEGORIE_LABELS.get(self.categorie, self.categorie)

    @property
    def besoins_libelles(self) -> list[str]:
        return [BESOIN_LABELS.get(b, b) for b in self.besoins or []]


# --- Observation: who watches what, the grid, the notes ------------------------------------

# The HSEEP scale, as the grid says it.
NOTES_GRILLE = {
    "P": "Réalisé sans difficulté",
    "S": "Réalisé avec quelques difficultés",
    "M": "Réalisé avec des difficultés majeures",
    "U": "Non réalisé",
    "NO": "Non observé",
}
OBSERVATION_ROLES = (Role.OBSERVATEUR, Role.ANIMATEUR)


class Observateur(db.Model):
    """An observer named for a run, with the objectives and mairies they watch (none: all)."""

    __tablename__ = "exercice_observateur"
    __table_args__ = (sa.UniqueConstraint("exercice_id", "user_id",
                                          name="uq_exercice_observateur_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    objectifs: Mapped[list] = mapped_column(sa.JSON, default=list)
    mairies: Mapped[list] = mapped_column(sa.JSON, default=list)  # codes

    user: Mapped[User] = relationship(lazy="joined")

    def observe(self, objectif: str) -> bool:
        return not self.objectifs or objectif in self.objectifs


class Evaluation(db.Model):
    """One observer's rating of one item of the grid: changeable until the FINEX, every
    change kept (EvaluationHistorique), never overwritten unseen (a version)."""

    __tablename__ = "exercice_evaluation"
    __table_args__ = (sa.UniqueConstraint("exercice_id", "grille_id", "observateur_id",
                                          name="uq_exercice_evaluation_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"),
                                             index=True)
    grille_id: Mapped[str] = mapped_column(sa.String(64))
    objectif: Mapped[str] = mapped_column(sa.String(64), default="")
    observateur_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    observateur_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    note: Mapped[str] = mapped_column(sa.String(2))
    commentaire: Mapped[str] = mapped_column(sa.Text, default="")
    evalue_at: Mapped[datetime]
    scenario_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def note_libelle(self) -> str:
        return NOTES_GRILLE.get(self.note, self.note)


class EvaluationHistorique(db.Model):
    """Every rating given, in order: the grid's own history."""

    __tablename__ = "exercice_evaluation_historique"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercice_evaluation.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(sa.String(2))
    commentaire: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime]
    scenario_at: Mapped[datetime | None]
    par_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


class NoteObservation(db.Model):
    """An observer's note during play, timed in both clocks, about an objective, a mairie,
    an inject."""

    __tablename__ = "exercice_note_observation"
    __table_args__ = (sa.Index("ix_exercice_note_observation_fil", "exercice_id", "ecrit_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"))
    auteur_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    auteur_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    texte: Mapped[str] = mapped_column(sa.Text)
    ecrit_at: Mapped[datetime]
    scenario_at: Mapped[datetime | None]
    objectif: Mapped[str] = mapped_column(sa.String(64), default="")
    mairie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mairie.id"))
    livraison_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("exercice_livraison.id", ondelete="SET NULL"))

    mairie: Mapped[Mairie | None] = relationship(lazy="joined")
    livraison: Mapped[Livraison | None] = relationship()


# --- Hot wash (RETEX à chaud) ----------------------------------------------------------------

QUESTIONS_DEFAUT = ["Qu'est-ce qui a fonctionné ?", "Qu'est-ce qui a manqué ?",
                    "Une action à lancer dès demain ?"]
CATEGORIES_DEFAUT = ["Alerte et information", "Coordination", "Moyens", "Outils"]
ECHELLE_A_CHAUD = {1: "Insuffisant", 2: "À améliorer", 3: "Satisfaisant", 4: "Très bien"}


def _cle_aleatoire() -> str:
    return uuid.uuid4().hex


class ReponseAChaud(db.Model):
    """A player's answers to the hot wash. Anonymous when the animateur chose so: then no
    account, no mairie and no time are stored with it, its key is random and the table
    counts no insertion (no SQLite rowid), so that nothing pairs it with its row in
    ParticipationAChaud (who answered)."""

    __tablename__ = "exercice_reponse_a_chaud"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=_cle_aleatoire)
    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"),
                                             index=True)
    role: Mapped[str] = mapped_column(sa.String(32))
    mairie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mairie.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    auteur_nom: Mapped[str] = mapped_column(sa.String(120), default="")
    repondu_at: Mapped[datetime | None]
    reponses: Mapped[list] = mapped_column(sa.JSON, default=list)  # [(question, answer)]
    notes: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # {category: 1..4}

    mairie: Mapped[Mairie | None] = relationship(lazy="joined")

    @property
    def qui(self) -> str:
        return role_libelle(self.role, self.mairie) + (f" — {self.auteur_nom}"
                                                       if self.auteur_nom else "")


class ParticipationAChaud(db.Model):
    """That a player answered the hot wash (once): never which answer is theirs."""

    __tablename__ = "exercice_participation_a_chaud"
    __table_args__ = {"sqlite_with_rowid": False}

    exercice_id: Mapped[int] = mapped_column(sa.ForeignKey("exercice.id", ondelete="CASCADE"),
                                             primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)


@sa.event.listens_for(db.session, "after_soft_rollback")
def _oublier_les_drapeaux(session, _transaction) -> None:
    """An event created then rolled back may see its id taken again (SQLite): forget."""
    session.info.pop("evenements_d_exercice", None)


def evenement_d_exercice(evenement_id: int | None) -> bool:
    """Whether the event is an exercise: what the exercises listen to on every fact of a
    real crisis stops here, at one primary-key read (none when the event is loaded)."""
    if evenement_id is None:
        return False
    connus = db.session.info.setdefault("evenements_d_exercice", {})  # an event's flag
    if evenement_id not in connus:                                     # never changes
        connus[evenement_id] = bool(db.session.scalar(
            sa.select(Evenement.exercice).where(Evenement.id == evenement_id)))
    return connus[evenement_id]
