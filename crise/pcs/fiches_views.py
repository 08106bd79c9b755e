"""The fiches réflexes' pages: read by all who work the crises, written and versioned by the
cellule and the admin; ticked on the event page."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.auth.models import ROLE_LABELS
from crise.evenements.models import get_evenement_or_404
from crise.extensions import db
from crise.forms import choices, perform, statut_du_formulaire, submit, version_vue
from crise.pcs import bp, fiches
from crise.pcs.forms import CocheForm, FicheForm
from crise.pcs.models import FicheReflexe, can_edit_fiches


def _fiche_or_404(fiche_id: int) -> FicheReflexe:
    fiche = db.session.get(FicheReflexe, fiche_id)
    if fiche is None:
        abort(404)
    return fiche


def _form(fiche: FicheReflexe | None) -> FicheForm:
    form = FicheForm()
    form.risque.choices = choices(fiches.risques().items())
    form.role.choices = choices((r.value, label) for r, label in ROLE_LABELS.items())
    if request.method == "GET":
        if fiche is not None:
            form.version.data = fiche.version
            form.titre.data, form.risque.data, form.role.data = (fiche.titre, fiche.risque,
                                                                 fiche.role)
            form.texte.data = "\n".join(i["texte"] for i in fiche.items)
        else:
            form.risque.data, form.role.data = request.args.get("risque", "tous"), "responsable_care"
    return form


@bp.route("/fiches")
def fiches_page():
    risque = request.args.get("risque", "")
    liste = db.session.scalars(db.select(FicheReflexe).order_by(
        FicheReflexe.risque != "tous", FicheReflexe.risque, FicheReflexe.role,
        FicheReflexe.titre)).all()
    if risque in fiches.risques():
        liste = [f for f in liste if f.risque == risque]
    return render_template("pcs/fiches.html", fiches=liste, risques=fiches.risques(),
                           risque=risque, peut_ecrire=can_edit_fiches(current_user))


@bp.route("/fiches/nouvelle", methods=["GET", "POST"])
@bp.route("/fiches/<int:fiche_id>", methods=["GET", "POST"])
def fiche(fiche_id=None):
    fiche = _fiche_or_404(fiche_id) if fiche_id is not None else None
    if not can_edit_fiches(current_user):
        if fiche is None or request.method == "POST":
            abort(403)
        return _page(fiche, None)
    form = _form(fiche)
    if form.validate_on_submit():
        ok, saved = submit(form, lambda: fiches.enregistrer_fiche(
            current_user, fiche, titre=form.titre.data or "", risque=form.risque.data or "",
            role=form.role.data or "", texte=form.texte.data or "",
            version_vue=version_vue(form) if fiche else None))
        if ok:
            flash(f"Fiche « {saved.titre} » enregistrée (version {saved.version}).", "success")
            return redirect(url_for("pcs.fiche", fiche_id=saved.id))
    status = statut_du_formulaire(form, fiche)
    return _page(fiche, form), status


def _page(fiche, form):
    historique = []
    if fiche is not None:
        versions = list(fiche.versions)  # newest first
        for i, v in enumerate(versions):
            avant = versions[i + 1] if i + 1 < len(versions) else None
            historique.append((v, fiches.differences(avant, v)))
    return render_template("pcs/fiche.html", fiche=fiche, form=form, historique=historique,
                           risques=fiches.risques())


@bp.route("/fiches/<int:fiche_id>/evenements/<int:evenement_id>/cocher", methods=["POST"])
def cocher(fiche_id, evenement_id):
    fiche = _fiche_or_404(fiche_id)
    evenement = get_evenement_or_404(evenement_id, current_user)
    form = CocheForm()
    if form.validate_on_submit():
        code = request.form.get("ligne", "")
        fait = request.form.get("fait") == "1"
        # Two clicks at the same instant (two tabs, a double tap): one tick.
        perform(lambda: fiches.cocher(current_user, evenement, fiche, code, fait),
                retry_conflict=True)
    return redirect(url_for("evenements.detail", evenement_id=evenement.id)
                    + f"#fiche-{fiche.id}")
