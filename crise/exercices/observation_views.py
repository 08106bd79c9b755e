"""The observers' pages: the grid and the notes, made for a tablet held in one hand. Thin
views over crise.exercices.observation."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.db import utcnow
from crise.exercices import bp, observation
from crise.exercices.acces import exercice_observe
from crise.exercices.forms import NoteObservationForm
from crise.exercices.models import NOTES_GRILLE, Livraison
from crise.exercices.partie import instant
from crise.exercices.plan import plan_de
from crise.exercices.temps import format_relatif
from crise.extensions import db
from crise.forms import choices, perform, submit


def note_form(exercice, form=None) -> NoteObservationForm:
    donnees = plan_de(exercice.source).donnees
    form = form or NoteObservationForm(formdata=None)
    form.objectif.choices = choices([("", "—")] + [(o["id"], f"{o['id']} — {o['libelle']}")
                                                   for o in donnees["objectifs"]])
    observateur = observation.observateur_de(exercice, current_user)
    mairies = (observateur.mairies if observateur and observateur.mairies
               else donnees["participants"].get("mairies") or [])
    form.mairie.choices = choices([("", "—")] + [(c, c) for c in mairies])
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
    return _page(exercice_observe(exercice_id))


@bp.route("/<int:exercice_id>/observation/grille/<grille_id>", methods=["POST"])
def evaluer(exercice_id, grille_id):
    exercice = exercice_observe(exercice_id)
    # No version sent (a stale or forged form): taken as a form showing no rating yet.
    version = request.form.get("version", default=0, type=int)
    perform(lambda: observation.evaluer(
        current_user, exercice, grille_id[:64], (request.form.get("note") or "")[:2],
        request.form.get("commentaire") or "", version=version),
        f"{grille_id[:64]} : note enregistrée.")
    return redirect(url_for("exercices.observation_page", exercice_id=exercice.id,
                            _anchor=f"item-{grille_id[:64]}"))


@bp.route("/<int:exercice_id>/observation/notes", methods=["POST"])
def noter(exercice_id):
    exercice = exercice_observe(exercice_id)
    form = note_form(exercice, NoteObservationForm())
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: observation.noter_observation(
            current_user, exercice, form.texte.data, objectif=form.objectif.data or "",
            mairie=form.mairie.data or "",
            livraison_id=int(form.inject.data) if (form.inject.data or "").isdigit() else None))
        if ok:
            flash("Note enregistrée.", "success")
            return redirect(url_for("exercices.observation_page", exercice_id=exercice.id))
    return _page(exercice, form=form, status=422)
