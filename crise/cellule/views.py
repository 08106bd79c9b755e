"""The Cellule Centrale de Crise: thin views over crise.cellule.services."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crise.care.models import CATEGORIE_LABELS, CentreAccueil
from crise.cellule import bp, dashboard, exports, reunions, services, situation
from crise.cellule.forms import (BarrerForm, CompteForm, CompteRenduForm, DecisionForm,
                                 EntreeForm, MembreCelluleForm, PointForm, ReunionForm)
from crise.cellule.models import (PRIORITE_LABELS, TYPE_LABELS, Decision,
                                  DestinataireDecision, EntreeMainCourante, MembreCellule,
                                  PointSituation, Reunion, can_read_cellule,
                                  can_use_cellule)
from crise.db import deja_fait, utcnow
from crise.evenements.models import Statut, get_evenement_or_404
from crise.evenements.services import visible_evenements_query
from crise.extensions import db
from crise.forms import choices, perform, submit
from crise.http import file_response, get_for_user_or_404, page_number
from crise.mairies.models import mairie_by_code
from crise.scop.models import DemandeScop

PAGE_SIZE = 50


def _cellule_event(evenement_id, *, lecture: bool = False):
    """The event, for a member of the cellule; ``lecture``: also for who only reads it (the
    animateur, in an exercise)."""
    evenement = get_evenement_or_404(evenement_id, current_user)
    allowed = can_read_cellule(current_user, evenement) if lecture \
        else can_use_cellule(current_user)
    if not allowed:
        abort(403)
    return evenement


# --- The cellule of an event --------------------------------------------------------------


@bp.route("/")
def index():
    """The cellule's home: every event in progress, what waits in each."""
    if not can_use_cellule(current_user):
        abort(403)
    now = utcnow()
    lignes = []
    for evenement in db.session.scalars(visible_evenements_query(
            current_user, statut=Statut.EN_COURS).limit(50)):
        decisions = db.session.scalars(services.decisions_evenement_query(evenement)).all()
        progres = [d.progres(now) for d in decisions]
        points = situation.etat_des_points(evenement, now)
        lignes.append({
            "evenement": evenement, "activation": services.activation_of(evenement),
            "prochaine": reunions.prochaine(evenement, now), "decisions": len(decisions),
            "en_retard": sum(p["en_retard"] for p in progres),
            "impossibles": sum(p["impossible"] for p in progres),
            "points_a_jour": sum(1 for ligne in points if ligne.etat == "a_jour"),
            "mairies": len(points)})
    return render_template("cellule/index.html", lignes=lignes)


@bp.route("/evenements/<int:evenement_id>")
def pilotage(evenement_id):
    return _pilotage_page(_cellule_event(evenement_id, lecture=True))


def _pilotage_page(evenement, *, membre_form=None, reunion_form=None, status=200):
    decisions = db.session.scalars(services.decisions_evenement_query(evenement).limit(100)).all()
    return render_template(
        "cellule/pilotage.html", evenement=evenement,
        activation=services.activation_of(evenement),
        membre_form=membre_form or MembreCelluleForm(formdata=None),
        reunion_form=reunion_form or ReunionForm(formdata=None), decisions=decisions,
        reunions=db.session.scalars(reunions.reunions(evenement).limit(20)).all(),
        prochaine=reunions.prochaine(evenement), now=utcnow()), status


def _activation_or_404(evenement):
    activation = services.activation_of(evenement)
    if activation is None:
        abort(404)
    return activation


@bp.route("/evenements/<int:evenement_id>/activer", methods=["POST"])
def activer(evenement_id):
    evenement = _cellule_event(evenement_id)
    perform(lambda: services.activer(current_user, evenement), "Cellule centrale activée.")
    return redirect(url_for("cellule.pilotage", evenement_id=evenement.id))


@bp.route("/evenements/<int:evenement_id>/desactiver", methods=["POST"])
def desactiver(evenement_id):
    evenement = _cellule_event(evenement_id)
    activation = _activation_or_404(evenement)
    perform(lambda: services.desactiver(current_user, activation),
            "Cellule centrale désactivée.")
    return redirect(url_for("cellule.pilotage", evenement_id=evenement.id))


@bp.route("/evenements/<int:evenement_id>/membres", methods=["POST"])
def ajouter_membre(evenement_id):
    evenement = _cellule_event(evenement_id)
    activation = _activation_or_404(evenement)
    form = MembreCelluleForm()
    if form.validate_on_submit():
        ok, _ = submit(form, lambda: services.ajouter_membre(
            current_user, activation, nom=form.nom.data, direction=form.direction.data or "",
            fonction=form.fonction.data or ""))
        if ok:
            flash("Membre ajouté à la cellule.", "success")  # no name in the cookie
            return redirect(url_for("cellule.pilotage", evenement_id=evenement.id))
    return _pilotage_page(evenement, membre_form=form, status=422)


