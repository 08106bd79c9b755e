"""A person's consents, purpose by purpose, from their record: given orally or in writing,
refused, withdrawn with the person's reason, or passed over for vital interest."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from crise.care import bp, services
from crise.care.models import FINALITES
from crise.care.views import DepartForm, _personne_page, get_personne_or_404
from crise.db import in_transaction
from crise.errors import ServiceError

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
        return redirect(url_for("care.personne", personne_id=personne.id))
    donne, mode = action
    motif = request.form.get("motif", "")
    vu = request.form.get("etat_vu")
    try:
        etape = in_transaction(lambda: services.changer_consentement(
            current_user, personne, finalite, donne=donne, mode=mode, motif=motif,
            etat_vu=None if vu not in ("0", "1") else vu == "1"))
    except ServiceError as error:
        # Said in its row, what was typed kept (a flash at the top went unseen).
        return _personne_page(personne, DepartForm(), 422, consentement_refus={
            "finalite": finalite, "message": error.message, "motif": motif[:2000]})
    flash(f"« {FINALITES[finalite]} » : c'était déjà noté ainsi." if etape is None
          else f"« {FINALITES[finalite]} » : noté.", "success")
    return redirect(url_for("care.personne", personne_id=personne.id) + "#consentements")
