"""The animateur's pages (scenarios, preparation, the console) and the players' inbox: thin
views over crise.exercices.services, livraisons and attendus. Every page of a run advances
it first: the console and the inbox deliver what has fallen due, as the ``tick`` does."""

import re
from pathlib import Path

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from crise.auth.models import Role, User
from crise.db import utcnow
from crise.exercices import attendus as attendus_services
from crise.exercices import bp, livraisons, scenario, services
from crise.exercices.exports import ListeInjects
from crise.exercices.chronogramme import importer
from crise.exercices import observation
from crise.exercices.forms import (CadenceForm, ChargerForm, ChronogrammeForm, JoueursForm,
                                   LancerForm, LibreForm, NoteForm, ObservateurForm, PauseForm,
                                   SautForm, ValidationForm)
from crise.exercices.acces import exercice_anime, exiger_animateur
from crise.signals import contributions, page_exercice
from crise.exercices.pages import avancer_sans_bloquer
from crise.exercices.models import (NOTES_GRILLE, OBSERVATION_ROLES, Attendu, Destinataire,
                                    Exercice, Figurant, Livraison, MouvementHorloge,
                                    NoteAnimation, Observateur)
from crise.exercices.partie import instant
from crise.exercices.plan import plan_de
from crise.exercices.repetition import chronogramme
from crise.exercices.temps import format_relatif, parse_duree, parse_moment
from crise.exports import export_filename, to_csv
from crise.extensions import db
from crise.forms import choices, perform, submit
from crise.http import file_response
from crise.mairies.models import Mairie


DERNIERS = 25


_animateur, _exercice = exiger_animateur, exercice_anime


def scenarios_dir() -> Path:
    return Path(current_app.config.get("SCENARIOS_DIR")
                or Path(current_app.root_path).parent / "scenarios")


def _fichiers() -> list[Path]:
    dossier = scenarios_dir()
    return sorted(dossier.glob("*.yaml")) if dossier.is_dir() else []


# --- Scenarios and preparing a run ---------------------------------------------------------

@bp.route("/")
def index():
    _animateur()
    exercices = db.session.scalars(sa.select(Exercice).order_by(Exercice.created_at.desc())
                                   .limit(100)).all()
    fichiers = []
    for path in _fichiers():
        lecture = scenario.lire_fichier(path)
        fichiers.append({"nom": path.name, "lecture": lecture,
                         "titre": (lecture.donnees or {}).get("titre", path.name)})
    return render_template("exercices/index.html", exercices=exercices, fichiers=fichiers,
                           form=ChargerForm())


def _joueurs_possibles(donnees: dict) -> list[User]:
    participants = donnees["participants"]
    codes = participants.get("mairies") or []
    users = db.session.scalars(sa.select(User).outerjoin(Mairie, User.mairie_id == Mairie.id)
                               .where(User.actif.is_(True),
                                      User.role.in_(participants["roles"]))
                               .order_by(User.role, Mairie.ordre, User.nom)).all()
    return [u for u in users if not u.role_enum.is_mairie_role or not codes
            or (u.mairie and u.mairie.code in codes)]


def _preparation(source: str, nom: str, form: LancerForm | None = None, status: int = 200,
                 problemes_csv=()):
    lecture = scenario.lire(source, nom)
    lignes, horloge, possibles = [], None, []
    if lecture.valide:
        horloge, lignes = chronogramme(lecture.donnees)
        possibles = _joueurs_possibles(lecture.donnees)
        form = form or LancerForm()
        form.source.data, form.nom_fichier.data = source, nom
        form.joueurs.choices = choices((u.id, _joueur_libelle(u)) for u in possibles)
        form.new_jeton()
    return render_template("exercices/preparer.html", lecture=lecture, lignes=lignes,
                           horloge=horloge, form=form, nom=nom, problemes_csv=problemes_csv,
                           csv_form=ChronogrammeForm(formdata=None, source=source,
                                                     nom_fichier=nom),
                           format_relatif=format_relatif), status


@bp.route("/scenarios/<nom>")
def preparer_fichier(nom):
    _animateur()
    path = next((p for p in _fichiers() if p.name == nom), None)
    if path is None:
        abort(404)
    return _preparation(path.read_text(encoding="utf-8", errors="replace"), path.name)


