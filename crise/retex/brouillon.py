"""The generated part of a RETEX: what the records of one event say, read again each time.

For an exercise run, the deliveries, the expected actions, the grid, the observers' notes
and the hot wash come in besides what every event has (main courante, decisions and their
acknowledgements, C.A.RE openings, registrations per hour, SCOP requests and their delays,
households housed, points de situation); every line carries both clocks. Nothing here
writes: opening a draft twice gives the same draft, unless the records changed.

Only this event's records are read (an exercise's data never shows in another RETEX).
The large tables are read as columns and grouped by hour in Python, the same on SQLite and
PostgreSQL.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from statistics import median

import sqlalchemy as sa

from crise.auth.models import ROLE_LABELS, User
from crise.care.models import CentreAccueil, Personne
from crise.cellule.dashboard import compte_par_heure, heure_sql
from crise.cellule.models import (ActivationCellule, Decision, DestinataireDecision,
                                  MembreCellule, PointSituation)
from crise.db import utcnow
from crise.evenements.journal import EntreeMainCourante
from crise.evenements.models import Evenement
from crise.exercices.a_chaud import synthese_a_chaud
from crise.exercices.models import (NOTES_GRILLE, Attendu, Evaluation, Exercice, Joueur,
                                    Livraison, MouvementHorloge, NoteObservation, Observateur,
                                    StatutAttendu, role_libelle)
from crise.exercices.partie import lecteur_scenario
from crise.exercices.plan import plan_de
from crise.exercices.temps import format_relatif
from crise.extensions import db
from crise.formatting import format_duree
from crise.hebergement.models import DossierHebergement, Solution
from crise.mairies.models import Mairie
from crise.scop.models import DemandeScop

# The main courante's plain information of normal priority is counted per hour, not listed:
# a RETEX tells what mattered (a 3-day flood writes thousands of lines).
TYPES_RETENUS = ("demande", "action", "decision", "point_situation")

NON_JOUE = "non jouée (aucun joueur pour ce rôle)"

GENRES = {"horloge": "Horloge", "inject": "Inject", "attendu": "Action attendue",
          "main_courante": "Main courante", "decision": "Décision", "cellule": "Cellule",
          "care": "C.A.RE", "enregistrements": "Enregistrements", "scop": "SCOP",
          "hebergement": "Hébergement", "point": "Point de situation"}


@dataclass
class Ligne:
    """One line of the chronologie."""

    at: datetime
    genre: str
    texte: str
    qui: str = ""
    scenario_at: datetime | None = None
    etat: str = ""  # an expected action's outcome: « réalisée », « en retard », « manquée »

    @property
    def genre_label(self) -> str:
        return GENRES[self.genre]


@dataclass
class Delai:
    """A measured delay, and the target it is judged against when there is one."""

    libelle: str
    depuis: str  # « après l'inject INJ-005 », « après la demande »
    mesure: timedelta | None  # None: never done
    cible: timedelta | None = None
    horloge: str = "réel"  # or « scénario »
    objectif: str = ""

    @property
    def verdict(self) -> str:
        if self.mesure is None:
            return "non réalisé"
        if self.cible is None:
            return ""
        return "dans l'objectif" if self.mesure <= self.cible else "hors objectif"

    @property
    def phrase(self) -> str:
        """« C.A.RE ouvert (15e) : 1 h 40 après l'ordre, objectif 2 h »."""
        if self.mesure is None:
            texte = f"{self.libelle} : non réalisé"
        else:
            texte = f"{self.libelle} : {format_duree(self.mesure)} {self.depuis}"
        if self.cible is not None:
            texte += f", objectif {format_duree(self.cible)}"
        return texte


@dataclass
class Objectif:
    id: str
    libelle: str
    cible: str
    attendus: Counter = field(default_factory=Counter)  # by outcome
    attendus_liste: list = field(default_factory=list)
    grille: list = field(default_factory=list)  # [{id, critere, tache, notes, commentaires}]
    notes: list = field(default_factory=list)  # observers' notes
    forts: list = field(default_factory=list)  # what the records say went well
    faibles: list = field(default_factory=list)  # and what did not


