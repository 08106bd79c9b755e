import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from crise.extensions import db


class Mairie(db.Model):
    __tablename__ = "mairie"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    nom: Mapped[str] = mapped_column(sa.String(120))
    adresse: Mapped[str] = mapped_column(sa.String(255))
    ordre: Mapped[int] = mapped_column(default=0)

    def __repr__(self):
        return f"<Mairie {self.code}>"

    def __str__(self):
        return self.nom

    @property
    def nom_court(self) -> str:
        """« Paris Centre », « 5e »… for lists and check boxes."""
        return "Paris Centre" if self.code == "centre" else self.code

    @property
    def arrondissements(self) -> list[int]:
        """The arrondissements it serves: 1 to 4 for Paris Centre, else its own."""
        return [1, 2, 3, 4] if self.code == "centre" else [int(self.code.rstrip("e"))]


def mairies_ordered():
    return db.session.scalars(sa.select(Mairie).order_by(Mairie.ordre)).all()


def mairie_by_code(code: str | None) -> Mairie | None:
    if not code or not code.strip():
        return None
    return db.session.scalar(sa.select(Mairie).where(Mairie.code == code.strip().lower()))
