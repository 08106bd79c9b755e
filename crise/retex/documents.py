"""The RETEX as documents: a PDF to circulate (cover, EXERCICE marking, table of contents,
page numbers, the charts) and a DOCX that people rework in a word processor.

Both are laid out from one outline (``plan_du_document``): a list of blocks (headings,
paragraphs, tables, charts) in the document's order, so that the PDF and the DOCX never
say different things.
"""

import io
from dataclasses import dataclass
from datetime import datetime

from crise.exercices.models import ECHELLE_A_CHAUD, NOTES_GRILLE
from crise.formatting import exercice_label, format_datetime, format_duree
from crise.retex import graphiques
from crise.retex.brouillon import Brouillon
from crise.retex.services import sections
from crise.text import clean

AUTEUR = "Ville de Paris — gestion de crise"
TRANCHE = 40  # rows per slice of a long table in the PDF


@dataclass
class Bloc:
    genre: str  # « titre », « sous_titre », « texte », « table », « graphique », « puces »
    texte: str = ""
    lignes: list | None = None  # a table's rows (the first is its header), a list's items
    largeurs: tuple = ()  # a table's column widths, in parts of the page
    graphique: object = None


def _valeur(value) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    return "—" if value in (None, "") else str(value)


def _deux_heures(b: Brouillon, at, scenario_at) -> str:
    texte = format_datetime(at)
    if b.exercice is not None:
        texte += f"\n{b.relatif(scenario_at) or '—'}"
    return texte


def titre_document(b: Brouillon) -> str:
    return exercice_label(f"Retour d'expérience — {b.evenement.titre}", b.evenement.exercice)


