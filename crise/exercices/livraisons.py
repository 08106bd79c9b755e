"""Delivering injects: when they fall due (a scenario time, a threshold first crossed, some
time after another inject, if an expected action met or missed), by hand from the console
(« envoyer maintenant », the reserve, an inject typed on the spot); the players' inbox and
their acknowledgement.

A delivery is a row unique per run and inject, inserted in a savepoint: a second worker
ticking at the same instant runs into the constraint and leaves it to the first. What a
delivery creates (its addressees, its expected actions, figurants, a SCOP signalement, its
line in the main courante) is written in the same savepoint, so it exists once or not at all.
"""

from datetime import datetime

import sqlalchemy as sa

from crise.auth.models import Role, User
from crise.cellule.situation import point_simule
from crise.db import recent_twin, utcnow
from crise.errors import ServiceError
from crise.evenements.journal import ecrire_application
from crise.exercices.attendus import creer_attendus, issues
from crise.exercices.figurants import figurants_pour, foyers_deja_venus
from crise.exercices.models import (Destinataire, Exercice, Joueur, Livraison,
                                    MouvementHorloge, StatutExercice, can_animate)
from crise.exercices.partie import Instant, instant, verrouiller
from crise.exercices.plan import Plan, plan_de
from crise.exercices.temps import format_relatif
from crise.extensions import db
from crise.mairies.models import Mairie
from crise.scop.services import signaler_exercice
from crise.text import clean, clean_line

__all__ = ["avancer", "envoyer", "envoyer_libre", "acquitter",
           "boite_query", "non_lus", "livraisons_query", "joue_dans", "prochains",
           "TITRE_MAX", "MESSAGE_MAX"]

TITRE_MAX, MESSAGE_MAX = 300, 5000
S = StatutExercice


def _livrees(exercice: Exercice) -> dict[str, tuple]:
    """{inject id: (scenario time, real time of play, sent)} of what the run delivered."""
    return {row.inject_id: (row.livre_scenario_at, row.en_jeu_s, row.envoye)
            for row in db.session.execute(
                sa.select(Livraison.inject_id, Livraison.livre_scenario_at, Livraison.en_jeu_s,
                          Livraison.envoye)
                .where(Livraison.exercice_id == exercice.id,
                       Livraison.inject_id.is_not(None)))}


def _dus(plan: Plan, moment: Instant, livrees: dict, exercice_id: int | None = None,
         ) -> list[tuple[datetime, str]]:
    """(due scenario moment, inject id) of what has fallen due and is not delivered. A
    contingency waits while the action it watches can still be met (or missed)."""
    dus = []
    for ident, declencheur in plan.declencheurs.items():
        if ident in livrees or declencheur.manuel:
            continue
        if declencheur.apres:
            base = livrees.get(declencheur.apres)
            if base is None or not base[2]:
                continue
            if declencheur.temps_reel:
                if base[1] + declencheur.delai.total_seconds() <= moment.en_jeu.total_seconds():
                    dus.append((moment.scenario, ident))
            elif base[0] + declencheur.delai <= moment.scenario:
                dus.append((base[0] + declencheur.delai, ident))
        elif declencheur.moment is not None and declencheur.moment <= moment.scenario:
            dus.append((declencheur.moment, ident))
    if exercice_id is not None and any(plan.declencheurs[i].si_attendu for _, i in dus):
        issue = issues(exercice_id, moment)
        dus = [(du, i) for du, i in dus if not plan.declencheurs[i].si_attendu
               or issue.get(plan.declencheurs[i].si_attendu) is not None]
    dus.sort()
    return dus


def avancer(exercice: Exercice, *, now: datetime | None = None,
            verrou: bool = True) -> list[Livraison]:
    """Deliver, in the story's order, what has fallen due in a run in play. Nothing when
    paused or ended. Cheap when nothing is due: no write, no lock."""
    if exercice.statut != S.EN_COURS or not exercice.evenement.en_cours:
        return []
    now = now or utcnow()
    plan = plan_de(exercice.source)
    moment = instant(exercice, now, plan)
    livrees = _livrees(exercice)
    if not _dus(plan, moment, livrees, exercice.id):
        return []
    if verrou:
        verrouiller(exercice, now)
        if exercice.statut != S.EN_COURS:
            return []
        moment = instant(exercice, now, plan)
        livrees = _livrees(exercice)
    sauts = db.session.execute(sa.select(MouvementHorloge.scenario_avant,
                                         MouvementHorloge.scenario_at)
                               .where(MouvementHorloge.exercice_id == exercice.id,
                                      MouvementHorloge.quoi == "saut")).all()
    faites = []
    while dus := _dus(plan, moment, livrees, exercice.id):
        for du, ident in dus:
            inject = plan.injects[ident]
            declencheur = plan.declencheurs[ident]
            envoye = True
            if declencheur.si_attendu:
                issue = issues(exercice.id, moment)[declencheur.si_attendu]
                envoye = issue == declencheur.si_reussit
            pendant_saut = du < moment.scenario and (
                plan.horloge.reel_pour(du)[1]
                or any(avant is not None and avant < du <= apres for avant, apres in sauts))
            livraison = _livrer(exercice, plan, inject, moment, du=du, envoye=envoye,
                                pendant_saut=pendant_saut)
            livrees[ident] = (moment.scenario, moment.en_jeu.total_seconds(), envoye)
            if livraison is not None:
                faites.append(livraison)
    return faites


