"""The support cells of a C.A.RE (médico-psychologique, matérielle, administrative et
juridique, hébergement): orienting a person, each cell's live board, its statuses."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from crise.care import bp, services
from crise.care.models import CELLULE_SOUTIEN_LABELS, CelluleSoutien, Orientation
from crise.care.views import get_centre_or_404, get_personne_or_404, vu
from crise.extensions import db
from crise.forms import perform


# --- Support cells ----------------------------------------------------------------------


@bp.route("/personnes/<int:personne_id>/orienter", methods=["POST"])
def orienter(personne_id):
    personne = get_personne_or_404(personne_id, edit=True)
    perform(lambda: services.orienter(current_user, personne, request.form.get("cellule", ""),
                                      note=request.form.get("note", "")),
            lambda orientation: f"Orienté(e) vers : {orientation.cellule_label}.")
    return redirect(url_for("care.personne", personne_id=personne.id))


def _centre_et_cellule(centre_id: int, cellule: str):
    """The C.A.RE (its people visible to the user) and one of its support cells, or 404/403."""
    centre = get_centre_or_404(centre_id)
    if not centre.can_view_people(current_user):
        abort(403)
    try:
        return centre, CelluleSoutien(cellule)
    except ValueError:
        abort(404)


@bp.route("/<int:centre_id>/cellules/<cellule>")
def cellule_soutien(centre_id, cellule):
    centre, cellule = _centre_et_cellule(centre_id, cellule)
    return render_template("care/cellule_soutien.html", centre=centre, evenement=centre.evenement,
                           cellule=cellule, board=_file_vue(centre, cellule),
                           cellules=CELLULE_SOUTIEN_LABELS)


@bp.route("/<int:centre_id>/cellules/<cellule>/tableau")
def cellule_soutien_file(centre_id, cellule):
    """The board alone, fetched again every few seconds by the page."""
    centre, cellule = _centre_et_cellule(centre_id, cellule)
    return render_template("care/_file_cellule_soutien.html", centre=centre, cellule=cellule,
                           board=_file_vue(centre, cellule))


def _file_vue(centre, cellule) -> dict:
    board = services.file_cellule_soutien(centre, cellule)
    vus = [o.personne for rows in board.values() for o in rows]
    vu(centre, "cellule_soutien", f"{centre.id}-{cellule}", vus,
        f"Tableau de la cellule {CELLULE_SOUTIEN_LABELS[cellule]} du C.A.RE {centre.nom} : "
        f"{len(vus)} personne(s)")
    return board


@bp.route("/orientations/<int:orientation_id>/<statut>", methods=["POST"])
def orientation_statut(orientation_id, statut):
    orientation = db.session.get(Orientation, orientation_id)
    if orientation is None or not orientation.personne.can_view(current_user):
        abort(404)
    perform(lambda: services.changer_orientation(current_user, orientation, statut))
    return redirect(url_for("care.cellule_soutien", centre_id=orientation.centre_id,
                            cellule=orientation.cellule))
