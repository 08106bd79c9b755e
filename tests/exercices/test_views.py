"""The animateur's pages and the players' inbox through the test client: every screen, and
every refusal (another role, another mairie's inject, a pause posted twice, a jump back, an
invalid or hostile upload)."""

import io
import re
from datetime import timedelta

import sqlalchemy as sa

from crise.db import utcnow
from crise.exercices.models import (Attendu, Destinataire, Exercice, Livraison,
                                    MouvementHorloge, NoteAnimation)
from crise.extensions import db
from tests.conftest import csrf_token_from
from tests.exercices.conftest import MINI


def token(client, url="/exercices/"):
    return csrf_token_from(client.get(url).get_data(as_text=True))


def test_only_the_animateur_reaches_the_exercises(client, auth, create_user):
    for role, mairie in (("cellule", None), ("responsable_care", "15e"), ("dsol", None)):
        auth.login(create_user(role, mairie=mairie))
        assert client.get("/exercices/").status_code == 403
        assert client.post("/exercices/lancer", data={}).status_code in (400, 403)
        auth.logout()
    auth.login(create_user("animateur"))
    page = client.get("/exercices/").get_data(as_text=True)
    assert "Crue de la Seine type 1910" in page and "canicule-paris-50.yaml" in page


def test_a_shipped_scenario_previews_its_chronogramme(client, login_as):
    login_as("animateur")
    page = client.get("/exercices/scenarios/crue-type-1910.yaml").get_data(as_text=True)
    assert 'data-testid="chronogramme"' in page
    assert "Fermeture du RER C sur prévision" in page and "franchi pendant le saut" in page
    assert client.get("/exercices/scenarios/..%2Fsetup.cfg").status_code == 404


def upload(client, raw: bytes, name="essai.yaml"):
    return client.post("/exercices/scenarios", data={
        "csrf_token": token(client), "fichier": (io.BytesIO(raw), name)},
        content_type="multipart/form-data")


def test_an_uploaded_scenario_is_checked_with_lines_and_keys(client, login_as):
    login_as("animateur")
    response = upload(client, MINI.replace("mairies: [centre, 15e]",
                                           "mairies: [centre, 1er]").encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "essai.yaml:17: participants.mairies[1] : mairie inconnue « 1er »" in page
    assert "Préparer l'exercice" not in page
    # (Too big a file is refused by scenario.lire: test_scenario.py.)
    for hostile in (b"\x00\x01binary", "a: &x [1]\nb: *x\n".encode()):
        response = upload(client, hostile)
        assert response.status_code == 422 and 'data-testid="erreurs-scenario"' in \
            response.get_data(as_text=True)
    good = upload(client, MINI.encode())
    assert good.status_code == 200 and "Préparer l'exercice" in good.get_data(as_text=True)


def prepare(client, joueurs):
    page = upload(client, MINI.encode()).get_data(as_text=True)
    jeton = re.search(r'name="jeton" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/exercices/lancer", data={
        "csrf_token": csrf_token_from(page), "jeton": jeton, "source": MINI,
        "nom_fichier": "essai.yaml", "titre": "Crue — essai du jeudi",
        "joueurs": [str(u.id) for u in joueurs]})


