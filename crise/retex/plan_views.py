"""The plan d'actions pages: an action made from a préconisation, the plan across every
exercise and real crisis (filters, CSV/XLSX), an action's page (status, evidence, history,
re-tests), the re-test from a later run, and the five-year page per type of risk."""

from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.audit.models import Action
from crise.audit.services import record
from crise.db import in_transaction, utcnow
from crise.evenements.models import TYPE_LABELS, Evenement, get_evenement_or_404
from crise.exercices.acces import exercice_anime
from crise.exports import XLSX, ListeExport, export_filename, to_csv, to_xlsx
from crise.extensions import db
from crise.forms import choices, submit
from crise.formatting import format_date, format_datetime
from crise.http import file_response
from crise.retex import actions, bp, obligation, services
from crise.retex.forms import ActionForm, RetestForm, SuiviForm
from crise.retex.models import DIRECTIONS, ActionPlan, Element, Preconisation, StatutAction
from crise.retex.views import _page

PAR_PAGE = 200


@bp.route("/preconisations/<int:preconisation_id>/actions", methods=["POST"])
def creer_action(preconisation_id):
    preconisation = db.session.get(Preconisation, preconisation_id)
    if preconisation is None:
        abort(404)
    evenement = get_evenement_or_404(preconisation_retex(preconisation).evenement_id,
                                     current_user)
    if not services.peut_rediger(current_user, evenement):
        abort(403)
    form = ActionForm()
    if form.validate_on_submit():
        ok, fiche = submit(form, lambda: actions.creer_action(
            current_user, preconisation, action=form.action.data or "",
            element=form.element.data or "", porteur=form.porteur.data or "",
            echeance=form.echeance.data, jeton=form.jeton.data), retry_conflict=True)
        if ok:
            flash(f"Action n° {fiche.id} ajoutée au plan d'actions ({fiche.porteur}).",
                  "success")
            return redirect(url_for("retex.brouillon_page", evenement_id=evenement.id)
                            + f"#preco-{preconisation.id}")
    return _page(evenement, formulaires={f"action:{preconisation.id}": form}, status=422)


def preconisation_retex(preconisation):
    from crise.retex.models import Retex

    return db.session.get(Retex, preconisation.retex_id)


def _filtres() -> dict:
    args = request.args
    return {"porteur": args.get("porteur", "")[:40], "statut": args.get("statut", "")[:20],
            "type_risque": args.get("type", "")[:32], "origine": args.get("origine", "")[:10],
            "en_retard": args.get("retard") == "1"}


def _peut_voir_le_plan():
    if not (actions.gere_le_plan(current_user) or actions.porteur_de(current_user)):
        abort(403)


