"""Writing a RETEX: its text sections and its préconisations, versioned, never overwritten.

Every write takes the RETEX's row first (its revision goes up by one), so two writers of one
RETEX pass one after the other; each then checks the version its author saw: a section or
a préconisation changed in between is refused with who changed it and when, and the text
typed comes back in the form (nothing is lost, nothing is silently written over).
"""

from datetime import datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import Role, User
from crise.db import recent_twin, utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.exercices.models import Exercice, can_animate
from crise.exercices.plan import plan_de
from crise.extensions import db
from crise.formatting import format_datetime
from crise.retex.models import Preconisation, Retex, SectionRetex, VersionRetex
from crise.text import clean

SECTION_MAX = 20_000
PRECONISATION_MAX = 4_000
CONSTAT_MAX = 4_000


def peut_rediger(user: User, evenement: Evenement) -> bool:
    """An exercise's RETEX is its animateurs'; a real event's, the cellule's (and the
    administrator's, for both)."""
    if not user.voit_evenement(evenement.exercice):
        return False
    if user.has_role(Role.ADMIN):
        return True
    return can_animate(user) if evenement.exercice else user.has_role(Role.CELLULE)


def retex_de(evenement: Evenement) -> Retex | None:
    return db.session.scalar(sa.select(Retex).where(Retex.evenement_id == evenement.id))


def sections(evenement: Evenement) -> dict[str, str]:
    """{key: title} of the sections people write, in the document's order: for an
    exercise, the strengths and areas for improvement of each objective."""
    titres = {"synthese": "Synthèse"}
    exercice = db.session.scalar(sa.select(Exercice).where(
        Exercice.evenement_id == evenement.id)) if evenement.exercice else None
    if exercice is not None:
        for objectif in plan_de(exercice.source).donnees.get("objectifs") or []:
            titres[f"objectif:{objectif['id']}:forts"] = (
                f"{objectif['id']} — points forts")
            titres[f"objectif:{objectif['id']}:axes"] = (
                f"{objectif['id']} — axes d'amélioration")
    else:
        titres["forts"] = "Points forts"
        titres["axes"] = "Axes d'amélioration"
    titres["conclusion"] = "Conclusion"
    return titres


def _prendre(actor: User, evenement: Evenement, now: datetime) -> Retex:
    """The event's RETEX, created on its first write, its row taken for this transaction
    (writers of one RETEX pass one after the other, each reading what the other wrote)."""
    # The event's row first: two first writes at once make one RETEX, and the transaction
    # starts with a write (on SQLite a savepoint opened first would commit on its own).
    db.session.execute(sa.update(Evenement).where(Evenement.id == evenement.id)
                       .values(updated_at=Evenement.updated_at))
    retex = retex_de(evenement)
    if retex is None:
        retex = Retex(evenement_id=evenement.id, ouvert_at=now, ouvert_par_id=actor.id,
                      ouvert_par_nom=actor.nom or actor.email)
        db.session.add(retex)
        db.session.flush()
        record(actor, Action.CREATE, "retex", retex.id, evenement_id=evenement.id,
               summary=f"RETEX ouvert : {evenement.titre}")
    db.session.refresh(retex)  # the event's row held: read what the last writer left
    return retex


def _longueur(texte: str, maximum: int, quoi: str, field: str) -> None:
    if len(texte) > maximum:
        raise ServiceError(
            f"{quoi} tient en {maximum:,} caractères au plus ; le texte en compte "
            f"{len(texte):,}. Raccourcissez-le : il est conservé dans le formulaire.".replace(",", " "),
            field)


def _conflit(quoi: str, nom: str, at: datetime, field: str) -> ServiceError:
    return ServiceError(
        f"{quoi} a été modifiée par {nom or 'quelqu’un'} le {format_datetime(at)} pendant "
        "que vous écriviez : son texte est affiché, le vôtre est conservé dans le formulaire. "
        "Reprenez ce qui manque et enregistrez de nouveau.", field)


