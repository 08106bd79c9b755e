"""The plan d'actions: actions born of préconisations, owned by a direction or a mairie,
followed to their end across exercises and real crises, and re-tested by later runs.

Each change is kept (who, when, each field before and after) and checked against the
version its author saw: two people changing one action at once get a clear message, not
a silent overwrite. A « réalisée » action says how we know (the evidence), an « abandonnée »
one why.
"""

from datetime import date, datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import Role, User
from crise.db import recent_twin, utcnow
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.exercices.models import (NOTES_GRILLE, Attendu, Evaluation, Exercice,
                                    StatutAttendu, can_animate)
from crise.exercices.plan import plan_de
from crise.extensions import db
from crise.formatting import format_datetime, to_paris
from crise.mairies.models import Mairie
from crise.retex.models import (DIRECTION_DU_ROLE, DIRECTIONS, STATUTS_OUVERTS, ActionPlan,
                                Element, HistoriqueAction, Preconisation, Retest, Retex,
                                StatutAction)
from crise.text import clean

ACTION_MAX = 4_000
CHAMPS = ["action", "constat", "element", "porteur_direction", "porteur_mairie_id",
          "echeance", "statut", "preuve", "motif"]
CHAMPS_LABELS = {"action": "Action", "constat": "Constat", "element": "Élément",
                 "porteur_direction": "Direction", "porteur_mairie_id": "Mairie",
                 "echeance": "Échéance", "statut": "Statut", "preuve": "Preuve",
                 "motif": "Motif", "exercice": "Exercice", "cible": "Re-testée par"}


def valeur_lisible(champ: str, valeur) -> str:
    """A value of the history as people read it: « En cours », « 30/06/2027 », a mairie's
    name, a direction's."""
    if valeur in (None, ""):
        return "—"
    if champ == "statut":
        return StatutAction(valeur).label
    if champ == "element":
        return Element(valeur).label
    if champ == "echeance":
        return date.fromisoformat(valeur).strftime("%d/%m/%Y")
    if champ == "porteur_mairie_id":
        mairie = db.session.get(Mairie, valeur)
        return mairie.nom if mairie else str(valeur)
    if champ == "porteur_direction":
        return DIRECTIONS.get(valeur, valeur)
    return str(valeur)


def aujourdhui(now: datetime | None = None) -> date:
    return to_paris(now or utcnow()).date()


def gere_le_plan(user: User) -> bool:
    """Who sees every action and creates them: the animateurs, the cellule, the admin."""
    return can_animate(user) or user.has_role(Role.CELLULE)


def porteur_de(user: User) -> str | None:
    """« dir:DSOL », « mairie:15e »: the owner a user acts for, if any (for a mairie, its
    responsable de crise: a desk agent does not answer for the mairie's actions)."""
    direction = DIRECTION_DU_ROLE.get(Role(user.role))
    if direction:
        return f"dir:{direction}"
    if user.has_role(Role.RESPONSABLE_CARE) and user.mairie_id:
        mairie = db.session.get(Mairie, user.mairie_id)
        return f"mairie:{mairie.code}"
    return None


def porteurs() -> list[tuple[str, str]]:
    """Every owner an action may have: the directions, then the mairies."""
    return [(f"dir:{code}", label) for code, label in DIRECTIONS.items()] + [
        (f"mairie:{m.code}", m.nom) for m in db.session.scalars(
            sa.select(Mairie).order_by(Mairie.ordre))]


def _porteur(code: str) -> tuple[str, int | None]:
    genre, _, valeur = (code or "").partition(":")
    if genre == "dir" and valeur in DIRECTIONS:
        return valeur, None
    if genre == "mairie":
        mairie = db.session.scalar(sa.select(Mairie).where(Mairie.code == valeur))
        if mairie is not None:
            return "", mairie.id
    raise ServiceError("Choisissez qui porte l'action : une direction de la Ville ou une "
                       "mairie.", "porteur")


def _condition_porteur(code: str):
    direction, mairie_id = _porteur(code)
    if mairie_id is not None:
        return ActionPlan.porteur_mairie_id == mairie_id
    return sa.and_(ActionPlan.porteur_direction == direction,
                   ActionPlan.porteur_mairie_id.is_(None))


def peut_modifier(user: User, action: ActionPlan) -> bool:
    return gere_le_plan(user) or porteur_de(user) == action.porteur_code


