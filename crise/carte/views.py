"""The situation map's pages: an event's (the cellule's and the mairies'), the PCS's sites.
Drawn by the server as SVG: no script needed, prints on A4, refreshes itself like the
boards."""

from flask import abort, render_template, request
from flask_login import current_user

from crise.carte import bp, geometrie, situation
from crise.evenements.models import get_evenement_or_404
from crise.pcs.models import lit_le_pcs


@bp.before_request
def reserve_au_personnel():
    if current_user.is_authenticated and not lit_le_pcs(current_user):
        abort(403)


@bp.route("/")
def pcs():
    usage = request.args.get("usage", "")
    carte = situation.carte_pcs(current_user, usage)
    return render_template("carte/pcs.html", carte=carte, usage=usage,
                           attribution=geometrie.ATTRIBUTION)


@bp.route("/evenements/<int:evenement_id>")
def evenement(evenement_id):
    evenement = get_evenement_or_404(evenement_id, current_user)
    carte = situation.carte_evenement(current_user, evenement)
    gabarit = "carte/_evenement.html" if request.args.get("partiel") else \
        "carte/evenement.html"
    return render_template(gabarit, carte=carte, evenement=evenement,
                           attribution=geometrie.ATTRIBUTION)
