"""The RETEX as documents: the PDF (cover, EXERCICE marking, table of contents, page numbers,
charts, names in every script) rendered and read back; the DOCX opened by LibreOffice, as
the people who rework it will; both written by ``crise retex`` too."""

import subprocess
import zipfile
from io import BytesIO

from crise.retex import documents, services
from crise.retex.brouillon import brouillon
from tests.conftest import pdf_text, render
from tests.retex.conftest import evenement, user


def _docx_en_pdf(data: bytes, tmp_path) -> str:
    """The DOCX opened by LibreOffice headless and printed: its text as a reader sees it."""
    source = tmp_path / "retex.docx"
    source.write_bytes(data)
    profil = tmp_path / "lo-profil"
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profil}", "--headless", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(source)], capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr
    # LibreOffice without Java says so: that is the machine, not the document.
    plaintes = [l for l in result.stderr.splitlines()
                if ("Error" in l or "Warning" in l) and "javaldx" not in l]
    assert not plaintes, result.stderr
    return pdf_text((tmp_path / "retex.pdf").read_bytes(), tmp_path)


def _ecrire(app, ev_id, animateur):
    with app.app_context():
        ev = evenement(ev_id)
        services.ecrire_section(user(animateur), ev, "synthese",
                                "Exercice mené avec محمد العلي, 王伟 et Иван Петров.", 0)
        services.ecrire_preconisation(user(animateur), ev, constat="Pas de fléchage",
                                      texte="Prévoir un kit de signalétique par C.A.RE",
                                      objectif="OBJ-2")
        from crise.extensions import db

        db.session.commit()


def test_the_pdf_has_a_cover_marked_exercice_a_contents_page_numbers_and_charts(
        app, partie, animateur, tmp_path):
    _, ev_id = partie()
    _ecrire(app, ev_id, animateur)
    with app.app_context():
        ev = evenement(ev_id)
        data = documents.pdf(brouillon(ev), services.contenu(ev))
    texte = pdf_text(data, tmp_path)
    assert texte.count("EXERCICE") >= 3
    assert "Retour d'expérience" in texte and "Sommaire" in texte
    pages = texte.count("\f")
    assert f"Page 1 / {pages}" in texte and f"Page {pages} / {pages}" in texte
    # The contents give each part its page.
    sommaire = texte.split("Sommaire", 1)[1].split("\f", 1)[0]
    assert "4. Délais mesurés" in sommaire and "Annexe — Chronologie" in sommaire
    for ligne in ("Ouvrir le C.A.RE du 15e", "Prévoir un kit de signalétique par C.A.RE",
                  "Délais mesurés et objectifs", "Activité par heure", "J+1 08:24",
                  "Иван Петров", "王伟"):
        assert ligne in texte, ligne
    # The cover, looked at: a yellow EXERCICE band at the top.
    from PIL import Image

    with Image.open(render(data, tmp_path, page=1, dpi=50)) as page:
        r, g, b = page.convert("RGB").getpixel((page.width // 2, 3))
        assert r > 200 and g > 150 and b < 80


def test_the_docx_opens_in_libreoffice_with_its_text_tables_and_charts(
        app, partie, animateur, tmp_path):
    _, ev_id = partie()
    _ecrire(app, ev_id, animateur)
    with app.app_context():
        ev = evenement(ev_id)
        data = documents.docx(brouillon(ev), services.contenu(ev))
    with zipfile.ZipFile(BytesIO(data)) as archive:
        images = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert len(images) == 3  # the three charts
    texte = _docx_en_pdf(data, tmp_path)
    for ligne in ("EXERCICE", "Retour d'expérience", "Sommaire", "Ouvrir le C.A.RE du 15e",
                  "Prévoir un kit de signalétique par C.A.RE", "Иван Петров",
                  "Files d'attente dehors"):
        assert ligne in texte, ligne


def test_crise_retex_writes_both_documents_from_the_command_line(app, partie, runner,
                                                                 tmp_path):
    _, ev_id = partie()
    pdf, docx = tmp_path / "retex.pdf", tmp_path / "retex.docx"
    result = runner.invoke(args=["retex", str(ev_id), "--pdf", str(pdf), "--docx", str(docx)])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF") and zipfile.is_zipfile(docx)
    assert "Ouvrir le C.A.RE du 15e" in pdf_text(pdf.read_bytes(), tmp_path)
    result = runner.invoke(args=["retex", "999999", "--pdf", str(pdf)])
    assert result.exit_code == 1 and "Aucun événement n° 999999" in result.output
    result = runner.invoke(args=["retex", str(ev_id)])
    assert result.exit_code == 2 and "--pdf FICHIER" in result.output