def actions_query(user: User, *, porteur: str = "", statut: str = "", type_risque: str = "",
                  en_retard: bool = False, origine: str = "", today: date | None = None):
    """The actions a user sees, filtered: every action for those who run the plan, its
    own for an owner (a direction, a mairie), none for anyone else. Late first."""
    query = sa.select(ActionPlan)
    if not gere_le_plan(user):
        mien = porteur_de(user)
        query = query.where(_condition_porteur(mien) if mien else sa.false())
    if porteur:
        try:
            query = query.where(_condition_porteur(porteur))
        except ServiceError:
            query = query.where(sa.false())
    if statut == "ouvertes":
        query = query.where(ActionPlan.statut.in_(STATUTS_OUVERTS))
    elif statut in set(StatutAction):
        query = query.where(ActionPlan.statut == statut)
    if type_risque:
        query = query.where(ActionPlan.type_risque == type_risque)
    if origine in ("exercice", "reel"):
        query = query.where(ActionPlan.exercice.is_(origine == "exercice"))
    if en_retard:
        query = query.where(ActionPlan.statut.in_(STATUTS_OUVERTS),
                            ActionPlan.echeance < (today or aujourdhui()))
    ouverte = sa.case((ActionPlan.statut.in_(STATUTS_OUVERTS), 0), else_=1)
    return query.order_by(ouverte, ActionPlan.echeance, ActionPlan.id)


def _valider(action: str, element: str, echeance: date | None, cree_le: date) -> None:
    if not action:
        raise ServiceError("Écrivez l'action à mener.", "action")
    if len(action) > ACTION_MAX:
        raise ServiceError(f"Une action tient en {ACTION_MAX:,} caractères au plus ; le texte "
                           f"en compte {len(action):,}.".replace(",", " "), "action")
    if element not in set(Element):
        raise ServiceError("Choisissez l'élément de capacité (planification, organisation, "
                           "équipement, formation, exercice).", "element")
    if echeance is None:
        raise ServiceError("Donnez une échéance.", "echeance")
    if echeance < cree_le:
        raise ServiceError(f"L'échéance ne peut pas précéder la création de l'action "
                           f"({cree_le.strftime('%d/%m/%Y')}).", "echeance")


def creer_action(actor: User, preconisation: Preconisation, *, action: str, element: str,
                 porteur: str, echeance: date | None, constat: str | None = None,
                 jeton: str | None = None, now: datetime | None = None) -> ActionPlan:
    """An action of the plan, from a préconisation of a RETEX."""
    now = now or utcnow()
    action = clean(action or "").strip()
    constat = clean(constat if constat is not None else preconisation.constat).strip()
    if preconisation.retiree:
        raise ServiceError("Cette préconisation a été retirée du RETEX : elle ne donne plus "
                           "d'action.")
    if jeton:  # the same form sent twice (the view retries once on a twin at the same instant)
        deja = db.session.scalar(sa.select(ActionPlan).where(
            ActionPlan.jeton_creation == jeton, ActionPlan.preconisation_id == preconisation.id))
        if deja is not None:
            return deja
    _valider(action, element, echeance, aujourdhui(now))
    direction, mairie_id = _porteur(porteur)
    # The same action sent again with a new page (Back, then send): the same action.
    jumelle = recent_twin(ActionPlan, ActionPlan.created_at, now,
                          ActionPlan.preconisation_id == preconisation.id,
                          ActionPlan.action == action, ActionPlan.porteur_direction == direction,
                          ActionPlan.porteur_mairie_id.is_(mairie_id) if mairie_id is None
                          else ActionPlan.porteur_mairie_id == mairie_id)
    if jumelle is not None:
        return jumelle
    retex = db.session.get(Retex, preconisation.retex_id)
    evenement: Evenement = retex.evenement
    nom = actor.nom or actor.email
    fiche = ActionPlan(retex_id=retex.id, preconisation_id=preconisation.id,
                       evenement_id=evenement.id, type_risque=evenement.type,
                       exercice=evenement.exercice, constat=constat[:ACTION_MAX], action=action,
                       element=element, porteur_direction=direction,
                       porteur_mairie_id=mairie_id, echeance=echeance,
                       statut=StatutAction.A_LANCER, created_at=now, created_by_id=actor.id,
                       created_par_nom=nom, modifie_at=now, jeton_creation=jeton or None)
    db.session.add(fiche)
    db.session.flush()
    db.session.add(HistoriqueAction(action_id=fiche.id, at=now, par_id=actor.id, par_nom=nom,
                                    quoi="créée", changements={}))
    record(actor, Action.CREATE, "retex_action", fiche.id, evenement_id=evenement.id,
           summary=f"Action du plan : {action[:200]}")
    return fiche