def test_preparing_then_debex_pause_twice_and_a_jump_back(app, client, login_as, joueurs):
    login_as("animateur")
    response = prepare(client, joueurs.values())
    assert response.status_code == 302
    console = response.headers["Location"]
    with app.app_context():
        exercice = db.session.scalar(sa.select(Exercice))
        assert exercice.evenement.titre == "Crue — essai du jeudi"
        assert exercice.evenement.exercice and len(exercice.joueurs) == 3
    page = client.get(console).get_data(as_text=True)
    assert "Démarrer (DEBEX)" in page and "Cote de la Seine" not in page
    t = csrf_token_from(page)
    client.post(f"{console}/debex", data={"csrf_token": t})
    page = client.get(console).get_data(as_text=True)
    assert 'data-testid="heure-scenario">J+0 08:' in page and "cote_austerlitz" in page
    assert "<polyline" in page and "Pause" in page
    client.post(f"{console}/pause", data={"csrf_token": t, "motif": "Point presse"})
    again = client.post(f"{console}/pause", data={"csrf_token": t}, follow_redirects=True)
    assert "est déjà en pause" in again.get_data(as_text=True)
    back = client.post(f"{console}/saut", data={"csrf_token": t, "vers": "T+0h"},
                       follow_redirects=True)
    assert "Un saut ne va qu&#39;en avant" in back.get_data(as_text=True)
    bad = client.post(f"{console}/saut", data={"csrf_token": t, "vers": "demain"},
                      follow_redirects=True)
    assert "moment illisible « demain »" in bad.get_data(as_text=True)
    with app.app_context():
        quoi = db.session.scalars(sa.select(MouvementHorloge.quoi)
                                  .order_by(MouvementHorloge.id)).all()
        assert quoi == ["debex", "pause"]
    client.post(f"{console}/reprise", data={"csrf_token": t})
    jump = client.post(f"{console}/saut", data={"csrf_token": t, "vers": "J+2 08:00"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Saut effectué" in jump and "INJ-020" in jump and "franchi pendant le saut" in jump


def test_players_read_and_acknowledge_only_their_injects(app, client, auth, exercice,
                                                         joueurs, animateur):
    # DEBEX an hour ago: the forecast threshold is due.
    ident = exercice(at=utcnow() - timedelta(minutes=61))
    auth.login(joueurs["15e"])
    home = client.get("/evenements/").get_data(as_text=True)
    assert 'data-testid="boite-accueil"' in home and "1 non lu" in home
    assert "Évacuation préventive des IGH" in home
    with app.app_context():
        quinze = db.session.scalar(sa.select(Destinataire).where(
            Destinataire.mairie_id.is_not(None)))
        cellule = db.session.scalar(sa.select(Destinataire).where(
            Destinataire.mairie_id.is_(None)))
    page = client.get(f"/exercices/boite/{quinze.id}").get_data(as_text=True)
    assert "EXERCICE" in page and "Préfecture de police" in page
    assert 'data-testid="figurants"' in page
    assert client.get(f"/exercices/boite/{cellule.id}").status_code == 404
    assert client.get(f"/exercices/{ident}").status_code == 403
    t = csrf_token_from(page)
    done = client.post(f"/exercices/boite/{quinze.id}/acquitter", data={"csrf_token": t},
                       follow_redirects=True).get_data(as_text=True)
    assert "Pris connaissance par Resp Quinze" in done
    assert client.post(f"/exercices/boite/{cellule.id}/acquitter",
                       data={"csrf_token": t}).status_code == 404
    auth.logout()
    # Paris Centre's responsable plays too, but this inject is not for its mairie.
    auth.login(joueurs["centre"])
    assert client.get(f"/exercices/boite/{quinze.id}").status_code == 404
    assert "Aucun message pour l'instant" in client.get("/evenements/").get_data(as_text=True)
    auth.logout()
    auth.login(animateur)
    export = client.get(f"/exercices/{ident}/injects.csv")
    text = export.get_data().decode("utf-8-sig")
    assert export.headers["Content-Disposition"].split("filename=")[1].startswith("EXERCICE")
    assert "INJ-020" in text and "Resp Quinze" in text and "ATT-3" in text


def test_the_console_sends_by_hand_judges_and_keeps_notes(app, client, login_as, exercice,
                                                         animateur, auth, joueurs):
    ident = exercice(at=utcnow())
    auth.login(animateur)
    console = f"/exercices/{ident}"
    t = token(client, console)
    sent = client.post(f"{console}/injects/INJ-020/envoyer", data={"csrf_token": t},
                       follow_redirects=True).get_data(as_text=True)
    assert "Inject INJ-020 envoyé" in sent and "à la main" in sent
    twice = client.post(f"{console}/injects/INJ-020/envoyer", data={"csrf_token": t},
                        follow_redirects=True).get_data(as_text=True)
    assert "L&#39;inject INJ-020 a déjà été envoyé" in twice
    with app.app_context():
        attendu = db.session.scalar(sa.select(Attendu))
    client.post(f"/exercices/attendus/{attendu.id}", data={"csrf_token": t,
                                                           "issue": "atteint"})
    page = client.post(f"/exercices/attendus/{attendu.id}", data={
        "csrf_token": t, "issue": "atteint", "commentaire": "Vu par l'observateur au 15e"},
        follow_redirects=True).get_data(as_text=True)
    assert "Action attendue jugée" in page and "Vu par l&#39;observateur au 15e" in page
    bad = client.post(f"{console}/libre", data={
        "csrf_token": t, "de": "Radio locale", "canal": "telephone",
        "roles": ["responsable_care"], "mairies": ["15e"], "titre": "Interview demandée",
        "message": ""})
    kept = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'value="Interview demandée"' in kept
    good = client.post(f"{console}/libre", data={
        "csrf_token": t, "de": "Radio locale", "canal": "telephone",
        "roles": ["responsable_care"], "mairies": ["15e"], "titre": "Interview demandée",
        "message": "« Où dorment les familles ce soir ? »"}, follow_redirects=True)
    assert "Inject libre envoyé" in good.get_data(as_text=True)
    client.post(f"{console}/notes", data={"csrf_token": t,
                                          "texte": "Le 15e hésite sur le site\x0b d'accueil"})
    with app.app_context():
        # Word's line break (a vertical tab) becomes a real one.
        assert db.session.scalar(sa.select(NoteAnimation.texte)) == \
            "Le 15e hésite sur le site\n d'accueil"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Livraison)) == 2
    fin = client.post(f"{console}/finex", data={"csrf_token": t}, follow_redirects=True)
    assert "FINEX : l&#39;exercice est terminé" in fin.get_data(as_text=True)