@bp.route("/scenarios", methods=["POST"])
def charger():
    """An uploaded scenario file, checked as the command line checks it."""
    _animateur()
    form = ChargerForm()
    fichier = form.fichier.data if form.validate_on_submit() else None
    if not fichier or not getattr(fichier, "filename", ""):
        flash("Choisissez un fichier de scénario (.yaml).", "error")
        return redirect(url_for("exercices.index"))
    try:
        raw = fichier.read(scenario.TAILLE_MAX + 1)
    finally:
        fichier.close()
    nom = Path(fichier.filename).name[:200] or "scénario.yaml"
    lecture = scenario.lire(raw, nom)
    if not lecture.valide:
        return render_template("exercices/preparer.html", lecture=lecture, lignes=[],
                               horloge=None, form=None, nom=nom, problemes_csv=(),
                               csv_form=None, format_relatif=format_relatif), 422
    return _preparation(raw.decode("utf-8"), nom, status=200)


@bp.route("/chronogramme", methods=["POST"])
def chronogramme_csv():
    """A spreadsheet chronogramme appended to the scenario being previewed, checked like the
    command line does (« crise exercices importer »): nothing changes while an error remains;
    the completed scenario can be downloaded, and launched."""
    _animateur()
    form = ChronogrammeForm()
    source, nom = form.source.data or "", (form.nom_fichier.data or "scénario.yaml")[:200]
    fichier = form.csv.data if form.validate_on_submit() else None
    if not fichier or not getattr(fichier, "filename", ""):
        flash("Choisissez un fichier CSV de chronogramme.", "error")
        return _preparation(source, nom, status=422)
    try:
        raw = fichier.read(scenario.TAILLE_MAX + 1)
    finally:
        fichier.close()
    if len(raw) > scenario.TAILLE_MAX:
        flash("Chronogramme trop gros : 1 Mo au plus.", "error")
        return _preparation(source, nom, status=422)
    texte, lecture, problemes = importer(source, raw, fichier_csv=Path(fichier.filename).name,
                                         fichier_scenario=nom)
    if texte is None or not lecture.valide:
        return _preparation(source, nom, status=422, problemes_csv=list(problemes) + (
            lecture.erreurs if lecture else []))
    flash(f"Chronogramme ajouté : {len(lecture.donnees['injects'])} inject(s) dans le "
          "scénario. Téléchargez le scénario complété pour le garder.", "success")
    return _preparation(texte, nom)


@bp.route("/scenario.yaml", methods=["POST"])
def telecharger():
    """The scenario being previewed (completed by a chronogramme), as a file."""
    _animateur()
    form = ChronogrammeForm()
    if not form.validate_on_submit() or not form.source.data:
        abort(400)
    nom = Path(form.nom_fichier.data or "scenario.yaml").name
    return file_response(form.source.data.encode("utf-8"), "application/yaml", nom)


@bp.route("/lancer", methods=["POST"])
def lancer():
    _animateur()
    form = LancerForm()
    source, nom = form.source.data or "", form.nom_fichier.data or ""
    if form.validate_on_submit():
        joueurs = db.session.scalars(sa.select(User).where(
            User.id.in_(form.joueurs.data or []))).all()
        ok, resultat = submit(form, lambda: services.lancer(
            current_user, source, list(joueurs), nom_fichier=nom, titre=form.titre.data or "",
            jeton=form.jeton.data))
        if ok:
            exercice, cree = resultat
            flash("Exercice préparé : nommez d'autres joueurs si besoin (en bas de la console), "
                  "puis donnez le DEBEX."
                  if cree else "Cet exercice était déjà préparé.", "success")
            return redirect(url_for("exercices.console", exercice_id=exercice.id))
    return _preparation(source, nom, form=form, status=422)


# --- The console -----------------------------------------------------------------------------