@bp.route("/membres/<int:membre_id>/retirer", methods=["POST"])
def retirer_membre(membre_id):
    membre = db.session.get(MembreCellule, membre_id)
    if membre is None:
        abort(404)
    evenement = _cellule_event(membre.activation.evenement_id)
    perform(lambda: services.retirer_membre(current_user, membre),
            f"{membre.nom} a quitté la cellule.")
    return redirect(url_for("cellule.pilotage", evenement_id=evenement.id))


# --- The main courante --------------------------------------------------------------------


def _filtres() -> services.Filtres:
    return services.Filtres(type=request.args.get("type", ""),
                            priorite=request.args.get("priorite", ""),
                            origine=request.args.get("origine", ""),
                            q=(request.args.get("q") or "")[:100],
                            barrees=request.args.get("masquer_barrees") != "1")


def _objet_choices(evenement):
    centres = db.session.scalars(db.select(CentreAccueil).where(
        CentreAccueil.evenement_id == evenement.id).order_by(CentreAccueil.id)).all()
    demandes = db.session.scalars(db.select(DemandeScop).where(
        DemandeScop.evenement_id == evenement.id).order_by(DemandeScop.id.desc()).limit(50)
    ).all()
    decisions = db.session.scalars(services.decisions_evenement_query(evenement).limit(50)).all()
    meetings = db.session.scalars(reunions.reunions(evenement).limit(20)).all()
    return choices([("", "—")]
                   + [(f"centre:{c.id}", f"C.A.RE {c.nom}") for c in centres]
                   + [(f"demande:{d.id}", f"Demande SCOP n° {d.id} ({d.type_label}, "
                                          f"{d.mairie.nom_court})") for d in demandes]
                   + [(f"decision:{d.id}", f"Décision n° {d.id}") for d in decisions]
                   + [(f"reunion:{r.id}", str(r)) for r in meetings])


@bp.route("/evenements/<int:evenement_id>/main-courante", methods=["GET", "POST"])
def main_courante(evenement_id):
    evenement = _cellule_event(evenement_id, lecture=request.method == "GET")
    form = EntreeForm()
    form.objet.choices = _objet_choices(evenement)
    status = 200
    if form.validate_on_submit():
        ok, entree = submit(form, lambda: services.ecrire(current_user, evenement,
                                                          services.EntreeData(
            texte=form.texte.data, type=form.type.data, fait_at=form.fait_at.data,
            source=form.source.data or "", support=form.support.data or "",
            priorite=form.priorite.data, objet=form.objet.data or "")))
        if ok:
            numero = services.numeros(evenement.id, [entree])[entree.id]
            if deja_fait(entree):
                flash(f"Cette entrée venait d'être écrite (n° {numero}) : rien n'a été écrit "
                      "en double.", "info")
            else:
                flash(f"Entrée n° {numero} écrite dans la main courante.", "success")
            return redirect(url_for("cellule.main_courante", evenement_id=evenement.id))
        status = 422
    elif request.method == "POST":
        status = 422
    filtres = _filtres()
    pagination = db.paginate(services.main_courante_query(evenement, filtres),
                             page=page_number(), per_page=PAGE_SIZE,
                             error_out=False)
    return render_template("cellule/main_courante.html", evenement=evenement, form=form,
                           pagination=pagination, entrees=pagination.items, filtres=filtres,
                           numeros=services.numeros(evenement.id, pagination.items),
                           types=TYPE_LABELS, priorites=PRIORITE_LABELS,
                           barrer_form=BarrerForm(formdata=None)), status


@bp.route("/entrees/<int:entree_id>/barrer", methods=["POST"])
def barrer(entree_id):
    entree = db.session.get(EntreeMainCourante, entree_id)
    if entree is None:
        abort(404)
    evenement = _cellule_event(entree.evenement_id)
    form = BarrerForm()
    if form.validate_on_submit():
        perform(lambda: services.barrer(current_user, entree, form.motif.data),
                f"Entrée n° {entree_id} barrée ; elle reste visible.")
    else:
        flash("Indiquez pourquoi l'entrée est barrée : rien n'a été changé.", "error")
    return redirect(url_for("cellule.main_courante", evenement_id=evenement.id,
                            _anchor=f"entree-{entree_id}"))


