"""Événements: declare, change, close, record that the SCOP was informed.

Rules live here so that the web, the CLI and later modules share them.
Services flush, never commit.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import Role, User
from crise.db import diff, recent_twin, snapshot, utcnow
from crise.errors import ServiceError
from crise.evenements.models import (ClotureMairie, Evenement, SourceInformation, Statut,
                                     TypeEvenement, can_create_evenement, evenement_mairie)
from crise.extensions import db
from crise.formatting import exercice_label
from crise.signals import cloture_demandee, retrait_mairie_demande
from crise.text import clean_data
from crise.mairies.models import Mairie

TITRE_MAX = 200
LIEU_MAX = 255
DESCRIPTION_MAX = 5000
SOURCE_DETAIL_MAX = 255
CONTACT_MAX = 200
# A real event cannot have happened in the future; a little slack for clocks.
FUTURE_SLACK = timedelta(minutes=5)
AUDITED_FIELDS = ["titre", "type", "survenu_at", "fin_at", "lieu", "description", "exercice",
                  "source_information", "source_detail", "mairie_codes"]


@dataclass
class EvenementData:
    titre: str
    type: str
    survenu_at: datetime | None
    source_information: str
    mairies: list[Mairie] = field(default_factory=list)
    fin_at: datetime | None = None
    lieu: str = ""
    description: str = ""
    exercice: bool = False
    source_detail: str = ""


def _clean(data: EvenementData, actor: User, *, now: datetime) -> EvenementData:
    clean_data(data, multiline=("description",))
    data.titre = (data.titre or "").strip()
    data.lieu = (data.lieu or "").strip()
    data.description = (data.description or "").strip()
    data.source_detail = (data.source_detail or "").strip()
    if not data.titre:
        raise ServiceError("Donnez un titre à l'événement.", field="titre")
    if len(data.titre) > TITRE_MAX:
        raise ServiceError(f"Le titre ne doit pas dépasser {TITRE_MAX} caractères "
                           f"(actuellement {len(data.titre)}).", field="titre")
    if data.type not in set(TypeEvenement):
        raise ServiceError("Choisissez le type d'événement.", field="type")
    if data.survenu_at is None:
        raise ServiceError("Indiquez la date et l'heure de survenue.", field="survenu_at")
    if not data.exercice and data.survenu_at > now + FUTURE_SLACK:
        raise ServiceError("Un événement réel ne peut pas survenir dans le futur : vérifiez la "
                           "date et l'heure.", field="survenu_at")
    if data.fin_at is not None and data.fin_at < data.survenu_at:
        raise ServiceError("La fin ne peut pas précéder la survenue de l'événement.",
                           field="fin_at")
    if len(data.lieu) > LIEU_MAX:
        raise ServiceError(f"Le lieu ne doit pas dépasser {LIEU_MAX} caractères.", field="lieu")
    if len(data.description) > DESCRIPTION_MAX:
        raise ServiceError(f"La description ne doit pas dépasser {DESCRIPTION_MAX} caractères "
                           f"(actuellement {len(data.description)}). Les détails suivront dans "
                           f"la main courante.", field="description")
    if data.source_information not in set(SourceInformation):
        raise ServiceError("Indiquez comment la mairie a été informée.",
                           field="source_information")
    if len(data.source_detail) > SOURCE_DETAIL_MAX:
        raise ServiceError(f"Ce champ ne doit pas dépasser {SOURCE_DETAIL_MAX} caractères.",
                           field="source_detail")
    if not data.mairies:
        raise ServiceError("Cochez au moins une mairie concernée.", field="mairies")
    if not actor.is_central and actor.mairie_id not in {m.id for m in data.mairies}:
        raise ServiceError("Votre mairie doit faire partie des mairies concernées.",
                           field="mairies")
    if actor.has_role(Role.ANIMATEUR) and not data.exercice:
        raise ServiceError("Un animateur d'exercice ne déclare que des exercices : cochez "
                           "« Exercice ».", field="exercice")
    return data


def declarer_evenement(actor: User, data: EvenementData, *, jeton: str | None = None,
                       now: datetime | None = None,
                       jumeau_recent: bool = True) -> tuple[Evenement, bool]:
    """Declare an event. Returns (event, created); the same ``jeton`` twice gives one event.
    ``jumeau_recent=False``: the caller tells apart its own repeats (an exercise run, whose
    event may have the same title as the run prepared a minute before)."""
    if not can_create_evenement(actor):
        raise ServiceError("Votre rôle ne permet pas de déclarer un événement.")
    if jeton:
        existing = db.session.scalar(sa.select(Evenement).where(
            Evenement.jeton_creation == jeton))
        if existing is not None and existing.created_by_id == actor.id \
                and existing.titre == (data.titre or "").strip():
            return existing, False  # the same form sent twice: one event
        if existing is not None:
            jeton = None  # a spent token with something else typed in: a new event
    now = now or utcnow()
    data = _clean(data, actor, now=now)
    twin = None if not jumeau_recent else recent_twin(
        Evenement, Evenement.created_at, now, Evenement.created_by_id == actor.id,
        Evenement.titre == data.titre, Evenement.type == data.type,
        Evenement.exercice == data.exercice, Evenement.lieu == data.lieu,
        Evenement.survenu_at == data.survenu_at,
        Evenement.source_information == data.source_information,
        Evenement.source_detail == data.source_detail)
    if twin is not None and {m.id for m in twin.mairies} == {m.id for m in data.mairies}:
        return twin, False  # declared again a moment ago (Back, then send)
    evenement = Evenement(
        titre=data.titre, type=data.type, survenu_at=data.survenu_at, fin_at=data.fin_at,
        lieu=data.lieu, description=data.description, exercice=data.exercice,
        statut=Statut.EN_COURS, source_information=data.source_information,
        source_detail=data.source_detail, mairies=list(data.mairies), created_by=actor,
        jeton_creation=jeton or None,
    )
    db.session.add(evenement)
    db.session.flush()
    record(actor, Action.CREATE, "evenement", evenement.id,
           summary=exercice_label(f"Événement « {evenement.titre[:150]} » déclaré",
                                  evenement.exercice), evenement_id=evenement.id)
    return evenement, True


def _audit_snapshot(evenement: Evenement) -> dict:
    values = snapshot(evenement, [f for f in AUDITED_FIELDS if f != "mairie_codes"])
    values["mairie_codes"] = [m.code for m in evenement.mairies]
    return values


def modifier_evenement(actor: User, evenement: Evenement, data: EvenementData,
                       *, now: datetime | None = None) -> Evenement:
    if not evenement.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cet événement.")
    data = _clean(data, actor, now=now or utcnow())
    if evenement.exercice != data.exercice:
        # Exercise data never mixes with real data: the flag is fixed at creation.
        raise ServiceError("On ne transforme pas un exercice en événement réel, ni l'inverse : "
                           "déclarez un nouvel événement.", field="exercice")
    _check_participation(actor, evenement, data)
    before = _audit_snapshot(evenement)
    for name in DESCRIPTION_FIELDS:
        setattr(evenement, name, getattr(data, name))
    evenement.mairies = list(data.mairies)
    after = _audit_snapshot(evenement)
    changes = {k: [str(before[k]), str(after[k])] for k in after if before[k] != after[k]}
    if changes:
        record(actor, Action.UPDATE, "evenement", evenement.id,
               summary=f"Événement « {evenement.titre[:150]} » modifié", changes=changes,
               evenement_id=evenement.id)
    db.session.flush()
    return evenement


DESCRIPTION_FIELDS = ("titre", "type", "survenu_at", "fin_at", "lieu", "description",
                      "source_information", "source_detail")


def _mairie_declarante(evenement: Evenement) -> int | None:
    return evenement.created_by.mairie_id if evenement.created_by is not None else None


def _differe(nouveau, ancien) -> bool:
    """A field really changed: a time typed to the minute is not a change of the seconds
    the declaration stored, nor an empty text a change of a missing one."""
    if isinstance(nouveau, datetime) and isinstance(ancien, datetime):
        return nouveau.replace(second=0, microsecond=0) != ancien.replace(second=0,
                                                                          microsecond=0)
    return (nouveau or None) != (ancien or None)


def _check_participation(actor: User, evenement: Evenement, data: EvenementData) -> None:
    """On an event shared by several mairies, a mairie changes its own participation only:
    it may bring another mairie in, never take one out; the event's description is the
    declaring mairie's (and the central roles'). A mairie that has C.A.RE in the event is
    never taken out of it, by anyone (it would lose sight of its own work)."""
    gardees = {m.id for m in data.mairies}
    retirees = [m for m in evenement.mairies if m.id not in gardees]
    if not actor.is_central:
        autres = [m for m in retirees if m.id != actor.mairie_id]
        if autres:
            raise ServiceError(
                "Une mairie ne retire pas une autre mairie d'un événement partagé ("
                + ", ".join(m.nom_court for m in autres) + ") : demandez-le à la cellule, "
                "à la SCOP ou à la mairie concernée.", field="mairies")
        partage = any(m.id != actor.mairie_id for m in evenement.mairies)
        change = [f for f in DESCRIPTION_FIELDS
                  if _differe(getattr(data, f), getattr(evenement, f))]
        if partage and change and _mairie_declarante(evenement) != actor.mairie_id:
            raise ServiceError(
                "Cet événement est partagé avec d'autres mairies : sa description est "
                "modifiée par la mairie qui l'a déclaré, la cellule ou la SCOP. Vous pouvez y "
                "ajouter une mairie.", field=change[0])
    for mairie in retirees:
        raisons = [r for _, r in retrait_mairie_demande.send(evenement, mairie=mairie) if r]
        if raisons:
            raise ServiceError(f"{mairie.nom_court} ne peut pas être retirée de l'événement : "
                               + " ; ".join(raisons) + ".", field="mairies")


def noter_scop_informee(actor: User, evenement: Evenement, *, informed_at: datetime | None,
                        contact: str, now: datetime | None = None) -> Evenement:
    """Record that the SCOP was informed (who was told, when); clears the warning."""
    now = now or utcnow()
    if not evenement.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas modifier cet événement.")
    contact = (contact or "").strip()
    if not contact:
        raise ServiceError("Indiquez qui a été prévenu à la SCOP (nom de l'opérateur, "
                           "numéro appelé…).", field="contact")
    if len(contact) > CONTACT_MAX:
        raise ServiceError(f"{CONTACT_MAX} caractères au maximum.", field="contact")
    if informed_at is None:
        raise ServiceError("Indiquez quand la SCOP a été prévenue.", field="informed_at")
    if informed_at > now + FUTURE_SLACK:
        raise ServiceError("L'heure indiquée est dans le futur.", field="informed_at")
    marquer_scop_informee(actor, evenement, informed_at, contact)
    return evenement


def marquer_scop_informee(actor: User, evenement: Evenement, at: datetime, contact: str) -> None:
    """The one way the event learns that the SCOP was told: by hand (above) or by a
    signalement sent through the application. Audited with what changed."""
    before = snapshot(evenement, ["scop_informee_at", "scop_informee_contact"])
    evenement.scop_informee_at = at
    evenement.scop_informee_contact = contact
    evenement.scop_informee_par = actor
    record(actor, Action.UPDATE, "evenement", evenement.id,
           summary=f"SCOP informée ({contact[:100]})",
           changes=diff(evenement, ["scop_informee_at", "scop_informee_contact"], before),
           evenement_id=evenement.id)
    db.session.flush()


def clore_evenement(actor: User, evenement: Evenement, *, malgre_demandes: bool = False,
                    now: datetime | None = None) -> list:
    """Close the event; the mairies that still have to agree, if any. On an event shared
    by several mairies, a mairie gives its agreement: the event closes once all of them
    have (a central role closes it at once)."""
    if not evenement.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas clore cet événement.")
    if not evenement.en_cours:
        raise ServiceError("Cet événement est déjà clos.")
    attente = [reason for _, reason in cloture_demandee.send(evenement) if reason]
    if attente and not malgre_demandes:
        raise ServiceError(" ; ".join(attente) + " : vérifiez-les, ou confirmez la clôture "
                           "malgré elles.", field="malgre_demandes")
    now = now or utcnow()
    if not actor.is_central and any(m.id != actor.mairie_id for m in evenement.mairies):
        # The event's row first: the last two mairies agreeing at the same instant see each
        # other's agreement (one waits for the other), and the event closes.
        db.session.execute(sa.update(Evenement).where(Evenement.id == evenement.id)
                           .values(statut=Evenement.statut))
        if db.session.get(ClotureMairie, (evenement.id, actor.mairie_id)) is None:
            db.session.add(ClotureMairie(evenement_id=evenement.id, mairie_id=actor.mairie_id,
                                         at=now, par_id=actor.id))
            db.session.flush()
        restent = mairies_sans_accord(evenement)
        if restent:
            record(actor, Action.UPDATE, "evenement", evenement.id,
                   summary=f"Clôture de « {evenement.titre[:150]} » acceptée par la "
                           f"{actor.mairie.nom} ; attendue de : "
                           + ", ".join(m.nom_court for m in restent),
                   evenement_id=evenement.id, mairie_id=actor.mairie_id)
            db.session.flush()
            return restent
    evenement.statut = Statut.CLOS
    evenement.clos_at = now
    if evenement.fin_at is None:
        evenement.fin_at = max(now, evenement.survenu_at)
    record(actor, Action.UPDATE, "evenement", evenement.id,
           summary=f"Événement « {evenement.titre[:150]} » clos", evenement_id=evenement.id)
    db.session.flush()
    return []


def mairies_sans_accord(evenement: Evenement) -> list:
    """The mairies of a shared event that have not yet agreed to close it."""
    accord = set(db.session.scalars(sa.select(ClotureMairie.mairie_id).where(
        ClotureMairie.evenement_id == evenement.id)))
    return [m for m in evenement.mairies if m.id not in accord]


def rouvrir_evenement(actor: User, evenement: Evenement):
    if not evenement.can_edit(actor):
        raise ServiceError("Vous ne pouvez pas rouvrir cet événement.")
    if evenement.en_cours:
        raise ServiceError("Cet événement est déjà en cours.")
    evenement.statut = Statut.EN_COURS
    evenement.clos_at = None
    db.session.execute(sa.delete(ClotureMairie).where(
        ClotureMairie.evenement_id == evenement.id))
    record(actor, Action.UPDATE, "evenement", evenement.id,
           summary=f"Événement « {evenement.titre[:150]} » rouvert", evenement_id=evenement.id)
    db.session.flush()


def visible_evenements_query(user: User, *, statut: str | None = None,
                             exercice: bool | None = None):
    """The events a user may see, current first, then the most recent."""
    query = sa.select(Evenement).where(user.perimetre_evenements(Evenement.exercice))
    if not user.is_central:
        query = query.where(Evenement.id.in_(
            sa.select(evenement_mairie.c.evenement_id).where(
                evenement_mairie.c.mairie_id == user.mairie_id)))
    if statut in set(Statut):
        query = query.where(Evenement.statut == statut)
    if exercice is not None:
        query = query.where(Evenement.exercice.is_(exercice))
    en_cours_first = sa.case((Evenement.statut == Statut.EN_COURS, 0), else_=1)
    return query.order_by(en_cours_first, Evenement.survenu_at.desc(), Evenement.id.desc())
