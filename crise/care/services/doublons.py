"""Doubles: the records that look like a person being registered, and the suspected
doubles of an event, across its C.A.RE and mairies: the queue the responsables
review and merge from, instead of typing the other record's code by hand.

Two records are suspected when their names sound the same in any script (their
``cle_identite``): « Иванов Сергей » registered at the 11e and « Ivanov Sergei » at the 12e.
A desk agent never sees a name outside their mairie: they are told that a likely double
exists elsewhere, at which C.A.RE, under which code. The responsables see the queue of
their mairie (with the other mairie's record it pairs with); the central roles see it all.
"""

from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import Role, User
from crise.care import noms
from crise.care.models import DoublonEcarte, Personne
from crise.care.services.personnes import FOYER_MAX
from crise.care.services.recherche import ranked
from crise.db import utcnow
from crise.errors import ServiceError
from crise.extensions import db

__all__ = ["Ailleurs", "Suspects", "ailleurs", "can_review", "ecarter", "file_doublons",
           "nombre_doublons", "possible_duplicates"]

QUEUE_ROLES = (Role.RESPONSABLE_CARE, Role.CELLULE, Role.DSOL, Role.ADMIN)
STRONG = 2 * (noms.WEIGHT_EXACT + noms.WEIGHT_PHONETIC)  # two words matched


def possible_duplicates(actor: User, personne: Personne, *, limit: int = 3) -> list[Personne]:
    """Other people of the event who look like this one, at any of its C.A.RE (never
    merged automatically). Those outside the actor's mairie are for showing their code
    and C.A.RE only, never their name."""
    query = f"{personne.nom} {personne.prenom}"
    # Within the mairie: the tolerant ranking (as written, as it sounds, its skeleton; not
    # one-typo variants: the record's own keys always match its words). At the event's other
    # C.A.RE: the same-sounding name, by the identity key's index (a registration must stay
    # fast in an event of 100,000 people).
    strong = noms.WEIGHT_EXACT + noms.WEIGHT_PHONETIC  # at least one word matched
    # Its own keys are in the event: no need to ask whether its words match someone.
    found = ranked(personne.evenement_id, query,
                   limit=limit if personne.foyer_id is None else limit + FOYER_MAX,
                   mairie_id=personne.mairie_id, score_min=strong, sauf=personne.id,
                   connues=frozenset(noms.person_keys(personne.nom, personne.prenom,
                                                      personne.nom_usage)))
    doubles = [p for p, _ in found
               if personne.foyer_id is None or p.foyer_id != personne.foyer_id]
    if personne.cle_identite and len(doubles) < limit:
        doubles += db.session.scalars(sa.select(Personne).where(
            Personne.evenement_id == personne.evenement_id,
            Personne.cle_identite == personne.cle_identite,
            Personne.mairie_id != personne.mairie_id, Personne.fusionne_dans_id.is_(None))
            .order_by(Personne.id).limit(limit - len(doubles))).all()
    return doubles[:limit]


def can_review(actor: User) -> bool:
    return actor.has_role(*QUEUE_ROLES)


@dataclass
class Ailleurs:
    """A likely double outside the agent's mairie: where, and its code, never its name."""

    code_court: str
    centre_nom: str
    mairie_nom: str


def ailleurs(actor: User, evenement_id: int, query: str, *, limit: int = 3) -> list[Ailleurs]:
    """Records of the event outside the actor's mairie that strongly match ``query``."""
    if actor.is_central or len(query.strip()) < 2:
        return []
    found = ranked(evenement_id, query, limit=limit + 20)
    return [Ailleurs(p.code_court, p.centre.nom, p.centre.mairie.nom)
            for p, score in found
            if p.mairie_id != actor.mairie_id and score >= STRONG][:limit]


@dataclass
class Suspects:
    """Records of one event whose names sound the same, not yet reviewed."""

    personnes: list[Personne]
    cle: str
    paires: list  # the pairs still to review, each (a, b)

    @property
    def meme_naissance(self) -> bool:
        dates = [p.date_naissance for p in self.personnes if p.date_naissance]
        return len(dates) > 1 and len(set(dates)) == 1

    def hors_perimetre(self, actor: User) -> list[Personne]:
        return [p for p in self.personnes if not p.can_view(actor)]

    def fusionnables(self, actor: User) -> list[tuple[Personne, Personne]]:
        """Pairs the actor may merge (both records in their scope)."""
        return [(a, b) for a, b in self.paires if a.can_edit(actor) and b.can_edit(actor)]


