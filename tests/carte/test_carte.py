"""The situation map of an event and of the PCS: what it marks, in words and shapes, for
whom, and that it is one well-formed SVG that needs no script."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import sqlalchemy as sa

from crise.auth.models import User
from crise.care import services as care
from crise.care.models import CentreAccueil, Site
from crise.cellule import services as cellule
from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.carte import geometrie
from crise.scop import services as scop


def _svg(html: str) -> ET.Element:
    """The page's map, parsed: it must be well-formed XML."""
    corps = re.search(r"<svg class=\"carte\".*?</svg>", html, re.S).group(0)
    return ET.fromstring(corps.replace("&nbsp;", " "))


def _situation(app, create_user, create_evenement, create_centre):
    """A fire in the 11e and the 12e: a full C.A.RE in the 11e, a SCOP request in progress,
    a household asking for a roof, the cellule active since five hours (points late)."""
    resp = create_user("responsable_care", mairie="11e")
    chef = create_user("cellule", email="chef@crise.test")
    evenement = create_evenement(titre="Incendie rue Oberkampf", mairies=("11e", "12e"))
    centre = create_centre(mairie="11e", evenement=evenement, by=resp, capacite=2,
                           nom="Gymnase Japy")
    with app.app_context():
        r, c = db.session.get(User, resp.id), db.session.get(User, chef.id)
        ev = db.session.get(Evenement, evenement.id)
        care.enregistrer(r, db.session.get(CentreAccueil, centre.id), [
            care.PersonneData(nom="Nguyễn", prenom="Thị Hoa", categorie="sinistre",
                              besoins=["hebergement"]),
            care.PersonneData(nom="N'Diaye", prenom="Awa", categorie="implique")])
        scop.demander(r, ev, type="signalement", urgence="immediate",
                      contenu={"texte": "Fumées rue Saint-Maur"})
        cellule.activer(c, ev, now=utcnow() - timedelta(hours=5))
        db.session.commit()
    return evenement, centre


def test_the_cellule_sees_every_mark_of_the_event_in_shapes_and_words(
        app, client, login_as, create_user, create_evenement, create_centre):
    evenement, centre = _situation(app, create_user, create_evenement, create_centre)
    login_as("cellule", email="regard@crise.test")
    r = client.get(f"/carte/evenements/{evenement.id}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    svg = _svg(html)
    marques = [g.get("data-testid") for g in svg.iter("g")
               if g.get("data-testid")]
    assert marques.count("marque-carre") == 1 and "marque-triangle" in marques
    assert "marque-rond" in marques and marques.count("marque-losange") == 2  # 11e and 12e
    assert "C.A.RE Gymnase Japy (11e) : 2 présent(s) pour 2 places — complet" in html
    assert "11e : 1 demande(s) à la SCOP en cours" in html
    assert "11e : 1 foyer(s) sans solution ce soir" in html
    assert "12e : point de situation manquant" in html
    assert f'href="/care/{centre.id}"' in html
    # The arrondissements concerned are hatched, the others not; the Seine and the licence.
    assert html.count('fill="url(#hachures)" class="carte__concerne"') == 2
    assert "© Ville de Paris — données ouvertes, ODbL" in html and "carte__seine" in html
    assert "<script" not in html.split('<main')[1].split("</main>")[0]
    # It refreshes itself like a board, and the fragment is the map alone.
    assert 'data-refresh-url="/carte/evenements/%d?partiel=1"' % evenement.id in html
    fragment = client.get(f"/carte/evenements/{evenement.id}?partiel=1").get_data(as_text=True)
    assert fragment.lstrip().startswith("<svg") and "<html" not in fragment
    # The event page links to it.
    assert 'data-testid="lien-carte"' in client.get(f"/evenements/{evenement.id}").get_data(
        as_text=True)


def test_a_mairie_sees_its_own_marks_only_and_another_event_not_at_all(
        app, client, login_as, create_user, create_evenement, create_centre):
    evenement, _ = _situation(app, create_user, create_evenement, create_centre)
    ailleurs = create_evenement(titre="Crue", mairies=("15e",))
    login_as("responsable_care", mairie="12e", email="r12@crise.test")
    html = client.get(f"/carte/evenements/{evenement.id}").get_data(as_text=True)
    assert "Gymnase Japy" not in html and "11e :" not in html
    assert "12e : point de situation manquant" in html
    assert client.get(f"/carte/evenements/{ailleurs.id}").status_code == 404
    client.post("/auth/deconnexion")
    login_as("observateur", email="obs@crise.test")
    assert client.get(f"/carte/evenements/{evenement.id}").status_code == 403
    assert client.get("/carte/").status_code == 403


def test_the_pcs_map_places_sites_by_kind_and_capacity(app, client, login_as, create_site):
    japy = create_site(mairie="11e", nom="Gymnase Japy", capacite=300)
    with app.app_context():
        site = db.session.get(Site, japy.id)
        site.latitude, site.longitude, site.capacite_couchage = 48.8555, 2.3801, 120
        site.usage_hebergement = True
        db.session.add(Site(mairie_id=site.mairie_id, nom="École Keller", capacite=80,
                            usage_care=False, usage_frais=True, climatise=True))
        db.session.commit()
    login_as("responsable_care", mairie="11e")
    html = client.get("/carte/").get_data(as_text=True)
    svg = _svg(html)
    formes = [g.get("data-testid") for g in svg.iter("g")
              if g.get("data-testid")]
    assert sorted(formes) == ["marque-carre", "marque-losange"]  # seats, by default
    assert "Gymnase Japy (11e) : C.A.RE, Hébergement (lits) — 300 assis, 120 couchés" in html
    assert "École Keller (11e) : Salle rafraîchie — 80 assis" in html
    # Japy is drawn where it is: in the 11th's outline, east of its label.
    from crise.carte import geometrie

    x, y = geometrie.fond().projeter(2.3801, 48.8555)
    assert f'translate({x:.1f} {y:.1f})' in html
    lits = client.get("/carte/?usage=hebergement").get_data(as_text=True)
    assert 'data-testid="marque-rond"' in lits and re.search(r">120 !<", lits)
    assert "École Keller" not in lits
    html = client.get("/carte/?usage=frais").get_data(as_text=True)
    assert "École Keller" in html and "Gymnase Japy" not in html
    assert "Carte des sites" in client.get("/pcs/").get_data(as_text=True)


def test_a_mark_without_a_position_stays_inside_its_arrondissement_and_says_so(
        app, client, login_as):
    from crise.care.services import charger_sites_par_defaut

    with app.app_context():
        charger_sites_par_defaut()
        db.session.commit()
    for numero in range(1, 21):
        places = geometrie.places(numero)
        assert places and all(geometrie.dedans(numero, x, y) for x, y in places), numero
        assert geometrie.dedans(numero, *geometrie.pole(numero)), numero
    login_as("cellule")
    html = client.get("/carte/").get_data(as_text=True)
    svg = _svg(html)
    marques = [g for g in svg.iter("g") if (g.get("class") or "").startswith("marque ")]
    assert len(marques) == 17
    for g in marques:
        assert "marque--approx" in g.get("class")
        x, y = map(float, re.match(r"translate\(([\d.]+) ([\d.]+)\)", g.get("transform")).groups())
        titre = g.find("title").text
        code = re.search(r"\((\d+e|Paris Centre)\)", titre).group(1)
        numeros = [1, 2, 3, 4] if code == "Paris Centre" else [int(code[:-1])]
        assert any(geometrie.dedans(n, x, y) for n in numeros), titre
        assert "position approximative" in titre
