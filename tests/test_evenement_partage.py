"""Shared events (issue 13 §4): on an event of the 11e and the 12e, each mairie changes its
own participation only, closing is the cellule's or every mairie's, another mairie's codes,
SINUS and paper sheets answer as if they did not exist, and what a person typed is signed
by that person in the main courante."""

import pytest
import sqlalchemy as sa

from crise.auth.models import User
from crise.care import services as care
from crise.care.models import CentreAccueil, JetonPapier, Personne
from crise.cellule import services as cellule
from crise.errors import ServiceError
from crise.evenements.journal import EntreeMainCourante
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.scop import services as scop

SINUS = "FR075PPOL2026TR000123"


@pytest.fixture
def partage(app, create_user, create_evenement, create_centre):
    evenement = create_evenement(mairies=("11e", "12e"))
    r11 = create_user("responsable_care", mairie="11e", nom="Awa Diallo")
    r12 = create_user("responsable_care", mairie="12e", nom="Li Wei")
    c11 = create_centre(mairie="11e", evenement=evenement, by=r11)
    c12 = create_centre(mairie="12e", evenement=evenement, by=r12, nom="École Bercy")
    with app.app_context():
        (p11,), _ = care.enregistrer(db.session.get(User, r11.id),
                                     db.session.get(CentreAccueil, c11.id),
                                     [care.PersonneData(nom="Иванов", prenom="Сергей",
                                                        categorie="sinistre", sinus=SINUS)])
        (p12,), _ = care.enregistrer(db.session.get(User, r12.id),
                                     db.session.get(CentreAccueil, c12.id),
                                     [care.PersonneData(nom="Martin", prenom="Léa",
                                                        categorie="implique")])
        care.imprimer_feuilles(db.session.get(User, r11.id),
                               db.session.get(CentreAccueil, c11.id), 2)
        db.session.commit()
        papier11 = db.session.scalar(sa.select(JetonPapier.code_court).where(
            JetonPapier.centre_id == c11.id).limit(1))
        ids = {"p11": p11.id, "p12": p12.id, "code11": p11.code_court, "papier11": papier11}
    return {"evenement": evenement, "r11": r11, "r12": r12, "c11": c11, "c12": c12, **ids}


def _get(model, object_id):
    return db.session.get(model, object_id)


# --- Another mairie's records answer as nothing ------------------------------------------


def test_another_mairies_sinus_is_not_revealed(app, partage):
    with app.app_context():
        r12, p12 = _get(User, partage["r12"].id), _get(Personne, partage["p12"])
        data = care.PersonneData(nom="Martin", prenom="Léa", categorie="implique",
                                 sinus=SINUS)
        care.modifier_personne(r12, p12, data)  # accepted: the 11e's number is not ours
        r11, autre = _get(User, partage["r11"].id), None
        (autre,), _ = care.enregistrer(r11, _get(CentreAccueil, partage["c11"].id), [
            care.PersonneData(nom="Durand", prenom="Paul", categorie="sinistre")])
        with pytest.raises(ServiceError, match="déjà attribué"):  # within its own mairie
            care.modifier_personne(r11, autre, care.PersonneData(
                nom="Durand", prenom="Paul", categorie="sinistre", sinus=SINUS))


def test_another_mairies_code_answers_like_an_unknown_one(app, partage):
    with app.app_context():
        r12, p12 = _get(User, partage["r12"].id), _get(Personne, partage["p12"])
        data = care.PersonneData(nom="Martin", prenom="Léa", categorie="implique")
        messages = []
        for code in (partage["code11"], "ZZZ-ZZZ"):
            with pytest.raises(ServiceError) as refus:
                care.modifier_personne(r12, p12, data, recherche_code=code)
            messages.append(refus.value.message)
        assert messages[0] == messages[1] == "Aucune personne de cet événement n'a ce code."


def test_another_mairies_paper_sheet_answers_like_an_unknown_one(app, partage):
    with app.app_context():
        r12 = _get(User, partage["r12"].id)
        c12 = _get(CentreAccueil, partage["c12"].id)
        messages = []
        for code in (partage["papier11"], "ZZZ-ZZZ"):
            with pytest.raises(ServiceError) as refus:
                care.enregistrer(r12, c12, [care.PersonneData(
                    nom="Petit", prenom="Jean", categorie="sinistre")], jeton_papier=code)
            messages.append(refus.value.message)
        assert messages[0] == messages[1]
        assert "autre C.A.RE" not in messages[0]


# --- What a person typed is signed by that person ------------------------------------------


def test_a_mairies_text_in_the_main_courante_is_signed_and_can_be_struck(app, partage,
                                                                         create_user):
    chef = create_user("cellule")
    with app.app_context():
        r11 = _get(User, partage["r11"].id)
        scop.demander(r11, _get(Evenement, partage["evenement"].id), type="signalement",
                      urgence="heure", contenu={"texte": "Odeur de gaz rue Oberkampf"})
        db.session.commit()
        entree = db.session.scalar(sa.select(EntreeMainCourante).where(
            EntreeMainCourante.objet_type == "demande"))
        assert "Odeur de gaz" in entree.texte or entree.texte.startswith("Demande SCOP")
        assert (entree.auteur_id, entree.auteur_nom) == (r11.id, "Awa Diallo")
        cellule.barrer(_get(User, chef.id), entree, "Signalement envoyé par erreur")
        db.session.commit()
        assert entree.barree_par_id == chef.id


