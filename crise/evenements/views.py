from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.audit.services import history as audit_history
from crise.auth.decorators import role_required
from crise.auth.models import Role
from crise.db import utcnow
from crise.evenements import bp, services
from crise.evenements.forms import EvenementForm, ScopInformeeForm
from crise.evenements.models import CREATE_ROLES, Statut, get_evenement_or_404
from crise.extensions import db
from crise.http import page_number
from crise.forms import perform, submit
from crise.mairies.models import mairies_ordered
from crise.signals import contributions, page_accueil, page_evenement

PAGE_SIZE = 50


@bp.route("/")
def index():
    statut = request.args.get("statut", "actifs")
    nature = request.args.get("nature", "tous")
    page = page_number()
    exercice = {"reels": False, "exercices": True}.get(nature)
    query = services.visible_evenements_query(
        current_user, statut=Statut.EN_COURS if statut == "actifs" else
        (Statut.CLOS if statut == "clos" else None), exercice=exercice)
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("evenements/index.html", pagination=pagination,
                           evenements=pagination.items, statut=statut, nature=nature,
                           **contributions(page_accueil, current_user._get_current_object()))


def _data_from(form, mairies) -> services.EvenementData:
    by_code = {m.code: m for m in mairies}
    return services.EvenementData(
        titre=form.titre.data, type=form.type.data, survenu_at=form.survenu_at.data,
        fin_at=form.fin_at.data, lieu=form.lieu.data, description=form.description.data,
        exercice=form.exercice.data, source_information=form.source_information.data,
        source_detail=form.source_detail.data,
        mairies=[by_code[c] for c in form.mairies.data or [] if c in by_code])


@bp.route("/nouveau", methods=["GET", "POST"])
@role_required(*CREATE_ROLES)
def create():
    mairies = mairies_ordered()
    form = EvenementForm()
    form.set_choices(mairies)
    if request.method == "GET":
        form.survenu_at.data = utcnow().replace(second=0, microsecond=0)
        if current_user.mairie:
            form.mairies.data = [current_user.mairie.code]
        if current_user.has_role(Role.ANIMATEUR):
            form.exercice.data = True
        form.new_jeton()
    if form.validate_on_submit():
        ok, result = submit(form, lambda: services.declarer_evenement(
            current_user, _data_from(form, mairies), jeton=form.jeton.data),
            retry_conflict=True)
        if ok:
            evenement, created = result
            if created:
                flash(f"Événement « {evenement.titre} » déclaré.", "success")
            return redirect(url_for("evenements.detail", evenement_id=evenement.id))
    return render_template("evenements/form.html", form=form, evenement=None)


@bp.route("/<int:evenement_id>")
def detail(evenement_id):
    evenement = get_evenement_or_404(evenement_id, current_user)
    scop_form = ScopInformeeForm()
    if evenement.scop_non_informee:
        scop_form.informed_at.data = utcnow().replace(second=0, microsecond=0)
    return _detail(evenement, scop_form)


def _detail(evenement, scop_form, status=200):
    """The event page; C.A.RE, SCOP, housing and cellule add their parts (crise.signals)."""
    return render_template("evenements/detail.html", evenement=evenement, scop_form=scop_form,
                           history=audit_history("evenement", evenement.id),
                           **contributions(page_evenement, evenement,
                                           user=current_user._get_current_object())), status


@bp.route("/<int:evenement_id>/modifier", methods=["GET", "POST"])
@role_required(*CREATE_ROLES)
def edit(evenement_id):
    evenement = get_evenement_or_404(evenement_id, current_user, edit=True)
    mairies = mairies_ordered()
    form = EvenementForm(obj=evenement if request.method == "GET" else None)
    form.set_choices(mairies)
    if request.method == "GET":
        form.mairies.data = [m.code for m in evenement.mairies]
    if form.validate_on_submit():
        data = _data_from(form, mairies)
        data.exercice = evenement.exercice  # fixed at creation, not on the edit form
        ok, _ = submit(form, lambda: services.modifier_evenement(current_user, evenement, data))
        if ok:
            flash("Événement enregistré.", "success")
            return redirect(url_for("evenements.detail", evenement_id=evenement.id))
    return render_template("evenements/form.html", form=form, evenement=evenement)


@bp.route("/<int:evenement_id>/scop-informee", methods=["POST"])
@role_required(*CREATE_ROLES)
def scop_informee(evenement_id):
    evenement = get_evenement_or_404(evenement_id, current_user, edit=True)
    form = ScopInformeeForm()
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.noter_scop_informee(
            current_user, evenement, informed_at=form.informed_at.data,
            contact=form.contact.data))
        if ok:
            flash("Information de la SCOP enregistrée.", "success")
            return redirect(url_for("evenements.detail", evenement_id=evenement.id))
    return _detail(evenement, form, 422)


@bp.route("/<int:evenement_id>/clore", methods=["POST"])
@role_required(*CREATE_ROLES)
def close(evenement_id):
    evenement = get_evenement_or_404(evenement_id, current_user, edit=True)
    malgre = request.form.get("malgre_demandes") == "1"
    perform(lambda: services.clore_evenement(current_user, evenement, malgre_demandes=malgre),
            lambda restent: "Clôture acceptée pour votre mairie ; l'événement reste en cours "
            "jusqu'à l'accord de : " + ", ".join(m.nom_court for m in restent)
            + " (ou sa clôture par la cellule)." if restent else "Événement clos.")
    return redirect(url_for("evenements.detail", evenement_id=evenement.id))


@bp.route("/<int:evenement_id>/rouvrir", methods=["POST"])
@role_required(*CREATE_ROLES)
def reopen(evenement_id):
    evenement = get_evenement_or_404(evenement_id, current_user, edit=True)
    return _status_change(evenement, services.rouvrir_evenement, "Événement rouvert.")


def _status_change(evenement, change, message):
    perform(lambda: change(current_user, evenement), message)
    return redirect(url_for("evenements.detail", evenement_id=evenement.id))
