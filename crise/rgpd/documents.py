"""The answer to a right of access, as a PDF: every section of what is held, in any script."""

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from crise.exports import numbered_canvas, paragraph
from crise.pdftext import FONT, FONT_BOLD, register_fonts

LARGEUR = 180 * mm


def _texte(valeur) -> str:
    if valeur is None or valeur == "" or valeur == []:
        return "—"
    if isinstance(valeur, list):
        return ", ".join(str(v) for v in valeur)
    return str(valeur)


def _cles_valeurs(donnees: dict, styles) -> Table:
    lignes = [[paragraph(cle, styles["cle"], bold=True), paragraph(_texte(v), styles["val"])]
              for cle, v in donnees.items() if not isinstance(v, (dict, list)) or
              (isinstance(v, list) and all(not isinstance(x, dict) for x in v))]
    table = Table(lignes, colWidths=[55 * mm, LARGEUR - 55 * mm])
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#D0D4DA")),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("TOPPADDING", (0, 0), (-1, -1), 2)])
    return table


def _liste(lignes: list[dict], styles) -> list:
    if not lignes:
        return [Paragraph("Aucun.", styles["val"])]
    story = []
    for ligne in lignes:
        story.append(KeepTogether([_cles_valeurs(ligne, styles), Spacer(1, 1.5 * mm)]))
    return story


def reponse_pdf(contenu: dict, titre: str) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=16 * mm, title=titre,
                            author="Ville de Paris — gestion de crise")
    styles = {
        "h1": ParagraphStyle("h1", fontName=FONT_BOLD, fontSize=15, leading=19),
        "h2": ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=12, leading=15,
                             spaceBefore=8, spaceAfter=3),
        "h3": ParagraphStyle("h3", fontName=FONT_BOLD, fontSize=10, leading=13,
                             spaceBefore=5, spaceAfter=2),
        "cle": ParagraphStyle("cle", fontName=FONT, fontSize=8.5, leading=11),
        "val": ParagraphStyle("val", fontName=FONT, fontSize=8.5, leading=11),
    }
    story = [paragraph(titre, styles["h1"], bold=True), Spacer(1, 2 * mm),
             _cles_valeurs(contenu["Demande"], styles),
             Paragraph(f"Responsable du traitement : {contenu['Responsable du traitement']}. "
                       f"Édité le {contenu['Édité le']}.", styles["val"])]
    for fiche in contenu["Fiches"]:
        story.append(paragraph(f"Fiche {fiche['Fiche']} — {fiche['Événement']}",
                               styles["h2"], bold=True))
        story.append(Paragraph(f"Enregistrée le {fiche['Enregistrée le']}", styles["val"]))
        for section, valeur in fiche.items():
            if section in ("Fiche", "Événement", "Enregistrée le"):
                continue
            story.append(paragraph(section, styles["h3"], bold=True))
            if valeur is None:
                story.append(Paragraph("Aucun.", styles["val"]))
            elif isinstance(valeur, dict):
                story.append(_cles_valeurs(valeur, styles))
                for cle, sous in valeur.items():
                    if isinstance(sous, list) and sous and isinstance(sous[0], dict):
                        story.append(paragraph(cle, styles["cle"], bold=True))
                        story.extend(_liste(sous, styles))
                    elif isinstance(sous, dict):
                        story.append(paragraph(cle, styles["cle"], bold=True))
                        story.append(_cles_valeurs(sous, styles))
                        for k, v in sous.items():
                            if isinstance(v, list) and v and isinstance(v[0], dict):
                                story.extend(_liste(v, styles))
            else:
                story.extend(_liste(valeur, styles))
    doc.build(story, canvasmaker=numbered_canvas(titre))
    return buffer.getvalue()


def registre_pdf(sections, titre: str, edite: str) -> bytes:
    """The processing register, section by section."""
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=16 * mm, title=titre,
                            author="Ville de Paris — gestion de crise")
    styles = {"h1": ParagraphStyle("h1", fontName=FONT_BOLD, fontSize=15, leading=19),
              "h2": ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=11.5, leading=14,
                                   spaceBefore=8, spaceAfter=3),
              "cle": ParagraphStyle("cle", fontName=FONT, fontSize=8.5, leading=11),
              "val": ParagraphStyle("val", fontName=FONT, fontSize=8.5, leading=11)}
    story = [paragraph(titre, styles["h1"], bold=True),
             Paragraph(f"Généré par l'application le {edite}, à partir des rôles et des "
                       "règles de conservation en vigueur.", styles["val"])]
    for section in sections:
        bloc = [paragraph(section.titre, styles["h2"], bold=True)]
        if section.lignes:
            bloc.append(_cles_valeurs(dict(section.lignes), styles))
        if section.texte:
            bloc.append(Paragraph(section.texte, styles["val"]))
        story.append(KeepTogether(bloc) if len(section.lignes) < 12 else bloc[0])
        if len(section.lignes) >= 12:
            story.extend(bloc[1:])
    doc.build(story, canvasmaker=numbered_canvas(titre))
    return buffer.getvalue()