def plan_du_document(b: Brouillon, ecrit: dict) -> list[Bloc]:
    """The document's blocks, in order, from the generated draft and what people wrote."""
    textes = {cle: s.texte for cle, s in ecrit["sections"].items()}
    titres = sections(b.evenement)
    blocs: list[Bloc] = []

    def section(cle, *, titre=True):
        """A written section; one left empty is not printed (a circulated document says
        nothing rather than « to be written »)."""
        if not textes.get(cle):
            if not titre:
                blocs.append(Bloc("texte", "—"))
            return
        if titre:
            blocs.append(Bloc("sous_titre", titres[cle]))
        blocs.append(Bloc("texte", textes[cle]))

    blocs.append(Bloc("titre", "1. Synthèse"))
    section("synthese", titre=False)

    blocs.append(Bloc("titre", "2. Contexte et participants"))
    blocs.append(Bloc("table", lignes=[["", ""]] + [[k, _valeur(v)] for k, v in b.contexte],
                      largeurs=(0.28, 0.72)))
    if b.participants:
        blocs.append(Bloc("sous_titre", "Participants"))
        blocs.append(Bloc("table", lignes=[["Rôle et mairie", "Nombre"]] + [
            [qui, str(n)] for qui, n in b.participants], largeurs=(0.8, 0.2)))
    blocs.append(Bloc("sous_titre", "Chiffres clés"))
    blocs.append(Bloc("table", lignes=[["Indicateur", "Valeur"]] + [
        [k, str(v)] for k, v in b.chiffres], largeurs=(0.7, 0.3)))

    blocs.append(Bloc("titre", "3. Objectifs et analyse"))
    if b.exercice is not None:
        for objectif in b.objectifs:
            _objectif(blocs, b, objectif, section)
        if b.notes_generales:
            blocs.append(Bloc("sous_titre", "Notes des observateurs sur l'ensemble de "
                                            "l'exercice"))
            blocs.append(Bloc("puces", lignes=[_note(b, n) for n in b.notes_generales]))
    else:
        section("forts")
        section("axes")
    graphs = {g.titre: g for g in graphiques.graphiques(b)}

    blocs.append(Bloc("titre", "4. Délais mesurés"))
    if "Délais mesurés et objectifs" in graphs:
        blocs.append(Bloc("graphique", graphique=graphs["Délais mesurés et objectifs"]))
    if b.delais:
        blocs.append(Bloc("table", lignes=[["Quoi", "Délai", "Objectif", "Constat"]] + [
            [f"{d.libelle} ({d.depuis}" + ((", heure du scénario)" if d.horloge == "scénario"
                                            else ", temps réel de jeu)") if b.exercice
                                           else ")"),
             format_duree(d.mesure) if d.mesure is not None else "non réalisé",
             format_duree(d.cible) if d.cible is not None else "—", d.verdict or "—"]
            for d in b.delais], largeurs=(0.55, 0.13, 0.13, 0.19)))
    else:
        blocs.append(Bloc("texte", "Aucun délai mesuré."))

    blocs.append(Bloc("titre", "5. Activité"))
    for titre, graphique in graphs.items():
        if titre != "Délais mesurés et objectifs":
            blocs.append(Bloc("graphique", graphique=graphique))
    if not graphs:
        blocs.append(Bloc("texte", "Aucune activité enregistrée."))

    n = 6
    if b.a_chaud is not None:
        _a_chaud(blocs, b.a_chaud, n)
        n += 1

    blocs.append(Bloc("titre", f"{n}. Constats et préconisations"))
    if not ecrit["preconisations"]:
        blocs.append(Bloc("texte", "(aucune préconisation)"))
    for p in ecrit["preconisations"]:
        blocs.append(Bloc("sous_titre", f"Préconisation n° {p.numero}"
                          + (f" ({p.objectif})" if p.objectif else "")))
        if p.constat:
            blocs.append(Bloc("texte", f"Constat : {p.constat}"))
        blocs.append(Bloc("texte", f"Préconisation : {p.texte}"))
        if p.actions:
            blocs.append(Bloc("table", lignes=[["Action", "Porteur", "Échéance", "Statut"]] + [
                [a.action, a.porteur, a.echeance.strftime("%d/%m/%Y"), a.statut_label]
                for a in p.actions], largeurs=(0.46, 0.26, 0.13, 0.15)))

    if b.retests:
        blocs.append(Bloc("sous_titre", "Actions du plan re-testées par cet exercice"))
        blocs.append(Bloc("puces", lignes=[f"Action n° {fiche.id} — {fiche.action} ({libelle}) "
                                           f": {res}" for fiche, libelle, res in b.retests]))

    blocs.append(Bloc("titre", f"{n + 1}. Conclusion"))
    section("conclusion", titre=False)

    blocs.append(Bloc("titre", "Annexe — Chronologie"))
    entete = ["Heure" + (" (réelle / scénario)" if b.exercice else ""), "Quoi", "Qui", "Détail"]
    blocs.append(Bloc("table", lignes=[entete] + [
        [_deux_heures(b, ligne.at, ligne.scenario_at), ligne.genre_label, ligne.qui,
         ligne.texte + (f" — {ligne.etat}" if ligne.etat else "")]
        for ligne in b.chronologie], largeurs=(0.15, 0.13, 0.2, 0.52)))
    if b.omises:
        blocs.append(Bloc("texte", f"{b.omises} entrée(s) d'information de la main courante, "
                                   "de priorité normale, ne sont pas reprises ici : elles sont "
                                   "comptées dans l'activité par heure et restent dans la main "
                                   "courante."))
    return blocs


def _objectif(blocs, b, objectif, section) -> None:
    blocs.append(Bloc("sous_titre", f"{objectif.id} — {objectif.libelle}"))
    if objectif.cible:
        blocs.append(Bloc("texte", f"Cible : {objectif.cible}"))
    if objectif.attendus_liste:
        blocs.append(Bloc("table", lignes=[["Action attendue", "Qui", "Issue"]] + [
            [a.action, qui, etat] for a, qui, etat in objectif.attendus_liste],
            largeurs=(0.5, 0.3, 0.2)))
    if objectif.grille:
        lignes = [["Grille", "Critère", "Notes", "Commentaires"]]
        for item in objectif.grille:
            notes = ", ".join(f"{n} × {k}" for k, n in item["notes"].items()) or "—"
            commentaires = "\n".join(f"{e.note} ({e.observateur_nom}) : {e.commentaire}"
                                     for e in item["evaluations"] if e.commentaire)
            lignes.append([item["id"], item["critere"], notes, commentaires])
        blocs.append(Bloc("table", lignes=lignes, largeurs=(0.1, 0.35, 0.15, 0.4)))
        blocs.append(Bloc("texte", legende_grille()))
    if objectif.notes:
        blocs.append(Bloc("puces", lignes=[_note(b, n) for n in objectif.notes]))
    section(f"objectif:{objectif.id}:forts")
    section(f"objectif:{objectif.id}:axes")


