"""Lists for the authorities: counts by catégorie and the nominative list of a C.A.RE.

``rows`` builds the content once; CSV, XLSX and PDF only lay it out. Medical notes are
never exported. The CIAV and the victims' association (PAV) receive only the people who
consented to it.
"""

from datetime import datetime

import sqlalchemy as sa
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph

from crise.care.models import CATEGORIE_LABELS, CentreAccueil, Personne
from crise.care.noms import in_alphabetical_order
from crise.exports import (XLSX, ListeExport, paragraph, pdf_document, pdf_finish, to_csv,
                           to_xlsx)
from crise.extensions import db
from crise.formatting import format_datetime
from crise.pdftext import FONT, FONT_BOLD

DESTINATAIRES = {
    "prefecture": "Préfecture de Police — recensement",
    "ciav": "CIAV — personnes ayant consenti à la transmission",
    "pav": "Association d'aide aux victimes (PAV) — personnes ayant consenti à leur suivi",
}
# The lists that go outside the public service: each person in them consented (or a vital
# interest was invoked for them, with its reason, on their record).
CONSENTEMENT_REQUIS = {"ciav": "consent_ciav", "pav": "consent_pav"}
COLUMNS = [
    ("code", "Code"), ("nom", "Nom"), ("prenom", "Prénom"), ("nom_usage", "Nom d'usage"),
    ("categorie", "Catégorie"), ("sexe", "Sexe"), ("naissance", "Naissance / âge"),
    ("nationalite", "Nationalité"), ("telephone", "Téléphone"),
    ("adresse", "Adresse actuelle"), ("sinus", "SINUS"), ("arrivee", "Arrivée"),
    ("depart", "Départ"), ("destination", "Destination"), ("present", "Présent"),
    ("consent_ciav", "Transmission CIAV"),
]


class ListeNominative(ListeExport):
    """The people taken in charge at a C.A.RE, for the Préfecture, the CIAV or the PAV."""

    columns = COLUMNS
    widths = (10, 18, 14, 14, 11, 6, 14, 14, 15, 30, 28, 17, 17, 20, 8, 10)
    sheet_title = "Liste nominative"

    def __init__(self, centre: CentreAccueil, destinataire: str, now: datetime):
        self.centre = centre
        self.destinataire = destinataire
        self.exercice = centre.evenement.exercice
        self.generated_at = now
        query = sa.select(Personne).where(Personne.centre_id == centre.id,
                                          Personne.fusionne_dans_id.is_(None))
        if destinataire in CONSENTEMENT_REQUIS:
            query = query.where(getattr(Personne, CONSENTEMENT_REQUIS[destinataire]).is_(True))
        self.people = in_alphabetical_order(db.session.scalars(query))
        self.counts = {label: sum(1 for p in self.people if p.categorie == code)
                       for code, label in CATEGORIE_LABELS.items()}
        self.counts["Total"] = len(self.people)

    @property
    def intitule(self) -> str:
        return (f"{DESTINATAIRES[self.destinataire]} — C.A.RE {self.centre.nom} — "
                f"{self.centre.evenement.titre}")

    def rows(self) -> list[dict]:
        rows = []
        for p in self.people:
            first, last = (p.passages[0], p.passages[-1]) if p.passages else (None, None)
            rows.append({
                "code": p.code_court, "nom": p.nom.upper(), "prenom": p.prenom,
                "nom_usage": p.nom_usage, "categorie": p.categorie_label, "sexe": p.sexe,
                "naissance": (p.date_naissance.strftime("%d/%m/%Y") if p.date_naissance
                              else (f"~{p.age_estime} ans" if p.age_estime is not None else "")),
                "nationalite": p.nationalite, "telephone": p.telephone,
                "adresse": p.adresse_actuelle, "sinus": p.sinus_affiche,
                "arrivee": format_datetime(first.arrivee_at) if first else "",
                "depart": format_datetime(last.depart_at) if last and last.depart_at else "",
                "destination": last.destination_label if last else "",
                "present": "oui" if p.present else "non",
                "consent_ciav": "oui" if p.consent_ciav else "non",
            })
        return rows


# Columns whose values are short and fixed (a code, a date): printed on one line, never cut.
ONE_LINE = {"code", "sexe", "arrivee", "depart", "present"}
PDF_KEYS = [k for k, _ in COLUMNS if k not in ("nom_usage", "consent_ciav")]
PDF_WIDTHS = {"code": 17, "nom": 26, "prenom": 21, "categorie": 15, "sexe": 9,
              "naissance": 17, "nationalite": 17, "telephone": 21, "adresse": 33,
              "sinus": 27, "arrivee": 22, "depart": 22, "destination": 17, "present": 12}


def to_pdf(liste: ListeNominative) -> bytes:
    buffer, doc, story = pdf_document(liste)
    small = ParagraphStyle("s", fontName=FONT, fontSize=7, leading=8.5)
    head = ParagraphStyle("h", fontName=FONT_BOLD, fontSize=7, leading=8.5)
    labels = dict(COLUMNS)
    rows = liste.rows()
    header = [Paragraph(labels[k], head) for k in PDF_KEYS]
    body = [[str(row[k]) if k in ONE_LINE else paragraph(str(row[k]), small) for k in PDF_KEYS]
            for row in rows]
    return pdf_finish(buffer, doc, story, header, body, _widths(doc, rows, labels),
                      footer=liste.title)


def _widths(doc, rows, labels) -> list[float]:
    """Column widths in mm: a header never wraps, a one-line value (code, date) never
    wraps; the free texts share what is left in proportion to PDF_WIDTHS."""
    padding = 8  # points: 3 left and 3 right, and 2 so that a float never wraps a word
    least = {k: pdfmetrics.stringWidth(labels[k], FONT_BOLD, 7) + padding for k in PDF_KEYS}
    for k in ONE_LINE:
        values = [pdfmetrics.stringWidth(str(row[k]), FONT, 7) + padding for row in rows]
        least[k] = max([least[k], *values])
    free = [k for k in PDF_KEYS if k not in ONE_LINE]
    room = doc.width - sum(least[k] for k in ONE_LINE)
    weight = sum(PDF_WIDTHS[k] for k in free)
    widths = {k: least[k] for k in ONE_LINE}
    for k in free:
        widths[k] = max(least[k], room * PDF_WIDTHS[k] / weight)
    return [widths[k] / mm for k in PDF_KEYS]


FORMATS = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, XLSX),
    "pdf": (to_pdf, "application/pdf"),
}
