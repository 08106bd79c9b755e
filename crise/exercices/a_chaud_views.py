"""The hot wash's pages: the player's questionnaire, the animateur's live synthesis and the
choice of anonymity. Thin views over crise.exercices.a_chaud."""

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from crise.exercices import a_chaud, bp
from crise.exercices.acces import exercice_anime, exercice_joue
from crise.exercices.models import ECHELLE_A_CHAUD
from crise.forms import perform


@bp.route("/<int:exercice_id>/a-chaud/repondre", methods=["GET", "POST"])
def repondre_a_chaud(exercice_id):
    exercice = exercice_joue(exercice_id)
    questions, categories = a_chaud.questionnaire(exercice)
    deja = a_chaud.a_repondu(current_user, exercice)
    status = 200
    if request.method == "POST" and not deja:
        reponses = [request.form.get(f"q{i}", "") for i in range(len(questions))]
        notes = {c: request.form.get(f"c{i}", type=int) for i, c in enumerate(categories)
                 if request.form.get(f"c{i}")}
        annonce = {"1": True, "0": False}.get(request.form.get("anonyme"))
        if perform(lambda: a_chaud.repondre(current_user, exercice, reponses, notes,
                                            anonyme_annonce=annonce),
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
