"""Lists for the authorities: counts by catégorie and the nominative list of a C.A.RE.

``rows`` builds the content once; CSV, XLSX and PDF only lay it out. Medical notes are
never exported. The CIAV receives only the people who consented to the transmission.
"""

import csv
import io
from datetime import datetime

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from crise.care.models import CATEGORIE_LABELS, CentreAccueil, Personne
from crise.care.pdf import FONT, FONT_BOLD, register_fonts
from crise.extensions import db
from crise.formatting import format_datetime
from crise.text import clean

DESTINATAIRES = {
    "prefecture": "Préfecture de Police — recensement",
    "ciav": "CIAV — personnes ayant consenti à la transmission",
}
COLUMNS = [
    ("code", "Code"), ("nom", "Nom"), ("prenom", "Prénom"), ("nom_usage", "Nom d'usage"),
    ("categorie", "Catégorie"), ("sexe", "Sexe"), ("naissance", "Naissance / âge"),
    ("nationalite", "Nationalité"), ("telephone", "Téléphone"),
    ("adresse", "Adresse actuelle"), ("sinus", "SINUS"), ("arrivee", "Arrivée"),
    ("depart", "Départ"), ("destination", "Destination"), ("present", "Présent"),
    ("consent_ciav", "Transmission CIAV"),
]


class Liste:
    """What an export says, whatever its format.

    Any list exported with to_csv/to_xlsx offers the same: title, generated_at, exercice,
    counts, columns, widths, sheet_title and rows().
    """

    columns = COLUMNS
    widths = (10, 18, 14, 14, 11, 6, 14, 14, 15, 30, 28, 17, 17, 20, 8, 10)
    sheet_title = "Liste nominative"

    def __init__(self, centre: CentreAccueil, destinataire: str, now: datetime):
        self.centre = centre
        self.destinataire = destinataire
        self.exercice = centre.evenement.exercice
        self.generated_at = now
        query = sa.select(Personne).where(Personne.centre_id == centre.id,
                                          Personne.fusionne_dans_id.is_(None)).order_by(
            Personne.nom, Personne.prenom, Personne.id)
        if destinataire == "ciav":
            query = query.where(Personne.consent_ciav.is_(True))
        self.people = db.session.scalars(query).all()
        self.counts = {label: sum(1 for p in self.people if p.categorie == code)
                       for code, label in CATEGORIE_LABELS.items()}
        self.counts["Total"] = len(self.people)

    @property
    def title(self) -> str:
        prefix = "EXERCICE — " if self.exercice else ""
        return (f"{prefix}{DESTINATAIRES[self.destinataire]} — C.A.RE {self.centre.nom} — "
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


def to_csv(liste: Liste) -> bytes:
    """CSV for a French spreadsheet: UTF-8 with BOM, semicolons."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([liste.title])
    writer.writerow([f"Édité le {format_datetime(liste.generated_at)}"])
    writer.writerow([f"{label} : {n}" for label, n in liste.counts.items()])
    writer.writerow([])
    writer.writerow([label for _, label in liste.columns])
    for row in liste.rows():
        writer.writerow([_safe_cell(row[key]) for key, _ in liste.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe_cell(value):
    """No formula injection: a cell typed as « =… » stays text in the spreadsheet. No
    control character either (XLSX refuses them: one in a stored address would make the
    whole list fail)."""
    value = clean(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_xlsx(liste: Liste) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = liste.sheet_title
    bold = Font(bold=True)
    ws.append([clean(liste.title)])
    ws["A1"].data_type = "s"
    ws["A1"].font = Font(bold=True, size=13)
    if liste.exercice:
        ws["A1"].fill = PatternFill("solid", fgColor="FFCC00")
    ws.append([f"Édité le {format_datetime(liste.generated_at)}"])
    ws.append([])
    ws.append([label for _, label in liste.columns])
    for cell in ws[4]:
        cell.font = bold
    for row in liste.rows():
        ws.append([clean(row[key]) for key, _ in liste.columns])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":
                # Typed text, never a formula: « =… » stays text. Unlike CSV, no visible
                # apostrophe: a phone number « +33 6… » reads as it was typed.
                cell.data_type = "s"
    ws.freeze_panes = "A5"
    for column, width in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", liste.widths):
        ws.column_dimensions[column].width = width
    counts = wb.create_sheet("Effectifs")
    counts.append([clean(liste.title)])
    counts["A1"].data_type = "s"
    counts.append([])
    counts.append(["", "Nombre"])
    for cell in counts[3]:
        cell.font = bold
    for label, n in liste.counts.items():
        counts.append([label, n])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def pdf_document(liste, author: str = "Ville de Paris — gestion de crise"):
    """A landscape A4 document and the start of its story: the EXERCICE banner when it is
    one, the title, the date and the counts. Any list with title/exercice/counts fits."""
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm,
                            rightMargin=10 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=liste.title, author=author)
    story = []
    if liste.exercice:
        story.append(Paragraph("EXERCICE — EXERCICE — EXERCICE", ParagraphStyle(
            "x", fontName=FONT_BOLD, fontSize=16, leading=20, alignment=1,
            backColor=colors.HexColor("#FFCC00"), borderColor=colors.black, borderWidth=1.5,
            borderPadding=4)))
        story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(pdf_escape(liste.title), ParagraphStyle(
        "t", fontName=FONT_BOLD, fontSize=13, leading=16)))
    story.append(Paragraph(f"Édité le {format_datetime(liste.generated_at)} — "
                           + " · ".join(f"{k} : {v}" for k, v in liste.counts.items()),
                           ParagraphStyle("c", fontName=FONT, fontSize=9, leading=12)))
    story.append(Spacer(1, 4 * mm))
    return buffer, doc, story


def to_pdf(liste: Liste) -> bytes:
    buffer, doc, story = pdf_document(liste)
    small = ParagraphStyle("s", fontName=FONT, fontSize=7, leading=8.5)
    keys = [k for k, _ in COLUMNS if k not in ("nom_usage", "consent_ciav")]
    header = [Paragraph(f"<b>{label}</b>", small) for k, label in COLUMNS if k in keys]
    body = [[Paragraph(pdf_escape(str(row[k])), small) for k in keys] for row in liste.rows()]
    return pdf_finish(buffer, doc, story, header, body, [
        14, 25, 20, 16, 8, 17, 17, 20, 38, 30, 18, 18, 19, 11])


def pdf_finish(buffer, doc, story, header, body, widths_mm) -> bytes:
    """Lay the rows out as one gridded table repeating its header, and build the PDF."""
    # splitInRow: a row taller than a page (a long entry of the main courante, which can
    # never be deleted) flows over the next page instead of making the document fail.
    table = Table([header] + body, repeatRows=1, colWidths=[w * mm for w in widths_mm],
                  splitInRow=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6E9EE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table)
    doc.build(story)
    return buffer.getvalue()


def pdf_escape(text: str) -> str:
    """Text for a reportlab Paragraph: markup characters escaped, control characters out."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


FORMATS = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (to_pdf, "application/pdf"),
}
