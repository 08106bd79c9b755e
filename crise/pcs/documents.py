"""The pocket directory: the operational directory on A6 pages, grouped by function, for
the night the network is down (the degraded mode)."""

import io
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from crise.exports import numbered_canvas, paragraph
from crise.formatting import format_date, format_datetime
from crise.pcs.models import FONCTIONS
from crise.pdftext import FONT, FONT_BOLD, register_fonts

A6 = (105 * mm, 148 * mm)


def annuaire_poche_pdf(contacts, *, titre: str, now: datetime) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A6, leftMargin=6 * mm, rightMargin=6 * mm,
                            topMargin=7 * mm, bottomMargin=11 * mm, title=titre,
                            author="Ville de Paris — gestion de crise")
    h1 = ParagraphStyle("h1", fontName=FONT_BOLD, fontSize=11, leading=13)
    petit = ParagraphStyle("p", fontName=FONT, fontSize=6.5, leading=8)
    fonction = ParagraphStyle("f", fontName=FONT_BOLD, fontSize=8, leading=10,
                              backColor=colors.HexColor("#E6E9EE"), borderPadding=1.5,
                              spaceBefore=4, spaceAfter=2)
    nom = ParagraphStyle("n", fontName=FONT_BOLD, fontSize=7.5, leading=9)
    tel = ParagraphStyle("t", fontName=FONT_BOLD, fontSize=10, leading=12)
    story = [paragraph(titre, h1, bold=True),
             Paragraph(f"Édité le {format_datetime(now)}. « à vérifier » : pas vérifié depuis "
                       "six mois.", petit), Spacer(1, 2 * mm)]
    par_fonction: dict[str, list] = {}
    for contact in contacts:
        par_fonction.setdefault(contact.fonction, []).append(contact)
    for code, label in FONCTIONS.items():
        if code not in par_fonction:
            continue
        story.append(Paragraph(label, fonction))
        for c in par_fonction[code]:
            lignes = [paragraph(c.nom + (f" — {c.organisme}" if c.organisme else ""), nom,
                                bold=True),
                      Paragraph(c.telephone + (f"  ·  {c.telephone_2}" if c.telephone_2
                                               else ""), tel)]
            details = [c.horaires, c.mairie.nom_court if c.mairie else "Ville",
                       ("à vérifier" if c.perime(now) else
                        f"vérifié le {format_date(c.verifie_at)}")]
            lignes.append(paragraph(" · ".join(d for d in details if d), petit))
            if c.notes:
                lignes.append(paragraph(c.notes, petit))
            lignes.append(Spacer(1, 1.5 * mm))
            story.append(KeepTogether(lignes))
    if not contacts:
        story.append(Paragraph("Aucun contact.", petit))
    doc.build(story, canvasmaker=numbered_canvas(titre))
    return buffer.getvalue()
