"""Finding people: the search keys kept in the database, the tolerant ranking, codes and
numbers at the desk, and the relatives' enquiry (« is my mother here? »)."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.care import noms
from crise.care.models import PERSON_VIEW_ROLES, Personne, PersonneCle
from crise.care.services.codes import SINUS_RE, code_matches, normalise_sinus, phone_digits
from crise.errors import ServiceError
from crise.extensions import db

__all__ = ["MIN_SCORE", "ReponseProche", "find_by_code", "find_by_number", "index_keys",
           "ranked", "recherche_proche", "reindex_keys", "search_keys", "search_names"]


# Below this, a match is noise (a single shared one-letter-deleted variant).
MIN_SCORE = 2


def index_keys(personne: Personne, nouvelle: bool = False) -> None:
    """(Re)write the person's search keys and identity key (``nouvelle``: a record just
    created, which has none to remove)."""
    personne.cle_identite = noms.identity_key(personne.nom, personne.prenom)
    if not nouvelle:
        db.session.execute(sa.delete(PersonneCle).where(PersonneCle.personne_id == personne.id))
    keys = noms.person_keys(personne.nom, personne.prenom, personne.nom_usage)
    if keys:
        db.session.execute(sa.insert(PersonneCle), [
            {"personne_id": personne.id, "evenement_id": personne.evenement_id,
             "mairie_id": personne.mairie_id, "cle": key, "poids": weight}
            for key, weight in keys.items()])


def reindex_keys(batch: int = 2000) -> int:
    """Rebuild every person's search keys (after the way keys are made has changed).
    Merged records keep none: they have left the searches. Returns the people indexed."""
    db.session.execute(sa.delete(PersonneCle))
    query = (sa.select(Personne.id, Personne.nom, Personne.prenom, Personne.nom_usage,
                       Personne.evenement_id, Personne.mairie_id)
             .where(Personne.fusionne_dans_id.is_(None)).order_by(Personne.id))
    count, rows = 0, []
    for person in db.session.execute(query).all():
        count += 1
        db.session.execute(sa.update(Personne).where(Personne.id == person.id).values(
            cle_identite=noms.identity_key(person.nom, person.prenom)))
        rows.extend({"personne_id": person.id, "evenement_id": person.evenement_id,
                     "mairie_id": person.mairie_id, "cle": key, "poids": weight}
                    for key, weight in noms.person_keys(
                        person.nom, person.prenom, person.nom_usage).items())
        if len(rows) >= batch:
            db.session.execute(sa.insert(PersonneCle), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(PersonneCle), rows)
    db.session.flush()
    return count


def search_keys(evenement_id: int, query: str, connues=frozenset()) -> dict[str, int]:
    """The keys to look up for ``query`` in one event.

    A word's one-typo variants are only used when the word, as written or as it sounds,
    matches nobody in the event: a common name found exactly does not also pull in the
    thousands of people one letter away, and a mistyped rare name is still found.
    ``connues``: keys known to be in the event (a record's own): not asked again.
    """
    keys: dict[str, int] = {}
    for exact, typos in noms.query_words(query):
        keys.update(exact)
        if not typos or not connues.isdisjoint(exact):
            continue
        found = db.session.scalar(sa.select(PersonneCle.personne_id).where(
            PersonneCle.evenement_id == evenement_id,
            PersonneCle.cle.in_(list(exact))).limit(1))
        if found is None:
            for key, weight in typos.items():
                keys.setdefault(key, weight)
    return keys


def ranked(evenement_id: int, query: str, *, limit: int, mairie_id: int | None = None,
           consent_only: bool = False, score_min: int = 0, sauf: int | None = None,
           connues=frozenset()):
    """(person, score) best first, for one event; optionally one mairie, consenting only,
    scoring at least ``score_min``, but the record ``sauf`` (whose keys are ``connues``)."""
    keys = search_keys(evenement_id, query, connues)
    if not keys:
        return []
    score = sa.func.sum(PersonneCle.poids).label("score")
    ranked = (sa.select(PersonneCle.personne_id, score)
              .where(PersonneCle.evenement_id == evenement_id, PersonneCle.cle.in_(list(keys))))
    if sauf is not None:
        ranked = ranked.where(PersonneCle.personne_id != sauf)
    if mairie_id is not None:
        # The scope goes into the ranking: another mairie's people never crowd out one's own.
        ranked = ranked.where(PersonneCle.mairie_id == mairie_id)
    if consent_only:
        ranked = ranked.join(Personne, Personne.id == PersonneCle.personne_id).where(
            Personne.consent_recherche.is_(True))
    ranked = (ranked.group_by(PersonneCle.personne_id).having(score >= max(MIN_SCORE,
                                                                            score_min))
              .order_by(score.desc(), PersonneCle.personne_id).limit(limit).subquery())
    query_ = (sa.select(Personne, ranked.c.score).join(ranked, ranked.c.personne_id == Personne.id)
              .order_by(ranked.c.score.desc(), Personne.id))
    return db.session.execute(query_).all()


def search_names(actor: User, evenement_id: int, query: str, *, limit: int = 10):
    """People of the event whose names match ``query`` tolerantly, best first, in scope."""
    return ranked(evenement_id, query, limit=limit,
                  mairie_id=None if actor.is_central else actor.mairie_id)


@dataclass
class ReponseProche:
    """What the desk may tell a relative: yes or no, and where; never a list."""

    trouve: bool
    ambigu: bool = False
    centre_nom: str = ""
    present: bool = False
    autre_ecriture: bool = False  # may match a name written in Arabic or Hebrew


def recherche_proche(actor: User, evenement_id: int, *, nom: str, prenom: str,
                     date_naissance: date | None = None) -> ReponseProche:
    """« Is my mother here? »: only people who consented to tracing, on a strong match.

    Every word typed (nom and prénom) must match a word of the person's names as written
    or as it sounds; a birth date, when given, must be equal. The answer is audited,
    without the names asked about.
    """
    if not actor.has_role(*PERSON_VIEW_ROLES):
        raise ServiceError("Votre rôle ne permet pas de renseigner les proches.")
    nom, prenom = (nom or "").strip(), (prenom or "").strip()
    if not nom:
        raise ServiceError("Indiquez le nom de la personne recherchée.", field="nom")
    if not prenom:
        raise ServiceError("Indiquez aussi le prénom : sans lui, la réponse serait trop "
                           "imprécise.", field="prenom")
    matches, written_otherwise = [], []
    for personne, _ in ranked(evenement_id, f"{nom} {prenom}", limit=20, consent_only=True):
        if date_naissance and personne.date_naissance != date_naissance:
            continue
        if noms.matches_every_word(f"{nom} {prenom}", personne.nom, personne.prenom,
                                        personne.nom_usage):
            matches.append(personne)
        elif noms.matches_every_word(f"{nom} {prenom}", personne.nom, personne.prenom,
                                          personne.nom_usage, skeletons=True):
            written_otherwise.append(personne)
    if date_naissance and not matches and len(written_otherwise) == 1:
        # Arabic or Hebrew asked in Latin letters: the same consonants and the same birth
        # date make the answer.
        matches = written_otherwise
    if len(matches) == 1:
        answer = ReponseProche(True, centre_nom=matches[0].centre.nom,
                               present=matches[0].present)
    else:
        # Never « Oui » on consonants alone (« Mohamed » reads « محمد » and « محمود »), never
        # a flat « Non » either: ask for the name in its own script, or the birth date.
        answer = ReponseProche(False, ambigu=len(matches) > 1 or bool(written_otherwise),
                               autre_ecriture=not matches and bool(written_otherwise))
    record(actor, Action.VIEW, "recherche_proche", None,
           summary="Recherche par un proche : " + (
               "personne trouvée" if answer.trouve else
               "plusieurs correspondances" if answer.ambigu else "aucune correspondance"),
           personnes=matches[:1] if answer.trouve else [], mairie_id=actor.mairie_id, evenement_id=evenement_id)
    db.session.flush()
    return answer


def find_by_code(actor: User, code: str) -> Personne | None:
    """A badge token or short code typed or scanned at the desk, within the user's scope.

    The badge of a record merged into another opens the record it was merged into.
    """
    if not (code or "").strip():
        return None
    personne = db.session.scalar(sa.select(Personne).where(code_matches(code)))
    while personne is not None and personne.fusionne_dans_id:
        personne = db.session.get(Personne, personne.fusionne_dans_id)
    if personne is None or not personne.can_view(actor):
        return None
    return personne


def find_by_number(actor: User, evenement_id: int, query: str) -> list[Personne]:
    """People of the event by SINUS number or phone number, within the user's scope."""
    sinus = normalise_sinus(query)
    if SINUS_RE.match(sinus):
        condition = Personne.sinus == sinus
    else:
        digits = phone_digits(query)
        if len(digits) < 6 or len(digits) < len(query.replace(" ", "")) - 4:
            return []
        condition = Personne.telephone_chiffres == digits
    stmt = sa.select(Personne).where(Personne.evenement_id == evenement_id, condition,
                                     Personne.fusionne_dans_id.is_(None),
                                     actor.perimetre(Personne.mairie_id, Personne.evenement_id)
                                     ).order_by(Personne.nom)
    return db.session.scalars(stmt.limit(20)).all()
