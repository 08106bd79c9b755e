"""Badges: A4 sheets of 8 badges, reportlab + crise.care.qr, returned as bytes.

The QR code holds the opaque badge token only, never personal data. The catégorie reads
in colour and in black and white: its name is printed, and each has its own band style
(solid, hatched, outlined). Exercise badges say EXERCICE.
"""

import io
import re

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from crise.care.qr import lignes
from crise.formatting import exercice_label, format_date
from crise.pdftext import (FONT, FONT_BOLD, draw_string, ellipsis, fit_size, memoire,
                           register_fonts, split_lines)

PAGE_W, PAGE_H = A4
BADGE_W, BADGE_H = 95 * mm, 68 * mm
COLUMNS, ROWS = 2, 4
MARGIN_X = (PAGE_W - COLUMNS * BADGE_W) / 2
MARGIN_Y = (PAGE_H - ROWS * BADGE_H) / 2
PER_PAGE = COLUMNS * ROWS
_DARK = re.compile("1+")  # a run of dark modules in a row of the QR code

BAND = {
    "sinistre": ("SINISTRÉ", Color(0.55, 0.11, 0.07), "solid"),
    "implique": ("IMPLIQUÉ", Color(0.04, 0.31, 0.54), "hatched"),
    "proche": ("PROCHE", Color(0.12, 0.42, 0.2), "outlined"),
}


def draw_qr(canvas: Canvas, token: str, x: float, y: float, size: float) -> None:
    """The QR code as vector rectangles, one per horizontal run of dark modules, written
    as one path in module units (a thousand badges: reportlab's path object formatted
    each of their 170,000 numbers one call at a time)."""
    rows = lignes(token)
    quiet = 2  # modules of white margin around, inside ``size``
    n = len(rows)
    module = size / (n + 2 * quiet)
    runs = [f"{run.start() + quiet} {n - 1 - row_index + quiet} {run.end() - run.start()} 1 re"
            for row_index, row in enumerate(rows) for run in _DARK.finditer(row)]
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(black)
    canvas.addLiteral(f"q {module:.5f} 0 0 {module:.5f} {x:.3f} {y:.3f} cm\n"
                      + "\n".join(runs) + "\nf Q")


def _band(canvas: Canvas, categorie: str, x: float, y: float, w: float, h: float):
    label, color, style = BAND[categorie]
    if style == "solid":
        canvas.setFillColor(color)
        canvas.rect(x, y, w, h, stroke=0, fill=1)
        text_color = white
    else:
        canvas.setStrokeColor(color)
        canvas.setLineWidth(2)
        if style == "hatched":
            canvas.saveState()
            clip = canvas.beginPath()
            clip.rect(x, y, w, h)
            canvas.clipPath(clip, stroke=0, fill=0)
            canvas.setLineWidth(1.2)
            step = 3 * mm
            offset = -h
            while offset < w:
                canvas.line(x + offset, y, x + offset + h, y + h)
                offset += step
            canvas.restoreState()
            canvas.setFillColor(white)
            canvas.rect(x + 3 * mm, y + 1.5 * mm, 34 * mm, h - 3 * mm, stroke=0, fill=1)
        else:
            canvas.setDash(2, 2)
        canvas.setStrokeColor(color)
        canvas.setLineWidth(2)
        canvas.rect(x + 1, y + 1, w - 2, h - 2, stroke=1, fill=0)
        canvas.setDash()
        text_color = color
    canvas.setFillColor(text_color)
    canvas.setFont(FONT_BOLD, 13)
    canvas.drawString(x + 4 * mm, y + h / 2 - 4.5, label)