def _note(b, n) -> str:
    return (f"{format_datetime(n.ecrit_at)}"
            + (f" ({b.relatif(n.scenario_at)})" if n.scenario_at else "")
            + f" — {n.auteur_nom}" + (f", {n.mairie.nom_court}" if n.mairie else "")
            + f" : {n.texte}")


def _a_chaud(blocs, a_chaud: dict, n: int) -> None:
    blocs.append(Bloc("titre", f"{n}. RETEX à chaud"))
    blocs.append(Bloc("texte", f"{a_chaud['repondu']} réponse(s) sur {a_chaud['joueurs']} "
                               "joueur(s)" + (", anonymes." if a_chaud["anonyme"] else ".")))
    for question, reponses in a_chaud["questions"].items():
        blocs.append(Bloc("sous_titre", question))
        blocs.append(Bloc("puces", lignes=[f"{qui} : {texte}" for qui, texte in reponses]
                          or ["(aucune réponse)"]))
    if a_chaud["categories"]:
        blocs.append(Bloc("table", lignes=[["Catégorie"] + list(ECHELLE_A_CHAUD.values())
                                           + ["Moyenne"]] + [
            [cat] + [str(v["compte"][n]) for n in ECHELLE_A_CHAUD]
            + [str(v["moyenne"]).replace(".", ",") if v["moyenne"] is not None else "—"]
            for cat, v in a_chaud["categories"].items()],
            largeurs=(0.3, 0.14, 0.14, 0.14, 0.14, 0.14)))


def legende_grille() -> str:
    return " ; ".join(f"{k} : {v}" for k, v in NOTES_GRILLE.items())


# --- PDF ---------------------------------------------------------------------------------

