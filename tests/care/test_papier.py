"""Paper intake sheets: pre-printed badges that stay valid once the sheet is typed in."""

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.care import services
from crise.care.models import CentreAccueil, JetonPapier, Personne
from crise.care.services import PersonneData
from crise.errors import ServiceError
from crise.extensions import db
from tests.conftest import decode_qr, pdf_text, render


def test_sheets_print_tokens_that_scan_and_register_once(app, create_centre, create_user,
                                                         tmp_path):
    centre = create_centre()
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        user, c = db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id)
        pdf = services.imprimer_feuilles(user, c, 2)
        db.session.commit()
        jetons = db.session.scalars(sa.select(JetonPapier)).all()
        assert len(jetons) == 2
    assert decode_qr(render(pdf, tmp_path, page=1)) in ([jetons[0].token], [jetons[1].token])
    text = pdf_text(pdf, tmp_path)
    assert "Fiche d'accueil" in text and jetons[0].code_court in text
    with app.app_context():
        user, c = db.session.get(User, agent.id), db.session.get(CentreAccueil, centre.id)
        (personne,), _ = services.enregistrer(
            user, c, [PersonneData(nom="Papier", categorie="sinistre")],
            jeton_papier=jetons[0].code_court.lower().replace("-", ""))
        assert personne.badge_token == jetons[0].token
        assert personne.code_court == jetons[0].code_court
        db.session.commit()
        with pytest.raises(ServiceError, match="déjà été saisie"):
            services.enregistrer(user, c, [PersonneData(nom="Encore", categorie="sinistre")],
                                 jeton_papier=jetons[0].token)
        with pytest.raises(ServiceError, match="inconnu"):
            services.enregistrer(user, c, [PersonneData(nom="X", categorie="sinistre")],
                                 jeton_papier="ZZZ-ZZZ")
        assert services.find_by_code(user, jetons[0].token).nom == "Papier"


def test_a_sheet_of_another_mairie_is_refused(app, create_centre, create_user,
                                              create_evenement):
    evenement = create_evenement(mairies=("11e", "12e"))
    centre_11 = create_centre(mairie="11e", evenement=evenement)
    centre_12 = create_centre(mairie="12e", evenement=evenement, nom="École Bercy")
    agent_11 = create_user("agent_accueil", mairie="11e")
    agent_12 = create_user("agent_accueil", mairie="12e")
    with app.app_context():
        services.imprimer_feuilles(db.session.get(User, agent_12.id),
                                   db.session.get(CentreAccueil, centre_12.id), 1)
        db.session.commit()
        code = db.session.scalar(sa.select(JetonPapier.code_court))
        # Answered as an unknown code: the 12e's sheet is none of the 11e's business.
        with pytest.raises(ServiceError, match="Code de fiche papier inconnu"):
            services.enregistrer(db.session.get(User, agent_11.id),
                                 db.session.get(CentreAccueil, centre_11.id),
                                 [PersonneData(nom="X", categorie="sinistre")], jeton_papier=code)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(Personne.id))) == 0


def test_sheets_through_the_web(app, client, login_as, create_centre):
    centre = create_centre()
    login_as("agent_accueil", mairie="11e")
    # A GET creates nothing (a link from another site cannot print 200 codes).
    assert client.get(f"/care/{centre.id}/fiches-papier.pdf?nombre=3").status_code == 405
    with client.post(f"/care/{centre.id}/fiches-papier.pdf", data={"nombre": 3}) as response:
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    response = client.post(f"/care/{centre.id}/fiches-papier.pdf", data={"nombre": 500},
                           follow_redirects=True)
    assert "De 1 à 200 fiches à la fois." in response.get_data(as_text=True)
    with app.app_context():
        code = db.session.scalar(sa.select(JetonPapier.code_court))
    response = client.post(f"/care/{centre.id}/enregistrer", data={
        "membres-0-nom": "Depuis Papier", "membres-0-categorie": "proche",
        "taille_groupe": "1", "jeton_papier": code})
    assert response.status_code == 302
    html = client.post(f"/care/{centre.id}/enregistrer", data={
        "membres-0-nom": "Deux Fois", "membres-0-categorie": "proche",
        "taille_groupe": "1", "jeton_papier": code}).get_data(as_text=True)
    assert "Cette fiche papier a déjà été saisie" in html and 'value="Deux Fois"' in html


def test_a_long_site_name_never_covers_the_code(app, create_centre, create_user, tmp_path):
    """The title with a long default site name was printed over the sheet's code."""
    import re
    import subprocess

    centre = create_centre(nom="Gymnase municipal Jean-Pierre Timbaud — salle polyvalente "
                               "du 11e arrondissement")
    agent = create_user("agent_accueil", mairie="11e")
    with app.app_context():
        pdf = services.imprimer_feuilles(db.session.get(User, agent.id),
                                         db.session.get(CentreAccueil, centre.id), 1)
        code = db.session.scalar(sa.select(JetonPapier.code_court))
    path = tmp_path / "f.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    boxes = [(float(a), float(b), word) for a, b, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
        html)]
    code_box = next(box for box in boxes if box[2] == code)
    title_line = [box for box in boxes if box[0] < code_box[0] and box[2] in (
        "Fiche", "d'accueil", "C.A.RE", "Gymnase")]
    assert title_line
    rightmost = max(box[1] for box in boxes[:boxes.index(code_box)])
    assert rightmost < code_box[0]  # the title stops before the code begins