def _badge(canvas: Canvas, personne, x: float, y: float, *, exercice: bool) -> None:
    pad = 4 * mm
    # Cut line.
    canvas.setStrokeColor(Color(0.6, 0.6, 0.6))
    canvas.setLineWidth(0.4)
    canvas.setDash(3, 3)
    canvas.rect(x, y, BADGE_W, BADGE_H, stroke=1, fill=0)
    canvas.setDash()

    band_h = 11 * mm
    _band(canvas, personne.categorie, x + pad, y + BADGE_H - pad - band_h,
          BADGE_W - 2 * pad, band_h)
    if exercice:
        label_w = pdfmetrics.stringWidth("EXERCICE", FONT_BOLD, 10) + 4 * mm
        label_x = x + BADGE_W - pad - 2 * mm - label_w
        label_y = y + BADGE_H - pad - band_h + 2 * mm
        canvas.setFillColor(white)
        canvas.setStrokeColor(black)
        canvas.setLineWidth(1)
        canvas.rect(label_x, label_y, label_w, band_h - 4 * mm, stroke=1, fill=1)
        canvas.setFillColor(black)
        canvas.setFont(FONT_BOLD, 10)
        canvas.drawCentredString(label_x + label_w / 2, label_y + (band_h - 4 * mm) / 2 - 3.5,
                                 "EXERCICE")
        canvas.saveState()
        canvas.setFillColor(Color(0, 0, 0, alpha=0.12))
        canvas.setFont(FONT_BOLD, 30)
        canvas.translate(x + BADGE_W / 2 - 12 * mm, y + BADGE_H / 2 - 14 * mm)
        canvas.rotate(25)
        canvas.drawCentredString(0, 0, "EXERCICE")
        canvas.restoreState()

    qr_size = 30 * mm
    qr_x, qr_y = x + BADGE_W - pad - qr_size, y + pad
    draw_qr(canvas, personne.badge_token, qr_x, qr_y, qr_size)

    text_x = x + pad
    text_w = qr_x - text_x - 3 * mm
    top = y + BADGE_H - pad - band_h - 8 * mm
    canvas.setFillColor(black)
    nom = personne.nom.upper()
    size = fit_size(nom, 16, text_w, bold=True, minimum=11)
    lines = split_lines(nom, size, text_w, bold=True) or [nom]
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    for i, line in enumerate(lines):
        draw_string(canvas, text_x, top - i * (size + 1),
                    ellipsis(line, size, text_w, bold=True), size, bold=True)
    if personne.prenom:
        prenom_y = top - (len(lines) - 1) * (size + 1) - 6.5 * mm
        size = fit_size(personne.prenom, 13, text_w, minimum=8)
        draw_string(canvas, text_x, prenom_y, ellipsis(personne.prenom, size, text_w), size)
    canvas.setFont(FONT_BOLD, 20)
    canvas.drawString(text_x, y + pad + 9 * mm, personne.code_court)
    centre = personne.centre
    draw_string(canvas, text_x, y + pad + 3.5 * mm,
                ellipsis(f"C.A.RE {centre.nom}", 7.5, text_w), 7.5)
    canvas.setFont(FONT, 7.5)
    canvas.drawString(text_x, y + pad, f"Accueilli(e) le {format_date(personne.created_at)}")