@dataclass
class Brouillon:
    evenement: Evenement
    exercice: Exercice | None
    genere_at: datetime
    t0: datetime | None = None
    contexte: list = field(default_factory=list)  # [(label, value)]
    participants: list = field(default_factory=list)  # [(qui, nombre)]
    chronologie: list = field(default_factory=list)
    delais: list = field(default_factory=list)
    objectifs: list = field(default_factory=list)
    activite: list = field(default_factory=list)  # [(hour, registrations, main courante)]
    chiffres: list = field(default_factory=list)  # [(label, value)]
    a_chaud: dict | None = None
    propositions: list = field(default_factory=list)  # hot-wash « one action tomorrow »
    omises: int = 0  # main courante lines counted, not listed
    heures_main_courante: dict = field(default_factory=dict)  # {hour key: entries}
    notes_generales: list = field(default_factory=list)  # observers' notes, no objective
    retests: list = field(default_factory=list)  # [(action, what re-tests it, result)]

    def relatif(self, moment: datetime | None) -> str:
        """« J+1 10:00 »: a scenario time, for an exercise."""
        if moment is None or self.t0 is None:
            return ""
        return format_relatif(moment, self.t0)


def brouillon(evenement: Evenement, now: datetime | None = None) -> Brouillon:
    """Everything the records of ``evenement`` say, for its RETEX."""
    exercice = db.session.scalar(sa.select(Exercice).where(
        Exercice.evenement_id == evenement.id)) if evenement.exercice else None
    b = Brouillon(evenement=evenement, exercice=exercice, genere_at=now or utcnow())
    mairies = {m.id: m for m in db.session.scalars(sa.select(Mairie))}
    lire = None
    if exercice is not None:
        plan = plan_de(exercice.source)
        b.t0 = plan.t0
        lire = lecteur_scenario(exercice, plan)
        _exercice(b, exercice, plan, mairies)
    _contexte(b)
    _evenement(b, mairies)
    if lire is not None:
        for ligne in b.chronologie:
            if ligne.scenario_at is None:
                ligne.scenario_at = lire(ligne.at)
    b.chronologie.sort(key=lambda ligne: (ligne.at, list(GENRES).index(ligne.genre)))
    return b


def _contexte(b: Brouillon) -> None:
    ev = b.evenement
    b.contexte = [("Événement", ev.titre), ("Type", ev.type_label),
                  ("Nature", "Exercice" if ev.exercice else "Crise réelle"),
                  ("Survenu le", ev.survenu_at), ("Lieu", ev.lieu or "—"),
                  ("Mairies concernées", ", ".join(m.nom_court for m in ev.mairies) or "—"),
                  ("Statut", ev.statut_label)]
    if ev.description:
        b.contexte.append(("Description", ev.description))
    if b.exercice is not None:
        ex = b.exercice
        b.contexte += [("Scénario", ex.scenario_titre), ("DEBEX", ex.debex_at),
                       ("FINEX", ex.finex_at)]


# --- What every event has ---------------------------------------------------------------

def _evenement(b: Brouillon, mairies: dict) -> None:
    ev_id = b.evenement.id
    # An exercise starts at its DEBEX (its event is declared when the run is prepared).
    debut = (b.exercice.debex_at if b.exercice is not None and b.exercice.debex_at
             else b.evenement.survenu_at)
    depuis = "après le DEBEX" if b.exercice is not None else "après le début de l'événement"
    centres = db.session.scalars(sa.select(CentreAccueil).where(
        CentreAccueil.evenement_id == ev_id)).all()
    noms_centres = {c.id: f"{c.nom} ({mairies[c.mairie_id].nom_court})" for c in centres}
    for centre in centres:
        b.chronologie.append(Ligne(centre.ouvert_at, "care", f"C.A.RE ouvert : {centre.nom}",
                                   mairies[centre.mairie_id].nom_court))
        b.delais.append(Delai(f"C.A.RE {centre.nom} ({mairies[centre.mairie_id].nom_court}) "
                              "ouvert", depuis, centre.ouvert_at - debut))
        if centre.ferme_at:
            b.chronologie.append(Ligne(centre.ferme_at, "care", f"C.A.RE fermé : {centre.nom}",
                                       mairies[centre.mairie_id].nom_court))
    for activation in db.session.scalars(sa.select(ActivationCellule).where(
            ActivationCellule.evenement_id == ev_id)):
        b.chronologie.append(Ligne(activation.activee_at, "cellule",
                                   "Cellule centrale de crise activée", "Cellule"))
        b.delais.append(Delai("Cellule centrale activée", depuis,
                              activation.activee_at - debut))
        if activation.desactivee_at:
            b.chronologie.append(Ligne(activation.desactivee_at, "cellule",
                                       "Cellule centrale de crise désactivée", "Cellule"))
    _main_courante(b)
    _decisions(b, mairies)
    _points(b, mairies)
    _scop(b, mairies, noms_centres)
    _enregistrements(b, mairies, noms_centres)
    _hebergement(b, mairies)
    if b.exercice is None:
        _participants_reels(b, mairies)


