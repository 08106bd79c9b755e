"""The audit trail as a chain: a removed or altered entry is detected.

Entries are written by every request without waiting for one another; sealing them (``sceller``,
run by ``crise audit sceller`` and by the retention on its timer) gives each its place in the
chain (``rang``) and its print: SHA-256 of the print before it and of the entry itself (what
was done, by whom, when, about which people). The database refuses any other change to an
entry, and any deletion but the purge of the oldest ones by the audit's own retention rule,
which leaves an anchor (the last purged place and print) where the chain starts again.
``verifier`` walks the chain and names every break: an entry missing, an entry changed, an
entry sealed out of place, an old entry never sealed.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from crise.audit.models import AuditAncre, AuditEntry, AuditPersonne, AuditSceau
from crise.db import purge_autorisee, utcnow
from crise.extensions import db

LOT = 2000
# An entry written this long ago and still not sealed is suspect (the timer seals hourly).
NON_SCELLEE_SUSPECTE = timedelta(days=1)


def _instant(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def contenu(entry, personnes: list[tuple[int, str]]) -> str:
    """What the print covers, written the same way on both databases."""
    return json.dumps([
        entry.id, _instant(entry.at), entry.actor_id, entry.actor_email, entry.action,
        entry.object_type, entry.object_id, entry.mairie_id, entry.evenement_id, entry.summary,
        entry.changes, sorted([int(pid), code] for pid, code in personnes),
    ], ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def empreinte(precedente: str, entry, personnes: list[tuple[int, str]]) -> str:
    return hashlib.sha256(
        (precedente + "\n" + contenu(entry, personnes)).encode("utf-8")).hexdigest()


def _personnes(ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    vus: dict[int, list[tuple[int, str]]] = {i: [] for i in ids}
    if ids:
        for entry_id, pid, code in db.session.execute(sa.select(
                AuditPersonne.entry_id, AuditPersonne.personne_id, AuditPersonne.code).where(
                AuditPersonne.entry_id.in_(ids))):
            vus[entry_id].append((pid, code))
    return vus


def _tete() -> tuple[int, str]:
    """The last sealed place and print (or the last anchor's, or the start)."""
    row = db.session.execute(sa.select(AuditEntry.rang, AuditEntry.empreinte).where(
        AuditEntry.rang.is_not(None)).order_by(AuditEntry.rang.desc()).limit(1)).first()
    if row is not None:
        return row.rang, row.empreinte
    ancre = db.session.scalars(sa.select(AuditAncre).order_by(AuditAncre.rang.desc())).first()
    return (ancre.rang, ancre.empreinte) if ancre else (0, "")


def _verrou() -> None:
    """One sealer at a time: on PostgreSQL a lock for the transaction; SQLite writes one
    transaction at a time already (the place's uniqueness is the last guard)."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(4242001)"))


def sceller(lot: int = LOT) -> int:
    """Seal every entry not sealed yet, oldest first, in transactions of ``lot`` entries.
    Returns how many were sealed. Entries committed late (a long transaction) are sealed
    when they appear, after those already in the chain."""
    total = 0
    while True:
        _verrou()
        rang, precedente = _tete()
        entries = db.session.execute(sa.select(AuditEntry.__table__).where(
            AuditEntry.empreinte.is_(None)).order_by(AuditEntry.id).limit(lot)).all()
        if not entries:
            if total:
                # The head as it now stands: the newest entries are checked against it.
                db.session.add(AuditSceau(rang=rang, empreinte=precedente))
            db.session.commit()
            return total
        personnes = _personnes([e.id for e in entries])
        valeurs = []
        for entry in entries:
            rang += 1
            precedente = empreinte(precedente, entry, personnes[entry.id])
            valeurs.append({"b_id": entry.id, "b_rang": rang, "b_empreinte": precedente})
        db.session.execute(
            sa.update(AuditEntry.__table__).where(
                AuditEntry.__table__.c.id == sa.bindparam("b_id")).values(
                rang=sa.bindparam("b_rang"), empreinte=sa.bindparam("b_empreinte")),
            valeurs, execution_options={"synchronize_session": False})
        db.session.commit()
        total += len(entries)


@dataclass
class Verification:
    verifiees: int = 0
    non_scellees: int = 0
    ruptures: list[str] = field(default_factory=list)

    @property
    def intacte(self) -> bool:
        return not self.ruptures


def verifier(lot: int = LOT, now: datetime | None = None) -> Verification:
    """Walk the chain from its last anchor and name every break (read only)."""
    now = now or utcnow()
    resultat = Verification()
    ancre = db.session.scalars(sa.select(AuditAncre).order_by(AuditAncre.rang.desc())).first()
    attendu, precedente = (ancre.rang + 1, ancre.empreinte) if ancre else (1, "")
    while True:
        entries = db.session.execute(sa.select(AuditEntry.__table__).where(
            AuditEntry.rang >= attendu).order_by(AuditEntry.rang).limit(lot)).all()
        if not entries:
            break
        personnes = _personnes([e.id for e in entries])
        for entry in entries:
            if entry.rang != attendu:
                manquantes = entry.rang - attendu
                resultat.ruptures.append(
                    f"{manquantes} entrée(s) manquante(s) avant l'entrée n° {entry.id} "
                    f"(rangs {attendu} à {entry.rang - 1}) : supprimées hors de la purge.")
            if empreinte(precedente, entry, personnes[entry.id]) != entry.empreinte:
                resultat.ruptures.append(
                    f"Entrée n° {entry.id} (rang {entry.rang}, {_instant(entry.at)[:16]}) "
                    "modifiée après son scellement, ou la précédente.")
            precedente = entry.empreinte or ""
            attendu = entry.rang + 1
            resultat.verifiees += 1
    resultat.non_scellees = db.session.scalar(sa.select(sa.func.count()).where(
        AuditEntry.empreinte.is_(None))) or 0
    anciennes = db.session.scalar(sa.select(sa.func.count()).where(
        AuditEntry.empreinte.is_(None), AuditEntry.at < now - NON_SCELLEE_SUSPECTE)) or 0
    if anciennes:
        resultat.ruptures.append(
            f"{anciennes} entrée(s) de plus d'un jour jamais scellée(s) : le scellement "
            "périodique ne tourne pas, ou elles ont été ajoutées à la main.")
    # The seals: at each place a sealing ended, the entry that was there is still there,
    # with the same print (the newest entries have no later entry to point to them).
    debut = ancre.rang + 1 if ancre else 1
    for sceau in db.session.scalars(sa.select(AuditSceau).where(
            AuditSceau.rang >= debut).order_by(AuditSceau.rang)):
        trouvee = db.session.scalar(sa.select(AuditEntry.empreinte).where(
            AuditEntry.rang == sceau.rang))
        if trouvee != sceau.empreinte:
            resultat.ruptures.append(
                f"La tête de la chaîne scellée le {_instant(sceau.at)[:16]} (rang "
                f"{sceau.rang}) " + ("a disparu : les entrées les plus récentes ont été "
                                     "supprimées." if trouvee is None else "a changé."))
    premiere = db.session.scalar(sa.select(sa.func.min(AuditEntry.rang)))
    if ancre is None and premiere is not None and premiere != 1:
        resultat.ruptures.append("Le début du journal manque (aucune purge n'est inscrite).")
    db.session.rollback()
    return resultat


def purger_avant(limite: datetime, garder_evenements: set[int], lot: int = LOT) -> int:
    """Delete the oldest sealed entries written before ``limite``, as a run from the start
    of the chain: it stops at the first entry to keep (an event under a legal hold, or not
    sealed yet). Each batch leaves an anchor. Returns how many were deleted."""
    total = 0
    while True:
        ancre = db.session.scalars(sa.select(AuditAncre).order_by(AuditAncre.rang.desc())).first()
        debut = ancre.rang + 1 if ancre else 1
        rows = db.session.execute(sa.select(
            AuditEntry.id, AuditEntry.rang, AuditEntry.empreinte, AuditEntry.at,
            AuditEntry.evenement_id).where(AuditEntry.rang >= debut).order_by(
            AuditEntry.rang).limit(lot)).all()
        prises = []
        for row in rows:
            if row.at >= limite or row.evenement_id in garder_evenements:
                break
            prises.append(row)
        if not prises:
            db.session.rollback()
            return total
        ids = [row.id for row in prises]
        derniere = prises[-1]
        with purge_autorisee():
            db.session.execute(sa.delete(AuditPersonne).where(AuditPersonne.entry_id.in_(ids)))
            db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id.in_(ids)))
            db.session.execute(sa.delete(AuditSceau).where(AuditSceau.rang <= derniere.rang))
        db.session.add(AuditAncre(rang=derniere.rang, empreinte=derniere.empreinte,
                                  nombre=len(prises)))
        db.session.commit()
        total += len(prises)
        if len(prises) < len(rows):
            return total



def tete() -> tuple[int, str]:
    """The chain's last sealed place and print (for a copy kept outside the database)."""
    return _tete()
