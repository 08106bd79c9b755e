"""Cellule rules: activation, the main courante (append-only), decisions and their follow-up.

Services flush, never commit.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from crise.auth.models import User
from crise.care.models import CentreAccueil
from crise.cellule.models import (CELLULE_ROLES, DECISION_STATUTS, DIRECTIONS, DIRECTION_ROLES,
                                  ETAT_LABELS, PRIORITE_LABELS, SUPPORT_LABELS, TYPE_LABELS,
                                  ActivationCellule, Decision, DestinataireDecision,
                                  EntreeMainCourante, MembreCellule, Reunion)
from crise import signals
from crise.db import recent_twin, utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.evenements.journal import TEXTE_MAX
from crise.extensions import db
from crise.scop.models import DemandeScop
from crise.signals import Fait, annoncer
from crise.text import clean_data
from crise.mairies.models import Mairie



def _check_cellule(actor: User) -> None:
    if not actor.has_role(*CELLULE_ROLES):
        raise ServiceError("Réservé à la cellule centrale de crise.")


# --- The main courante --------------------------------------------------------------------


@dataclass
class EntreeData:
    texte: str = ""
    type: str = "information"
    fait_at: datetime | None = None
    source: str = ""
    support: str = ""
    priorite: str = "normale"
    objet: str = ""  # « centre:12 », « demande:4 », « decision:3 »


def ecrire(actor: User, evenement: Evenement, data: EntreeData, *,
           now: datetime | None = None) -> EntreeMainCourante:
    now = now or utcnow()
    _check_cellule(actor)
    clean_data(data, multiline=("texte",))
    texte = (data.texte or "").strip()
    if not texte:
        raise ServiceError("Écrivez le contenu de l'entrée.", field="texte")
    if len(texte) > TEXTE_MAX:
        raise ServiceError(f"{TEXTE_MAX} caractères au maximum.", field="texte")
    if data.type not in TYPE_LABELS:
        raise ServiceError("Choisissez le type d'entrée.", field="type")
    if data.support and data.support not in SUPPORT_LABELS:
        raise ServiceError("Support inconnu.", field="support")
    if data.priorite not in PRIORITE_LABELS:
        raise ServiceError("Priorité inconnue.", field="priorite")
    fait_at = data.fait_at or now
    if fait_at > now + timedelta(minutes=5):
        raise ServiceError("L'heure du fait est dans le futur.", field="fait_at")
    if fait_at < evenement.survenu_at - timedelta(days=1):
        raise ServiceError("L'heure du fait précède l'événement.", field="fait_at")
    objet_type, objet_id = _objet(evenement, data.objet)
    twin = recent_twin(EntreeMainCourante, EntreeMainCourante.ecrit_at, now,
                       EntreeMainCourante.evenement_id == evenement.id,
                       EntreeMainCourante.auteur_id == actor.id,
                       EntreeMainCourante.type == data.type, EntreeMainCourante.texte == texte,
                       *([EntreeMainCourante.fait_at == data.fait_at] if data.fait_at else []),
                       # « RAS » may be written every few minutes: only a resend is one entry.
                       minutes=2)
    if twin is not None:
        return twin  # written again a moment ago (Back, then send): one entry
    entree = EntreeMainCourante(
        evenement_id=evenement.id, fait_at=fait_at, ecrit_at=now, auteur_id=actor.id,
        auteur_nom=actor.nom or actor.email, auteur_role=actor.role, type=data.type,
        source=(data.source or "").strip()[:200], support=data.support,
        priorite=data.priorite, texte=texte, objet_type=objet_type, objet_id=objet_id)
    db.session.add(entree)
    db.session.flush()
    annoncer(signals.main_courante_ecrite, Fait(
        texte, fait_at, evenement.id, "main_courante", entree.id, actor,
        details={"type": data.type, "priorite": data.priorite, "objet_type": objet_type,
                 "objet_id": objet_id}, enregistre_at=now))
    return entree


def _objet(evenement: Evenement, objet: str) -> tuple[str, int | None]:
    if not objet:
        return "", None
    kind, _, raw = objet.partition(":")
    if not raw.isdigit():
        raise ServiceError("Lien inconnu.", field="objet")
    model = {"centre": CentreAccueil, "demande": DemandeScop, "decision": Decision,
             "reunion": Reunion}.get(kind)
    found = db.session.get(model, int(raw)) if model else None
    if found is None or found.evenement_id != evenement.id:
        raise ServiceError("Ce lien ne concerne pas cet événement.", field="objet")
    return kind, found.id


def barrer(actor: User, entree: EntreeMainCourante, motif: str, *,
           now: datetime | None = None) -> EntreeMainCourante:
    """Strike a wrong entry through: it stays visible, with who, when and why."""
    _check_cellule(actor)
    motif = (motif or "").strip()
    if not motif:
        raise ServiceError("Indiquez pourquoi l'entrée est barrée.", field="motif")
    if entree.barree_at is not None:
        raise ServiceError("Cette entrée est déjà barrée.")
    if entree.systeme and entree.auteur_id is None:
        raise ServiceError("Une entrée écrite par l'application seule ne se barre pas : elle "
                           "dit ce qui s'est passé dans l'outil.")
    entree.barree_at, entree.barree_par_id = now or utcnow(), actor.id
    entree.barree_par_nom, entree.barree_motif = actor.nom or actor.email, motif[:500]
    try:
        db.session.flush()
    except sa.exc.DBAPIError:
        # Another member struck it through since the page was shown: the database refuses
        # a second strike-through (its trigger), the caller rolls back.
        raise ServiceError("Cette entrée a déjà été barrée entre-temps par un autre membre : "
                           "rechargez la page.") from None
    return entree


@dataclass
class Filtres:
    type: str = ""
    priorite: str = ""
    origine: str = ""  # « humain », « systeme »
    q: str = ""
    barrees: bool = True


def numeros(evenement_id: int, entrees) -> dict[int, int]:
    """{entry id: its number in its event's log}: 1, 2, 3… in the order written. Entries are
    never deleted (the database refuses it), so a number never changes, and another event's
    entries (an exercise running alongside) leave no gap."""
    ids = [e.id for e in entrees]
    if not ids:
        return {}
    numbered = sa.select(EntreeMainCourante.id, sa.func.row_number().over(
        order_by=EntreeMainCourante.id).label("numero")).where(
        EntreeMainCourante.evenement_id == evenement_id).subquery()
    return dict(db.session.execute(sa.select(numbered.c.id, numbered.c.numero).where(
        numbered.c.id.in_(ids))).all())


def main_courante_query(evenement: Evenement, filtres: Filtres):
    query = sa.select(EntreeMainCourante).where(
        EntreeMainCourante.evenement_id == evenement.id)
    if filtres.type in TYPE_LABELS:
        query = query.where(EntreeMainCourante.type == filtres.type)
    if filtres.priorite in PRIORITE_LABELS:
        query = query.where(EntreeMainCourante.priorite == filtres.priorite)
    if filtres.origine in ("humain", "systeme"):
        query = query.where(EntreeMainCourante.systeme.is_(filtres.origine == "systeme"))
    if not filtres.barrees:
        query = query.where(EntreeMainCourante.barree_at.is_(None))
    for word in (filtres.q or "").split()[:5]:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(sa.or_(EntreeMainCourante.texte.ilike(pattern),
                                   EntreeMainCourante.source.ilike(pattern),
                                   EntreeMainCourante.auteur_nom.ilike(pattern)))
    return query.order_by(EntreeMainCourante.fait_at.desc(), EntreeMainCourante.id.desc())


# --- Activation ---------------------------------------------------------------------------


def activation_of(evenement: Evenement) -> ActivationCellule | None:
    return db.session.scalar(sa.select(ActivationCellule).where(
        ActivationCellule.evenement_id == evenement.id).order_by(
        ActivationCellule.id.desc()).limit(1))


def activer(actor: User, evenement: Evenement, *, now: datetime | None = None
            ) -> ActivationCellule:
    now = now or utcnow()
    _check_cellule(actor)
    if not evenement.en_cours:
        raise ServiceError("Cet événement est clos.")
    current = activation_of(evenement)
    if current is not None and current.active:
        raise ServiceError("La cellule est déjà activée pour cet événement.")
    activation = ActivationCellule(evenement_id=evenement.id, activee_at=now,
                                   activee_par_id=actor.id)
    db.session.add(activation)
    annoncer(signals.cellule_activee, Fait(
        f"Cellule centrale de crise activée par {actor.nom or actor.email}", now, evenement.id,
        acteur=actor))
    db.session.flush()
    return activation


def desactiver(actor: User, activation: ActivationCellule, *, now: datetime | None = None
               ) -> ActivationCellule:
    now = now or utcnow()
    _check_cellule(actor)
    if not activation.active:
        raise ServiceError("La cellule est déjà désactivée.")
    activation.desactivee_at, activation.desactivee_par_id = now, actor.id
    for membre in activation.membres:
        membre.jusqu_at = membre.jusqu_at or now
    annoncer(signals.cellule_desactivee, Fait("Cellule centrale de crise désactivée", now,
                                              activation.evenement_id, acteur=actor))
    db.session.flush()
    return activation


def ajouter_membre(actor: User, activation: ActivationCellule, *, nom: str, direction: str = "",
                   fonction: str = "", now: datetime | None = None) -> MembreCellule:
    _check_cellule(actor)
    if not activation.active:
        raise ServiceError("La cellule n'est pas activée.")
    nom = (nom or "").strip()
    if not nom:
        raise ServiceError("Indiquez le nom du membre.", field="nom")
    present = next((m for m in activation.membres if m.jusqu_at is None
                    and m.nom == nom[:120] and m.direction == (direction or "").strip()[:120]),
                   None)
    if present is not None:
        return present  # already a member (the form sent again): not twice
    membre = MembreCellule(nom=nom[:120], direction=(direction or "").strip()[:120],
                           fonction=(fonction or "").strip()[:120], depuis_at=now or utcnow())
    activation.membres.append(membre)
    db.session.flush()
    return membre


def retirer_membre(actor: User, membre: MembreCellule, *, now: datetime | None = None
                   ) -> MembreCellule:
    _check_cellule(actor)
    if membre.jusqu_at is None:
        membre.jusqu_at = now or utcnow()
    db.session.flush()
    return membre


# --- Decisions ----------------------------------------------------------------------------


@dataclass
class DecisionData:
    texte: str = ""
    echeance_at: datetime | None = None
    toutes_mairies: bool = False
    mairies: list = field(default_factory=list)  # Mairie objects
    directions: list = field(default_factory=list)  # codes of DIRECTIONS


def decider(actor: User, evenement: Evenement, data: DecisionData, *, jeton: str | None = None,
            reunion_id: int | None = None, remplace: Decision | None = None,
            now: datetime | None = None) -> tuple[Decision, bool]:
    """A decision of the cellule, pushed to its addressees (mairies and/or directions)."""
    now = now or utcnow()
    _check_cellule(actor)  # who may, before any token
    if jeton:
        existing = db.session.scalar(sa.select(Decision).where(Decision.jeton_creation == jeton))
        if existing is not None:
            return existing, False
    clean_data(data, multiline=("texte",))
    if not evenement.en_cours:
        raise ServiceError("Cet événement est clos : plus de décision.")
    texte = (data.texte or "").strip()
    if not texte:
        raise ServiceError("Écrivez la décision.", field="texte")
    if len(texte) > TEXTE_MAX:
        raise ServiceError(f"{TEXTE_MAX} caractères au maximum.", field="texte")
    if data.echeance_at is not None and data.echeance_at < now - timedelta(minutes=5):
        raise ServiceError("L'échéance est déjà passée.", field="echeance_at")
    mairies = list(evenement.mairies) if data.toutes_mairies else list(data.mairies)
    unknown = [d for d in data.directions if d not in DIRECTIONS]
    if unknown:
        raise ServiceError("Direction inconnue.", field="directions")
    if not mairies and not data.directions:
        raise ServiceError("Choisissez au moins un destinataire : des mairies ou des "
                           "directions.", field="mairies")
    dehors = [m for m in mairies if m.id not in evenement.mairie_ids]
    if dehors:  # its home page would show it another mairie's event
        raise ServiceError("Une décision s'adresse aux mairies de son événement : "
                           + ", ".join(m.nom for m in dehors) + " n'en fait pas partie.",
                           field="mairies")
    twin = recent_twin(Decision, Decision.created_at, now, Decision.evenement_id == evenement.id,
                       Decision.texte == texte, Decision.statut == "en_vigueur",
                       Decision.echeance_at.is_(None) if data.echeance_at is None
                       else Decision.echeance_at == data.echeance_at,
                       Decision.id != (remplace.id if remplace else -1))
    if twin is not None and {(d.mairie_id, d.direction) for d in twin.destinataires} == {
            *((m.id, "") for m in mairies), *((None, c) for c in data.directions)}:
        return twin, False  # taken again a moment ago (Back, then send): one decision
    decision = Decision(evenement_id=evenement.id, texte=texte, echeance_at=data.echeance_at,
                        prise_par_id=actor.id, reunion_id=reunion_id,
                        jeton_creation=jeton or None, created_at=now, updated_at=now)
    seen = set()
    for mairie in mairies:
        if mairie.id not in seen:
            seen.add(mairie.id)
            decision.destinataires.append(DestinataireDecision(mairie_id=mairie.id))
    for code in dict.fromkeys(data.directions):
        decision.destinataires.append(DestinataireDecision(direction=code))
    db.session.add(decision)
    db.session.flush()
    noms = ", ".join(d.libelle for d in decision.destinataires)
    annoncer(signals.decision_prise, Fait(
        f"Décision n° {decision.id} : {texte} — destinataires : {noms}", now, evenement.id,
        "decision", decision.id, actor,
        details={"mairies": [d.mairie_id for d in decision.destinataires if d.mairie_id],
                 "directions": [d.direction for d in decision.destinataires if d.direction]}))
    db.session.flush()
    return decision, True


def _en_vigueur(decision: Decision) -> None:
    if not decision.en_vigueur:
        raise ServiceError(f"Cette décision n'est plus en vigueur ({decision.statut_label}).")


def relancer(actor: User, decision: Decision, *, now: datetime | None = None
             ) -> list[DestinataireDecision]:
    """Remind the addressees that have not acknowledged, or are late: logged, and shown on
    their home page."""
    now = now or utcnow()
    _check_cellule(actor)
    _en_vigueur(decision)
    cibles = [d for d in decision.destinataires
              if d.pris_connaissance_at is None or decision.en_retard(d, now)]
    if not cibles:
        raise ServiceError("Personne à relancer : tous les destinataires en ont pris "
                           "connaissance et aucun n'est en retard.")
    for dest in cibles:
        dest.relance_at, dest.relances = now, (dest.relances or 0) + 1
    annoncer(signals.decision_relancee, Fait(
        f"Décision n° {decision.id} : relance de {', '.join(d.libelle for d in cibles)} "
        f"par {actor.nom or actor.email}", now, decision.evenement_id, "decision", decision.id,
        actor))
    db.session.flush()
    return cibles


def terminer_decision(actor: User, decision: Decision, statut: str, motif: str = "", *,
                      now: datetime | None = None) -> Decision:
    """Close a decision (applied, nothing more to do) or cancel it: a logged step; the text
    and the answers stay as they were."""
    now = now or utcnow()
    _check_cellule(actor)
    _en_vigueur(decision)
    if statut not in ("close", "annulee"):
        raise ServiceError("Choisissez : clore ou annuler la décision.")
    motif = (motif or "").strip()
    if statut == "annulee" and not motif:
        raise ServiceError("Dites pourquoi la décision est annulée : ses destinataires le "
                           "verront.", field="motif")
    decision.statut, decision.statut_at, decision.statut_motif = statut, now, motif[:500]
    annoncer(signals.decision_terminee, Fait(
        f"Décision n° {decision.id} {DECISION_STATUTS[statut].lower()} par "
        f"{actor.nom or actor.email}" + (f" : {motif}" if motif else ""), now,
        decision.evenement_id, "decision", decision.id, actor, details={"statut": statut}))
    db.session.flush()
    return decision


def modifier_decision(actor: User, decision: Decision, data: DecisionData, *,
                      jeton: str | None = None, now: datetime | None = None
                      ) -> tuple[Decision, bool]:
    """Amend a decision: a new decision replaces it (its addressees answer again); the old
    one stays, marked « remplacée », with its answers."""
    now = now or utcnow()
    _en_vigueur(decision)
    nouvelle, created = decider(actor, decision.evenement, data, jeton=jeton,
                                reunion_id=decision.reunion_id, remplace=decision, now=now)
    if created:
        nouvelle.remplace_id = decision.id
        decision.statut, decision.statut_at = "remplacee", now
        decision.statut_motif = f"Remplacée par la décision n° {nouvelle.id}"
        annoncer(signals.decision_modifiee, Fait(
            f"Décision n° {decision.id} modifiée : remplacée par la décision n° {nouvelle.id}",
            now, decision.evenement_id, "decision", nouvelle.id, actor,
            details={"remplace": decision.id}))
        db.session.flush()
    return nouvelle, created


def _destinataire_for(actor: User, decision: Decision,
                      destinataire: DestinataireDecision | None) -> DestinataireDecision:
    if destinataire is None:
        mine = [d for d in decision.destinataires if d.mairie_id is not None
                and d.mairie_id == actor.mairie_id]
        if not mine:
            raise ServiceError("Votre mairie n'est pas destinataire de cette décision.")
        destinataire = mine[0]
    if destinataire.decision_id != decision.id or not destinataire.peut_repondre(actor):
        raise ServiceError("Vous ne répondez pas pour ce destinataire de la décision.")
    return destinataire


def prendre_connaissance(actor: User, decision: Decision,
                         destinataire: DestinataireDecision | None = None, *,
                         now: datetime | None = None) -> DestinataireDecision:
    now = now or utcnow()
    dest = _destinataire_for(actor, decision, destinataire)
    if dest.pris_connaissance_at is None:
        dest.pris_connaissance_at, dest.pris_connaissance_par_id = now, actor.id
        annoncer(signals.decision_lue, Fait(
            f"Décision n° {decision.id} : {dest.libelle} en a pris connaissance "
            f"({actor.nom or actor.email})", now, decision.evenement_id, "decision",
            decision.id, actor, dest.mairie_id, {"direction": dest.direction}))
    db.session.flush()
    return dest


def rendre_compte(actor: User, decision: Decision, etat: str, motif: str = "",
                  destinataire: DestinataireDecision | None = None, *,
                  now: datetime | None = None) -> DestinataireDecision:
    """The addressee reports the application: appliquée, en cours, or impossible (why)."""
    now = now or utcnow()
    dest = _destinataire_for(actor, decision, destinataire)
    _en_vigueur(decision)
    if etat not in ("appliquee", "en_cours", "impossible"):
        raise ServiceError("Choisissez où en est l'application.", field="etat")
    motif = (motif or "").strip()
    if etat == "impossible" and not motif:
        raise ServiceError("Expliquez pourquoi la décision ne peut pas être appliquée.",
                           field="motif")
    if dest.pris_connaissance_at is None:
        prendre_connaissance(actor, decision, dest, now=now)
    dest.etat, dest.etat_at, dest.etat_par_id, dest.motif = etat, now, actor.id, motif[:500]
    tardif = " (après l'échéance)" if decision.compte_tardif(dest) else ""
    annoncer(signals.decision_repondue, Fait(
        f"Décision n° {decision.id} : {dest.libelle} — {ETAT_LABELS[etat]}{tardif}"
        + (f" : {motif}" if motif else ""), now, decision.evenement_id, "decision",
        decision.id, actor, dest.mairie_id, {"direction": dest.direction, "etat": etat}))
    db.session.flush()
    return dest


def decisions_evenement_query(evenement: Evenement):
    return sa.select(Decision).where(Decision.evenement_id == evenement.id).order_by(
        Decision.created_at.desc(), Decision.id.desc())


def decisions_en_attente(actor: User, *, limit: int = 50) -> list[tuple[Decision,
                                                                       DestinataireDecision]]:
    """What waits for the user's mairie or direction: not acknowledged or not applied yet."""
    if actor.mairie_id is not None:
        who = DestinataireDecision.mairie_id == actor.mairie_id
    else:
        codes = [code for code, role in DIRECTION_ROLES.items() if actor.has_role(role)]
        if not codes:
            return []
        who = DestinataireDecision.direction.in_(codes)
    rows = db.session.execute(
        sa.select(Decision, DestinataireDecision).join(DestinataireDecision)
        .join(Evenement, Evenement.id == Decision.evenement_id)
        .where(who, DestinataireDecision.etat.not_in(["appliquee", "impossible"]),
               Decision.statut == "en_vigueur", Evenement.clos_at.is_(None))
        .order_by(Decision.echeance_at.is_(None), Decision.echeance_at, Decision.created_at)
        .limit(limit)).all()
    return [(decision, dest) for decision, dest in rows]


def mairies_choices(evenement: Evenement) -> list[Mairie]:
    return sorted(evenement.mairies, key=lambda m: m.ordre)
