"""The sites de repli of the mairies (the PCS): where a C.A.RE, a cooled room or a shelter
can open, with what it holds, checked on the ground and when."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.auth.models import Role
from crise.care import bp, services
from crise.care.forms import SiteForm
from crise.care.models import (SITE_CATEGORIES, SITE_EQUIPEMENTS, SITE_USAGES, Site,
                               can_manage_centres)
from crise.care.services import SiteData
from crise.db import utcnow
from crise.extensions import db
from crise.formatting import fin_du_mois
from crise.forms import choices, perform, statut_du_formulaire, submit, version_vue
from crise.mairies.models import mairie_by_code, mairies_ordered


def _site_or_404(site_id: int, *, edit: bool = False) -> Site:
    if current_user.has_role(Role.OBSERVATEUR):
        abort(403)
    site = db.session.get(Site, site_id)
    if site is None or not site.can_view(current_user):
        abort(404)
    if edit and not site.can_edit(current_user):
        abort(403)
    return site


@bp.route("/sites")
def sites():
    """Every site in the user's scope, read by all who work there, kept by the crisis lead."""
    if current_user.has_role(Role.OBSERVATEUR):
        abort(403)
    filtre = request.args.get("usage", "")
    liste = services.sites_in_scope(current_user)
    if filtre in SITE_USAGES:
        liste = [s for s in liste if getattr(s, f"usage_{filtre}")]
    now = utcnow()
    return render_template(
        "care/sites.html", sites=liste, usages=SITE_USAGES, filtre=filtre, now=now,
        fin_du_mois=fin_du_mois(now), peut_gerer=can_manage_centres(current_user))


@bp.route("/sites/nouveau", methods=["GET", "POST"])
@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
def site(site_id=None):
    if not can_manage_centres(current_user):
        if site_id is None or request.method == "POST":
            abort(403)
        return render_template("care/site.html", site=_site_or_404(site_id))
    site = _site_or_404(site_id) if site_id is not None else None
    form = SiteForm(obj=site if request.method == "GET" else None)
    mairies = mairies_ordered() if current_user.is_central else [current_user.mairie]
    form.mairie.choices = choices((m.code, m.nom) for m in mairies)
    mairie = site.mairie if site else (mairie_by_code(form.mairie.data) or mairies[0])
    form.arrondissement.choices = choices([("", "—")] + [
        (str(a), "1er" if a == 1 else f"{a}e") for m in mairies for a in m.arrondissements])
    if request.method == "GET":
        form.mairie.data = mairie.code
        if site is None:
            form.actif.data = True
        else:
            form.version.data = site.version
            form.arrondissement.data = str(site.arrondissement or "")
            form.usages.data = [c for c in SITE_USAGES if getattr(site, f"usage_{c}")]
            form.equipements.data = [c for c in SITE_EQUIPEMENTS if getattr(site, c)]
    if form.validate_on_submit():
        mairie = site.mairie if site else mairie_by_code(form.mairie.data)
        if mairie is None:
            form.mairie.errors = ["Choisissez la mairie du site."]
        else:
            data = SiteData(
                nom=form.nom.data or "", adresse=form.adresse.data or "",
                capacite=form.capacite.data, capacite_couchage=form.capacite_couchage.data,
                categorie=form.categorie.data or "", usages=tuple(form.usages.data or ()),
                arrondissement=int(form.arrondissement.data) if (
                    form.arrondissement.data or "").isdigit() else None,
                equipements=tuple(form.equipements.data or ()), cles=form.cles.data or "",
                latitude=form.latitude.data, longitude=form.longitude.data,
                actif=form.actif.data, verifie=form.verifie.data)
            ok, saved = submit(form, lambda: services.enregistrer_site(
                current_user, site, mairie=mairie, data=data,
                version_vue=version_vue(form) if site else None))
            if ok:
                flash(f"Site « {saved.nom} » enregistré.", "success")
                return redirect(url_for("care.sites"))
    return render_template("care/site_form.html", form=form, site=site,
                           categories=SITE_CATEGORIES), statut_du_formulaire(form, site)


@bp.route("/sites/<int:site_id>/verifie", methods=["POST"])
def site_verifie(site_id):
    site = _site_or_404(site_id, edit=True)
    perform(lambda: services.verifier_site(current_user, site),
            lambda s: f"Site « {s.nom} » noté vérifié aujourd'hui.")
    if request.form.get("retour") == "site":
        return redirect(url_for("care.site", site_id=site.id))
    return redirect(url_for("care.sites"))


@bp.route("/sites/<int:site_id>/supprimer", methods=["POST"])
def site_supprimer(site_id):
    site = _site_or_404(site_id, edit=True)
    nom = site.nom
    if perform(lambda: services.supprimer_site(current_user, site),
               lambda _: f"Site « {nom} » supprimé."):
        return redirect(url_for("care.sites"))
    return redirect(url_for("care.site", site_id=site_id))
