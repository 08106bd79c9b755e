"""A person's consents, purpose by purpose, from their record: given orally or in writing,
refused, withdrawn with the person's reason, or passed over for vital interest."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from crise.care import bp, services
from crise.care.models import FINALITES
from crise.care.views import get_personne_or_404
from crise.forms import perform

# The buttons of the record's consent part: (given?, how).
ACTIONS = {"oral": (True, "oral"), "ecrit": (True, "ecrit"), "refus": (False, "oral"),
           "retrait": (False, "oral"), "interet_vital": (True, "interet_vital")}


@bp.route("/personnes/<int:personne_id>/consentements", methods=["POST"])
def consentement(personne_id):
    personne = get_personne_or_404(personne_id)
    finalite = request.form.get("finalite", "")
    action = ACTIONS.get(request.form.get("action", ""))
    if finalite not in FINALITES or action is None:
        flash("Choisissez un consentement et ce qui a été dit.", "error")
    else:
        donne, mode = action
        perform(lambda: services.changer_consentement(
            current_user, personne, finalite, donne=donne, mode=mode,
            motif=request.form.get("motif", "")),
            lambda etape: (f"« {FINALITES[finalite]} » : c'était déjà noté ainsi."
                           if etape is None else f"« {FINALITES[finalite]} » : noté."))
    return redirect(url_for("care.personne", personne_id=personne.id) + "#consentements")