def _version(actor, retex: Retex, objet: str, libelle: str, version: int, contenu: dict,
             now: datetime) -> None:
    """Keep this version, raise the RETEX's revision (only a real change does), and say it
    in the audit trail."""
    nom = actor.nom or actor.email
    db.session.add(VersionRetex(retex_id=retex.id, objet=objet, libelle=libelle,
                                version=version, contenu=contenu, at=now, par_id=actor.id,
                                par_nom=nom))
    db.session.execute(sa.update(Retex).where(Retex.id == retex.id).values(
        revision=Retex.revision + 1, modifie_at=now, modifie_par_nom=nom))
    record(actor, Action.UPDATE, "retex", retex.evenement_id, evenement_id=retex.evenement_id,
           summary=f"RETEX : {libelle} (version {version})")


def ecrire_section(actor: User, evenement: Evenement, cle: str, texte: str, version_vue: int,
                   *, now: datetime | None = None) -> SectionRetex:
    """Write one section, given the version its author saw (0: the section was empty)."""
    now = now or utcnow()
    titres = sections(evenement)
    if cle not in titres:
        raise ServiceError("Cette section n'existe pas dans ce RETEX.")
    texte = clean(texte or "").strip()
    _longueur(texte, SECTION_MAX, "Une section", "texte")
    retex = _prendre(actor, evenement, now)
    section = db.session.scalar(sa.select(SectionRetex).where(
        SectionRetex.retex_id == retex.id, SectionRetex.cle == cle))
    nom = actor.nom or actor.email
    if section is None:
        if version_vue:
            raise ServiceError("Cette section n'est plus celle que vous avez ouverte : "
                               "rechargez la page.", "texte")
        section = SectionRetex(retex_id=retex.id, cle=cle, texte=texte, version=1,
                               modifie_at=now, modifie_par_id=actor.id, modifie_par_nom=nom)
        db.session.add(section)
    else:
        if section.texte == texte:
            return section  # the same text sent twice (a retry): nothing to version
        if section.version != version_vue:
            raise _conflit(f"La section « {titres[cle]} »", section.modifie_par_nom,
                           section.modifie_at, "texte")
        section.texte, section.version = texte, section.version + 1
        section.modifie_at, section.modifie_par_id, section.modifie_par_nom = now, actor.id, nom
    db.session.flush()
    _version(actor, retex, f"section:{cle}", titres[cle], section.version, {"texte": texte},
             now)
    return section