@bp.route("/evenements/<int:evenement_id>/main-courante.<fmt>")
def export_main_courante(evenement_id, fmt):
    evenement = _cellule_event(evenement_id, lecture=True)
    if fmt not in exports.FORMATS:
        abort(404)
    data, mimetype, name = exports.export(current_user, evenement, _filtres(), fmt)
    db.session.commit()
    return file_response(data, mimetype, name)


# --- Decisions ----------------------------------------------------------------------------


@bp.route("/evenements/<int:evenement_id>/decisions/nouvelle", methods=["GET", "POST"])
def decider(evenement_id):
    evenement = _cellule_event(evenement_id)
    return _decision_form(evenement)


def _decision_form(evenement, remplace: Decision | None = None):
    """A new decision, or the amended version of ``remplace`` (which it replaces)."""
    form = DecisionForm()
    mairies = services.mairies_choices(evenement)
    form.mairies.choices = choices((m.code, m.nom_court) for m in mairies)
    if request.method == "GET":
        form.new_jeton()
        if remplace is not None:
            form.texte.data, form.echeance_at.data = remplace.texte, remplace.echeance_at
            form.mairies.data = [d.mairie.code for d in remplace.destinataires if d.mairie]
            form.directions.data = [d.direction for d in remplace.destinataires
                                    if d.direction]
    if form.validate_on_submit():
        chosen = [m for m in (mairie_by_code(c) for c in form.mairies.data or []) if m]
        data = services.DecisionData(
            texte=form.texte.data, echeance_at=form.echeance_at.data,
            toutes_mairies=form.toutes_mairies.data, mairies=chosen,
            directions=list(form.directions.data or []))
        ok, result = submit(form, (lambda: services.modifier_decision(
            current_user, remplace, data, jeton=form.jeton.data)) if remplace else (
            lambda: services.decider(current_user, evenement, data, jeton=form.jeton.data)))
        if ok:
            decision, creee = result
            if not creee:
                flash(f"Cette décision venait d'être transmise (n° {decision.id}) : rien n'a "
                      "été envoyé en double.", "info")
            else:
                flash(f"Décision n° {decision.id} transmise à ses destinataires"
                      + (f" ; elle remplace la décision n° {remplace.id}." if remplace
                         else "."), "success")
            return redirect(url_for("cellule.decision", decision_id=decision.id))
    return render_template("cellule/decision_form.html", evenement=evenement, form=form,
                           remplace=remplace)


@bp.route("/decisions/<int:decision_id>/modifier", methods=["GET", "POST"])
def modifier_decision(decision_id):
    decision = get_decision_or_404(decision_id)
    if not can_use_cellule(current_user):
        abort(403)
    if not decision.en_vigueur:
        flash(f"Cette décision n'est plus en vigueur ({decision.statut_label}).", "error")
        return redirect(url_for("cellule.decision", decision_id=decision.id))
    return _decision_form(decision.evenement, remplace=decision)


@bp.route("/decisions/<int:decision_id>/relancer", methods=["POST"])
def relancer(decision_id):
    decision = get_decision_or_404(decision_id)
    perform(lambda: services.relancer(current_user, decision),
            lambda cibles: "Relance envoyée à : " + ", ".join(d.libelle for d in cibles) + ".")
    return redirect(url_for("cellule.decision", decision_id=decision.id))


@bp.route("/decisions/<int:decision_id>/terminer", methods=["POST"])
def terminer_decision(decision_id):
    decision = get_decision_or_404(decision_id)
    statut = request.form.get("statut", "")
    perform(lambda: services.terminer_decision(current_user, decision, statut,
                                               request.form.get("motif", "")[:500]),
            "Décision close." if statut == "close" else "Décision annulée : ses destinataires "
                                                         "le voient.")
    return redirect(url_for("cellule.decision", decision_id=decision.id))


def get_decision_or_404(decision_id: int) -> Decision:
    return get_for_user_or_404(Decision, decision_id, current_user)


@bp.route("/decisions/<int:decision_id>")
def decision(decision_id):
    decision = get_decision_or_404(decision_id)
    return _decision_page(decision, CompteForm(formdata=None))


def _decision_page(decision, compte_form, status=200):
    est_cellule = can_use_cellule(current_user)
    miens = [d for d in decision.destinataires if d.peut_repondre(current_user)
             and (not est_cellule or d.mairie_id is None)]
    return render_template("cellule/decision.html", decision=decision,
                           evenement=decision.evenement, now=utcnow(), miens=miens,
                           est_cellule=est_cellule, compte_form=compte_form,
                           progres=decision.progres()), status


@bp.route("/decisions/<int:decision_id>/suivi")
def suivi(decision_id):
    """The follow-up table alone, fetched again every few seconds by the page."""
    decision = get_decision_or_404(decision_id)
    return render_template("cellule/_suivi.html", decision=decision, now=utcnow(),
                           progres=decision.progres())


