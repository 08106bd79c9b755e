"""The PCS's home and the means the mairies hold."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.care.services import sites_in_scope
from crise.db import utcnow
from crise.extensions import db
from crise.formatting import fin_du_mois
from crise.forms import choices, perform, statut_du_formulaire, submit, version_vue
from crise.mairies.models import mairie_by_code, mairies_ordered
from crise.pcs import annuaire, bp, moyens
from crise.retex.actions import gere_le_plan
from crise.pcs.forms import MoyenForm
from crise.pcs.models import Moyen, lit_le_pcs, tient_le_pcs
from crise.pcs.moyens import MoyenData


@bp.before_request
def reserve_au_personnel():
    """The PCS (sites, phone numbers of the astreintes) is for those who work the crises; an
    exercise's external observer sees only their grid."""
    if current_user.is_authenticated and not lit_le_pcs(current_user):
        abort(403)


@bp.route("/")
def index():
    """What the PCS holds, and what the user's mairie must check this month."""
    now = utcnow()
    fin = fin_du_mois(now)
    sites = sites_in_scope(current_user)
    nb_contacts = annuaire.a_verifier_ce_mois(current_user, now=now)
    stocks = [m for m in moyens.moyens_in_scope(current_user)
              if m.perime_avant(fin) and m.can_edit(current_user)]
    return render_template(
        "pcs/index.html", now=now, sites=sites, contacts_a_verifier=nb_contacts,
        sites_a_verifier=[s for s in sites if s.actif and s.perime_avant(fin)
                          and s.can_edit(current_user)],
        moyens_a_verifier=stocks, peut_gerer=tient_le_pcs(current_user),
        voit_obligation=gere_le_plan(current_user) or current_user.is_admin)


@bp.route("/moyens")
def moyens_page():
    now = utcnow()
    return render_template("pcs/moyens.html", moyens=moyens.moyens_in_scope(current_user),
                           now=now, peut_gerer=tient_le_pcs(current_user))


@bp.route("/moyens/nouveau", methods=["GET", "POST"])
@bp.route("/moyens/<int:moyen_id>", methods=["GET", "POST"])
def moyen(moyen_id=None):
    if not tient_le_pcs(current_user):
        abort(403)
    moyen = None
    if moyen_id is not None:
        moyen = db.session.get(Moyen, moyen_id)
        if moyen is None or not moyen.can_view(current_user):
            abort(404)
        if not moyen.can_edit(current_user):
            abort(403)
    form = MoyenForm(obj=moyen if request.method == "GET" else None)
    mairies = ([moyen.mairie] if moyen else mairies_ordered() if current_user.is_central
               else [current_user.mairie])
    form.mairie.choices = choices((m.code, m.nom) for m in mairies)
    mairie = moyen.mairie if moyen else (mairie_by_code(form.mairie.data) or mairies[0])
    sites = [s for s in sites_in_scope(current_user) if s.mairie_id in {m.id for m in mairies}]
    form.site_id.choices = choices([("", "— Aucun (préciser le lieu) —")] + [
        (str(s.id), f"{s.mairie.nom_court} — {s.nom}") for s in sites])
    if request.method == "GET" and moyen is not None:
        form.version.data = moyen.version
        form.site_id.data = str(moyen.site_id or "")
    if form.validate_on_submit():
        data = MoyenData(categorie=form.categorie.data or "", libelle=form.libelle.data or "",
                         quantite=form.quantite.data,
                         site_id=int(form.site_id.data) if (form.site_id.data or "").isdigit()
                         else None, lieu=form.lieu.data or "", verifie=form.verifie.data)
        ok, saved = submit(form, lambda: moyens.enregistrer_moyen(
            current_user, moyen, mairie=mairie, data=data,
            version_vue=version_vue(form) if moyen else None))
        if ok:
            flash(f"Moyen « {saved.libelle} » enregistré : {saved.quantite}.", "success")
            return redirect(url_for("pcs.moyens_page"))
    status = statut_du_formulaire(form, moyen)
    return render_template("pcs/moyen_form.html", form=form, moyen=moyen), status


@bp.route("/moyens/<int:moyen_id>/supprimer", methods=["POST"])
def moyen_supprimer(moyen_id):
    moyen = db.session.get(Moyen, moyen_id)
    if moyen is None or not moyen.can_view(current_user):
        abort(404)
    libelle = moyen.libelle
    perform(lambda: moyens.supprimer_moyen(current_user, moyen),
            f"Moyen « {libelle} » supprimé.")
    return redirect(url_for("pcs.moyens_page"))