def modifier_action(actor: User, fiche: ActionPlan, *, version_vue: int, statut: str,
                    echeance: date | None, porteur: str | None = None, preuve: str = "",
                    motif: str = "", action: str | None = None,
                    element: str | None = None, now: datetime | None = None) -> ActionPlan:
    """Change an action: its status (with evidence or reason), its due date, its owner and
    text (those who run the plan only)."""
    now = now or utcnow()
    if not peut_modifier(actor, fiche):
        raise ServiceError("Cette action n'est pas la vôtre : seuls son porteur et ceux qui "
                           "tiennent le plan d'actions la modifient.")
    # Taken for this transaction, then read afresh: two changes pass one after the other.
    db.session.execute(sa.update(ActionPlan).where(ActionPlan.id == fiche.id)
                       .values(modifie_at=ActionPlan.modifie_at))
    db.session.refresh(fiche)
    if fiche.version != version_vue:
        dernier = db.session.scalar(sa.select(HistoriqueAction).where(
            HistoriqueAction.action_id == fiche.id).order_by(HistoriqueAction.id.desc())
            .limit(1))
        raise ServiceError(
            f"Cette action a été modifiée par {dernier.par_nom if dernier else 'quelqu’un'} "
            f"le {format_datetime(fiche.modifie_at)} pendant que vous la modifiiez : elle est "
            "affichée telle qu'elle est maintenant ; vos choix sont conservés dans le "
            "formulaire, enregistrez de nouveau s'ils valent toujours.")
    if statut not in set(StatutAction):
        raise ServiceError("Choisissez un statut.", "statut")
    preuve, motif = clean(preuve or "").strip(), clean(motif or "").strip()
    if statut == StatutAction.REALISEE and not preuve:
        raise ServiceError("Une action réalisée dit comment on le sait : la preuve (document, "
                           "date, référence).", "preuve")
    if statut == StatutAction.ABANDONNEE and not motif:
        raise ServiceError("Une action abandonnée dit pourquoi : le motif.", "motif")
    for texte, field in ((preuve, "preuve"), (motif, "motif")):
        if len(texte) > ACTION_MAX:
            raise ServiceError(f"Ce texte tient en {ACTION_MAX:,} caractères au plus."
                               .replace(",", " "), field)
    avant = {name: getattr(fiche, name) for name in CHAMPS}
    gere = gere_le_plan(actor)
    texte = clean(action).strip() if action is not None and gere else fiche.action
    element = element if element is not None and gere else fiche.element
    _valider(texte, element, echeance, min(aujourdhui(fiche.created_at),
                                           fiche.echeance, aujourdhui(now)))
    if porteur is not None and gere:
        fiche.porteur_direction, fiche.porteur_mairie_id = _porteur(porteur)
        fiche.porteur_mairie = (db.session.get(Mairie, fiche.porteur_mairie_id)
                                if fiche.porteur_mairie_id else None)
    fiche.action, fiche.element, fiche.echeance, fiche.statut = texte, element, echeance, statut
    fiche.preuve = preuve if statut == StatutAction.REALISEE else fiche.preuve
    fiche.motif = motif if statut == StatutAction.ABANDONNEE else fiche.motif
    changements = {name: [_jsonable(avant[name]), _jsonable(getattr(fiche, name))]
                   for name in CHAMPS if avant[name] != getattr(fiche, name)}
    if not changements:
        return fiche
    fiche.version += 1
    fiche.modifie_at = now
    db.session.add(HistoriqueAction(action_id=fiche.id, at=now, par_id=actor.id,
                                    par_nom=actor.nom or actor.email, quoi="modifiée",
                                    changements=changements))
    record(actor, Action.UPDATE, "retex_action", fiche.id, evenement_id=fiche.evenement_id,
           summary=f"Action du plan modifiée : {fiche.action[:200]}", changes=changements)
    db.session.flush()
    return fiche


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def historique(fiche: ActionPlan) -> list[HistoriqueAction]:
    return db.session.scalars(sa.select(HistoriqueAction).where(
        HistoriqueAction.action_id == fiche.id).order_by(HistoriqueAction.at.desc(),
                                                         HistoriqueAction.id.desc())).all()


# --- Re-tested by a later run ----------------------------------------------------------

