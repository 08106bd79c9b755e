"""The observers' pages (the grid and the notes, made for a tablet held in one hand) and the
animateur's naming of observers: thin views over crise.exercices.observation."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.db import utcnow
from crise.exercices import a_chaud, bp, observation
from crise.exercices.forms import NoteObservationForm
from crise.exercices.models import (ECHELLE_A_CHAUD, NOTES_GRILLE, Exercice, Joueur, Livraison,
                                    can_animate)
from crise.exercices.partie import instant
from crise.exercices.plan import plan_de
from crise.exercices.temps import format_relatif
from crise.extensions import db
from crise.forms import choices, perform, submit


def exercice_anime(exercice_id) -> Exercice:
    """A run, for an animateur (403 for anyone else, 404 if there is none)."""
    if not can_animate(current_user):
        abort(403)
    exercice = db.session.get(Exercice, exercice_id)
    if exercice is None:
        abort(404)
    return exercice


def _observee(exercice_id) -> Exercice:
    exercice = db.session.get(Exercice, exercice_id)
    if exercice is None:
        abort(404)
    if not observation.peut_observer(current_user, exercice):
        abort(403)
    return exercice


def note_form(exercice, form=None) -> NoteObservationForm:
    donnees = plan_de(exercice.source).donnees
    form = form or NoteObservationForm(formdata=None)
    form.objectif.choices = choices([("", "—")] + [(o["id"], f"{o['id']} — {o['libelle']}")
                                                   for o in donnees["objectifs"]])
    form.mairie.choices = choices([("", "—")] + [(c, c) for c in donnees["participants"]
                                                 .get("mairies") or []])
    livrees = db.session.scalars(sa.select(Livraison).where(
        Livraison.exercice_id == exercice.id, Livraison.envoye.is_(True))
        .order_by(Livraison.livre_at.desc()).limit(100)).all()
    form.inject.choices = choices([("", "—")] + [(str(l.id), f"{l.inject_id or 'libre'} — "
                                                  f"{l.titre[:60]}") for l in livrees])
    return form


def _page(exercice, *, form=None, status=200):
    plan = plan_de(exercice.source)
    moment = instant(exercice, utcnow(), plan) if exercice.debex_at else None
    notes = db.session.scalars(observation.notes_query(exercice, current_user).limit(50)).all()
    return render_template(
        "exercices/observation.html", exercice=exercice, evenement=exercice.evenement,
        grille=observation.grille_pour(current_user, exercice),
        evaluations=observation.evaluations_de(current_user, exercice), notes_grille=NOTES_GRILLE,
        note_form=note_form(exercice, form), notes=notes, moment=moment, t0=plan.t0,
        format_relatif=format_relatif), status


@bp.route("/<int:exercice_id>/observation")
def observation_page(exercice_id):
    return _page(_observee(exercice_id))


@bp.route("/<int:exercice_id>/observation/grille/<grille_id>", methods=["POST"])
def evaluer(exercice_id, grille_id):
    exercice = _observee(exercice_id)
    version = request.form.get("version", type=int)
    perform(lambda: observation.evaluer(
        current_user, exercice, grille_id[:64], (request.form.get("note") or "")[:2],
        request.form.get("commentaire") or "", version=version),
        f"{grille_id[:64]} : note enregistrée.")
    return redirect(url_for("exercices.observation_page", exercice_id=exercice.id,
                            _anchor=f"item-{grille_id[:64]}"))


@bp.route("/<int:exercice_id>/observation/notes", methods=["POST"])
def noter(exercice_id):
    exercice = _observee(exercice_id)
    form = note_form(exercice, NoteObservationForm())
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: observation.noter_observation(
            current_user, exercice, form.texte.data, objectif=form.objectif.data or "",
            mairie=form.mairie.data or "",
            livraison_id=int(form.inject.data) if form.inject.data else None))
        if ok:
            flash("Note enregistrée.", "success")
            return redirect(url_for("exercices.observation_page", exercice_id=exercice.id))
    return _page(exercice, form=form, status=422)


# --- The hot wash ---------------------------------------------------------------------------

def _joueur_de(exercice_id) -> Exercice:
    exercice = db.session.get(Exercice, exercice_id)
    if exercice is None or not db.session.scalar(sa.select(sa.func.count()).select_from(Joueur)
                                                 .where(Joueur.exercice_id == exercice.id,
                                                        Joueur.user_id == current_user.id)):
        abort(404)
    return exercice


@bp.route("/<int:exercice_id>/a-chaud/repondre", methods=["GET", "POST"])
def repondre_a_chaud(exercice_id):
    exercice = _joueur_de(exercice_id)
    questions, categories = a_chaud.questionnaire(exercice)
    deja = a_chaud.a_repondu(current_user, exercice)
    status = 200
    if request.method == "POST" and not deja:
        reponses = [request.form.get(f"q{i}", "") for i in range(len(questions))]
        notes = {c: request.form.get(f"c{i}", type=int) for i, c in enumerate(categories)
                 if request.form.get(f"c{i}")}
        if perform(lambda: a_chaud.repondre(current_user, exercice, reponses, notes),
                   "Merci : vos réponses sont enregistrées."):
            return redirect(url_for("evenements.index"))
        status = 422
    return render_template("exercices/a_chaud_repondre.html", exercice=exercice,
                           evenement=exercice.evenement, questions=questions,
                           categories=categories, echelle=ECHELLE_A_CHAUD, deja=deja,
                           form=request.form if request.method == "POST" else {}), status


def _synthese_page(template, exercice_id):
    exercice = exercice_anime(exercice_id)
    return render_template(template, exercice=exercice, evenement=exercice.evenement,
                           echelle=ECHELLE_A_CHAUD, **a_chaud.synthese_a_chaud(exercice))


@bp.route("/<int:exercice_id>/a-chaud")
def a_chaud_page(exercice_id):
    return _synthese_page("exercices/a_chaud.html", exercice_id)


@bp.route("/<int:exercice_id>/a-chaud/fragment")
def a_chaud_fragment(exercice_id):
    return _synthese_page("exercices/_a_chaud.html", exercice_id)


@bp.route("/<int:exercice_id>/a-chaud/anonymat", methods=["POST"])
def anonymat(exercice_id):
    exercice = exercice_anime(exercice_id)
    anonyme = request.form.get("anonyme") == "1"
    perform(lambda: a_chaud.choisir_anonymat(current_user, exercice, anonyme),
            "Les réponses du RETEX à chaud seront anonymes." if anonyme
            else "Les réponses du RETEX à chaud seront signées.")
    return redirect(url_for("exercices.console", exercice_id=exercice.id))