def _main_courante(b: Brouillon) -> None:
    """What mattered listed; everything counted per hour (in SQL: thousands of lines)."""
    E = EntreeMainCourante
    ici = sa.and_(E.evenement_id == b.evenement.id, E.barree_at.is_(None))
    retenues = sa.and_(E.systeme.is_(False), sa.or_(E.type.in_(TYPES_RETENUS),
                                                     E.priorite != "normale"))
    for row in db.session.execute(sa.select(E.fait_at, E.texte, E.auteur_nom, E.auteur_role)
                                  .where(ici, retenues)):
        qui = row.auteur_nom + (f" ({ROLE_LABELS.get(row.auteur_role, row.auteur_role)})"
                                if row.auteur_role else "")
        b.chronologie.append(Ligne(row.fait_at, "main_courante", _court(row.texte), qui))
    heure = heure_sql(E.fait_at)
    b.heures_main_courante = compte_par_heure(db.session.execute(
        sa.select(heure, sa.func.count()).where(ici).group_by(heure)))
    b.omises = db.session.scalar(sa.select(sa.func.count()).where(
        ici, E.systeme.is_(False), sa.not_(retenues)))


LIGNE_MAX = 400


def _court(texte: str) -> str:
    """A long entry, cut: the chronologie says what happened, the main courante keeps all."""
    if len(texte) <= LIGNE_MAX:
        return texte
    return texte[:LIGNE_MAX].rsplit(" ", 1)[0] + " … (suite dans la main courante)"


def _decisions(b: Brouillon, mairies: dict) -> None:
    decisions = db.session.scalars(sa.select(Decision).where(
        Decision.evenement_id == b.evenement.id).order_by(Decision.created_at)).all()
    if not decisions:
        return
    dests = defaultdict(list)
    for dest in db.session.scalars(sa.select(DestinataireDecision).where(
            DestinataireDecision.decision_id.in_([d.id for d in decisions]))):
        dests[dest.decision_id].append(dest)
    for decision in decisions:
        mine = dests[decision.id]
        lues = [d.pris_connaissance_at - decision.created_at for d in mine
                if d.pris_connaissance_at]
        appliquees = [d.etat_at - decision.created_at for d in mine
                      if d.etat == "appliquee" and d.etat_at]
        texte = f"Décision : {decision.texte}"
        if mine:
            texte += (f" — lue par {len(lues)}/{len(mine)}"
                      + (f" (délai médian {format_duree(median(lues))})" if lues else "")
                      + f", appliquée par {len(appliquees)}/{len(mine)}")
        b.chronologie.append(Ligne(decision.created_at, "decision", texte, "Cellule"))
        if mine:
            # Applied when every addressee has applied it: one mairie of ten is not the
            # decision applied (the count says how far it got).
            cible = (decision.echeance_at - decision.created_at
                     if decision.echeance_at else None)
            court = decision.texte if len(decision.texte) <= 60 else decision.texte[:59] + "…"
            b.delais.append(Delai(
                f"Décision « {court} » appliquée ({len(appliquees)}/{len(mine)})",
                "après la décision, par tous ses destinataires",
                max(appliquees) if len(appliquees) == len(mine) else None, cible))


def _points(b: Brouillon, mairies: dict) -> None:
    for point in db.session.execute(sa.select(
            PointSituation.envoye_at, PointSituation.mairie_id, PointSituation.situation,
            PointSituation.besoins).where(PointSituation.evenement_id == b.evenement.id)):
        texte = "Point de situation reçu" + (f" : {point.situation}" if point.situation else "")
        if point.besoins:
            texte += f" — besoins : {point.besoins}"
        b.chronologie.append(Ligne(point.envoye_at, "point", texte,
                                   mairies[point.mairie_id].nom_court))