def cibles_de_retest(exercice: Exercice) -> list[tuple[str, str]]:
    """The grid items and the expected actions of a run that may re-test an action."""
    donnees = plan_de(exercice.source).donnees
    cibles = [(f"grille:{item['id']}", f"Grille {item['id']} — {item.get('critere', '')}")
              for item in donnees.get("grille_observation") or []]
    cibles += [(f"attendu:{a['id']}", f"Action attendue {a['id']} — {a['action']}")
               for a in donnees.get("attendus") or []]
    return cibles


def actions_a_retester(exercice: Exercice) -> list[ActionPlan]:
    """The actions of the same type of risk still open (from other events): what this run
    should look at again."""
    evenement = exercice.evenement
    return db.session.scalars(sa.select(ActionPlan).where(
        ActionPlan.type_risque == evenement.type, ActionPlan.statut.in_(STATUTS_OUVERTS),
        ActionPlan.evenement_id != evenement.id)
        .order_by(ActionPlan.echeance, ActionPlan.id)).all()


def retester(actor: User, fiche: ActionPlan, exercice: Exercice, cible: str, *,
             now: datetime | None = None) -> Retest:
    """Say that ``exercice`` re-tests ``fiche`` through one of its grid items or expected
    actions; its result is read from the run's records."""
    now = now or utcnow()
    if fiche.id not in {a.id for a in actions_a_retester(exercice)}:
        raise ServiceError("Cette action ne peut pas être re-testée par cet exercice : elle "
                           "doit être encore ouverte, du même type de risque, et venir d'un "
                           "autre événement.", "cible")
    libelles = dict(cibles_de_retest(exercice))
    if cible not in libelles:
        raise ServiceError("Choisissez un élément de la grille ou une action attendue de cet "
                           "exercice.", "cible")
    # The action's row first: the same link made twice at once is made once.
    db.session.execute(sa.update(ActionPlan).where(ActionPlan.id == fiche.id)
                       .values(modifie_at=ActionPlan.modifie_at))
    deja = db.session.scalar(sa.select(Retest).where(
        Retest.action_id == fiche.id, Retest.exercice_id == exercice.id, Retest.cible == cible))
    if deja is not None:
        return deja
    retest = Retest(action_id=fiche.id, exercice_id=exercice.id, cible=cible,
                    libelle=libelles[cible][:300], at=now, par_id=actor.id,
                    par_nom=actor.nom or actor.email)
    db.session.add(retest)
    db.session.add(HistoriqueAction(
        action_id=fiche.id, at=now, par_id=actor.id, par_nom=actor.nom or actor.email,
        quoi="re-testée", changements={"exercice": [None, exercice.evenement.titre],
                                       "cible": [None, libelles[cible]]}))
    record(actor, Action.UPDATE, "retex_action", fiche.id, evenement_id=fiche.evenement_id,
           summary=f"Action re-testée par l'exercice n° {exercice.id} ({libelles[cible]})")
    db.session.flush()
    return retest


def resultat(retest: Retest) -> str:
    """« P, S » (the observers' ratings), « réalisée en retard »…, or « pas encore »."""
    genre, _, ident = retest.cible.partition(":")
    if genre == "grille":
        notes = db.session.scalars(sa.select(Evaluation.note).where(
            Evaluation.exercice_id == retest.exercice_id, Evaluation.grille_id == ident)
            .order_by(Evaluation.note)).all()
        ordre = {n: i for i, n in enumerate(NOTES_GRILLE)}
        return ", ".join(sorted(notes, key=ordre.get)) if notes else "pas encore noté"
    attendus = db.session.scalars(sa.select(Attendu).where(
        Attendu.exercice_id == retest.exercice_id, Attendu.attendu_id == ident)).all()
    if not attendus:
        return "pas encore attendue"
    etats = []
    for attendu in attendus:
        if attendu.statut == StatutAttendu.ATTEINT:
            etats.append("réalisée en retard" if attendu.en_retard else "réalisée")
        elif attendu.statut == StatutAttendu.MANQUE:
            etats.append("manquée")
        else:
            etats.append("en attente")
    return ", ".join(etats)


def retests(fiche: ActionPlan) -> list[tuple[Retest, Exercice, str]]:
    rows = db.session.execute(sa.select(Retest, Exercice).join(
        Exercice, Exercice.id == Retest.exercice_id).where(Retest.action_id == fiche.id)
        .order_by(Retest.at)).all()
    return [(r, e, resultat(r)) for r, e in rows]
