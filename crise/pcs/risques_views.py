"""The risks of Paris and the DICRIM page of each mairie."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.care.services import sites_for
from crise.db import utcnow
from crise.evenements.models import TypeEvenement
from crise.extensions import db
from crise.forms import choices, statut_du_formulaire, submit, version_vue
from crise.mairies.models import mairie_by_code, mairies_ordered
from crise.pcs import bp, risques
from crise.pcs.forms import RisqueForm
from crise.pcs.models import Risque, can_edit_fiches
from crise.pcs.risques import RisqueData
from crise.retex import obligation
from crise.retex.actions import gere_le_plan


@bp.route("/risques")
def risques_page():
    # The five-year duty per type of risk (the RETEX's page), for those who run the plan.
    exercices = ({o.type.value: o for o in obligation.obligations()}
                 if gere_le_plan(current_user) or current_user.is_admin else None)
    return render_template("pcs/risques.html", risques=risques.risques_actifs(),
                           mairies=mairies_ordered(), peut_ecrire=can_edit_fiches(current_user),
                           types={t.value: t.label for t in TypeEvenement}, exercices=exercices)


@bp.route("/risques/nouveau", methods=["GET", "POST"])
@bp.route("/risques/<int:risque_id>", methods=["GET", "POST"])
def risque(risque_id=None):
    risque = db.session.get(Risque, risque_id) if risque_id is not None else None
    if risque_id is not None and risque is None:
        abort(404)
    if not can_edit_fiches(current_user):
        abort(403)
    form = RisqueForm(obj=risque if request.method == "GET" else None)
    form.type_evenement.choices = choices([("", "—")] + [(t.value, t.label)
                                                         for t in TypeEvenement])
    form.arrondissements.choices = choices(
        (str(a), "1er" if a == 1 else f"{a}e") for a in risques.TOUT_PARIS)
    if request.method == "GET" and risque is not None:
        form.version.data = risque.version
        form.arrondissements.data = [str(a) for a in risque.arrondissements]
    if form.validate_on_submit():
        data = RisqueData(titre=form.titre.data or "",
                          type_evenement=form.type_evenement.data or "",
                          arrondissements=tuple(form.arrondissements.data or ()),
                          description=form.description.data or "",
                          mesures_ville=form.mesures_ville.data or "",
                          consignes=form.consignes.data or "", actif=form.actif.data)
        ok, saved = submit(form, lambda: risques.enregistrer_risque(
            current_user, risque, data, version_vue=version_vue(form) if risque else None))
        if ok:
            flash(f"Risque « {saved.titre} » enregistré.", "success")
            return redirect(url_for("pcs.risques_page"))
    status = statut_du_formulaire(form, risque)
    return render_template("pcs/risque_form.html", form=form, risque=risque), status


@bp.route("/dicrim/<code>")
def dicrim(code):
    """The DICRIM-style page of a mairie: public information, printable."""
    mairie = mairie_by_code(code)
    if mairie is None:
        abort(404)
    concernes = [r for r in risques.risques_actifs() if r.concerne(mairie.arrondissements)]
    sites = [s for s in sites_for(mairie.id) if s.usage_care or s.usage_frais
             or s.usage_hebergement]
    return render_template("pcs/dicrim.html", mairie=mairie, risques=concernes, sites=sites,
                           now=utcnow())