def _scop(b: Brouillon, mairies: dict, noms_centres: dict) -> None:
    parties = defaultdict(list)
    for d in db.session.scalars(sa.select(DemandeScop).where(
            DemandeScop.evenement_id == b.evenement.id).order_by(DemandeScop.created_at)):
        type_label = d.type_label
        qui = mairies[d.mairie_id].nom_court
        texte = f"Demande {type_label} ({d.statut_label.lower()})"
        if d.prise_at:
            texte += f" — prise en compte en {format_duree(d.prise_at - d.created_at)}"
        if d.sur_place_at:
            texte += f", sur place en {format_duree(d.sur_place_at - d.created_at)}"
        if d.arrivee_estimee_at:
            texte += f" (annoncée en {format_duree(d.arrivee_estimee_at - d.created_at)})"
        b.chronologie.append(Ligne(d.created_at, "scop", texte, qui))
        if d.type != "signalement":
            parties[type_label].append(d)
    for type_label, demandes in parties.items():
        prises = [d.prise_at - d.created_at for d in demandes if d.prise_at]
        sur_place = [d.sur_place_at - d.created_at for d in demandes if d.sur_place_at]
        annonces = [d.arrivee_estimee_at - d.created_at for d in demandes
                    if d.arrivee_estimee_at]
        b.delais.append(Delai(f"{type_label} pris en compte ({len(prises)}/{len(demandes)})",
                              "après la demande (médiane)",
                              median(prises) if prises else None))
        b.delais.append(Delai(f"{type_label} sur place ({len(sur_place)}/{len(demandes)})",
                              "après la demande (médiane ; objectif : l'arrivée annoncée, "
                              "médiane)",
                              median(sur_place) if sur_place else None,
                              median(annonces) if annonces else None))


def _heure(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _enregistrements(b: Brouillon, mairies: dict, noms_centres: dict) -> None:
    heure = heure_sql(Personne.created_at)
    par_heure, lignes = Counter(), []
    for cle, centre_id, nombre, premier in db.session.execute(
            sa.select(heure, Personne.centre_id, sa.func.count(), sa.func.min(
                Personne.created_at)).where(Personne.evenement_id == b.evenement.id)
            .group_by(heure, Personne.centre_id)):
        par_heure[_instant(cle)] += nombre
        lignes.append((premier, centre_id, nombre))
    # Each line at the hour's first registration (not the hour's start: that may be
    # before the DEBEX, or before the C.A.RE opened).
    for premier, centre_id, nombre in sorted(lignes, key=lambda l: (l[0], l[1])):
        b.chronologie.append(Ligne(premier, "enregistrements",
                                   f"{nombre} personne(s) enregistrée(s) dans l'heure",
                                   noms_centres.get(centre_id, "")))
    main_courante = Counter({_instant(k): n for k, n in b.heures_main_courante.items()})
    heures = sorted(set(par_heure) | set(main_courante))
    if heures:
        h, fin = heures[0], heures[-1]
        while h <= fin:
            b.activite.append((h, par_heure.get(h, 0), main_courante.get(h, 0)))
            h += timedelta(hours=1)
    b.chiffres.append(("Personnes enregistrées", sum(par_heure.values())))
    b.chiffres.append(("C.A.RE ouverts", len(noms_centres)))


def _instant(cle) -> datetime:
    """The start of an hour, from what the database gave (« YYYY-MM-DD HH » on SQLite)."""
    if hasattr(cle, "astimezone"):
        return cle.astimezone(timezone.utc)
    return datetime.strptime(cle, "%Y-%m-%d %H").replace(tzinfo=timezone.utc)


def _hebergement(b: Brouillon, mairies: dict) -> None:
    premieres = db.session.execute(
        sa.select(DossierHebergement.id, DossierHebergement.mairie_id,
                  DossierHebergement.nb_personnes, sa.func.min(Solution.created_at))
        .join(Solution, Solution.dossier_id == DossierHebergement.id)
        .where(DossierHebergement.evenement_id == b.evenement.id)
        .group_by(DossierHebergement.id, DossierHebergement.mairie_id,
                  DossierHebergement.nb_personnes)).all()
    par_heure, debut = Counter(), {}
    for _, mairie_id, nb, premiere in premieres:
        par_heure[_heure(premiere), mairie_id] += 1
        cle = (_heure(premiere), mairie_id)
        debut[cle] = min(debut.get(cle, premiere), premiere)
    for (heure, mairie_id), nombre in sorted(par_heure.items()):
        b.chronologie.append(Ligne(debut[heure, mairie_id], "hebergement",
                                   f"{nombre} foyer(s) mis à l'abri dans l'heure",
                                   mairies[mairie_id].nom_court))
    dossiers = db.session.scalar(sa.select(sa.func.count()).where(
        DossierHebergement.evenement_id == b.evenement.id))
    b.chiffres.append(("Foyers suivis par la DSOL", dossiers))
    b.chiffres.append(("Foyers mis à l'abri", len(premieres)))
    nuitees = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(
        Solution.nuits * Solution.nb_personnes), 0)).join(DossierHebergement).where(
        DossierHebergement.evenement_id == b.evenement.id))
    b.chiffres.append(("Nuitées", nuitees))


