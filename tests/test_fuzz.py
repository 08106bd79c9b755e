"""Nothing anyone types may make a page fail: every form of every route, as every role,
with what a night really brings (Word's control characters, a NUL byte, year 0001, 20,000
characters, numbers too big for the database, a forged form token) and every list with a
hostile query string. Each answer is a page with a message, a 4xx or a redirect: never a 500.
"""

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.care import services as care
from crise.care.models import CentreAccueil, Personne
from crise.cellule import reunions, services as cellule, situation
from crise.db import utcnow
from crise.evenements.models import Evenement
from crise.exercices import livraisons
from crise.exercices import services as exercices
from crise.exercices.models import Attendu
from crise.extensions import db
from crise.hebergement import services as hebergement
from crise.scop import services as scop
from tests.exercices.conftest import MINI

ROLES = [("responsable_care", "11e"), ("agent_accueil", "11e"), ("cellule", None),
         ("scop", None), ("dsol", None), ("dlh", None), ("animateur", None),
         ("observateur", None), ("admin", None)]
# Actions that end what the others need are tried last; logging out is not fuzzed.
LAST = ("fermer", "close", "clore", "desactiver", "annuler", "retirer", "depart")
SKIP = {"auth.logout", "static"}

TEXTS = {
    "word": "Bât. A\x0b2e étage\x0cporte\u2028gauche — L'Hôte\x00",
    "long": "Évacuation " * 2000,
    "year1": "0001-01-01T00:00",
    "date1": "0001-01-01",
    "huge": "9" * 40,
    "empty": "",
}


@pytest.fixture
def world(app, create_user, create_centre, create_evenement):
    """One of everything in the 11e, so that every route finds its record."""
    resp = create_user("responsable_care", mairie="11e")
    chef = create_user("cellule")
    animateur = create_user("animateur")
    evenement = create_evenement(mairies=("11e", "12e"))
    centre = create_centre(mairie="11e", evenement=evenement, by=resp)
    with app.app_context():
        r = db.session.get(User, resp.id)
        c = db.session.get(User, chef.id)
        ev = db.session.get(Evenement, evenement.id)
        people, _ = care.enregistrer(r, db.session.get(CentreAccueil, centre.id), [
            care.PersonneData(nom="Иванов", prenom="Сергей", categorie="sinistre",
                              besoins=["hebergement"]),
            care.PersonneData(nom="王", prenom="伟", categorie="sinistre")])
        orientation = care.orienter(r, people[0], "medico_psy")
        demande, _ = scop.demander(r, ev, type="signalement", urgence="immediate",
                                   contenu={"texte": "Feu de cave"})
        dossier, _ = hebergement.ouvrir_dossier(r, people[0], hebergement.DossierData())
        solution = hebergement.heberger(r, dossier, hebergement.SolutionData(
            type="hotel", lieu="Hôtel du Nord", du=date.today(),
            au=date.today() + timedelta(days=2)))
        activation = cellule.activer(c, ev)
        membre = cellule.ajouter_membre(c, activation, nom="Chef de salle")
        entree = cellule.ecrire(c, ev, cellule.EntreeData(texte="La PP annonce 40 sinistrés"))
        decision, _ = cellule.decider(c, ev, cellule.DecisionData(
            texte="Ouvrir un second C.A.RE", toutes_mairies=True,
            echeance_at=utcnow() + timedelta(hours=2)))
        reunion = reunions.planifier(c, ev, type="suivi", debut_at=utcnow() + timedelta(hours=1))
        point, _ = situation.envoyer(r, ev, situation.PointData(situation="Calme"))
        # An exercise in play, an inject out with its addressees and expected action.
        anim = db.session.get(User, animateur.id)
        run, _ = exercices.lancer(anim, MINI, [])
        exercices.debex(anim, run)
        livraison = livraisons.envoyer(anim, run, "INJ-020")
        attendu = db.session.scalar(sa.select(Attendu))
        # Its RETEX: a préconisation and an action of the plan.
        from crise.retex import actions as plan_actions
        from crise.retex import services as retex

        preco = retex.ecrire_preconisation(anim, run.evenement, constat="Pas de fléchage",
                                           texte="Un kit de signalétique")
        action = plan_actions.creer_action(anim, preco, action="Acheter des panneaux",
                                           element="equipement", porteur="dir:DSOL",
                                           echeance=date.today() + timedelta(days=30))
        # The PCS: a line of the mairie's directory, a stock of cots.
        from crise.pcs import annuaire, moyens

        contact = annuaire.enregistrer_contact(r, None, mairie=r.mairie, data=annuaire.ContactData(
            "astreinte_dsol", "Astreinte DSOL", "01 43 47 77 77"))
        moyen = moyens.enregistrer_moyen(r, None, mairie=r.mairie, data=moyens.MoyenData(
            "lits", "Lits de camp", 10, site_id=centre.site_id))
        from crise.pcs.fiches import charger_fiches_par_defaut
        from crise.pcs.models import FicheReflexe

        charger_fiches_par_defaut()
        from crise.pcs.risques import charger_risques_par_defaut
        from crise.pcs.models import Risque

        charger_risques_par_defaut()
        risque = db.session.scalar(sa.select(Risque).order_by(Risque.id))
        fiche = db.session.scalar(sa.select(FicheReflexe).where(
            FicheReflexe.code == "responsable-premiere-heure"))
        # A legal hold on the event (data protection).
        from crise.rgpd import conservation

        gel = conservation.poser_gel(c, ev, "Réquisition n° 1")
        db.session.commit()
        ids = {"contact_id": contact.id, "moyen_id": moyen.id, "fiche_id": fiche.id, "risque_id": risque.id, "evenement_id": ev.id, "centre_id": centre.id, "personne_id": people[0].id,
               "orientation_id": orientation.id, "demande_id": demande.id,
               "dossier_id": dossier.id, "solution_id": solution.id, "membre_id": membre.id,
               "entree_id": entree.id, "decision_id": decision.id, "reunion_id": reunion.id,
               "point_id": point.id, "user_id": r.id, "site_id": centre.site_id,
               "fusion_id": 1, "exercice_id": run.id, "attendu_id": attendu.id,
               "destinataire_id": livraison.destinataires[0].id,
               "preconisation_id": preco.id, "action_id": action.id, "gel_id": gel.id}
    values = {"cellule": "medico_psy", "code": "scop", "statut": "en_cours", "type_": "vpu",
              "destinataire": "prefecture", "fmt": "pdf", "liste": "sans-solution",
              "inject_id": "INJ-021", "nom": "crue-type-1910.yaml", "grille_id": "GO-1",
              "cle": "synthese"}
    return {**ids, **values}


