"""Badges: render the PDF like a printer would, decode the QR codes back to the tokens."""

import subprocess

import sqlalchemy as sa

from crise.audit.models import AuditEntry
from crise.auth.models import User
from crise.care import services
from crise.care.models import CentreAccueil, Personne
from crise.care.services import PersonneData
from crise.extensions import db
from tests.conftest import decode_qr, pdf_text, render


def register_household(app, centre, agent, names):
    with app.app_context():
        people, _ = services.enregistrer(
            db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id),
            [PersonneData(nom=n, prenom=p, categorie=c) for n, p, c in names])
        db.session.commit()
        return [p.id for p in people]


def test_household_badges_decode_to_their_tokens_only(app, create_centre, create_user,
                                                      tmp_path):
    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    ids = register_household(app, centre, agent, [
        ("Lefèvre", "Hélène", "sinistre"), ("Lefèvre", "Zoé", "sinistre"),
        ("N'Guessan", "Noël", "proche")])
    with app.app_context():
        people = db.session.scalars(sa.select(Personne).where(Personne.id.in_(ids))).all()
        pdf = services.badges(db.session.get(User, agent.id),
                              db.session.get(CentreAccueil, centre.id), people, what="foyer")
        tokens = sorted(p.badge_token for p in people)
        codes = [p.code_court for p in people]
    assert pdf.startswith(b"%PDF")
    decoded = decode_qr(render(pdf, tmp_path))
    assert decoded == tokens
    assert not any("Lef" in value or "Guessan" in value for value in decoded)
    text = pdf_text(pdf, tmp_path)
    assert "LEFÈVRE" in text and "Hélène" in text and "N'GUESSAN" in text
    assert all(code in text for code in codes)
    assert "SINISTRÉ" in text and "PROCHE" in text and "EXERCICE" not in text


def test_exercise_badges_say_exercice(app, create_centre, create_user, tmp_path):
    centre = create_centre(exercice=True)
    agent = create_user("agent_accueil", mairie="11e")
    ids = register_household(app, centre, agent, [("Martin", "Paul", "implique")])
    with app.app_context():
        pdf = services.badges(db.session.get(User, agent.id),
                              db.session.get(CentreAccueil, centre.id),
                              [db.session.get(Personne, ids[0])], what="badge")
    text = pdf_text(pdf, tmp_path)
    assert "EXERCICE" in text and "IMPLIQUÉ" in text


def test_nine_badges_make_two_pages(app, create_centre, create_user, tmp_path):
    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    register_household(app, centre, agent, [(f"Nom{i}", "", "sinistre") for i in range(9)])
    with app.app_context():
        people = services.present_people(db.session.get(CentreAccueil, centre.id))
        pdf = services.badges(db.session.get(User, agent.id),
                              db.session.get(CentreAccueil, centre.id), people, what="liste")
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    assert b"Pages:           2" in info
    assert len(decode_qr(render(pdf, tmp_path, page=1))) == 8
    assert len(decode_qr(render(pdf, tmp_path, page=2))) == 1


def test_badge_printing_is_audited(app, create_centre, create_user):
    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    ids = register_household(app, centre, agent, [("Martin", "", "sinistre")])
    with app.app_context():
        services.badges(db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id),
                        [db.session.get(Personne, ids[0])], what="badge individuel")
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "export"))
        assert entry.actor_email == agent.email and "Badges imprimés" in entry.summary


NAMES = [("王", "伟", "sinistre"), ("Иванов", "Сергей", "sinistre"),
         ("محمد", "العلي", "implique"), ("כהן", "ישראל", "proche"), ("김", "민준", "proche"),
         ("Nguyễn", "Văn Thành", "sinistre"), ("ቢቂላ", "አበበ", "implique")]