def _participants_reels(b: Brouillon, mairies: dict) -> None:
    """Who acted in a real event: the authors of its main courante, the cellule's members,
    the desks that registered people."""
    E = EntreeMainCourante
    roles = Counter()
    vus = set()
    for auteur_id, role in db.session.execute(sa.select(E.auteur_id, E.auteur_role).where(
            E.evenement_id == b.evenement.id, E.auteur_id.is_not(None)).distinct()):
        if auteur_id not in vus:
            vus.add(auteur_id)
            roles[ROLE_LABELS.get(role, role)] += 1
    createurs = db.session.execute(sa.select(User.id, User.role, User.mairie_id).where(
        User.id.in_(sa.select(Personne.created_by_id).where(
            Personne.evenement_id == b.evenement.id).distinct()))).all()
    for user_id, role, mairie_id in createurs:
        if user_id not in vus:
            vus.add(user_id)
            roles[role_libelle(role, mairies.get(mairie_id))] += 1
    membres = db.session.scalar(sa.select(sa.func.count()).select_from(MembreCellule).join(
        ActivationCellule).where(ActivationCellule.evenement_id == b.evenement.id))
    if membres:
        roles["Membres de la cellule centrale"] += membres
    b.participants = sorted(roles.items())


# --- What an exercise adds -------------------------------------------------------------

def _exercice(b: Brouillon, exercice: Exercice, plan, mairies: dict) -> None:
    donnees = plan.donnees
    joueurs = Counter()
    for joueur in db.session.scalars(sa.select(Joueur).where(
            Joueur.exercice_id == exercice.id)):
        joueurs[role_libelle(joueur.user.role, mairies.get(joueur.user.mairie_id))] += 1
    observateurs = db.session.scalar(sa.select(sa.func.count()).select_from(Observateur)
                                     .where(Observateur.exercice_id == exercice.id))
    b.participants = sorted(joueurs.items())
    if observateurs:
        b.participants.append(("Observateurs", observateurs))
    for mouvement in db.session.scalars(sa.select(MouvementHorloge).where(
            MouvementHorloge.exercice_id == exercice.id).order_by(MouvementHorloge.reel_at)):
        texte = MouvementHorloge.QUOI_LABELS.get(mouvement.quoi, mouvement.quoi)
        if mouvement.motif:
            texte += f" — {mouvement.motif}"
        b.chronologie.append(Ligne(mouvement.reel_at, "horloge", texte, mouvement.par_nom,
                                   scenario_at=mouvement.scenario_at))
    livraisons = {}
    for livraison in db.session.scalars(sa.select(Livraison).where(
            Livraison.exercice_id == exercice.id, Livraison.envoye.is_(True))):
        livraisons[livraison.id] = livraison
        pour = ", ".join(ROLE_LABELS.get(r, r) for r in livraison.roles)
        if livraison.mairies:
            pour += " — " + ", ".join(livraison.mairies)
        b.chronologie.append(Ligne(
            livraison.livre_at, "inject",
            f"{livraison.inject_id or 'Inject libre'} — {livraison.titre}", pour,
            scenario_at=livraison.livre_scenario_at))
    objectifs = {o["id"]: Objectif(o["id"], o["libelle"], o.get("cible", ""))
                 for o in donnees.get("objectifs") or []}
    fin = exercice.finex_at
    joues = set(db.session.execute(sa.select(User.role, User.mairie_id).join(
        Joueur, Joueur.user_id == User.id).where(Joueur.exercice_id == exercice.id)).all())
    for attendu in db.session.scalars(sa.select(Attendu).where(
            Attendu.exercice_id == exercice.id).order_by(Attendu.id)):
        joue = any(role == attendu.role and (attendu.mairie_id is None
                                             or mairie_id == attendu.mairie_id)
                   for role, mairie_id in joues)
        _attendu(b, attendu, livraisons.get(attendu.livraison_id), objectifs, mairies, fin,
                 joue=joue)
    _grille(exercice, donnees, objectifs)
    for note in db.session.scalars(sa.select(NoteObservation).where(
            NoteObservation.exercice_id == exercice.id).order_by(NoteObservation.ecrit_at)):
        if note.objectif in objectifs:
            objectifs[note.objectif].notes.append(note)
        else:
            b.notes_generales.append(note)
    b.objectifs = list(objectifs.values())
    from crise.retex.actions import resultat
    from crise.retex.models import ActionPlan, Retest

    b.retests = [(fiche, retest.libelle, resultat(retest)) for retest, fiche in
                 db.session.execute(sa.select(Retest, ActionPlan).join(
                     ActionPlan, ActionPlan.id == Retest.action_id)
                     .where(Retest.exercice_id == exercice.id).order_by(Retest.at))]
    b.a_chaud = synthese_a_chaud(exercice)
    action = b.a_chaud["questions"]
    if action:
        b.propositions = list(action.values())[-1]