def _declencheur_texte(plan: Plan, inject: dict) -> str:
    quand = inject["quand"]
    if "t" in quand:
        return f"à {quand['t']}"
    if "seuil" in quand:
        seuil = plan.seuils[quand["seuil"]]
        return f"seuil « {seuil.get('libelle') or seuil['id']} »"
    if "apres" in quand:
        apres = quand["apres"]
        texte = f"après {apres['inject']} (+{apres['delai']})"
        return texte + (f", si {apres['si']}" if apres.get("si") else "")
    return "à la main"


def _destinataires(roles: list[str], codes: list[str], defaut: list[str]) -> list[Destinataire]:
    mairies = dict(db.session.execute(sa.select(Mairie.code, Mairie.id)
                                      .where(Mairie.code.in_(codes or defaut))).all())
    rows = []
    for role in roles:
        if Role(role).is_mairie_role:
            rows += [Destinataire(role=role, mairie_id=mairies[c]) for c in (codes or defaut)
                     if c in mairies]
        else:
            rows.append(Destinataire(role=role))
    return rows


def _livrer(exercice: Exercice, plan: Plan, inject: dict, moment: Instant, *,
            du: datetime | None, envoye: bool = True, pendant_saut: bool = False,
            par: User | None = None) -> Livraison | None:
    """One delivery and what it creates, in a savepoint: None if another worker did it."""
    participants = plan.donnees["participants"]
    a = inject["a"]
    livraison = Livraison(
        exercice_id=exercice.id, inject_id=inject["id"], titre=inject["titre"][:TITRE_MAX],
        message=inject["message"], de=plan.de(inject)[:300], canal=inject.get("canal", ""),
        roles=list(a["roles"]), mairies=list(a.get("mairies") or []), du_scenario_at=du,
        livre_at=moment.reel, livre_scenario_at=moment.scenario,
        en_jeu_s=moment.en_jeu.total_seconds(), pendant_saut=pendant_saut,
        declencheur=_declencheur_texte(plan, inject)[:300], envoye=envoye,
        par_id=par.id if par else None, par_nom=(str(par) if par else "")[:120])
    try:
        with db.session.begin_nested():
            db.session.add(livraison)
            db.session.flush()
            if envoye:
                livraison.destinataires = _destinataires(
                    a["roles"], list(a.get("mairies") or []),
                    list(participants.get("mairies") or []))
                creer_attendus(exercice, livraison, inject, plan, moment)
                _creer(exercice, plan, inject, livraison)
                _journal(exercice, livraison, plan)
            db.session.flush()
    except sa.exc.IntegrityError:
        # Delivered a moment ago by another worker: the row is there. Anything else is a
        # fault to be seen, not an inject silently never sent.
        if db.session.scalar(sa.select(Livraison.id).where(
                Livraison.exercice_id == exercice.id,
                Livraison.inject_id == inject["id"])) is None:
            raise
        return None
    return livraison


def _journal(exercice: Exercice, livraison: Livraison, plan: Plan) -> None:
    dest = ", ".join(d.libelle for d in livraison.destinataires)
    heure = format_relatif(livraison.livre_scenario_at, plan.t0)
    saut = (" (franchi pendant le saut)" if livraison.declencheur.startswith("seuil")
            else " (dû pendant le saut)") if livraison.pendant_saut else ""
    ident = f"inject {livraison.inject_id}" if livraison.inject_id else "inject libre"
    ecrire_application(
        exercice.evenement_id,
        f"EXERCICE — {ident} reçu de {livraison.de or 'l animation'} "
        f"({livraison.canal_label.lower()}, heure du scénario {heure}{saut}) → {dest} : "
        f"{livraison.titre}", objet_type="inject", objet_id=livraison.id,
        now=livraison.livre_at)