def _etat(exercice: Exercice) -> dict:
    now = utcnow()
    plan = plan_de(exercice.source)
    moment = instant(exercice, now, plan) if exercice.debex_at else None
    scenario_now = moment.scenario if moment else plan.t0
    # The last deliveries (the whole log is the CSV): a console of 500 rows helps no one.
    livrees = db.session.scalars(livraisons.livraisons_query(exercice).order_by(None).order_by(
        Livraison.livre_at.desc(), Livraison.id.desc()).limit(DERNIERS)).all()
    nombre_livrees = db.session.scalar(sa.select(sa.func.count()).select_from(Livraison)
                                       .where(Livraison.exercice_id == exercice.id))
    attendus = db.session.scalars(attendus_services.attendus_query(exercice)).all()
    prochain_saut = next((s for s in plan.horloge.segments
                          if s.saut and s.debut >= scenario_now), None)
    return {
        "exercice": exercice, "plan": plan, "moment": moment, "now": now,
        "monde": plan.etat_du_monde(scenario_now), "scenario_now": scenario_now,
        "livrees": livrees, "nombre_livrees": nombre_livrees,
        **_a_venir(livraisons.prochains(exercice, moment, plan, 0)),
        "attendus": attendus, "etat_attendu": attendus_services.etat_attendu,
        "echeance_texte": attendus_services.echeance_texte,
        "prochain_saut": prochain_saut, "format_relatif": format_relatif,
        "courbes": _courbes(plan, scenario_now),
    }


def _a_venir(lignes: list[dict]) -> dict:
    """What is still to come: the next injects on the clock, those the animateur sends by
    hand (the reserve), and those waiting for a threshold or an action."""
    return {"prochains": [l for l in lignes if l["moment"] and not l["manuel"]][:12],
            "a_la_main": [l for l in lignes if l["manuel"]],
            "en_attente": [l for l in lignes if not l["moment"] and not l["manuel"]]}


def _etiquettes(seuils: list[dict], ecart: float = 11) -> list[dict]:
    """Thresholds drawn one above the other: a label too close to the one above is moved
    down (its line stays where it is), so that none is written over another."""
    place = None
    for seuil in sorted(seuils, key=lambda s: s["y"]):
        place = seuil["y"] if place is None else max(seuil["y"], place + ecart)
        seuil["y_libelle"] = round(place, 1)
    return seuils


def _courbes(plan, scenario_now) -> list[dict]:
    """Each numeric variable as an SVG polyline over the whole scenario, the thresholds
    drawn, and where the story stands."""
    horloge = plan.horloge
    debut, fin = horloge.t0, horloge.fin
    span = (fin - debut).total_seconds() or 1
    courbes = []
    for nom, variable in plan.variables.items():
        if variable.echelle:
            continue
        raw = plan.donnees["variables"][nom]
        seuils = [s for s in plan.seuils.values() if s["variable"] == nom]
        valeurs = [v for _, v in variable.points] + [float(s["valeur"]) for s in seuils]
        bas, haut = min(valeurs), max(valeurs)
        marge = (haut - bas) * 0.1 or 1
        bas, haut = bas - marge, haut + marge

        def xy(t, v):
            x = 40 + 540 * (t - debut).total_seconds() / span
            y = 180 - 160 * (v - bas) / (haut - bas)
            return round(x, 1), round(y, 1)

        pas = [debut + (fin - debut) * i / 120 for i in range(121)]
        points = " ".join(f"{x},{y}" for x, y in (xy(t, variable.valeur(t)) for t in pas))
        courbes.append({
            "nom": nom, "libelle": raw.get("libelle") or nom, "unite": raw.get("unite", ""),
            "points": points, "bas": bas, "haut": haut,
            "seuils": _etiquettes([{"y": xy(debut, float(s["valeur"]))[1],
                                    "libelle": s.get("libelle") or s["id"],
                                    "valeur": s["valeur"]} for s in seuils]),
            "maintenant": xy(min(max(scenario_now, debut), fin),
                             variable.valeur(scenario_now)),
        })
    return courbes


@bp.route("/<int:exercice_id>")
def console(exercice_id):
    exercice = _exercice(exercice_id)
    avancer_sans_bloquer(exercice)
    return _console_page(exercice)