@bp.route("/actions")
def plan():
    _peut_voir_le_plan()
    filtres = _filtres()
    today = actions.aujourdhui()
    query = actions.actions_query(current_user, today=today, **filtres)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max((total + PAR_PAGE - 1) // PAR_PAGE, 1)
    page = min(max(request.args.get("page", default=1, type=int) or 1, 1), pages)
    liste = db.session.scalars(query.options(sa.orm.raiseload(ActionPlan.retex))
                               .limit(PAR_PAGE).offset((page - 1) * PAR_PAGE)).all()
    evenements = _evenements(liste)
    return render_template(
        "retex/plan.html", actions=liste, origine=origine, evenements=evenements, total=total, page=page,
        pages=pages, filtres=filtres, today=today,
        porteurs=actions.porteurs() if actions.gere_le_plan(current_user) else [],
        statuts=[("ouvertes", "Ouvertes (à lancer, en cours)")]
        + [(s.value, s.label) for s in StatutAction],
        types=list(TYPE_LABELS.items()), gere=actions.gere_le_plan(current_user))


def _evenements(liste) -> dict:
    ids = {a.evenement_id for a in liste}
    return {e.id: e for e in db.session.scalars(sa.select(Evenement).where(
        Evenement.id.in_(ids)))} if ids else {}


def origine(fiche: ActionPlan, evenement: Evenement) -> str:
    """Where an action comes from; an event is named only to those who may see it."""
    if evenement.can_view(current_user):
        return ("Exercice : " if fiche.exercice else "Crise : ") + evenement.titre
    quoi = "Exercice" if fiche.exercice else "Crise réelle"
    return f"{quoi} du {format_date(evenement.survenu_at)}"


def constat_visible(fiche: ActionPlan, evenement: Evenement) -> bool:
    """The constat and the préconisation tell what happened: only to those who may see the
    event (the action itself, its owner and its status are the plan's, for all its users)."""
    return evenement.can_view(current_user)


class ListeActions(ListeExport):
    columns = [("id", "N°"), ("origine", "Origine"), ("type", "Type de risque"),
               ("constat", "Constat"), ("action", "Action"), ("element", "Élément"),
               ("porteur", "Porteur"), ("echeance", "Échéance"), ("statut", "Statut"),
               ("retard", "En retard"), ("preuve", "Preuve"), ("motif", "Motif d'abandon"),
               ("creee", "Créée le"), ("preconisation", "Préconisation")]
    widths = (6, 40, 16, 50, 50, 14, 30, 12, 12, 10, 40, 40, 16, 50)
    sheet_title = "Plan d'actions"

    def __init__(self, liste, evenements, now: datetime, today):
        self.liste, self.evenements, self.generated_at, self.today = (liste, evenements, now,
                                                                      today)
        self.counts = {"Actions": len(liste),
                       "Ouvertes": sum(1 for a in liste if a.ouverte),
                       "En retard": sum(1 for a in liste if a.en_retard(today))}

    @property
    def intitule(self) -> str:
        return "Plan d'actions"

    def rows(self) -> list[dict]:
        return [{"id": a.id, "origine": origine(a, self.evenements[a.evenement_id]),
                 "type": TYPE_LABELS.get(a.type_risque, a.type_risque),
                 "constat": a.constat if constat_visible(a, self.evenements[a.evenement_id])
                 else "(non communiqué)",
                 "action": a.action, "element": a.element_label, "porteur": a.porteur,
                 "echeance": a.echeance.strftime("%d/%m/%Y"), "statut": a.statut_label,
                 "retard": "oui" if a.en_retard(self.today) else "", "preuve": a.preuve,
                 "motif": a.motif, "creee": format_datetime(a.created_at),
                 "preconisation": (a.preconisation.texte if a.preconisation is not None and
                                   constat_visible(a, self.evenements[a.evenement_id])
                                   else "")}
                for a in self.liste]


@bp.route("/actions/export.<any(csv, xlsx):fmt>")
def plan_export(fmt):
    _peut_voir_le_plan()
    today = actions.aujourdhui()
    liste = db.session.scalars(actions.actions_query(current_user, today=today,
                                                     **_filtres())).all()
    evenements = _evenements(liste)
    now = utcnow()
    export = ListeActions(liste, evenements, now, today)
    record(current_user, Action.EXPORT, "retex_action", None,
           summary=f"Plan d'actions ({len(liste)} actions) en {fmt.upper()}")
    in_transaction(lambda: None)
    data = to_csv(export) if fmt == "csv" else to_xlsx(export)
    return file_response(data, "text/csv; charset=utf-8" if fmt == "csv" else XLSX,
                         export_filename("plan-actions", fmt, now, exercice=False))


def _fiche(action_id) -> ActionPlan:
    fiche = db.session.get(ActionPlan, action_id)
    if fiche is None or not (actions.gere_le_plan(current_user)
                             or actions.porteur_de(current_user) == fiche.porteur_code):
        abort(404)
    return fiche


def suivi_form(fiche, form=None):
    if form is None:
        form = SuiviForm(formdata=None, obj=fiche)
        form.porteur.data = fiche.porteur_code
        form.version.data = fiche.version
    form.statut.choices = choices([(s.value, s.label) for s in StatutAction])
    form.porteur.choices = choices(actions.porteurs())
    form.element.choices = choices([(e.value, e.label) for e in Element])
    return form


def _fiche_page(fiche, form=None, status=200):
    return render_template("retex/action.html", fiche=fiche, origine=origine(fiche, fiche.evenement),
                           constat_visible=constat_visible(fiche, fiche.evenement),
                           lisible=actions.valeur_lisible,
                           peut_ouvrir_retex=services.peut_rediger(current_user, fiche.evenement), form=suivi_form(fiche, form),
                           historique=actions.historique(fiche), retests=actions.retests(fiche),
                           today=actions.aujourdhui(), gere=actions.gere_le_plan(current_user),
                           peut=actions.peut_modifier(current_user, fiche),
                           champs=actions.CHAMPS_LABELS, directions=DIRECTIONS), status


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
def action_page(action_id):
    fiche = _fiche(action_id)
    if request.method == "GET":
        return _fiche_page(fiche)
    if not actions.peut_modifier(current_user, fiche):
        abort(403)
    form = suivi_form(fiche, SuiviForm())
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else -1
        gere = actions.gere_le_plan(current_user)
        ok, _ = submit(form, lambda: actions.modifier_action(
            current_user, fiche, version_vue=version, statut=form.statut.data or "",
            echeance=form.echeance.data, preuve=form.preuve.data or "",
            motif=form.motif.data or "", porteur=form.porteur.data if gere else None,
            action=form.action.data if gere else None,
            element=form.element.data if gere else None))
        if ok:
            flash("Action mise à jour.", "success")
            return redirect(url_for("retex.action_page", action_id=fiche.id))
    db.session.refresh(fiche)
    conflit = str(fiche.version) != (form.version.data or "")
    form.version.data = fiche.version  # the choices typed stay; sending again is informed
    return _fiche_page(fiche, form, 409 if conflit else 422)


@bp.route("/actions/<int:action_id>/retest/<int:exercice_id>", methods=["POST"])
def retest(action_id, exercice_id):
    exercice = exercice_anime(exercice_id)
    fiche = db.session.get(ActionPlan, action_id)
    if fiche is None:
        abort(404)
    form = RetestForm()
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: actions.retester(current_user, fiche, exercice,
                                                      form.cible.data or ""))
        if ok:
            flash(f"L'action n° {fiche.id} est re-testée par cet exercice.", "success")
        else:
            flash(" ".join(form.cible.errors + form.form_errors), "error")
    return redirect(url_for("exercices.console", exercice_id=exercice.id) + "#a-retester")


@bp.route("/obligation")
def obligation_page():
    if not (actions.gere_le_plan(current_user) or current_user.is_admin):
        abort(403)
    return render_template("retex/obligation.html", obligations=obligation.obligations(),
                           ans=obligation.ANS, peut_rediger=services.peut_rediger, nommer=lambda ev: ev.titre if ev.can_view(
                               current_user) else f"Crise réelle du {format_date(ev.survenu_at)}")