def badges_pdf(personnes, *, exercice: bool, title: str = "Badges") -> bytes:
    """A4 sheets of badges (8 per page) for these people, as PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(exercice_label(title, exercice))
    canvas.setAuthor("Ville de Paris — gestion de crise")
    with memoire():
        for index, personne in enumerate(personnes):
            slot = index % PER_PAGE
            if index and slot == 0:
                canvas.showPage()
            column, row = slot % COLUMNS, slot // COLUMNS
            x = MARGIN_X + column * BADGE_W
            y = PAGE_H - MARGIN_Y - (row + 1) * BADGE_H
            _badge(canvas, personne, x, y, exercice=exercice)
    if not personnes:
        canvas.setFont(FONT, 12)
        canvas.drawString(20 * mm, PAGE_H - 30 * mm, "Aucune personne à badger.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _line(canvas: Canvas, label: str, x: float, y: float, width: float) -> None:
    canvas.setFont(FONT, 10)
    canvas.drawString(x, y, label)
    start = x + pdfmetrics.stringWidth(label, FONT, 10) + 2 * mm
    canvas.setStrokeColor(Color(0.4, 0.4, 0.4))
    canvas.setLineWidth(0.5)
    canvas.setDash(1, 2)
    canvas.line(start, y - 1, x + width, y - 1)
    canvas.setDash()


def _boxes(canvas: Canvas, label: str, options: list[str], x: float, y: float) -> None:
    canvas.setFont(FONT, 10)
    canvas.drawString(x, y, label)
    cursor = x + pdfmetrics.stringWidth(label, FONT, 10) + 3 * mm
    for option in options:
        canvas.setStrokeColor(black)
        canvas.setLineWidth(0.8)
        canvas.rect(cursor, y - 1, 3.5 * mm, 3.5 * mm, stroke=1, fill=0)
        canvas.drawString(cursor + 5 * mm, y, option)
        cursor += 5 * mm + pdfmetrics.stringWidth(option, FONT, 10) + 5 * mm


def feuilles_pdf(centre, jetons, *, exercice: bool) -> bytes:
    """One A4 intake sheet per token, to fill by hand; its badge is cut out and handed over."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(exercice_label(f"Fiches d'accueil — {centre.nom}", exercice))
    left, width = 18 * mm, PAGE_W - 36 * mm
    for jeton in jetons:
        top = PAGE_H - 18 * mm
        if exercice:
            canvas.setFillColor(Color(1, 0.8, 0))
            canvas.rect(left, top - 3 * mm, width, 9 * mm, stroke=0, fill=1)
            canvas.setFillColor(black)
            canvas.setFont(FONT_BOLD, 14)
            canvas.drawCentredString(PAGE_W / 2, top, " — ".join(["EXERCICE"] * 3))
            top -= 12 * mm
        canvas.setFillColor(black)
        # The code on the right, the title in what is left (a long site name was printed
        # over the code).
        canvas.setFont(FONT_BOLD, 15)
        canvas.drawRightString(left + width, top, jeton.code_court)
        title_w = width - pdfmetrics.stringWidth(jeton.code_court, FONT_BOLD, 15) - 6 * mm
        title = f"Fiche d'accueil — C.A.RE {centre.nom}"
        size = fit_size(title, 15, title_w, bold=True, minimum=10)
        draw_string(canvas, left, top, ellipsis(title, size, title_w, bold=True), size,
                    bold=True)
        canvas.setFont(FONT, 8.5)
        canvas.drawString(left, top - 5 * mm, "À remplir au stylo puis à saisir dans "
                          "l'application avec le code ci-dessus. Le badge en bas est remis "
                          "à la personne.")
        y = top - 16 * mm
        _boxes(canvas, "Catégorie :", ["Sinistré", "Impliqué", "Proche"], left, y)
        y -= 10 * mm
        for label in ("Nom :", "Prénom :", "Nom d'usage :", "Date de naissance ou âge :",
                      "Téléphone :", "Adresse actuelle :", "Adresse permanente :",
                      "Langue / interprète :", "Nationalité :", "N° SINUS (bracelet) :",
                      "Taille du groupe arrivé :", "Proche de / personne recherchée :"):
            _line(canvas, label, left, y, width)
            y -= 9 * mm
        _boxes(canvas, "Besoins :", ["Hébergement", "Vêtements", "Alimentation",
                                     "Soutien psy"], left, y)
        y -= 7 * mm
        _boxes(canvas, "", ["Aide juridique", "Médicaments", "Animal"], left + 16 * mm, y)
        y -= 9 * mm
        _boxes(canvas, "Accepte :", ["d'être signalé(e) à ses proches",
                                     "la transmission à la CIAV"], left, y)
        y -= 9 * mm
        _line(canvas, "Notes :", left, y, width)
        _line(canvas, "", left, y - 8 * mm, width)
        # The badge to cut out, at the bottom of the sheet.
        bx, by = (PAGE_W - BADGE_W) / 2, 12 * mm
        canvas.setStrokeColor(black)
        canvas.setDash(4, 3)
        canvas.rect(bx, by, BADGE_W, BADGE_H, stroke=1, fill=0)
        canvas.setDash()
        canvas.setFont(FONT, 7)
        canvas.drawString(bx, by + BADGE_H + 1.5 * mm, "✂ Badge à découper et à remettre")
        pad = 4 * mm
        draw_qr(canvas, jeton.token, bx + BADGE_W - pad - 30 * mm, by + pad, 30 * mm)
        draw_string(canvas, bx + pad, by + BADGE_H - pad - 5 * mm,
                    ellipsis(exercice_label(f"C.A.RE {centre.nom}", exercice), 11,
                             BADGE_W - 2 * pad, bold=True), 11, bold=True)
        _line(canvas, "Nom :", bx + pad, by + BADGE_H - pad - 15 * mm, 50 * mm)
        _boxes(canvas, "", ["S", "I", "P"], bx + pad - 3 * mm, by + BADGE_H - pad - 25 * mm)
        canvas.setFont(FONT_BOLD, 20)
        canvas.drawString(bx + pad, by + pad + 2 * mm, jeton.code_court)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
