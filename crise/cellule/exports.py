"""The main courante as CSV and PDF (laid out by crise.exports), struck entries included."""

from datetime import datetime

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from crise.audit.models import Action
from crise.audit.services import record
from crise.exports import (ListeExport, export_filename, paragraph, pdf_document, pdf_finish,
                           to_csv)
from crise.pdftext import FONT
from crise.db import utcnow
from crise.extensions import db
from crise.formatting import format_datetime

COLUMNS = [("numero", "N°"), ("fait", "Heure du fait"), ("ecrit", "Écrit le"),
           ("auteur", "Auteur"), ("type", "Type"), ("priorite", "Priorité"),
           ("source", "Source / support"), ("texte", "Texte"), ("barree", "Barrée")]


class ListeMainCourante(ListeExport):
    columns = COLUMNS
    widths = (7, 17, 17, 24, 16, 10, 24, 80, 40)
    sheet_title = "Main courante"

    def __init__(self, evenement, filtres, now: datetime):
        from crise.cellule import services

        self.evenement, self.exercice, self.generated_at = evenement, evenement.exercice, now
        self.entrees = list(reversed(db.session.scalars(
            services.main_courante_query(evenement, filtres)).all()))  # in the order of the facts
        self.numeros = services.numeros(evenement.id, self.entrees)
        self.counts = {"Entrées": len(self.entrees),
                       "Barrées": sum(1 for e in self.entrees if e.barree_at)}

    @property
    def intitule(self) -> str:
        return f"Main courante — {self.evenement.titre}"

    def rows(self) -> list[dict]:
        return [{
            "numero": self.numeros.get(e.id, ""), "fait": format_datetime(e.fait_at),
            "ecrit": format_datetime(e.ecrit_at),
            "auteur": e.auteur_nom + (f" ({e.auteur_role_label})" if e.auteur_role else ""),
            "type": e.type_label + (" (application)" if e.systeme else ""),
            "priorite": e.priorite_label,
            "source": " / ".join(p for p in (e.source, e.support_label if e.support else "")
                                 if p),
            "texte": e.texte,
            "barree": (f"BARRÉE le {format_datetime(e.barree_at)} par {e.barree_par_nom} : "
                       f"{e.barree_motif}") if e.barree_at else "",
        } for e in self.entrees]


def to_pdf(liste: ListeMainCourante) -> bytes:
    buffer, doc, story = pdf_document(
        liste, author="Ville de Paris — cellule centrale de crise")
    small = ParagraphStyle("s", fontName=FONT, fontSize=7.5, leading=9)
    keys = [k for k, _ in COLUMNS if k != "barree"]
    header = [Paragraph(f"<b>{label}</b>", small) for k, label in COLUMNS if k in keys]
    body = []
    for entree, row in zip(liste.entrees, liste.rows()):
        cells = []
        for key in keys:
            if entree.barree_at and key == "texte":
                cells.append([paragraph(str(row[key]), small, strike=True),
                              paragraph(row["barree"], small, bold=True)])
            else:
                cells.append(paragraph(str(row[key]), small))
        body.append(cells)
    return pdf_finish(buffer, doc, story, header, body,
                                   [10, 22, 22, 32, 22, 17, 32, 120], footer=liste.title)


FORMATS = {"csv": (to_csv, "text/csv; charset=utf-8"),
           "pdf": (to_pdf, "application/pdf")}


def export(actor, evenement, filtres, fmt: str, now: datetime | None = None
           ) -> tuple[bytes, str, str]:
    now = now or utcnow()
    liste = ListeMainCourante(evenement, filtres, now)
    build, mimetype = FORMATS[fmt]
    fichier = build(liste)  # before the audit entry takes SQLite's only writer
    record(actor, Action.EXPORT, "main_courante", evenement.id,
           summary=f"Main courante exportée ({fmt.upper()}, {len(liste.entrees)} entrée(s))",
           evenement_id=evenement.id)
    db.session.flush()
    return fichier, mimetype, export_filename(f"main-courante-{evenement.id}", fmt, now,
                                                   exercice=evenement.exercice)