def test_the_event_page_links_the_console_for_the_animateur_only(app, client, auth, exercice,
                                                                animateur, joueurs):
    ident = exercice(debex=False)
    with app.app_context():
        evenement_id = db.session.get(Exercice, ident).evenement_id
    auth.login(animateur)
    assert 'data-testid="lien-console"' in client.get(
        f"/evenements/{evenement_id}").get_data(as_text=True)
    assert 'data-testid="exercices-en-jeu"' in client.get("/evenements/").get_data(as_text=True)
    auth.logout()
    auth.login(joueurs["cellule"])
    assert 'data-testid="lien-console"' not in client.get(
        f"/evenements/{evenement_id}").get_data(as_text=True)


def test_the_speed_is_typed_the_french_way(app, client, auth, exercice, animateur):
    ident = exercice(at=utcnow())
    auth.login(animateur)
    t = token(client, f"/exercices/{ident}")
    page = client.post(f"/exercices/{ident}/cadence", data={"csrf_token": t, "cadence": "0,5"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Vitesse changée" in page and 'value="0,5"' in page
    for bad in ("nan", "vite", "1e400", "-2"):
        page = client.post(f"/exercices/{ident}/cadence", data={"csrf_token": t,
                                                                "cadence": bad},
                           follow_redirects=True).get_data(as_text=True)
        assert "Vitesse changée" not in page and "Vitesse" in page
    with app.app_context():
        assert db.session.get(Exercice, ident).cadence == 0.5


def test_a_spreadsheet_chronogramme_is_added_in_the_web_page(client, login_as):
    from tests.exercices.test_chronogramme import CSV

    login_as("animateur")
    page = upload(client, MINI.encode()).get_data(as_text=True)
    t = csrf_token_from(page)
    bad = client.post("/exercices/chronogramme", data={
        "csrf_token": t, "source": MINI, "nom_fichier": "essai.yaml",
        "csv": (io.BytesIO(CSV.replace("J+1 09:00", "J+1 25:00").encode()), "plan.csv")},
        content_type="multipart/form-data")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'data-testid="erreurs-chronogramme"' in text
    assert "heure impossible dans « J+1 25:00 »" in text and "CSV-001" not in text
    good = client.post("/exercices/chronogramme", data={
        "csrf_token": t, "source": MINI, "nom_fichier": "essai.yaml",
        "csv": (io.BytesIO(("\ufeff" + CSV).encode()), "plan.csv")},
        content_type="multipart/form-data")
    text = good.get_data(as_text=True)
    assert good.status_code == 200 and "Chronogramme ajouté : 4 inject(s)" in text
    assert "CSV-001" in text and "Préparer l'exercice" in text
    source = re.search(r'<textarea name="source" hidden aria-hidden="true">(.*?)</textarea>',
                       text, re.S).group(1)
    download = client.post("/exercices/scenario.yaml", data={
        "csrf_token": t, "source": html_unescape(source), "nom_fichier": "essai.yaml"})
    assert download.status_code == 200
    assert "id: CSV-002" in download.get_data(as_text=True)
    assert download.headers["Content-Disposition"].endswith("essai.yaml")


def html_unescape(text):
    import html

    return html.unescape(text)


def test_more_players_are_named_from_the_console(app, client, auth, exercice, animateur,
                                                 joueurs, create_user):
    ident = exercice(players=[joueurs["cellule"]], at=utcnow())
    retard = create_user("responsable_care", mairie="15e", nom="Retardataire")
    onze = create_user("responsable_care", mairie="11e", nom="Hors scénario")
    auth.login(animateur)
    page = client.get(f"/exercices/{ident}").get_data(as_text=True)
    assert "Retardataire" in page and "Hors scénario" not in page
    t = csrf_token_from(page)
    done = client.post(f"/exercices/{ident}/joueurs", data={
        "csrf_token": t, "joueurs": [str(retard.id)]}, follow_redirects=True)
    assert "1 joueur(s) ajouté(s)" in done.get_data(as_text=True)
    refused = client.post(f"/exercices/{ident}/joueurs", data={
        "csrf_token": t, "joueurs": [str(onze.id)]})
    assert refused.status_code == 422
    assert "sa mairie (11e) ne joue pas" in refused.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Exercice, ident).joueurs) == 2