class _Inputs(HTMLParser):
    """The named fields of a page's forms, with the values the page gave them."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and name != "csrf_token":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a or name not in self.fields:
                    self.fields[name] = a.get("value", "y")
            else:
                self.fields[name] = a.get("value", "")
            self.kinds[name] = kind
        elif tag == "select" and name:
            self._select = name
            self.kinds[name] = "select"
        elif tag == "option" and self._select:
            if self._select not in self.fields or "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
            self.kinds[name] = "textarea"

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _routes(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIP]
    return sorted(rules, key=lambda r: (any(w in r.rule for w in LAST), r.rule))


def _url(rule, world):
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(world[arg]), url)
    return url


def _payloads(client, url, methods):
    """The page's own form with each hostile text in every field a person types into."""
    parser = _Inputs()
    if "GET" in methods:
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            parser.feed(response.get_data(as_text=True))
    base = parser.fields or {name: "" for name in ("texte", "nom", "motif", "note")}
    for label, text in TEXTS.items():
        data = {}
        for name, value in base.items():
            kind = parser.kinds.get(name, "text")
            if kind in ("text", "textarea", "search", "tel", "email", "number",
                        "datetime-local", "date"):
                data[name] = text
            elif kind == "hidden" and name == "jeton":
                data[name] = "j" * 100 if label == "long" else value
            else:
                data[name] = value
        yield label, data


def test_no_form_answers_500(app, client, world, create_user, auth):
    failures = []
    for role, mairie in ROLES:
        auth.login(create_user(role, mairie=mairie))
        for rule in _routes(app):
            if "POST" not in rule.methods:
                continue
            url = _url(rule, world)
            for label, data in _payloads(client, url, rule.methods):
                response = client.post(url, data=data)
                if response.status_code >= 500:
                    failures.append(f"{role} POST {url} [{label}] → {response.status_code}")
        auth.logout()
    assert failures == []


def test_no_list_answers_500_whatever_its_query_string(app, client, world, create_user, auth):
    hostile = ("?page=99999999999999999999999&endpoint=x&_method=POST&fmt=zz&values=1"
               "&q=%00Ivanov%0B&type=%00&statut=zz&vue=zz&liste=zz&cellule=zz")
    failures = []
    for role, mairie in ROLES:
        auth.login(create_user(role, mairie=mairie))
        for rule in _routes(app):
            if "GET" not in rule.methods or rule.arguments - set(world):
                continue
            url = _url(rule, world) + hostile
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"{role} GET {url} → {response.status_code}")
        auth.logout()
    assert failures == []


def test_a_body_too_large_is_refused_before_being_read(client):
    response = client.post("/auth/connexion", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)


def test_text_is_cleaned_at_every_entry(app, client, world, create_user, auth):
    """A vertical tab and a NUL pasted in a form reach the database as a space (a line
    break in a multi-line text)."""
    auth.login(create_user("responsable_care", mairie="11e"))
    url = f"/care/personnes/{world['personne_id']}/modifier"
    parser = _Inputs()
    parser.feed(client.get(url).get_data(as_text=True))
    data = {**parser.fields, "nom": "Иванов\x00", "adresse_actuelle": "12 rue Oberkampf\x0bBât. B",
            "notes": "Ligne 1\x0bLigne 2"}
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        personne = db.session.get(Personne, world["personne_id"])
        assert personne.nom == "Иванов"
        assert personne.adresse_actuelle == "12 rue Oberkampf Bât. B"
        assert personne.notes == "Ligne 1\nLigne 2"


def test_services_clean_what_they_receive_from_the_cli_or_another_service(app, world):
    """Not only forms: a NUL byte given straight to a service is cleaned before it is
    compared or looked up (PostgreSQL refuses it even in a query)."""
    from crise.scop.models import DemandeScop

    with app.app_context():
        chef = db.session.scalar(sa.select(User).where(User.role == "cellule"))
        ev = db.session.get(Evenement, world["evenement_id"])
        entree = cellule.ecrire(chef, ev, cellule.EntreeData(texte="Pont\x00 fermé\x0b18 h"))
        assert entree.texte == "Pont fermé\n18 h"
        decision, _ = cellule.decider(chef, ev, cellule.DecisionData(
            texte="Évacuer\x00", toutes_mairies=True))
        assert decision.texte == "Évacuer"
        resp = db.session.scalar(sa.select(User).where(User.role == "responsable_care"))
        demande, _ = scop.demander(resp, ev, type="signalement", urgence="heure",
                                   lieu="Quai\x00", contenu={"texte": "Crue\x00 du quai"})
        assert db.session.get(DemandeScop, demande.id).contenu["texte"] == "Crue du quai"
        db.session.commit()
