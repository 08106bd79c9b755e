"""Exports shared by every feature: a list laid out as CSV, XLSX or PDF, the same content
whatever the format, and the EXERCICE mention wherever a document leaves the application.

A feature describes its list with a ``ListeExport`` (title, columns, rows, counts); the
functions here lay it out. Cells never carry a formula or a control character; PDFs print
every script (see crise.pdftext) and number their pages.
"""

import csv
import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from crise import pdftext
from crise.formatting import exercice_label, file_stamp, format_datetime
from crise.pdftext import FONT, FONT_BOLD, register_fonts
from crise.text import clean

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ListeExport:
    """What an export says, whatever its format.

    A subclass sets ``columns`` ([(key, label)]), ``widths`` (XLSX columns), ``sheet_title``
    and ``intitule``; its ``__init__`` sets ``exercice``, ``generated_at`` and ``counts``
    ({label: n}); ``rows()`` gives one {key: value} per line.
    """

    columns: list[tuple[str, str]] = []
    widths: tuple = ()
    sheet_title = "Liste"
    exercice = False
    generated_at: datetime
    counts: dict

    @property
    def intitule(self) -> str:
        raise NotImplementedError

    @property
    def title(self) -> str:
        return exercice_label(self.intitule, self.exercice)

    def rows(self) -> list[dict]:
        raise NotImplementedError


def export_filename(base: str, fmt: str, now: datetime, *, exercice: bool) -> str:
    """« EXERCICE-care-3-ciav-20261124-2305.csv »: what, when, and whether it is an exercise."""
    return exercice_label(f"{base}-{file_stamp(now)}.{fmt}", exercice, sep="-")


def to_csv(liste: ListeExport) -> bytes:
    """CSV for a French spreadsheet: UTF-8 with BOM, semicolons."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([liste.title])
    writer.writerow([f"Édité le {format_datetime(liste.generated_at)}"])
    writer.writerow([f"{label} : {n}" for label, n in liste.counts.items()])
    writer.writerow([])
    writer.writerow([label for _, label in liste.columns])
    for row in liste.rows():
        writer.writerow([safe_cell(row[key]) for key, _ in liste.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def safe_cell(value):
    """No formula injection: a cell typed as « =… » stays text in the spreadsheet. No
    control character either (XLSX refuses them: one in a stored address would make the
    whole list fail)."""
    value = clean(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_xlsx(liste: ListeExport) -> bytes:
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


def pdf_document(liste: ListeExport, author: str = "Ville de Paris — gestion de crise"):
    """A landscape A4 document and the start of its story: the EXERCICE banner when it is
    one, the title, the date and the counts."""
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm,
                            rightMargin=10 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=liste.title, author=author)
    story = []
    if liste.exercice:
        story.append(Paragraph(" — ".join(["EXERCICE"] * 3), ParagraphStyle(
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
    doc.build(story, canvasmaker=numbered_canvas(footer))
    return buffer.getvalue()


def numbered_canvas(footer: str):
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