def pdf(b: Brouillon, ecrit: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (BaseDocTemplate, Frame, PageBreak, PageTemplate,
                                    Paragraph, Spacer, Table, TableStyle)
    from reportlab.platypus.tableofcontents import TableOfContents

    from crise.exports import numbered_canvas, paragraph
    from crise import pdftext
    from crise.pdftext import FONT, FONT_BOLD, register_fonts

    register_fonts()
    buffer = io.BytesIO()
    titre = titre_document(b)
    exercice = b.evenement.exercice

    class Document(BaseDocTemplate):
        def afterFlowable(self, flowable):
            niveau = getattr(flowable, "_niveau_sommaire", None)
            if niveau is not None:
                self.notify("TOCEntry", (niveau, flowable.getPlainText(), self.page))

    doc = Document(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                   topMargin=18 * mm, bottomMargin=16 * mm, title=clean(titre), author=AUTEUR)
    largeur = doc.width

    def bandeau(canvas, _doc):
        if exercice:
            canvas.saveState()
            canvas.setFillColor(colors.HexColor("#FFCC00"))
            canvas.rect(0, A4[1] - 10 * mm, A4[0], 10 * mm, stroke=0, fill=1)
            canvas.setFillColor(colors.black)
            canvas.setFont(FONT_BOLD, 11)
            canvas.drawCentredString(A4[0] / 2, A4[1] - 7 * mm, "EXERCICE — EXERCICE — EXERCICE")
            canvas.restoreState()

    doc.addPageTemplates([PageTemplate("page", [Frame(doc.leftMargin, doc.bottomMargin,
                                                      doc.width, doc.height, id="f")],
                                       onPage=bandeau)])
    corps = ParagraphStyle("corps", fontName=FONT, fontSize=9.5, leading=13, spaceAfter=4)
    legende = ParagraphStyle("legende", fontName=FONT, fontSize=8, leading=10, alignment=1,
                             spaceAfter=8, textColor=colors.HexColor("#444444"))
    cellule = ParagraphStyle("cellule", fontName=FONT, fontSize=7.5, leading=9.5)
    def texte_cellule(texte, largeur_colonne):
        """A cell: Latin text laid out by hand (a long chronologie stays fast), any other
        script as a Paragraph (runs of fonts, Arabic joined)."""
        lignes = pdftext.latin_lines(clean(texte), cellule.fontSize, largeur_colonne - 6)
        return "\n".join(lignes) if lignes is not None else paragraph(texte, cellule)

    h1 = ParagraphStyle("h1", fontName=FONT_BOLD, fontSize=14, leading=18, spaceBefore=10,
                        spaceAfter=6, textColor=colors.HexColor("#1f3a5f"))
    h2 = ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=8,
                        spaceAfter=4)
    story = [Spacer(1, 40 * mm)]
    if exercice:
        story.append(Paragraph("EXERCICE", ParagraphStyle(
            "x", fontName=FONT_BOLD, fontSize=28, leading=34, alignment=1,
            backColor=colors.HexColor("#FFCC00"), borderPadding=8)))
        story.append(Spacer(1, 12 * mm))
    story.append(paragraph("Retour d'expérience", ParagraphStyle(
        "c1", fontName=FONT_BOLD, fontSize=24, leading=30, alignment=1), bold=True))
    story.append(Spacer(1, 6 * mm))
    story.append(paragraph(b.evenement.titre, ParagraphStyle(
        "c2", fontName=FONT_BOLD, fontSize=16, leading=21, alignment=1), bold=True))
    story.append(Spacer(1, 10 * mm))
    retex = ecrit["retex"]
    for ligne in (f"{b.evenement.type_label} — {'exercice' if exercice else 'crise réelle'}",
                  f"Survenu le {format_datetime(b.evenement.survenu_at)}",
                  f"Document édité le {format_datetime(b.genere_at)}"
                  + (f" — version n° {retex.revision}" if retex else " — brouillon non modifié"),
                  AUTEUR):
        story.append(paragraph(ligne, ParagraphStyle("c3", fontName=FONT, fontSize=11,
                                                     leading=16, alignment=1)))
    story.append(PageBreak())
    sommaire = TableOfContents()
    sommaire.levelStyles = [ParagraphStyle("toc1", fontName=FONT, fontSize=10, leading=14),
                            ParagraphStyle("toc2", fontName=FONT, fontSize=9, leading=12,
                                           leftIndent=12)]
    story += [Paragraph("Sommaire", h1), sommaire, PageBreak()]
    for bloc in plan_du_document(b, ecrit):
        if bloc.genre in ("titre", "sous_titre"):
            p = paragraph(bloc.texte, h1 if bloc.genre == "titre" else h2, bold=True)
            p._niveau_sommaire = 0 if bloc.genre == "titre" else 1
            story.append(p)
        elif bloc.genre == "texte":
            story.append(paragraph(bloc.texte, corps))
        elif bloc.genre == "puces":
            for item in bloc.lignes:
                story.append(paragraph("• " + item, corps))
        elif bloc.genre == "graphique":
            story.append(graphiques.dessin(bloc.graphique, largeur))
            story.append(paragraph(bloc.graphique.titre, legende))
        elif bloc.genre == "table":
            entete, *rows = bloc.lignes
            tete = [[paragraph(c, cellule, bold=True) for c in entete]] if any(entete) else []
            style = TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("FONT", (0, 0), (-1, -1), FONT, cellule.fontSize, cellule.leading),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
                + ([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6E9EE"))]
                   if tete else []))
            # In slices: a table split over many pages measures its remaining rows again
            # at each page (quadratic); slices of a page or so are measured once.
            largeurs = [largeur * w for w in bloc.largeurs]
            for debut in range(0, max(len(rows), 1), TRANCHE):
                data = tete + [[texte_cellule(c, largeurs[j]) for j, c in enumerate(row)]
                               for row in rows[debut:debut + TRANCHE]]
                if not data:
                    continue
                table = Table(data, colWidths=largeurs,
                              repeatRows=1 if tete else 0, splitInRow=1)
                table.setStyle(style)
                story.append(table)
            story.append(Spacer(1, 3 * mm))
    doc.multiBuild(story, canvasmaker=numbered_canvas(clean(titre)))
    return buffer.getvalue()


# --- DOCX --------------------------------------------------------------------------------

