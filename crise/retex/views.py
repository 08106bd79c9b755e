"""The RETEX pages: the draft (generated parts and written sections), its history, its PDF
and DOCX. Thin views over crise.retex.brouillon, services and documents."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.audit.models import Action
from crise.audit.services import record, record_view
from crise.db import in_transaction, utcnow
from crise.evenements.models import get_evenement_or_404
from crise.exports import export_filename
from crise.exercices.models import ECHELLE_A_CHAUD
from crise.extensions import db
from crise.forms import choices, perform, submit
from crise.formatting import format_datetime
from crise.http import file_response
from crise.retex import actions, bp, documents, graphiques, services
from crise.retex.brouillon import brouillon
from crise.retex.forms import ActionForm, PreconisationForm, SectionForm
from crise.retex.models import Element, Preconisation

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _evenement(evenement_id):
    """The event, if the user sees it (404) and writes its RETEX (403)."""
    evenement = get_evenement_or_404(evenement_id, current_user)
    if not services.peut_rediger(current_user, evenement):
        abort(403)
    return evenement


def distinguer(form, suffixe: str):
    """Give a form's fields ids of their own (several forms of one page share field names):
    each label then points to its field."""
    for field in form:
        field.id = f"{field.name}-{suffixe}"
        field.label.field_id = field.id
    return form


def preconisation_form(evenement, objectifs, form=None, preconisation=None):
    form = form or PreconisationForm(formdata=None, obj=preconisation)
    form.objectif.choices = choices([("", "— tout l'exercice —" if objectifs else "—")]
                                    + [(o.id, f"{o.id} — {o.libelle}") for o in objectifs])
    if preconisation is not None and form.version.data in (None, ""):
        form.version.data = preconisation.version
    form.new_jeton()
    return form


def action_form(form=None):
    form = form or ActionForm(formdata=None)
    form.element.choices = choices([("", "—")] + [(e.value, e.label) for e in Element])
    form.porteur.choices = choices([("", "— choisir —")] + actions.porteurs())
    form.new_jeton()
    return form


def _page(evenement, *, formulaires=None, status=200):
    """The draft page. ``formulaires``: the forms sent back with what was typed and why it
    was refused ({"section:synthese": form, "preco:new": form, "action:3": form})."""
    formulaires = formulaires or {}
    b = brouillon(evenement)
    ecrit = services.contenu(evenement)
    titres = services.sections(evenement)
    section_forms = {}
    for cle in titres:
        form = formulaires.get(f"section:{cle}")
        if form is None:
            section = ecrit["sections"].get(cle)
            form = SectionForm(formdata=None)
            form.texte.data = section.texte if section else ""
            form.version.data = section.version if section else 0
        section_forms[cle] = distinguer(form, cle.replace(":", "-"))
    preco_forms = {p.id: distinguer(preconisation_form(
        evenement, b.objectifs, formulaires.get(f"preco:{p.id}"), p), f"preco-{p.id}")
        for p in ecrit["preconisations"]}
    action_forms = {p.id: distinguer(action_form(formulaires.get(f"action:{p.id}")),
                                     f"action-{p.id}") for p in ecrit["preconisations"]}
    record_view(current_user, "retex", evenement.id, evenement_id=evenement.id,
                summary=f"RETEX consulté : {evenement.titre}")
    in_transaction(lambda: None)
    return render_template(
        "retex/brouillon.html", evenement=evenement, b=b, ecrit=ecrit, titres=titres,
        section_forms=section_forms, preco_forms=preco_forms, action_forms=action_forms,
        nouvelle_preco=distinguer(preconisation_form(evenement, b.objectifs,
                                                     formulaires.get("preco:new")), "new"),
        graphiques=[(g, graphiques.svg(g)) for g in graphiques.graphiques(b)],
        ouvertes=formulaires, apercu=APERCU, echelle=ECHELLE_A_CHAUD), status


# The draft page shows the chronologie's first lines; the whole of it has its own pages
# (and is in the PDF and the DOCX): a 3-day flood lists thousands.
APERCU, PAR_PAGE = 150, 500


@bp.route("/evenement/<int:evenement_id>/chronologie")
def chronologie(evenement_id):
    evenement = _evenement(evenement_id)
    b = brouillon(evenement)
    record_view(current_user, "retex", evenement.id, evenement_id=evenement.id,
                summary=f"Chronologie du RETEX consultée : {evenement.titre}")
    in_transaction(lambda: None)
    pages = max((len(b.chronologie) + PAR_PAGE - 1) // PAR_PAGE, 1)
    page = min(max(request.args.get("page", default=1, type=int) or 1, 1), pages)
    return render_template("retex/chronologie.html", evenement=evenement, b=b, page=page,
                           pages=pages, lignes=b.chronologie[(page - 1) * PAR_PAGE:
                                                             page * PAR_PAGE])


@bp.route("/evenement/<int:evenement_id>")
def brouillon_page(evenement_id):
    return _page(_evenement(evenement_id))


@bp.route("/evenement/<int:evenement_id>/section/<cle>", methods=["POST"])
def section(evenement_id, cle):
    evenement = _evenement(evenement_id)
    if cle not in services.sections(evenement):
        abort(404)
    form = SectionForm()
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else -1
        ok, _ = submit(form, lambda: services.ecrire_section(
            current_user, evenement, cle, form.texte.data or "", version))
        if ok:
            flash("Section enregistrée.", "success")
            return redirect(url_for("retex.brouillon_page", evenement_id=evenement.id)
                            + f"#section-{cle.replace(':', '-')}")
    # Changed meanwhile: the form keeps the text typed and now carries the version shown
    # above it, so that sending it again is a choice made knowing the other text.
    ecrite = services.contenu(evenement)["sections"].get(cle)
    actuelle = ecrite.version if ecrite else 0
    conflit = str(actuelle) != (form.version.data or "")
    form.version.data = actuelle
    return _page(evenement, formulaires={f"section:{cle}": form},
                 status=409 if conflit else 422)


@bp.route("/evenement/<int:evenement_id>/preconisations", methods=["POST"])
@bp.route("/evenement/<int:evenement_id>/preconisations/<int:preconisation_id>",
          methods=["POST"])
def preconisation(evenement_id, preconisation_id=None):
    evenement = _evenement(evenement_id)
    form = PreconisationForm()
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else -1
        ok, _ = submit(form, lambda: services.ecrire_preconisation(
            current_user, evenement, constat=form.constat.data or "",
            texte=form.texte.data or "", objectif=form.objectif.data or "",
            preconisation_id=preconisation_id, version_vue=version, jeton=form.jeton.data),
            retry_conflict=True)
        if ok:
            flash("Préconisation enregistrée.", "success")
            return redirect(url_for("retex.brouillon_page", evenement_id=evenement.id)
                            + "#preconisations")
    status = 422
    if preconisation_id:
        stockee = db.session.get(Preconisation, preconisation_id)
        if stockee is None or stockee.retiree:  # no form of it on the page: say it there
            flash(" ".join(form.form_errors + form.texte.errors), "error")
            return redirect(url_for("retex.brouillon_page", evenement_id=evenement.id)
                            + "#preconisations")
        if stockee is not None and str(stockee.version) != (form.version.data or ""):
            form.version.data, status = stockee.version, 409  # as for a section
    cle = f"preco:{preconisation_id}" if preconisation_id else "preco:new"
    return _page(evenement, formulaires={cle: form}, status=status)


@bp.route("/evenement/<int:evenement_id>/preconisations/<int:preconisation_id>/retirer",
          methods=["POST"])
def retirer(evenement_id, preconisation_id):
    evenement = _evenement(evenement_id)
    version = request.form.get("version", default=-1, type=int)
    if perform(lambda: services.retirer_preconisation(current_user, evenement,
                                                      preconisation_id, version),
               "Préconisation retirée (ses versions et ses actions restent)."):
        return redirect(url_for("retex.brouillon_page", evenement_id=evenement.id)
                        + "#preconisations")
    return redirect(url_for("retex.brouillon_page", evenement_id=evenement.id)
                    + f"#preco-{preconisation_id}")


@bp.route("/evenement/<int:evenement_id>/historique")
def historique(evenement_id):
    evenement = _evenement(evenement_id)
    retex = services.retex_de(evenement)
    record_view(current_user, "retex", evenement.id, evenement_id=evenement.id,
                summary=f"Historique du RETEX consulté : {evenement.titre}")
    in_transaction(lambda: None)
    return render_template("retex/historique.html", evenement=evenement, retex=retex,
                           versions=services.historique(retex) if retex else [])


@bp.route("/evenement/<int:evenement_id>/retex.<any(pdf, docx):fmt>")
def document(evenement_id, fmt):
    evenement = _evenement(evenement_id)
    ecrit = services.contenu(evenement)
    retex = ecrit["retex"]
    revision = retex.revision if retex else 0
    vue = request.args.get("revision", type=int)
    if retex is not None and vue is not None and vue != revision:
        flash(f"Le RETEX a changé depuis l'ouverture de cette page : modifié par "
              f"{retex.modifie_par_nom} le {format_datetime(retex.modifie_at)}. Relisez ses "
              "changements ci-dessous, puis téléchargez de nouveau : le document contiendra "
              "cette version.", "error")
        return _page(evenement, status=409)
    b = brouillon(evenement)
    data = documents.pdf(b, ecrit) if fmt == "pdf" else documents.docx(b, ecrit)
    record(current_user, Action.EXPORT, "retex", evenement.id, evenement_id=evenement.id,
           summary=f"RETEX {fmt.upper()} (version {revision}) : {evenement.titre}")
    in_transaction(lambda: None)
    nom = export_filename(f"retex-evenement-{evenement.id}-v{revision}", fmt, utcnow(),
                          exercice=evenement.exercice)
    return file_response(data, "application/pdf" if fmt == "pdf" else DOCX, nom)