def _destinataire(decision) -> DestinataireDecision | None:
    raw = request.form.get("destinataire", type=int)
    if raw is None:
        return None
    dest = next((d for d in decision.destinataires if d.id == raw), None)
    if dest is None:
        abort(404)
    return dest


@bp.route("/decisions/<int:decision_id>/connaissance", methods=["POST"])
def prendre_connaissance(decision_id):
    decision = get_decision_or_404(decision_id)
    dest = _destinataire(decision)
    perform(lambda: services.prendre_connaissance(current_user, decision, dest),
            "Prise de connaissance enregistrée : la cellule la voit.")
    return redirect(url_for("cellule.decision", decision_id=decision.id))


@bp.route("/decisions/<int:decision_id>/compte", methods=["POST"])
def rendre_compte(decision_id):
    decision = get_decision_or_404(decision_id)
    dest = _destinataire(decision)
    form = CompteForm()
    if form.validate_on_submit():
        ok, result = submit(form, lambda: services.rendre_compte(
            current_user, decision, form.etat.data, form.motif.data or "", dest))
        if ok:
            flash(f"Application signalée à la cellule : {result.etat_label}.", "success")
            return redirect(url_for("cellule.decision", decision_id=decision.id))
    return _decision_page(db.session.get(Decision, decision_id), form, 422)


# --- Points de situation ------------------------------------------------------------------


@bp.route("/evenements/<int:evenement_id>/point", methods=["GET", "POST"])
def point(evenement_id):
    """The mairie's point de situation: its figures are filled in by the application."""
    evenement = get_evenement_or_404(evenement_id, current_user)
    if not situation.can_send_point(current_user, evenement):
        abort(403)
    form = PointForm()
    if request.method == "GET":
        form.new_jeton()
    if form.validate_on_submit():
        ok, result = submit(form, lambda: situation.envoyer(
            current_user, evenement, situation.PointData(
                situation=form.situation.data, mesures=form.mesures.data or "",
                besoins=form.besoins.data or "", texte_libre=form.texte_libre.data or ""),
            jeton=form.jeton.data))
        if ok:
            flash("Point de situation envoyé à la cellule centrale.", "success")
            return redirect(url_for("cellule.point_detail", point_id=result[0].id))
    derniers = db.session.scalars(db.select(PointSituation).where(
        PointSituation.evenement_id == evenement.id,
        PointSituation.mairie_id == current_user.mairie_id).order_by(
        PointSituation.id.desc()).limit(5)).all()
    return render_template("cellule/point_form.html", evenement=evenement, form=form,
                           chiffres=situation.chiffres(evenement, [current_user.mairie_id])[
                               current_user.mairie_id], derniers=derniers,
                           categories=CATEGORIE_LABELS)


@bp.route("/points/<int:point_id>")
def point_detail(point_id):
    point = get_for_user_or_404(PointSituation, point_id, current_user)
    return render_template("cellule/point.html", point=point, evenement=point.evenement,
                           categories=CATEGORIE_LABELS)


@bp.route("/evenements/<int:evenement_id>/points", methods=["GET", "POST"])
def points(evenement_id):
    evenement = _cellule_event(evenement_id, lecture=request.method == "GET")
    if request.method == "POST":
        activation = _activation_or_404(evenement)
        perform(lambda: situation.definir_rythme(current_user, activation,
                                                 request.form.get("rythme", type=int) or 0),
                "Rythme des points de situation enregistré.")
        return redirect(url_for("cellule.points", evenement_id=evenement.id))
    return render_template("cellule/points.html", evenement=evenement,
                           activation=services.activation_of(evenement),
                           lignes=situation.etat_des_points(evenement), rythmes=situation.RYTHMES)


@bp.route("/evenements/<int:evenement_id>/points/tableau")
def etat_des_points(evenement_id):
    """The mairies' board alone, fetched again every few seconds by the page."""
    evenement = _cellule_event(evenement_id, lecture=True)
    return render_template("cellule/_etat_des_points.html", evenement=evenement,
                           lignes=situation.etat_des_points(evenement))


@bp.route("/evenements/<int:evenement_id>/synthese")
def synthese(evenement_id):
    evenement = _cellule_event(evenement_id, lecture=True)
    return render_template("cellule/synthese.html", evenement=evenement,
                           categories=CATEGORIE_LABELS, **situation.synthese(evenement))


# --- Meetings -----------------------------------------------------------------------------