def test_an_entry_of_the_application_alone_still_cannot_be_struck(app, partage, create_user):
    from crise.evenements.journal import ecrire_application

    chef = create_user("cellule")
    with app.app_context():
        entree = ecrire_application(partage["evenement"].id, "Cellule activée")
        db.session.commit()
        with pytest.raises(ServiceError, match="application seule"):
            cellule.barrer(_get(User, chef.id), entree, "Non")


# --- Each mairie its own participation; closing is everyone's -----------------------------


def _form(evenement, **overrides):
    from crise.formatting import to_paris

    values = {"titre": evenement.titre, "type": evenement.type,
              "survenu_at": to_paris(evenement.survenu_at).strftime("%Y-%m-%dT%H:%M"),
              "lieu": evenement.lieu or "", "mairies": [m.code for m in evenement.mairies],
              "source_information": evenement.source_information,
              "source_detail": evenement.source_detail or "",
              "description": evenement.description or ""}
    values.update(overrides)
    return values


def _evenement(app, evenement_id):
    with app.app_context():
        evenement = db.session.get(Evenement, evenement_id)
        evenement.mairies, evenement.created_by  # loaded before the session ends
        db.session.expunge(evenement)
        return evenement


def test_a_mairie_never_takes_another_out_of_a_shared_event(app, client, auth, partage):
    ev = _evenement(app, partage["evenement"].id)
    auth.login(partage["r12"])
    response = client.post(f"/evenements/{ev.id}/modifier", data=_form(ev, mairies=["12e"]))
    html = response.get_data(as_text=True)
    assert response.status_code != 302 and "ne retire pas une autre mairie" in html
    assert [m.code for m in _evenement(app, ev.id).mairies] == ["11e", "12e"]
    # Bringing a neighbour in is its own business.
    assert client.post(f"/evenements/{ev.id}/modifier", data=_form(
        ev, mairies=["11e", "12e", "20e"])).status_code == 302
    assert {m.code for m in _evenement(app, ev.id).mairies} == {"11e", "12e", "20e"}


def test_the_description_of_a_shared_event_is_the_declaring_mairies(app, client, auth,
                                                                     create_user,
                                                                     create_evenement):
    r11 = create_user("responsable_care", mairie="11e")
    r12 = create_user("responsable_care", mairie="12e")
    ev = _evenement(app, create_evenement(mairies=("11e", "12e"), by=r11).id)
    auth.login(r12)
    html = client.post(f"/evenements/{ev.id}/modifier", data=_form(
        ev, titre="Titre changé par le 12e")).get_data(as_text=True)
    assert "sa description est modifiée par la mairie qui l&#39;a déclaré" in html
    auth.logout()
    auth.login(r11)
    assert client.post(f"/evenements/{ev.id}/modifier", data=_form(
        ev, titre="Incendie — bilan du 11e")).status_code == 302
    assert _evenement(app, ev.id).titre == "Incendie — bilan du 11e"


def test_a_mairie_with_a_care_is_never_taken_out_even_by_the_cellule(app, client, auth,
                                                                      create_user, partage):
    ev = _evenement(app, partage["evenement"].id)
    auth.login(create_user("cellule"))
    html = client.post(f"/evenements/{ev.id}/modifier", data=_form(
        ev, mairies=["12e"])).get_data(as_text=True)
    assert "ne peut pas être retirée de l&#39;événement" in html and "C.A.RE" in html
    # A mairie with nothing in it may be taken out by the cellule.
    client.post(f"/evenements/{ev.id}/modifier", data=_form(ev, mairies=["11e", "12e", "20e"]))
    assert client.post(f"/evenements/{ev.id}/modifier", data=_form(
        ev, mairies=["11e", "12e"])).status_code == 302


def test_a_shared_event_closes_when_every_mairie_agrees(app, client, auth, partage):
    ev = partage["evenement"]
    auth.login(partage["r12"])
    html = client.post(f"/evenements/{ev.id}/clore", follow_redirects=True).get_data(
        as_text=True)
    assert "reste en cours jusqu&#39;à l&#39;accord de : 11e" in html
    assert _evenement(app, ev.id).statut == "en_cours"
    auth.logout()
    # The 11e still works on it, then agrees: closed.
    auth.login(partage["r11"])
    assert client.get(f"/care/personnes/{partage['p11']}").status_code == 200
    client.post(f"/evenements/{ev.id}/clore")
    assert _evenement(app, ev.id).statut == "clos"


def test_the_cellule_closes_a_shared_event_at_once(app, client, auth, create_user, partage):
    auth.login(create_user("cellule"))
    client.post(f"/evenements/{partage['evenement'].id}/clore")
    assert _evenement(app, partage["evenement"].id).statut == "clos"


def test_the_main_courante_page_names_who_typed_and_offers_to_strike(app, client, auth,
                                                                     create_user, partage):
    with app.app_context():
        scop.demander(_get(User, partage["r11"].id), _get(Evenement, partage["evenement"].id),
                      type="signalement", urgence="heure", contenu={"texte": "Odeur de gaz"})
        db.session.commit()
    auth.login(create_user("cellule"))
    html = client.get(f"/cellule/evenements/{partage['evenement'].id}/main-courante"
                      ).get_data(as_text=True)
    with app.app_context():
        entree_id = db.session.scalar(sa.select(EntreeMainCourante.id).where(
            EntreeMainCourante.objet_type == "demande"))
    entree = html.split(f'data-testid="entree-{entree_id}"')[1].split("</li>")[0]
    assert "Awa Diallo" in entree and "via l'application" in entree
    assert "Barrer" in entree
