import sqlalchemy as sa

from crise.extensions import db
from crise.mairies.data import MAIRIES
from crise.mairies.models import Mairie


def load_mairies() -> tuple[int, int]:
    """Insert or update the reference mairies; idempotent. Returns (created, updated)."""
    existing = {m.code: m for m in db.session.scalars(sa.select(Mairie))}
    created = updated = 0
    for ordre, (code, nom, adresse) in enumerate(MAIRIES, start=1):
        mairie = existing.get(code)
        if mairie is None:
            db.session.add(Mairie(code=code, nom=nom, adresse=adresse, ordre=ordre))
            created += 1
        elif (mairie.nom, mairie.adresse, mairie.ordre) != (nom, adresse, ordre):
            mairie.nom, mairie.adresse, mairie.ordre = nom, adresse, ordre
            updated += 1
    db.session.flush()
    return created, updated
