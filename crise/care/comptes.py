"""Counts kept by the database, for the boards of a city-wide event.

Counting 900,000 people and their hourly arrivals at each display of the cellule's dashboard
grows with the event (738 ms at a million people). The database keeps the counts instead:
triggers on ``care_personne`` and ``care_passage`` (migration e1c4f0a7d2b9) add one line of
change per row written — people by C.A.RE, catégorie and presence (merged records left out),
arrivals and departures by hour — whatever wrote it (a desk, a merge, the retention, a bulk
update). Lines are only ever inserted: two desks never wait for each other on a shared
counter, and no order of locks can deadlock. ``compacter`` folds them into the totals, a
batch at a time; a count is the totals plus the lines not yet folded, so it is exact at any
moment."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crise.extensions import db

__all__ = ["CompteDelta", "ComptePersonnes", "FluxDelta", "FluxHeure", "compacter", "ecarts",
           "flux_par_heure", "personnes_par_mairie", "presents_avant", "reconstruire"]

LOT = 5_000  # lines folded per transaction: SQLite's writer is held a few milliseconds
SEUIL = 2_000  # a board that read more lines than this not yet folded folds them
VERROU_REPLI = 16091910  # PostgreSQL advisory lock: one folding (or rebuild) at a time


class ComptePersonnes(db.Model):
    """People of an event, by C.A.RE, catégorie and presence (records merged left out)."""

    __tablename__ = "care_compte"

    evenement_id: Mapped[int] = mapped_column(primary_key=True)
    mairie_id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(primary_key=True)
    categorie: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    present: Mapped[bool] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class CompteDelta(db.Model):
    """A change of ``care_compte`` not yet folded (+1, -1), written by the triggers."""

    __tablename__ = "care_compte_delta"
    __table_args__ = (sa.Index("ix_care_compte_delta_evenement", "evenement_id", "mairie_id",
                               "categorie", "present", "n"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int]
    mairie_id: Mapped[int]
    centre_id: Mapped[int]
    categorie: Mapped[str] = mapped_column(sa.String(16))
    present: Mapped[bool]
    n: Mapped[int]


class FluxHeure(db.Model):
    """Arrivals at and departures from the C.A.RE of an event, by hour (« YYYY-MM-DD HH »,
    UTC, as the dashboard's charts count them)."""

    __tablename__ = "care_flux"

    evenement_id: Mapped[int] = mapped_column(primary_key=True)
    heure: Mapped[str] = mapped_column(sa.String(13), primary_key=True)
    arrivees: Mapped[int] = mapped_column(default=0)
    departs: Mapped[int] = mapped_column(default=0)


class FluxDelta(db.Model):
    """A change of ``care_flux`` not yet folded, written by the triggers."""

    __tablename__ = "care_flux_delta"
    __table_args__ = (sa.Index("ix_care_flux_delta_evenement", "evenement_id", "heure",
                               "arrivees", "departs"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evenement_id: Mapped[int]
    heure: Mapped[str] = mapped_column(sa.String(13))
    arrivees: Mapped[int]
    departs: Mapped[int]


def _somme(totaux, deltas, cles, valeurs, *conditions_totaux, conditions_deltas):
    """(rows grouped by ``cles`` with the sum of ``valeurs``, lines not yet folded read)."""
    union = sa.union_all(
        sa.select(*[getattr(totaux, c) for c in cles + valeurs],
                  sa.literal(0).label("lignes")).where(*conditions_totaux),
        sa.select(*[getattr(deltas, c) for c in cles + valeurs],
                  sa.literal(1).label("lignes")).where(*conditions_deltas)).subquery()
    rows = db.session.execute(sa.select(
        *[union.c[c] for c in cles], *[sa.func.sum(union.c[v]) for v in valeurs],
        sa.func.sum(union.c.lignes)).group_by(*[union.c[c] for c in cles])).all()
    return [tuple(r[:-1]) for r in rows], sum(r[-1] or 0 for r in rows)


def personnes_par_mairie(evenement_id: int) -> tuple[list[tuple], int]:
    """([(mairie id, catégorie, present, people)], lines not yet folded) for the event."""
    return _somme(ComptePersonnes, CompteDelta, ["mairie_id", "categorie", "present"], ["n"],
                  ComptePersonnes.evenement_id == evenement_id,
                  conditions_deltas=[CompteDelta.evenement_id == evenement_id])


def flux_par_heure(evenement_id: int, depuis: str) -> tuple[dict[str, tuple[int, int]], int]:
    """({hour: (arrivals, departures)} from the hour ``depuis`` on, lines not yet folded)."""
    rows, lignes = _somme(FluxHeure, FluxDelta, ["heure"], ["arrivees", "departs"],
                          FluxHeure.evenement_id == evenement_id, FluxHeure.heure >= depuis,
                          conditions_deltas=[FluxDelta.evenement_id == evenement_id,
                                             FluxDelta.heure >= depuis])
    return {heure: (a or 0, d or 0) for heure, a, d in rows}, lignes


def presents_avant(evenement_id: int, avant: str) -> int:
    """People who arrived before the hour ``avant`` and had not left by then (a departure
    never comes before its arrival)."""
    rows, _ = _somme(FluxHeure, FluxDelta, [], ["arrivees", "departs"],
                     FluxHeure.evenement_id == evenement_id, FluxHeure.heure < avant,
                     conditions_deltas=[FluxDelta.evenement_id == evenement_id,
                                        FluxDelta.heure < avant])
    arrivees, departs = rows[0] if rows else (0, 0)
    return (arrivees or 0) - (departs or 0)


def _replier(totaux, deltas, cles, valeurs, jusqua):
    """Fold the lines up to id ``jusqua`` into the totals and delete them."""
    ajout = [f"{v} = {totaux.__tablename__}.{v} + excluded.{v}" for v in valeurs]
    colonnes, sommes = ", ".join(cles), ", ".join(f"sum({v})" for v in valeurs)
    if db.engine.dialect.name == "postgresql":
        # One statement, one snapshot: the lines summed are exactly the lines deleted (a
        # line committed meanwhile by a desk is in both or in neither).
        db.session.execute(sa.text(
            f"WITH replies AS (DELETE FROM {deltas.__tablename__} WHERE id <= :jusqua "
            f"RETURNING {colonnes}, {', '.join(valeurs)}) "
            f"INSERT INTO {totaux.__tablename__} ({colonnes}, {', '.join(valeurs)}) "
            f"SELECT {colonnes}, {sommes} FROM replies GROUP BY {colonnes} "
            f"ON CONFLICT ({colonnes}) DO UPDATE SET {', '.join(ajout)}"), {"jusqua": jusqua})
        return
    # SQLite: the first statement writes, so it takes the one writer's lock at once; the
    # deletion that follows sees the same lines.
    db.session.execute(sa.text(
        f"INSERT INTO {totaux.__tablename__} ({colonnes}, {', '.join(valeurs)}) "
        f"SELECT {colonnes}, {sommes} FROM {deltas.__tablename__} WHERE id <= :jusqua "
        f"GROUP BY {colonnes} ON CONFLICT ({colonnes}) DO UPDATE SET {', '.join(ajout)}"),
        {"jusqua": jusqua})
    db.session.execute(sa.delete(deltas).where(deltas.id <= jusqua))


REPLIS = ((CompteDelta, ComptePersonnes,
           ["evenement_id", "mairie_id", "centre_id", "categorie", "present"], ["n"]),
          (FluxDelta, FluxHeure, ["evenement_id", "heure"], ["arrivees", "departs"]))


def compacter(lots: int | None = None) -> int:
    """Fold the lines not yet folded into the totals, ``LOT`` at a time, each batch its own
    transaction (committed here: call it outside any unit of work); ``lots`` bounds the
    batches per table. Returns the lines folded."""
    total = 0
    db.session.commit()
    for deltas, totaux, cles, valeurs in REPLIS:
        fait = 0
        while lots is None or fait < lots:
            ids = db.session.scalars(sa.select(deltas.id).order_by(deltas.id).limit(LOT)).all()
            if not ids:
                db.session.commit()
                break
            if db.engine.dialect.name == "postgresql":
                # Two foldings at once would lock the same lines in different orders.
                db.session.execute(sa.text(f"SELECT pg_advisory_xact_lock({VERROU_REPLI})"))
            _replier(totaux, deltas, cles, valeurs, ids[-1])
            db.session.commit()
            total += len(ids)
            fait += 1
    return total


# --- Checked against the rows, rebuilt from them ------------------------------------------

CLES_PERSONNES = "evenement_id, mairie_id, centre_id, categorie, present"


def _heure_sql(colonne: str) -> str:
    if db.engine.dialect.name == "postgresql":
        return f"to_char({colonne} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"
    return f"substr({colonne}, 1, 13)"  # SQLite: « YYYY-MM-DD HH:MM:SS » in UTC


def _recomptes() -> tuple[str, str]:
    """(people, hourly flows) counted from the rows, as SELECTs giving the totals' columns."""
    personnes = (f"SELECT {CLES_PERSONNES}, count(*) AS n FROM care_personne "
                 f"WHERE fusionne_dans_id IS NULL GROUP BY {CLES_PERSONNES}")
    flux = f"""
        SELECT evenement_id, heure, sum(arrivees) AS arrivees, sum(departs) AS departs FROM (
            SELECT c.evenement_id, {_heure_sql("p.arrivee_at")} AS heure, 1 AS arrivees,
                   0 AS departs
            FROM care_passage p JOIN care_centre c ON c.id = p.centre_id
            UNION ALL
            SELECT c.evenement_id, {_heure_sql("p.depart_at")}, 0, 1
            FROM care_passage p JOIN care_centre c ON c.id = p.centre_id
            WHERE p.depart_at IS NOT NULL) AS f
        GROUP BY evenement_id, heure"""
    return personnes, flux


def _gardes() -> tuple[str, str]:
    """The same, from what is kept (totals and lines not yet folded)."""
    personnes = (f"SELECT {CLES_PERSONNES}, sum(n) AS n FROM (SELECT {CLES_PERSONNES}, n "
                 f"FROM care_compte UNION ALL SELECT {CLES_PERSONNES}, n FROM "
                 f"care_compte_delta) AS k GROUP BY {CLES_PERSONNES}")
    flux = ("SELECT evenement_id, heure, sum(arrivees) AS arrivees, sum(departs) AS departs "
            "FROM (SELECT evenement_id, heure, arrivees, departs FROM care_flux UNION ALL "
            "SELECT evenement_id, heure, arrivees, departs FROM care_flux_delta) AS k "
            "GROUP BY evenement_id, heure")
    return personnes, flux


def _lire(recompte: str, garde: str, cles: int) -> tuple[dict, dict]:
    """({key columns: counted columns} of the rows, the same of what is kept), rows counting
    nothing left out. One statement, so one snapshot: a desk writing meanwhile is in both
    or in neither (two statements showed it as a difference)."""
    attendu, lu = {}, {}
    for source, *r in db.session.execute(sa.text(
            f"SELECT 'r', * FROM ({recompte}) AS r UNION ALL SELECT 'k', * FROM ({garde}) AS k")):
        if any(r[cles:]):
            (attendu if source == "r" else lu)[tuple(r[:cles])] = tuple(r[cles:])
    return attendu, lu


def _ligne(quoi: str, cle: tuple, lu: tuple | None, attendu: tuple | None) -> str:
    if quoi == "personnes":
        evenement, mairie, centre, categorie, present = cle
        return (f"Événement n° {evenement}, C.A.RE n° {centre} (mairie n° {mairie}), "
                f"{categorie}, {'présents' if present else 'partis'} : "
                f"{(lu or (0,))[0]} gardé(s), {(attendu or (0,))[0]} compté(s)")
    evenement, heure = cle
    lu, attendu = lu or (0, 0), attendu or (0, 0)
    return (f"Événement n° {evenement}, heure {heure} h UTC : {lu[0]} arrivée(s) et "
            f"{lu[1]} départ(s) gardés, {attendu[0]} et {attendu[1]} comptés")


def ecarts() -> list[str]:
    """Where what is kept differs from a count of the rows, in French, one line each
    (empty: every count is right). Reads every row: for an operator, not for a board."""
    lignes = []
    for quoi, cles, recompte, garde in zip(("personnes", "flux"), (5, 2), _recomptes(),
                                           _gardes()):
        attendu, lu = _lire(recompte, garde, cles)
        for cle in sorted(set(attendu) | set(lu), key=str):
            if attendu.get(cle) != lu.get(cle):
                lignes.append(_ligne(quoi, cle, lu.get(cle), attendu.get(cle)))
    return lignes


def reconstruire() -> None:
    """Count everything again from the rows, in one transaction that keeps writers out
    meanwhile (committed here)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("LOCK TABLE care_personne, care_passage IN SHARE MODE"))
        db.session.execute(sa.text(f"SELECT pg_advisory_xact_lock({VERROU_REPLI})"))
    # SQLite: the first statement writes, so this transaction holds the only writer.
    for table in ("care_compte_delta", "care_flux_delta", "care_compte", "care_flux"):
        db.session.execute(sa.text(f"DELETE FROM {table}"))
    personnes, flux = _recomptes()
    db.session.execute(sa.text(f"INSERT INTO care_compte ({CLES_PERSONNES}, n) {personnes}"))
    db.session.execute(sa.text(
        f"INSERT INTO care_flux (evenement_id, heure, arrivees, departs) {flux}"))
    db.session.commit()