@bp.route("/evenements/<int:evenement_id>/reunions", methods=["POST"])
def planifier(evenement_id):
    evenement = _cellule_event(evenement_id)
    form = ReunionForm()
    if form.validate_on_submit():
        ok, reunion = submit(form, lambda: reunions.planifier(
            current_user, evenement, type=form.type.data, debut_at=form.debut_at.data,
            lieu=form.lieu.data or ""))
        if ok:
            flash(f"{reunion} planifiée.", "success")
            return redirect(url_for("cellule.reunion", reunion_id=reunion.id))
    return _pilotage_page(evenement, reunion_form=form, status=422)


def get_reunion_or_404(reunion_id: int, *, lecture: bool = False) -> Reunion:
    reunion = db.session.get(Reunion, reunion_id)
    if reunion is None:
        abort(404)
    _cellule_event(reunion.evenement_id, lecture=lecture)
    return reunion


@bp.route("/reunions/<int:reunion_id>")
def reunion(reunion_id):
    return _reunion_page(get_reunion_or_404(reunion_id, lecture=True))


def _reunion_page(reunion, status=200, **forms):
    evenement = reunion.evenement
    mairies = services.mairies_choices(evenement)
    cr_form = forms.get("cr_form")
    if cr_form is None:
        cr_form = CompteRenduForm(formdata=None, prefix="cr")
        cr_form.participants.data = reunion.participants
        cr_form.compte_rendu.data = reunion.compte_rendu
        cr_form.mairies.data = list(reunion.mairies_presentes or [])
    cr_form.mairies.choices = choices((m.code, m.nom_court) for m in mairies)
    decision_form = forms.get("decision_form") or DecisionForm(formdata=None, prefix="d")
    decision_form.mairies.choices = choices((m.code, m.nom_court) for m in mairies)
    if not decision_form.jeton.data:
        decision_form.new_jeton()
    return render_template(
        "cellule/reunion.html", reunion=reunion, evenement=evenement, cr_form=cr_form,
        decision_form=decision_form, now=utcnow(),
        ordre=reunion.ordre_du_jour if reunion.tenue_at else reunions.ordre_du_jour(
            evenement)), status


@bp.route("/reunions/<int:reunion_id>/compte-rendu", methods=["POST"])
def compte_rendu(reunion_id):
    reunion = get_reunion_or_404(reunion_id)
    form = CompteRenduForm(prefix="cr")
    form.mairies.choices = choices((m.code, m.nom_court)
                                   for m in services.mairies_choices(reunion.evenement))
    if form.validate_on_submit():
        chosen = [m for m in (mairie_by_code(c) for c in form.mairies.data or []) if m]
        ok, _ = submit(form, lambda: reunions.compte_rendu(
            current_user, reunion, participants=form.participants.data or "", mairies=chosen,
            texte=form.compte_rendu.data))
        if ok:
            flash("Compte rendu enregistré.", "success")
            return redirect(url_for("cellule.reunion", reunion_id=reunion.id))
    return _reunion_page(db.session.get(Reunion, reunion_id), 422, cr_form=form)


@bp.route("/reunions/<int:reunion_id>/decisions", methods=["POST"])
def decider_en_reunion(reunion_id):
    reunion = get_reunion_or_404(reunion_id)
    form = DecisionForm(prefix="d")
    form.mairies.choices = choices((m.code, m.nom_court)
                                   for m in services.mairies_choices(reunion.evenement))
    if form.validate_on_submit():
        chosen = [m for m in (mairie_by_code(c) for c in form.mairies.data or []) if m]
        ok, result = submit(form, lambda: services.decider(
            current_user, reunion.evenement, services.DecisionData(
                texte=form.texte.data, echeance_at=form.echeance_at.data,
                toutes_mairies=form.toutes_mairies.data, mairies=chosen,
                directions=list(form.directions.data or [])), jeton=form.jeton.data,
            reunion_id=reunion.id))
        if ok:
            if not result[1]:
                flash(f"Cette décision venait d'être transmise (n° {result[0].id}) : rien "
                      "n'a été envoyé en double.", "info")
            else:
                flash(f"Décision n° {result[0].id} prise en réunion et transmise à ses "
                      "destinataires.", "success")
            return redirect(url_for("cellule.reunion", reunion_id=reunion.id))
    return _reunion_page(db.session.get(Reunion, reunion_id), 422, decision_form=form)


@bp.route("/evenements/<int:evenement_id>/tableau-de-bord")
def tableau_de_bord(evenement_id):
    evenement = _cellule_event(evenement_id, lecture=True)
    return render_template("cellule/tableau_de_bord.html", evenement=evenement,
                           categories=CATEGORIE_LABELS, **dashboard.tableau_de_bord(evenement))