def test_badges_print_every_script_with_real_glyphs(app, create_centre, create_user,
                                                    tmp_path):
    """Chinese printed as empty boxes, Arabic as separated, reversed letters. Every
    character now has a glyph in a font embedded in the PDF, Arabic and Hebrew are drawn
    right to left, and the text reads back."""
    from crise import pdftext

    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    ids = register_household(app, centre, agent, NAMES)
    with app.app_context():
        people = db.session.scalars(sa.select(Personne).where(Personne.id.in_(ids))).all()
        pdf = services.badges(db.session.get(User, agent.id),
                              db.session.get(CentreAccueil, centre.id), people, what="foyer")
        tokens = sorted(p.badge_token for p in people)
    # Every character of every name has a glyph in the font chosen for it.
    pdftext.register_fonts()
    from reportlab.pdfbase import pdfmetrics
    for nom, prenom, _ in NAMES:
        for text, bold in ((nom.upper(), True), (prenom, False)):
            for font, piece in pdftext.runs(text, bold):
                face = pdfmetrics.getFont(font).face
                assert all(ord(c) in face.charToGlyph for c in piece.strip()), (font, piece)
    # Those fonts are embedded in the PDF (no download, no font of the printer).
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout
    for name in ("DroidSansFallback", "NotoNaskhArabic", "NotoSansHebrew", "NanumGothic",
                 "NotoSansEthiopic", "DejaVuSans"):
        line = next(line for line in fonts.splitlines() if f"+{name}" in line)
        assert " yes " in line  # embedded
    text = pdf_text(pdf, tmp_path)
    for expected in ("王", "伟", "ИВАНОВ", "Сергей", "김", "민준", "NGUYỄN", "Văn Thành",
                     "ቢቂላ"):
        assert expected in text, expected
    # Right to left: read back in visual order, the Arabic and Hebrew letters come last
    # first (left to right on paper); drawn left to right, they would read « محمد ».
    assert "دمحم" in text and "ןהכ" in text
    assert decode_qr(render(pdf, tmp_path)) == tokens


def test_runs_put_rtl_words_in_visual_order_and_each_character_in_a_font():
    from crise import pdftext

    assert [piece for _, piece in pdftext.runs("محمد العلي")] == ["العلي", " ", "محمد"]
    pieces = pdftext.runs("Dupont محمد 12")
    assert pieces[0] == ("DejaVuSans", "Dupont ") and pieces[-1][1].strip() == "12"
    assert {font for font, _ in pdftext.runs("王伟 Иванов")} == {"DroidSansFallback",
                                                                "DejaVuSans"}
    assert pdftext.needs_shaping("محمد") and not pdftext.needs_shaping("王伟 Иванов")


def test_the_fast_qr_encoder_gives_the_packages_matrix_for_every_length():
    """crise.care.qr precomputes what a token does not change; the codes it gives are the
    ones the qrcode package builds module by module (byte mode, level M, mask 2), from an
    empty token to one past the precomputed versions."""
    import random

    import qrcode

    from crise.care.qr import matrice

    rng = random.Random(7)
    for longueur in [*range(0, 200), 22, 22, 43]:
        token = "".join(rng.choice("aZ09-_éж王") for _ in range(longueur))
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0,
                             mask_pattern=2)
        code.add_data(qrcode.util.QRData(token.encode(), mode=qrcode.util.MODE_8BIT_BYTE))
        code.make(fit=True)
        assert matrice(token) == code.get_matrix(), longueur


def test_badges_are_built_before_their_audit_entry_takes_the_writer(
        app, create_centre, create_user, monkeypatch):
    """1,000 badges take half a second: built while the audit entry's write held SQLite's
    only writer, every desk of the city would wait for them."""
    from crise.care.services import documents
    from tests.conftest import construit_sans_ecrire

    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    ids = register_household(app, centre, agent, [("Trần", "Thị Mai", "sinistre"),
                                                  ("Trần", "Văn Hùng", "implique")])
    constats = []
    monkeypatch.setattr(documents, "badges_pdf",
                        construit_sans_ecrire(documents.badges_pdf, constats))
    with app.app_context():
        pdf = services.badges(db.session.get(User, agent.id),
                              db.session.get(CentreAccueil, centre.id),
                              [db.session.get(Personne, i) for i in ids], what="foyer")
        db.session.commit()
        assert pdf.startswith(b"%PDF") and constats == [False]
        assert db.session.scalar(sa.select(AuditEntry.summary).where(
            AuditEntry.action == "export")) == "Badges imprimés (foyer, 2 personne(s))"


def test_no_name_outlives_the_badge_sheet_that_printed_it():
    """Names are measured once per sheet (a memo), and the memo goes with the sheet."""
    from types import SimpleNamespace

    from crise import pdftext
    from crise.care.pdf import badges_pdf
    from crise.db import utcnow

    seen = []
    original = pdftext._runs

    def compte(text, bold):
        seen.append(text)
        return original(text, bold)

    pdftext._runs = compte
    try:
        centre = SimpleNamespace(nom="Gymnase Japy")
        badges_pdf([SimpleNamespace(nom="Иванова", prenom="Светлана", categorie="sinistre",
                                    badge_token="t" * 22, code_court="K7M-4QX",
                                    centre=centre, created_at=utcnow())], exercice=False)
    finally:
        pdftext._runs = original
    assert seen.count("ИВАНОВА") == 1  # measured at several sizes, worked out once
    assert getattr(pdftext._memoire, "runs", None) is None
    assert "ИВАНОВА" not in repr(vars(pdftext._memoire))