def _attendu(b: Brouillon, attendu: Attendu, livraison, objectifs: dict, mairies: dict,
             fin: datetime | None, *, joue: bool = True) -> None:
    qui = role_libelle(attendu.role, mairies.get(attendu.mairie_id))
    statut = attendu.statut
    if statut != StatutAttendu.ATTEINT and not joue:
        # Nobody played this role: not a failure of anyone's, and not counted as one.
        objectif = objectifs.get(attendu.objectif)
        if objectif is not None:
            objectif.attendus_liste.append((attendu, qui, NON_JOUE))
        return
    if statut == StatutAttendu.ATTEINT:
        etat = "réalisée en retard" if attendu.en_retard else "réalisée"
        b.chronologie.append(Ligne(attendu.atteint_at, "attendu", attendu.action, qui,
                                   scenario_at=attendu.atteint_scenario_at, etat=etat))
    elif statut == StatutAttendu.MANQUE:
        etat = "manquée"
        quand = attendu.atteint_at or fin  # judged missed during play, or at the FINEX
        if quand:
            b.chronologie.append(Ligne(quand, "attendu", attendu.action, qui,
                                       scenario_at=attendu.atteint_scenario_at, etat=etat))
    else:
        etat = "en attente"
    objectif = objectifs.get(attendu.objectif)
    if objectif is not None:
        objectif.attendus[etat] += 1
        objectif.attendus_liste.append((attendu, qui, etat))
        if etat == "réalisée":
            objectif.forts.append(f"{attendu.action} ({qui}) : réalisée dans le délai")
        elif etat in ("réalisée en retard", "manquée"):
            objectif.faibles.append(f"{attendu.action} ({qui}) : {etat}")
    if livraison is None:
        return
    depuis = f"après l'inject {livraison.inject_id or livraison.titre}"
    if attendu.echeance_en_jeu_s is not None:
        cible = timedelta(seconds=attendu.echeance_en_jeu_s - livraison.en_jeu_s)
        mesure = (timedelta(seconds=attendu.atteint_en_jeu_s - livraison.en_jeu_s)
                  if attendu.atteint_en_jeu_s is not None else None)
        b.delais.append(Delai(f"{attendu.action} ({qui})", depuis, mesure, cible, "réel",
                              attendu.objectif))
    elif attendu.echeance_scenario_at is not None:
        cible = attendu.echeance_scenario_at - livraison.livre_scenario_at
        mesure = (attendu.atteint_scenario_at - livraison.livre_scenario_at
                  if attendu.atteint_scenario_at else None)
        b.delais.append(Delai(f"{attendu.action} ({qui})", depuis, mesure, cible, "scénario",
                              attendu.objectif))


def _grille(exercice: Exercice, donnees: dict, objectifs: dict) -> None:
    evaluations = defaultdict(list)
    for evaluation in db.session.scalars(sa.select(Evaluation).where(
            Evaluation.exercice_id == exercice.id).order_by(Evaluation.evalue_at)):
        evaluations[evaluation.grille_id].append(evaluation)
    taches = {t["id"]: t["libelle"] for o in donnees.get("objectifs") or []
              for t in o.get("taches_critiques") or []}
    for item in donnees.get("grille_observation") or []:
        objectif = objectifs.get(item["objectif"])
        if objectif is None:
            continue
        mine = evaluations.get(item["id"], [])
        notes = Counter(e.note for e in mine)
        objectif.grille.append({"id": item["id"], "critere": item.get("critere", ""),
                                "tache": taches.get(item.get("tache_critique"), ""),
                                "notes": {n: notes[n] for n in NOTES_GRILLE if notes[n]},
                                "evaluations": mine})
        for e in mine:
            texte = f"{item['id']} {item.get('critere', '')} : {e.note}" + (
                f" — {e.commentaire}" if e.commentaire else "")
            if e.note == "P":
                objectif.forts.append(texte)
            elif e.note in ("M", "U"):
                objectif.faibles.append(texte)
