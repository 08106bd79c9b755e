"""The RETEX's parts of other pages (connected to crise.signals): an owner's actions on the
home page, the way to the RETEX from the event page and the console, and on the console of a
run the actions of the same type of risk still open, to re-test."""

import sqlalchemy as sa

from crise.extensions import db
from crise.retex import actions, bp, services
from crise.retex.forms import RetestForm
from crise.retex.models import Retest
from crise.forms import choices
from crise.signals import page_accueil, page_evenement, page_exercice


@page_accueil.connect
def accueil(user) -> dict:
    part = {}
    porteur = actions.porteur_de(user)
    if porteur:
        query = actions.actions_query(user, porteur=porteur, statut="ouvertes")
        mes = db.session.scalars(query.limit(8)).all()
        if mes:
            part["mes_actions"] = mes
            part["mes_actions_total"] = db.session.scalar(
                sa.select(sa.func.count()).select_from(query.subquery()))
            part["mes_actions_porteur"] = porteur
            part["aujourdhui"] = actions.aujourdhui()
    return part


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    if not services.peut_rediger(user, evenement):
        return {}
    return {"retex_lien": True, "retex_existe": services.retex_de(evenement) is not None}


@page_exercice.connect
def exercice(exercice, *, user) -> dict:
    """The actions still open of the same type of risk: what this run should look at again,
    and what it already re-tests."""
    a_retester = actions.actions_a_retester(exercice)
    deja = db.session.scalars(sa.select(Retest).where(Retest.exercice_id == exercice.id)
                              .order_by(Retest.at)).all()
    if not a_retester and not deja:
        return {"retex_lien": services.peut_rediger(user, exercice.evenement)}
    form = RetestForm(formdata=None)
    form.cible.choices = choices([("", "— choisir —")] + actions.cibles_de_retest(exercice))
    return {"a_retester": a_retester, "retests_du_jeu": [(r, actions.resultat(r)) for r in deja],
            "retest_form": form, "retex_lien": services.peut_rediger(user, exercice.evenement)}




@bp.app_template_global()
def voit_plan_actions(user) -> bool:
    return actions.gere_le_plan(user) or actions.porteur_de(user) is not None
