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
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from crise.care.models import CATEGORIE_LABELS, CentreAccueil, Personne
from crise.care.noms import in_alphabetical_order
from crise import pdftext
from crise.pdftext import FONT, FONT_BOLD, register_fonts
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
                                          Personne.fusionne_dans_id.is_(None))
        if destinataire == "ciav":
            query = query.where(Personne.consent_ciav.is_(True))
        self.people = in_alphabetical_order(db.session.scalars(query))
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
    story.append(paragraph(liste.title, ParagraphStyle(
        "t", fontName=FONT_BOLD, fontSize=13, leading=16), bold=True))
    story.append(Paragraph(f"Édité le {format_datetime(liste.generated_at)} — "
                           + " · ".join(f"{k} : {v}" for k, v in liste.counts.items()),
                           ParagraphStyle("c", fontName=FONT, fontSize=9, leading=12)))
    story.append(Spacer(1, 4 * mm))
    return buffer, doc, story


# Columns whose values are short and fixed (a code, a date): printed on one line, never cut.
ONE_LINE = {"code", "sexe", "arrivee", "depart", "present"}
PDF_KEYS = [k for k, _ in COLUMNS if k not in ("nom_usage", "consent_ciav")]
PDF_WIDTHS = {"code": 17, "nom": 26, "prenom": 21, "categorie": 15, "sexe": 9,
              "naissance": 17, "nationalite": 17, "telephone": 21, "adresse": 33,
              "sinus": 27, "arrivee": 22, "depart": 22, "destination": 17, "present": 12}


def to_pdf(liste: Liste) -> bytes:
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
    padding = 6  # points, left and right
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


def pdf_finish(buffer, doc, story, header, body, widths_mm, *, footer: str = "") -> bytes:
    """Lay the rows out as one gridded table repeating its header, and build the PDF with
    « Page n / N » and the title at the foot of every page."""
    # splitInRow: a row taller than a page (a long entry of the main courante, which can
    # never be deleted) flows over the next page instead of making the document fail.
    table = Table([header] + body, repeatRows=1, colWidths=[w * mm for w in widths_mm],
                  splitInRow=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6E9EE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 1), (-1, -1), FONT, 7),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    story.append(table)
    doc.build(story, canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()


def _numbered_canvas(footer: str):
    """A canvas that keeps its pages until the end, to write « Page n / N » on each."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                width = self._pagesize[0]
                self.setFont(FONT, 7)
                self.setFillColor(colors.black)
                pdftext.draw_string(self, 10 * mm, 6 * mm,
                                    pdftext.ellipsis(footer, 7, width - 60 * mm), 7)
                self.drawRightString(width - 10 * mm, 6 * mm,
                                     f"Page {self._pageNumber} / {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def paragraph(text: str, style: ParagraphStyle, *, bold: bool = False,
              strike: bool = False) -> Paragraph:
    """A cell or a line of any text, in any script: each run in a font that has it, Arabic
    and Hebrew shaped and right to left (see crise.pdftext)."""
    body = pdftext.markup(clean(text), bold=bold)
    if strike:
        body = f"<strike>{body}</strike>"
    if pdftext.needs_shaping(text):
        style = ParagraphStyle(style.name + "-shaped", parent=style, shaping=1)
    return Paragraph(body, style)


FORMATS = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (to_pdf, "application/pdf"),
}