def _creer(exercice: Exercice, plan: Plan, inject: dict, livraison: Livraison) -> None:
    """Records in the real tools: figurants at a C.A.RE, a SCOP signalement, a mairie's
    point de situation arriving late."""
    cree = inject.get("cree") or {}
    if figurants := cree.get("figurants"):
        mairie = db.session.scalar(sa.select(Mairie).where(Mairie.code == figurants["mairie"]))
        db.session.add_all(figurants_pour(livraison, plan.donnees, mairie.id,
                                          figurants["nombre"], figurants.get("foyers", 1),
                                          foyers_deja_venus(exercice.id, plan.donnees)))
    if point := cree.get("point_situation"):
        mairie = db.session.scalar(sa.select(Mairie).where(Mairie.code == point["mairie"]))
        point_simule(exercice.evenement, mairie, point["situation"],
                     f"Inject {inject['id']} ({livraison.de})", now=livraison.livre_at)
    if signalement := cree.get("signalement_scop"):
        mairie = db.session.scalar(sa.select(Mairie).where(
            Mairie.code == signalement["mairie"]))
        signaler_exercice(exercice.evenement, mairie, signalement["texte"],
                          f"Inject {inject['id']} ({livraison.de})", now=livraison.livre_at)


def _exiger_en_jeu(exercice: Exercice) -> None:
    if exercice.statut == S.EN_PAUSE:
        raise ServiceError("L'exercice est en pause : reprenez-le pour envoyer un inject.")
    if exercice.statut != S.EN_COURS:
        raise ServiceError("Un inject s'envoie pendant l'exercice (après le DEBEX, avant la "
                           "FINEX).")


def envoyer(actor: User, exercice: Exercice, inject_id: str, *,
            now: datetime | None = None) -> Livraison:
    """« Envoyer maintenant »: any inject of the scenario, reserve included."""
    if not can_animate(actor):
        raise ServiceError("Seul un animateur envoie un inject.")
    now = now or utcnow()
    verrouiller(exercice, now)
    _exiger_en_jeu(exercice)
    plan = plan_de(exercice.source)
    inject = plan.injects.get(inject_id)
    if inject is None:
        raise ServiceError("Cet inject n'est pas dans le scénario.")

    def deja():
        return db.session.scalar(sa.select(Livraison).where(
            Livraison.exercice_id == exercice.id, Livraison.inject_id == inject_id))

    if (livree := deja()) is not None:
        raise ServiceError(f"L'inject {inject_id} a déjà été "
                           + ("envoyé." if livree.envoye else "écarté (sa condition n'était "
                                                            "pas remplie)."))
    # What fell due goes first, in its order; this inject may be among it.
    avancer(exercice, now=now, verrou=False)
    if (livree := deja()) is not None:
        return livree
    return _livrer(exercice, plan, inject, instant(exercice, now, plan), du=None, par=actor)


def envoyer_libre(actor: User, exercice: Exercice, *, de: str, canal: str, roles: list[str],
                  mairies: list[str], titre: str, message: str,
                  now: datetime | None = None) -> tuple[Livraison, bool]:
    """An inject typed on the spot by the animateur. The same one sent twice is one."""
    if not can_animate(actor):
        raise ServiceError("Seul un animateur envoie un inject.")
    now = now or utcnow()
    plan = plan_de(exercice.source)
    participants = plan.donnees["participants"]
    titre, de = clean_line(titre or "").strip(), clean_line(de or "").strip()
    message = clean(message or "").strip()
    if not titre:
        raise ServiceError("Donnez un titre à l'inject.", field="titre")
    if len(titre) > TITRE_MAX:
        raise ServiceError(f"Le titre ne doit pas dépasser {TITRE_MAX} caractères.",
                           field="titre")
    if not message:
        raise ServiceError("Écrivez le message reçu par les joueurs.", field="message")
    if len(message) > MESSAGE_MAX:
        raise ServiceError(f"Le message ne doit pas dépasser {MESSAGE_MAX} caractères "
                           f"(actuellement {len(message)}).", field="message")
    roles = [r for r in dict.fromkeys(roles or []) if r in participants["roles"]]
    if not roles:
        raise ServiceError("Cochez au moins un rôle destinataire.", field="roles")
    codes = [c for c in dict.fromkeys(mairies or [])
             if c in (participants.get("mairies") or [])]
    if canal not in Livraison.CANAL_LABELS:
        raise ServiceError("Choisissez le canal.", field="canal")
    verrouiller(exercice, now)
    _exiger_en_jeu(exercice)
    twin = recent_twin(Livraison, Livraison.livre_at, now, Livraison.exercice_id == exercice.id,
                       Livraison.inject_id.is_(None), Livraison.titre == titre,
                       Livraison.message == message)
    if twin is not None:
        return twin, False
    moment = instant(exercice, now, plan)
    livraison = Livraison(
        exercice_id=exercice.id, inject_id=None, titre=titre, message=message,
        de=(de or "Cellule d'animation")[:300], canal=canal, roles=roles, mairies=codes,
        livre_at=now, livre_scenario_at=moment.scenario,
        en_jeu_s=moment.en_jeu.total_seconds(), declencheur="inject libre",
        par_id=actor.id, par_nom=str(actor)[:120])
    db.session.add(livraison)
    livraison.destinataires = _destinataires(roles, codes,
                                             list(participants.get("mairies") or []))
    db.session.flush()
    _journal(exercice, livraison, plan)
    db.session.flush()
    return livraison, True