def docx(b: Brouillon, ecrit: dict) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt, RGBColor

    document = Document()
    document.core_properties.title = clean(titre_document(b))
    document.core_properties.author = AUTEUR
    styles = document.styles
    styles["Normal"].font.name = "DejaVu Sans"
    styles["Normal"].font.size = Pt(10)
    exercice = b.evenement.exercice
    section = document.sections[0]
    if exercice:
        entete = section.header.paragraphs[0]
        entete.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = entete.add_run("EXERCICE — EXERCICE — EXERCICE")
        run.bold = True
        run.font.color.rgb = RGBColor(0x80, 0x50, 0x00)
    pied = section.footer.paragraphs[0]
    pied.text = clean(titre_document(b))

    if exercice:
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run("EXERCICE")
        run.bold, run.font.size = True, Pt(28)
    document.add_heading("Retour d'expérience", level=0)
    document.add_paragraph(clean(b.evenement.titre)).runs[0].bold = True
    retex = ecrit["retex"]
    document.add_paragraph(
        f"{b.evenement.type_label} — {'exercice' if exercice else 'crise réelle'} — survenu le "
        f"{format_datetime(b.evenement.survenu_at)}. Document édité le "
        f"{format_datetime(b.genere_at)}"
        + (f", version n° {retex.revision}." if retex else ", brouillon non modifié."))
    blocs = plan_du_document(b, ecrit)
    document.add_heading("Sommaire", level=1)
    for bloc in blocs:
        if bloc.genre == "titre":
            document.add_paragraph(clean(bloc.texte), style="List Bullet")
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    for bloc in blocs:
        if bloc.genre == "titre":
            document.add_heading(clean(bloc.texte), level=1)
        elif bloc.genre == "sous_titre":
            document.add_heading(clean(bloc.texte), level=2)
        elif bloc.genre == "texte":
            document.add_paragraph(clean(bloc.texte))
        elif bloc.genre == "puces":
            for item in bloc.lignes:
                document.add_paragraph(clean(item), style="List Bullet")
        elif bloc.genre == "graphique":
            from docx.shared import Inches

            document.add_picture(io.BytesIO(graphiques.png(bloc.graphique)), width=Inches(6.3))
            document.add_paragraph(clean(bloc.graphique.titre), style="Caption")
        elif bloc.genre == "table":
            entete, *rows = bloc.lignes
            lignes = ([entete] if any(entete) else []) + rows
            if not lignes:
                continue
            table = document.add_table(rows=0, cols=len(entete))
            table.style = "Table Grid"
            table.autofit = False
            largeurs = [int(9000 * w) for w in bloc.largeurs]  # twentieths of a point
            for colonne, largeur in zip(table._tbl.tblGrid.gridCol_lst, largeurs):
                colonne.w = largeur * 635  # EMU: the grid says the widths, not equal columns
            for i, row in enumerate(lignes):
                _ligne_docx(table, row, largeurs, gras=i == 0 and any(entete),
                            entete=i == 0 and any(entete))
    sortie = io.BytesIO()
    document.save(sortie)
    return sortie.getvalue()


def _ligne_docx(table, valeurs, largeurs, *, gras: bool, entete: bool = False) -> None:
    """One row written straight into the table's XML: python-docx's cell API walks the
    whole table for each cell (a 3,000-line chronologie took seconds). A header row is
    repeated at the top of every page the table runs onto."""
    from docx.oxml.ns import qn
    from lxml import etree

    tr = etree.SubElement(table._tbl, qn("w:tr"))
    if entete:
        etree.SubElement(etree.SubElement(tr, qn("w:trPr")), qn("w:tblHeader"))
    for valeur, largeur in zip(valeurs, largeurs):
        tc = etree.SubElement(tr, qn("w:tc"))
        tcw = etree.SubElement(etree.SubElement(tc, qn("w:tcPr")), qn("w:tcW"))
        tcw.set(qn("w:w"), str(largeur))
        tcw.set(qn("w:type"), "dxa")
        for ligne in clean(valeur).split("\n"):
            r = etree.SubElement(etree.SubElement(tc, qn("w:p")), qn("w:r"))
            if gras:
                etree.SubElement(etree.SubElement(r, qn("w:rPr")), qn("w:b"))
            t = etree.SubElement(r, qn("w:t"))
            t.text = ligne
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