def _console_page(exercice, *, libre_form=None, joueurs_form=None, observateur_form=None,
                  status=200):
    notes = db.session.scalars(sa.select(NoteAnimation).where(
        NoteAnimation.exercice_id == exercice.id).order_by(NoteAnimation.ecrit_at.desc())).all()
    mouvements = db.session.scalars(sa.select(MouvementHorloge).where(
        MouvementHorloge.exercice_id == exercice.id).order_by(MouvementHorloge.id)).all()
    return render_template("exercices/console.html", **_etat(exercice), notes=notes,
                           mouvements=mouvements,
                           libre_form=_libre_form(exercice, libre_form),
                           joueurs_form=joueurs_form or _joueurs_form(exercice),
                           observateur_form=observateur_form or _observateur_form(exercice),
                           observateurs=db.session.scalars(sa.select(Observateur).where(
                               Observateur.exercice_id == exercice.id)).all(),
                           synthese_grille=observation.synthese_grille(exercice),
                           notes_grille=NOTES_GRILLE,
                           note_form=NoteForm(), saut_form=_saut_form(), pause_form=PauseForm(),
                           cadence_form=CadenceForm(cadence=exercice.cadence),
                           **contributions(page_exercice, exercice,
                                           user=current_user._get_current_object())), status


def _saut_form():
    form = SautForm(formdata=None)
    form.new_jeton()
    return form


def _joueurs_form(exercice, form=None):
    """The accounts that may still be named players of this run."""
    form = form or JoueursForm(formdata=None)
    deja = {j.user_id for j in exercice.joueurs}
    form.joueurs.choices = choices(
        (u.id, _joueur_libelle(u)) for u in _joueurs_possibles(plan_de(exercice.source).donnees)
        if u.id not in deja)
    return form


def _joueur_libelle(u) -> str:
    return f"{u} — {u.role_label}" + (f" ({u.mairie.nom_court})" if u.mairie else "")


@bp.route("/<int:exercice_id>/joueurs", methods=["POST"])
def joueurs(exercice_id):
    """Name more players after the preparation (a latecomer, a second desk)."""
    exercice = _exercice(exercice_id)
    form = _joueurs_form(exercice, JoueursForm())
    if form.validate_on_submit():
        users = db.session.scalars(sa.select(User).where(
            User.id.in_(form.joueurs.data or []))).all()
        if not users:
            flash("Cochez au moins un compte.", "error")
            return _retour(exercice)
        ok, nouveaux = submit(form, lambda: services.nommer_joueurs(current_user, exercice,
                                                                    list(users)))
        if ok:
            flash(f"{len(nouveaux)} joueur(s) ajouté(s).", "success")
            return _retour(exercice)
    return _console_page(exercice, joueurs_form=form, status=422)


@bp.route("/<int:exercice_id>/etat")
def etat(exercice_id):
    """The console's live part (clocks, world, chronogramme, expected actions)."""
    exercice = _exercice(exercice_id)
    avancer_sans_bloquer(exercice)
    return render_template("exercices/_etat.html", **_etat(exercice))


def _libre_form(exercice, form=None):
    plan = plan_de(exercice.source)
    participants = plan.donnees["participants"]
    form = form or LibreForm()
    form.roles.choices = choices((r, Role(r).label) for r in participants["roles"])
    form.mairies.choices = choices((c, c if c != "centre" else "Paris Centre")
                                   for c in participants.get("mairies") or [])
    return form


def _retour(exercice):
    return redirect(url_for("exercices.console", exercice_id=exercice.id))


@bp.route("/<int:exercice_id>/debex", methods=["POST"])
def debex(exercice_id):
    exercice = _exercice(exercice_id)
    perform(lambda: services.debex(current_user, exercice), "DEBEX : l'exercice a commencé.")
    return _retour(exercice)


@bp.route("/<int:exercice_id>/pause", methods=["POST"])
def pause(exercice_id):
    exercice = _exercice(exercice_id)
    form = PauseForm()
    if form.validate_on_submit():
        perform(lambda: services.mettre_en_pause(current_user, exercice,
                                                 motif=form.motif.data or ""),
                "Exercice en pause : les deux horloges sont arrêtées.")
    return _retour(exercice)


@bp.route("/<int:exercice_id>/reprise", methods=["POST"])
def reprise(exercice_id):
    exercice = _exercice(exercice_id)
    perform(lambda: services.reprendre(current_user, exercice), "L'exercice reprend.")
    return _retour(exercice)