# --- The players' inbox ---------------------------------------------------------------------

def joue_dans(user: User):
    """The runs (not ended) where the user is a player."""
    return (sa.select(Joueur.exercice_id).join(Exercice)
            .where(Joueur.user_id == user.id, Exercice.statut != S.TERMINE))


def boite_query(user: User, exercice_id: int | None = None):
    """The addressee rows of the injects the user receives as a player: their role, and
    their mairie for the mairies' roles."""
    query = (sa.select(Destinataire).join(Livraison)
             .where(Livraison.exercice_id.in_(
                 sa.select(Joueur.exercice_id).where(Joueur.user_id == user.id)),
                 Destinataire.role == user.role,
                 sa.or_(Destinataire.mairie_id.is_(None),
                        Destinataire.mairie_id == user.mairie_id))
             .order_by(Livraison.livre_at.desc(), Livraison.id.desc()))
    if exercice_id is not None:
        query = query.where(Livraison.exercice_id == exercice_id)
    return query


def non_lus(user: User) -> int:
    sous = boite_query(user).where(Destinataire.acquitte_at.is_(None)).order_by(None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(sous.subquery())) or 0


def acquitter(user: User, destinataire: Destinataire, *,
              now: datetime | None = None) -> bool:
    """A player acknowledges an inject for their role (and mairie). False if it already was."""
    now = now or utcnow()
    livraison = destinataire.livraison
    joueur = db.session.scalar(sa.select(Joueur).where(
        Joueur.exercice_id == livraison.exercice_id, Joueur.user_id == user.id))
    if joueur is None or destinataire.role != user.role or (
            destinataire.mairie_id is not None and destinataire.mairie_id != user.mairie_id):
        raise ServiceError("Cet inject ne vous est pas adressé.")
    if destinataire.acquitte_at is not None:
        return False
    exercice = db.session.get(Exercice, livraison.exercice_id)
    if exercice.termine:
        raise ServiceError("L'exercice est terminé (FINEX) : les messages ne s'acquittent plus.")
    destinataire.acquitte_at = now
    destinataire.acquitte_scenario_at = instant(exercice, now).scenario
    destinataire.acquitte_par_id, destinataire.acquitte_par_nom = user.id, str(user)[:120]
    db.session.flush()
    return True


def livraisons_query(exercice: Exercice):
    return (sa.select(Livraison).where(Livraison.exercice_id == exercice.id)
            .order_by(Livraison.livre_at, Livraison.id))


def prochains(exercice: Exercice, moment: Instant | None, plan: Plan | None = None,
              limite: int = 8) -> list[dict]:
    """What comes next: the injects not delivered, with when they are due (a scenario time,
    a threshold, after another inject, by hand)."""
    plan = plan or plan_de(exercice.source)
    livrees = _livrees(exercice)
    lignes = []
    for ident, declencheur in plan.declencheurs.items():
        if ident in livrees:
            continue
        inject = plan.injects[ident]
        moment_du = declencheur.moment
        if declencheur.apres and declencheur.apres in livrees and not declencheur.temps_reel:
            moment_du = livrees[declencheur.apres][0] + declencheur.delai
        lignes.append({"id": ident, "titre": inject["titre"], "moment": moment_du,
                       "relatif": format_relatif(moment_du, plan.t0) if moment_du else "",
                       "declencheur": _declencheur_texte(plan, inject),
                       "reserve": bool(inject.get("reserve")), "manuel": declencheur.manuel,
                       "dans": (moment_du - moment.scenario) if moment_du and moment
                       else None})
    lignes.sort(key=lambda l: (l["moment"] is None, l["moment"] or plan.t0, l["id"]))
    return lignes[:limite] if limite else lignes

