"""The data protection's page, for the administrator: the retention rules, the legal holds,
what the next run would do, the runs done, the audit trail's chain."""

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.audit import chaine
from crise.audit.models import AuditEntry
from crise.evenements.models import Evenement
from crise.extensions import db
from crise.forms import choices, perform, submit
from crise.db import utcnow
from crise.formatting import file_stamp, format_datetime
from crise.http import file_response
from crise.rgpd import bp, conservation, documents, registre
from crise.rgpd.forms import ConservationForm, GelForm, LeverGelForm
from crise.rgpd.models import REGLES, GelJuridique, gere_la_protection, traite_les_droits


@bp.before_request
def _acces():
    """The rights of the people (droits_views): whoever answers them; the rest of the data
    protection: the administrator."""
    droits = (request.endpoint or "").startswith("rgpd.droits_")
    if not (traite_les_droits(current_user) if droits else gere_la_protection(current_user)):
        abort(403)


def _gel_form(form=None) -> GelForm:
    form = form or GelForm()
    geles = conservation.evenements_geles()
    evenements = db.session.scalars(sa.select(Evenement).order_by(
        Evenement.survenu_at.desc())).all()
    form.evenement.choices = choices([("", "—")] + [
        (str(e.id), f"{e.titre} ({'exercice, ' if e.exercice else ''}"
                    f"{'en cours' if e.en_cours else 'clos'})")
        for e in evenements if e.id not in geles])
    return form


def _page(regles_form=None, gel_form=None, status=200):
    delais = conservation.delais()
    if regles_form is None:
        regles_form = ConservationForm(data={f"jours_{c}": n for c, n in delais.items()})
    gels = db.session.scalars(sa.select(GelJuridique).order_by(
        GelJuridique.leve_at.is_not(None), GelJuridique.pose_at.desc())).all()
    executions = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.object_type == "conservation", AuditEntry.action == "delete").order_by(
        AuditEntry.id.desc()).limit(10)).all()
    non_scellees = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.empreinte.is_(None))) or 0
    return render_template(
        "rgpd/index.html", regles=REGLES, delais=delais, regles_form=regles_form,
        gel_form=_gel_form(gel_form), gels=gels,
        plan=conservation.planifier(), executions=executions,
        non_scellees=non_scellees), status


@bp.route("/")
def index():
    return _page()


@bp.route("/regles", methods=["POST"])
def regles():
    form = ConservationForm()
    if form.validate_on_submit():
        ok, changees = submit(form, lambda: conservation.fixer_delais(current_user,
                                                                      form.jours()))
        if ok:
            flash(f"Règles de conservation enregistrées ({changees} modifiée(s))."
                  if changees else "Aucune règle n'a changé.", "success")
            return redirect(url_for("rgpd.index"))
    return _page(regles_form=form, status=422)


@bp.route("/gels", methods=["POST"])
def poser_gel():
    form = _gel_form()
    if form.validate_on_submit():
        evenement = db.session.get(Evenement, int(form.evenement.data))
        ok, _ = submit(form, lambda: conservation.poser_gel(current_user, evenement,
                                                            form.motif.data))
        if ok:
            flash(f"Gel juridique posé sur « {evenement.titre} » : rien de cet événement ne "
                  "sera anonymisé ni supprimé tant qu'il tient.", "success")
            return redirect(url_for("rgpd.index"))
    return _page(gel_form=form, status=422)


@bp.route("/gels/<int:gel_id>/lever", methods=["POST"])
def lever_gel(gel_id):
    gel = db.session.get(GelJuridique, gel_id)
    if gel is None:
        abort(404)
    form = LeverGelForm()
    if not form.validate_on_submit():
        for erreurs in form.errors.values():
            flash(" ".join(erreurs), "error")
        return redirect(url_for("rgpd.index"))
    perform(lambda: conservation.lever_gel(current_user, gel, form.motif.data),
            f"Gel levé sur « {gel.evenement.titre} ».")
    return redirect(url_for("rgpd.index"))


@bp.route("/journal/verifier", methods=["POST"])
def verifier_journal():
    chaine.sceller()
    resultat = chaine.verifier()
    if resultat.intacte:
        flash(f"Journal d'audit intact : {resultat.verifiees} entrée(s) vérifiée(s).",
              "success")
    else:
        flash("Journal d'audit rompu : " + " ".join(resultat.ruptures[:5]), "error")
    return redirect(url_for("rgpd.index"))


def _registre():
    return registre.registre(current_app.config.get("CRISE_DPO_CONTACT", ""))


@bp.route("/registre")
def registre_page():
    return render_template("rgpd/registre.html", sections=_registre())


@bp.route("/registre.pdf")
def registre_pdf():
    now = utcnow()
    corps = documents.registre_pdf(_registre(), "Registre des traitements — « crise »",
                                   format_datetime(now))
    return file_response(corps, "application/pdf", f"registre-traitements-{file_stamp(now)}.pdf")