def lire_saut(texte: str, exercice: Exercice) -> dict:
    """« PT6H », « P1D » (a duration) or « J+3 08:00 », « T+50h » (a moment); as a hurried
    animateur types them too: « j+3 8h30 », « t+50h »."""
    texte = " ".join((texte or "").split())
    if texte[:2].upper() in ("J+", "T+"):
        texte = texte[0].upper() + texte[1:]
    if texte.startswith("J+"):
        texte = re.sub(r" (\d{1,2})h(\d{2})?$", lambda m: f" {m[1]}:{m[2] or '00'}", texte)
    if texte.upper().startswith("P"):
        return {"duree": parse_duree(texte.upper())}
    return {"vers": parse_moment(texte, plan_de(exercice.source).t0)}


@bp.route("/<int:exercice_id>/saut", methods=["POST"])
def saut(exercice_id):
    exercice = _exercice(exercice_id)
    form = SautForm()
    if form.validate_on_submit():
        try:
            cible = lire_saut(form.vers.data, exercice)
        except ValueError as error:
            flash(f"Saut : {error}.", "error")
            return _retour(exercice)
        perform(lambda: services.sauter(current_user, exercice, motif=form.motif.data or "",
                                        jeton=form.jeton.data, **cible),
                lambda fait: "Saut effectué." if fait else "Ce saut venait d'être fait : "
                                                            "l'horloge n'a pas bougé deux fois.")
    else:
        flash("Indiquez où sauter (J+3 08:00, T+50h, PT6H ou P1D).", "error")
    return _retour(exercice)


@bp.route("/<int:exercice_id>/cadence", methods=["POST"])
def cadence(exercice_id):
    exercice = _exercice(exercice_id)
    form = CadenceForm()
    if form.validate_on_submit():
        perform(lambda: services.changer_cadence(current_user, exercice, form.cadence.data),
                "Vitesse changée.")
    else:
        flash("Vitesse : un nombre, par exemple 1, 2 ou 0,5.", "error")
    return _retour(exercice)


@bp.route("/<int:exercice_id>/finex", methods=["POST"])
def finex(exercice_id):
    exercice = _exercice(exercice_id)
    perform(lambda: services.finex(current_user, exercice), "FINEX : l'exercice est terminé.")
    return _retour(exercice)


@bp.route("/<int:exercice_id>/injects/<inject_id>/envoyer", methods=["POST"])
def envoyer(exercice_id, inject_id):
    exercice = _exercice(exercice_id)
    perform(lambda: livraisons.envoyer(current_user, exercice, inject_id[:64]),
            f"Inject {inject_id[:64]} envoyé.")
    return _retour(exercice)


@bp.route("/<int:exercice_id>/libre", methods=["POST"])
def libre(exercice_id):
    exercice = _exercice(exercice_id)
    form = _libre_form(exercice, LibreForm())
    if form.validate_on_submit():
        ok, resultat = submit(form, lambda: livraisons.envoyer_libre(
            current_user, exercice, de=form.de.data or "", canal=form.canal.data,
            roles=form.roles.data or [], mairies=form.mairies.data or [],
            titre=form.titre.data, message=form.message.data))
        if ok:
            flash("Inject libre envoyé." if resultat[1] else "Cet inject était déjà envoyé.",
                  "success")
            return _retour(exercice)
    flash("L'inject libre n'est pas parti : corrigez le formulaire (en bas de page).", "error")
    return _console_page(exercice, libre_form=form, status=422)


@bp.route("/attendus/<int:attendu_id>", methods=["POST"])
def valider(attendu_id):
    attendu = db.session.get(Attendu, attendu_id)
    if attendu is None:
        abort(404)
    exercice = _exercice(attendu.exercice_id)
    form = ValidationForm()
    if form.validate_on_submit():
        perform(lambda: attendus_services.valider_a_la_main(
            current_user, attendu, atteint_=form.issue.data == "atteint",
            commentaire=form.commentaire.data), "Action attendue jugée.")
    else:
        flash("Choisissez « réalisée » ou « manquée » et écrivez un commentaire.", "error")
    return _retour(exercice)


@bp.route("/<int:exercice_id>/notes", methods=["POST"])
def note(exercice_id):
    exercice = _exercice(exercice_id)
    form = NoteForm()
    if form.validate_on_submit():
        perform(lambda: services.ecrire_note(current_user, exercice, form.texte.data),
                "Note ajoutée au journal d'animation.")
    else:
        flash("La note est vide.", "error")
    return _retour(exercice)