def _ecartees(evenement_id: int) -> set[tuple[int, int]]:
    rows = db.session.execute(sa.select(DoublonEcarte.personne_a_id,
                                        DoublonEcarte.personne_b_id).where(
        DoublonEcarte.evenement_id == evenement_id)).all()
    return {(a, b) for a, b in rows}


def file_doublons(actor: User, evenement_id: int, *, limit: int = 200) -> list[Suspects]:
    """The suspected doubles of the event the actor may review, oldest record first."""
    if not can_review(actor):
        raise ServiceError("Votre rôle ne permet pas de revoir les doublons.")
    groups = sa.select(Personne.cle_identite).where(
        Personne.evenement_id == evenement_id, Personne.fusionne_dans_id.is_(None),
        Personne.cle_identite != "").group_by(Personne.cle_identite).having(
        sa.func.count(Personne.id) > 1)
    if not actor.is_central:
        mine = sa.select(Personne.cle_identite).where(
            Personne.evenement_id == evenement_id,
            actor.perimetre(Personne.mairie_id, Personne.evenement_id),
            Personne.fusionne_dans_id.is_(None))
        groups = groups.where(Personne.cle_identite.in_(mine))
    keys = db.session.scalars(groups.limit(limit * 2)).all()
    if not keys:
        return []
    people = db.session.scalars(sa.select(Personne).where(
        Personne.evenement_id == evenement_id, Personne.fusionne_dans_id.is_(None),
        Personne.cle_identite.in_(keys)).order_by(Personne.id)).all()
    ecartees = _ecartees(evenement_id)
    by_key: dict[str, list[Personne]] = {}
    for personne in people:
        by_key.setdefault(personne.cle_identite, []).append(personne)
    found = []
    for key, members in by_key.items():
        pairs = [(a, b) for a, b in combinations(members, 2)
                 if (min(a.id, b.id), max(a.id, b.id)) not in ecartees
                 and not (a.foyer_id and a.foyer_id == b.foyer_id)
                 # A mairie reviews the pairs that touch it, never two other mairies' records.
                 and (actor.is_central or actor.mairie_id in (a.mairie_id, b.mairie_id))]
        pending = {p.id for pair in pairs for p in pair}
        members = [p for p in members if p.id in pending]
        if len(members) > 1:
            found.append(Suspects(members, key, pairs))
    found.sort(key=lambda s: s.personnes[0].id)
    return found[:limit]


def nombre_doublons(actor: User, evenement_id: int) -> int:
    return len(file_doublons(actor, evenement_id)) if can_review(actor) else 0


def ecarter(actor: User, a: Personne, b: Personne, *, now: datetime | None = None) -> None:
    """« Not the same person »: the pair leaves the queue (audited, without names)."""
    if not can_review(actor) or not (a.can_view(actor) or b.can_view(actor)):
        raise ServiceError("Vous ne pouvez pas revoir ces fiches.")
    if a.evenement_id != b.evenement_id or a.id == b.id:
        raise ServiceError("Ces deux fiches ne forment pas un doublon de cet événement.")
    low, high = sorted((a.id, b.id))
    if db.session.get(DoublonEcarte, (low, high)) is None:
        db.session.add(DoublonEcarte(personne_a_id=low, personne_b_id=high,
                                     evenement_id=a.evenement_id, at=now or utcnow(),
                                     par_id=actor.id))
        record(actor, Action.UPDATE, "personne", low,
               summary=f"Doublon écarté : {a.code_court} et {b.code_court} sont deux "
                       "personnes différentes", personnes=[a, b],
               mairie_id=a.mairie_id, evenement_id=a.evenement_id)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Another responsable set the same pair aside at the same instant: it is done.
        raise ServiceError("Ces deux fiches viennent d'être écartées par quelqu'un "
                           "d'autre : rien à faire.") from None