def ecrire_preconisation(actor: User, evenement: Evenement, *, constat: str, texte: str,
                         objectif: str = "", preconisation_id: int | None = None,
                         version_vue: int = 0, jeton: str | None = None,
                         now: datetime | None = None) -> Preconisation:
    """Add a constat and its préconisation, or change one (given the version seen)."""
    now = now or utcnow()
    constat, texte = clean(constat or "").strip(), clean(texte or "").strip()
    if not texte:
        raise ServiceError("Écrivez la préconisation.", "texte")
    _longueur(constat, CONSTAT_MAX, "Un constat", "constat")
    _longueur(texte, PRECONISATION_MAX, "Une préconisation", "texte")
    objectifs = [c.split(":")[1] for c in sections(evenement) if c.startswith("objectif:")]
    if objectif and objectif not in objectifs:
        raise ServiceError("Cet objectif n'est pas celui de l'exercice.", "objectif")
    retex = _prendre(actor, evenement, now)
    if jeton and preconisation_id is None:
        deja = db.session.scalar(sa.select(Preconisation).where(
            Preconisation.jeton_creation == jeton, Preconisation.retex_id == retex.id))
        if deja is not None:  # the same form sent twice
            return deja
    nom = actor.nom or actor.email
    if preconisation_id is None:
        # The same préconisation sent again with a new page (Back, then send): the same one.
        jumelle = recent_twin(Preconisation, Preconisation.modifie_at, now,
                              Preconisation.retex_id == retex.id,
                              Preconisation.texte == texte, Preconisation.constat == constat,
                              Preconisation.retiree.is_(False))
        if jumelle is not None and jumelle.version == 1:
            return jumelle
        numero = (db.session.scalar(sa.select(sa.func.max(Preconisation.numero)).where(
            Preconisation.retex_id == retex.id)) or 0) + 1
        preconisation = Preconisation(retex_id=retex.id, numero=numero, objectif=objectif,
                                      constat=constat, texte=texte, version=1, modifie_at=now,
                                      modifie_par_id=actor.id, modifie_par_nom=nom,
                                      jeton_creation=jeton or None)
        db.session.add(preconisation)
    else:
        preconisation = _preconisation(retex, preconisation_id)
        if preconisation.version != version_vue:
            raise _conflit(f"La préconisation n° {preconisation.numero}",
                           preconisation.modifie_par_nom, preconisation.modifie_at, "texte")
        if (preconisation.constat, preconisation.texte, preconisation.objectif) == (
                constat, texte, objectif):
            return preconisation
        preconisation.constat, preconisation.texte = constat, texte
        preconisation.objectif, preconisation.version = objectif, preconisation.version + 1
        preconisation.modifie_at, preconisation.modifie_par_id = now, actor.id
        preconisation.modifie_par_nom = nom
    db.session.flush()
    _version(actor, retex, f"preco:{preconisation.id}",
             f"Préconisation n° {preconisation.numero}", preconisation.version,
             {"constat": constat, "texte": texte, "objectif": objectif}, now)
    return preconisation


def retirer_preconisation(actor: User, evenement: Evenement, preconisation_id: int,
                          version_vue: int, *, now: datetime | None = None) -> Preconisation:
    """Take a préconisation out of the RETEX (its versions and its actions stay)."""
    now = now or utcnow()
    retex = _prendre(actor, evenement, now)
    preconisation = _preconisation(retex, preconisation_id)
    if preconisation.version != version_vue:
        raise _conflit(f"La préconisation n° {preconisation.numero}",
                       preconisation.modifie_par_nom, preconisation.modifie_at, "texte")
    preconisation.retiree, preconisation.version = True, preconisation.version + 1
    preconisation.modifie_at, preconisation.modifie_par_id = now, actor.id
    preconisation.modifie_par_nom = actor.nom or actor.email
    db.session.flush()
    _version(actor, retex, f"preco:{preconisation.id}",
             f"Préconisation n° {preconisation.numero} (retirée)", preconisation.version,
             {"retiree": True}, now)
    return preconisation


def _preconisation(retex: Retex, preconisation_id: int) -> Preconisation:
    preconisation = db.session.get(Preconisation, preconisation_id)
    if preconisation is None or preconisation.retex_id != retex.id:
        raise ServiceError("Cette préconisation n'existe pas dans ce RETEX.")
    if preconisation.retiree:
        raise ServiceError(f"La préconisation n° {preconisation.numero} a été retirée du RETEX "
                           "(son historique la garde).")
    return preconisation


def contenu(evenement: Evenement) -> dict:
    """What people wrote: {"retex", "sections": {key: SectionRetex}, "preconisations"}."""
    retex = retex_de(evenement)
    if retex is None:
        return {"retex": None, "sections": {}, "preconisations": []}
    return {"retex": retex,
            "sections": {s.cle: s for s in db.session.scalars(sa.select(SectionRetex).where(
                SectionRetex.retex_id == retex.id))},
            "preconisations": db.session.scalars(sa.select(Preconisation).where(
                Preconisation.retex_id == retex.id, Preconisation.retiree.is_(False))
                .order_by(Preconisation.numero)).all()}


def historique(retex: Retex, limit: int = 500) -> list[VersionRetex]:
    return db.session.scalars(sa.select(VersionRetex).where(VersionRetex.retex_id == retex.id)
                              .order_by(VersionRetex.at.desc(), VersionRetex.id.desc())
                              .limit(limit)).all()