def test_a_broken_run_does_not_break_the_players_home_page(app, client, auth, exercice,
                                                           joueurs):
    import sqlalchemy as sa

    ident = exercice(at=utcnow() - timedelta(minutes=61))
    with app.app_context():
        db.session.execute(sa.update(Exercice).where(Exercice.id == ident)
                           .values(source="pas: [un scénario"))
        db.session.commit()
    auth.login(joueurs["15e"])
    assert client.get("/evenements/").status_code == 200


def test_a_jump_sent_twice_moves_the_clock_once(app, client, auth, exercice, animateur):
    ident = exercice(at=utcnow())
    auth.login(animateur)
    page = client.get(f"/exercices/{ident}").get_data(as_text=True)
    jeton = re.search(r'name="jeton" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf_token_from(page), "jeton": jeton, "vers": "PT6H"}
    first = client.post(f"/exercices/{ident}/saut", data=form, follow_redirects=True)
    again = client.post(f"/exercices/{ident}/saut", data=form, follow_redirects=True)
    assert "Saut effectué" in first.get_data(as_text=True)
    assert "Ce saut venait d&#39;être fait" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MouvementHorloge)
                                 .where(MouvementHorloge.quoi == "saut")) == 1


def test_threshold_labels_of_the_chart_never_overlap():
    from crise.exercices.views import _etiquettes

    seuils = _etiquettes([{"y": 50.0}, {"y": 52.0}, {"y": 120.0}, {"y": 55.0}])
    places = sorted(s["y_libelle"] for s in seuils)
    assert places == [50.0, 61.0, 72.0, 120.0]
    assert all(b - a >= 11 for a, b in zip(places, places[1:]))