@bp.route("/<int:exercice_id>/injects.csv")
def export_injects(exercice_id):
    exercice = _exercice(exercice_id)
    now = utcnow()
    liste = ListeInjects(exercice, now)
    return file_response(to_csv(liste), "text/csv",
                         export_filename(f"injects-{exercice.id}", "csv", now, exercice=True))


# --- The players --------------------------------------------------------------------------

def _avancer_mes_exercices() -> None:
    for exercice in db.session.scalars(sa.select(Exercice).where(
            Exercice.id.in_(livraisons.joue_dans(current_user)))).all():
        avancer_sans_bloquer(exercice)


@bp.route("/boite")
def boite():
    _avancer_mes_exercices()
    lignes = db.session.scalars(livraisons.boite_query(current_user).limit(200)).all()
    return render_template("exercices/boite.html", lignes=lignes)


@bp.route("/boite/fragment")
def boite_fragment():
    _avancer_mes_exercices()
    lignes = db.session.scalars(livraisons.boite_query(current_user).limit(20)).all()
    return render_template("exercices/_boite.html", lignes=lignes,
                           non_lus=livraisons.non_lus(current_user))


def _ligne(destinataire_id) -> Destinataire:
    ligne = db.session.scalar(livraisons.boite_query(current_user)
                              .where(Destinataire.id == destinataire_id))
    if ligne is None:
        abort(404)  # not addressed to this player: its existence is not revealed
    return ligne


@bp.route("/boite/<int:destinataire_id>")
def inject(destinataire_id):
    ligne = _ligne(destinataire_id)
    exercice = db.session.get(Exercice, ligne.livraison.exercice_id)
    plan = plan_de(exercice.source)
    figurants = db.session.scalars(sa.select(Figurant).where(
        Figurant.livraison_id == ligne.livraison_id).order_by(Figurant.id)).all()
    return render_template("exercices/inject.html", ligne=ligne, livraison=ligne.livraison,
                           exercice=exercice, evenement=exercice.evenement,
                           figurants=figurants, t0=plan.t0, format_relatif=format_relatif)


@bp.route("/boite/<int:destinataire_id>/acquitter", methods=["POST"])
def acquitter(destinataire_id):
    ligne = _ligne(destinataire_id)
    perform(lambda: livraisons.acquitter(current_user, ligne),
            lambda fait: "Prise de connaissance enregistrée." if fait
            else "Vous (ou un autre joueur du même poste) en aviez déjà pris connaissance.")
    return redirect(url_for("exercices.inject", destinataire_id=ligne.id))


# --- Observers ----------------------------------------------------------------------------

def _observateur_form(exercice, form=None) -> ObservateurForm:
    donnees = plan_de(exercice.source).donnees
    form = form or ObservateurForm(formdata=None)
    comptes = db.session.scalars(sa.select(User).where(
        User.actif.is_(True), User.role.in_(OBSERVATION_ROLES)).order_by(User.nom)).all()
    form.observateur.choices = choices([("", "—")] + [(str(u.id), f"{u} — {u.role_label}")
                                                      for u in comptes])
    form.objectifs.choices = choices((o["id"], f"{o['id']} — {o['libelle']}")
                                     for o in donnees["objectifs"])
    form.mairies.choices = choices((c, c) for c in donnees["participants"].get("mairies") or [])
    return form


@bp.route("/<int:exercice_id>/observateurs", methods=["POST"])
def nommer_observateur(exercice_id):
    exercice = _exercice(exercice_id)
    form = _observateur_form(exercice, ObservateurForm())
    if form.validate_on_submit():
        user = db.session.get(User, int(form.observateur.data)) \
            if (form.observateur.data or "").isdigit() else None
        if user is None:
            flash("Choisissez un compte dans la liste.", "error")
            return _retour(exercice)
        ok, resultat = submit(form, lambda: observation.nommer_observateur(
            current_user, exercice, user, objectifs=form.objectifs.data or [],
            mairies=form.mairies.data or []))
        if ok:
            flash(f"{user} observe cet exercice." if resultat[1]
                  else f"Ce que {user} observe a été modifié.", "success")
            return redirect(url_for("exercices.console", exercice_id=exercice.id,
                                    _anchor="observateurs"))
    return _console_page(exercice, observateur_form=form, status=422)
