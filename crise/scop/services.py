"""SCOP request rules: asking, taking, moving through the workflow, answering, delays.

Nothing is edited in place: every step appends an EtapeDemande (who, when, from, to, what).
Services flush, never commit.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from crise.auth.models import User
from crise.care.models import CentreAccueil
from crise.db import utcnow
from crise.formatting import format_datetime
from crise.errors import ServiceError
from crise.evenements.models import Evenement
from crise.evenements.services import marquer_scop_informee
from crise.extensions import db
from crise.mairies.models import Mairie
from crise.signals import (Fait, annoncer, cloture_demandee, demande_scop_changee,
                           demande_scop_envoyee)
from crise.text import clean_data, clean_line
from crise.scop.models import (CANCELLABLE, MAIRIE_ROLES_DEMANDE, SCOP_MOVES, SCOP_ROLES,
                               STATUTS_FINAUX, DemandeScop, EtapeDemande, StatutDemande,
                               TypeDemande, Urgence)

S = StatutDemande
QUANTITE_MAX = 10_000
ETA_MAX = timedelta(hours=48)  # a van arrives within two days, or it is not an estimate
# The same request sent again within this time (Back, then send) is the same request.
DOUBLON_DELAI = timedelta(minutes=15)
VPU_ARTICLES = {
    "vetements_enfant": "Vêtements enfant", "vetements_s": "Vêtements adulte S",
    "vetements_m": "Vêtements adulte M", "vetements_l": "Vêtements adulte L",
    "vetements_xl": "Vêtements adulte XL", "couvertures": "Couvertures",
    "hygiene": "Kits d'hygiène", "denrees": "Denrées", "eau": "Eau (bouteilles)",
    "autre": "Autre",
}
UMIP_PUBLICS = {"impliques": "Impliqués", "proches": "Proches", "enfants": "Enfants",
                "agents": "Agents municipaux"}


def _quantity(value, field: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(f"{label} : un nombre entier.", field=field)
    if not 0 <= value <= QUANTITE_MAX:
        raise ServiceError(f"{label} : entre 0 et {QUANTITE_MAX}.", field=field)
    return value


def _clean_contenu(type_: str, contenu: dict) -> dict:
    if type_ == TypeDemande.SIGNALEMENT:
        texte = (contenu.get("texte") or "").strip()
        if not texte:
            raise ServiceError("Décrivez ce qui est signalé.", field="texte")
        if len(texte) > 2000:
            raise ServiceError("2000 caractères au maximum.", field="texte")
        return {"texte": texte, "source": (contenu.get("source") or "").strip()[:255]}
    if type_ == TypeDemande.VPU:
        articles = {code: _quantity(qty, f"articles-{code}", VPU_ARTICLES[code])
                    for code, qty in (contenu.get("articles") or {}).items()
                    if code in VPU_ARTICLES}
        articles = {code: qty for code, qty in articles.items() if qty}
        if not articles:
            raise ServiceError("Indiquez au moins un article et sa quantité.", field="articles")
        detail = (contenu.get("autre_detail") or "").strip()[:255]
        if "autre" in articles and not detail:
            raise ServiceError("Précisez ce que recouvre « Autre ».", field="autre_detail")
        contact = (contenu.get("contact") or "").strip()
        if not contact:
            raise ServiceError("Indiquez un contact sur place qui recevra le VPU (nom et "
                               "téléphone).", field="contact")
        return {"articles": articles, "autre_detail": detail, "contact": contact[:255]}
    if type_ == TypeDemande.UMIP:
        publics = {code: _quantity(contenu.get(code, 0) or 0, code, label)
                   for code, label in UMIP_PUBLICS.items()}
        if not sum(publics.values()):
            raise ServiceError("Indiquez combien de personnes ont besoin de soutien.",
                               field="impliques")
        contact = (contenu.get("contact") or "").strip()
        if not contact:
            raise ServiceError("Indiquez un contact sur place (nom et téléphone).",
                               field="contact")
        return {**publics, "contact": contact[:255],
                "nature": (contenu.get("nature") or "").strip()[:500]}
    raise ServiceError("Type de demande inconnu.", field="type")


def _step(demande: DemandeScop, actor: User | None, de: str, vers: str, texte: str = "",
          donnees: dict | None = None, now: datetime | None = None) -> EtapeDemande:
    etape = EtapeDemande(auteur_id=getattr(actor, "id", None), de=de, vers=vers,
                         texte=(texte or "")[:1000], donnees=donnees, at=now or utcnow())
    demande.etapes.append(etape)
    return etape


def demander(actor: User, evenement: Evenement, *, type: str, urgence: str, contenu: dict,
             nb_personnes: int | None = None, centre: CentreAccueil | None = None,
             lieu: str = "", jeton: str | None = None,
             now: datetime | None = None) -> tuple[DemandeScop, bool]:
    """A mairie's request to the SCOP. A signalement also records that the SCOP was told."""
    now = now or utcnow()
    # Who may, first: a form's token says nothing to someone who may not send it.
    if not actor.has_role(*MAIRIE_ROLES_DEMANDE):
        raise ServiceError("Seul le responsable de crise d'une mairie s'adresse à la SCOP.")
    mairie_id = actor.mairie_id or (centre.mairie_id if centre else None)
    if mairie_id is None or mairie_id not in evenement.mairie_ids or \
            not evenement.can_view(actor):
        raise ServiceError("Cet événement ne concerne pas votre mairie.")
    if jeton:
        existing = db.session.scalar(sa.select(DemandeScop).where(
            DemandeScop.jeton_creation == jeton))
        if existing is not None and existing.demandeur_id == actor.id \
                and existing.type == type:
            return existing, False
        if existing is not None:
            jeton = None
    if not evenement.en_cours:
        raise ServiceError("Cet événement est clos : plus de demande à la SCOP.")
    if urgence not in set(Urgence):
        raise ServiceError("Indiquez l'urgence.", field="urgence")
    contenu = _clean_contenu(type, clean_data(contenu or {}, multiline=("texte", "nature")))
    lieu = clean_line(lieu or "")
    if nb_personnes is not None and not 1 <= nb_personnes <= QUANTITE_MAX:
        raise ServiceError(f"Nombre de personnes : entre 1 et {QUANTITE_MAX}.",
                           field="nb_personnes")
    if type == TypeDemande.VPU and not nb_personnes:
        raise ServiceError("Indiquez le nombre de personnes concernées.", field="nb_personnes")
    if centre is not None and (centre.evenement_id != evenement.id
                               or centre.mairie_id != mairie_id):
        raise ServiceError("Ce C.A.RE n'appartient pas à cet événement et à votre mairie.",
                           field="centre")
    lieu = (lieu or "").strip()
    if type != TypeDemande.SIGNALEMENT and centre is None and not lieu:
        raise ServiceError("Indiquez où : un C.A.RE de l'événement ou une adresse.",
                           field="lieu")
    # Sent again (Back, then send: the form's token is new) with the same content by the
    # same mairie a moment ago: it is the same request.
    recent = db.session.scalars(sa.select(DemandeScop).where(
        DemandeScop.evenement_id == evenement.id, DemandeScop.mairie_id == mairie_id,
        DemandeScop.type == type, DemandeScop.created_at >= now - DOUBLON_DELAI,
        DemandeScop.statut.not_in(STATUTS_FINAUX))).all()
    for other in recent:
        if (other.contenu == contenu and other.urgence == urgence
                and other.nb_personnes == nb_personnes
                and other.centre_id == (centre.id if centre else None)
                and other.lieu == lieu[:255]):
            return other, False
    demande = DemandeScop(
        evenement_id=evenement.id, mairie_id=mairie_id, type=type, urgence=urgence,
        urgence_rang=Urgence(urgence).rang, statut=S.NOUVELLE, contenu=contenu,
        nb_personnes=nb_personnes, centre_id=centre.id if centre else None, lieu=lieu[:255],
        demandeur_id=actor.id, jeton_creation=jeton or None, created_at=now, updated_at=now)
    db.session.add(demande)
    _step(demande, actor, "", S.NOUVELLE, "Demande envoyée", now=now)
    if type == TypeDemande.SIGNALEMENT and evenement.scop_informee_at is None:
        marquer_scop_informee(actor, evenement, now, "Signalement transmis par l'application")
    db.session.flush()
    _annoncer(actor, demande, "", now=now)
    return demande, True


def signaler_exercice(evenement: Evenement, mairie, texte: str, source: str, *,
                      now: datetime | None = None) -> DemandeScop:
    """A signalement an exercise's inject puts in the SCOP's queue (the event is an exercise:
    it never reaches a real figure), from a simulated actor rather than an account."""
    if not evenement.exercice:
        raise ServiceError("Seul un exercice crée des signalements simulés.")
    now = now or utcnow()
    contenu = _clean_contenu(TypeDemande.SIGNALEMENT, {"texte": texte, "source": source})
    demande = DemandeScop(
        evenement_id=evenement.id, mairie_id=mairie.id, type=TypeDemande.SIGNALEMENT,
        urgence=Urgence.HEURE, urgence_rang=Urgence.HEURE.rang, statut=S.NOUVELLE,
        contenu=contenu, lieu="", created_at=now, updated_at=now)
    db.session.add(demande)
    _step(demande, None, "", S.NOUVELLE, f"Signalement simulé — {source}"[:1000], now=now)
    db.session.flush()
    _annoncer(None, demande, "", now=now, simule=True)
    return demande


def _annoncer(actor, demande: DemandeScop, de: str, texte: str = "",
              now: datetime | None = None, simule: bool = False) -> None:
    """The request sent or moved, announced (the main courante writes it)."""
    vers = S(demande.statut).label
    annoncer(demande_scop_changee if de else demande_scop_envoyee, Fait(
        f"Demande SCOP n° {demande.id} ({demande.type_label}, {demande.mairie.nom_court}) : "
        + (f"{S(de).label} → {vers}" if de else f"envoyée ({demande.urgence_label})")
        + (f" — {texte}" if texte else ""), now or utcnow(), demande.evenement_id, "demande",
        demande.id, actor, demande.mairie_id,
        {"type": demande.type, "de": str(de), "vers": str(demande.statut),
         **({"simule": True} if simule else {})}))


def _flush_or_conflict():
    try:
        db.session.flush()
    except StaleDataError:
        raise ServiceError("Un autre opérateur vient de modifier cette demande : la page a été "
                           "rechargée, rien n'a été changé.") from None


def prendre(actor: User, demande: DemandeScop, *, reprendre: bool = False,
            now: datetime | None = None) -> DemandeScop:
    """An operator takes the request (one owner at a time; taking over is explicit)."""
    now = now or utcnow()
    if not actor.has_role(*SCOP_ROLES):
        raise ServiceError("Seule la SCOP prend en charge les demandes.")
    if S(demande.statut).final:
        raise ServiceError("Cette demande est close.")
    if demande.operateur_id == actor.id:
        return demande
    if demande.operateur_id is not None and not reprendre:
        raise ServiceError(f"Demande déjà prise par {demande.operateur}. Pour la reprendre, "
                           f"utilisez « Reprendre ».")
    with db.session.no_autoflush:  # a stale copy must fail in _flush_or_conflict only
        ancien, de = demande.operateur, demande.statut
        demande.operateur = actor
        if de == S.NOUVELLE:
            demande.statut, demande.prise_at = S.PRISE_EN_COMPTE, now
        _step(demande, actor, de, demande.statut,
              f"Reprise à {ancien}" if ancien else "Prise en charge", now=now)
    _flush_or_conflict()
    if de != demande.statut:
        _annoncer(actor, demande, de, f"par {actor}", now=now)
    return demande


def changer_statut(actor: User, demande: DemandeScop, vers: str, *, texte: str = "",
                   arrivee_estimee_at: datetime | None = None, reference: str | None = None,
                   now: datetime | None = None) -> DemandeScop:
    """The owner moves the request along the workflow; forbidden jumps are refused."""
    now = now or utcnow()
    if not actor.has_role(*SCOP_ROLES):
        raise ServiceError("Seule la SCOP fait avancer les demandes.")
    if demande.operateur_id != actor.id:
        raise ServiceError("Prenez d'abord la demande (ou reprenez-la).")
    de = S(demande.statut)
    if vers not in SCOP_MOVES.get(de, set()):
        raise ServiceError(f"Passage impossible : « {de.label} » → "
                           f"« {S(vers).label if vers in set(S) else vers} ».")
    texte = (texte or "").strip()
    if vers == S.ENGAGEE:
        if arrivee_estimee_at is None:
            raise ServiceError("Indiquez l'heure d'arrivée estimée.", field="arrivee_estimee_at")
        if arrivee_estimee_at < now - timedelta(minutes=5):
            raise ServiceError("L'arrivée estimée est dans le passé.",
                               field="arrivee_estimee_at")
        if arrivee_estimee_at > now + ETA_MAX:
            raise ServiceError("L'arrivée estimée doit être dans les 48 heures : vérifiez le "
                               "jour et l'année.", field="arrivee_estimee_at")
        if de == S.ENGAGEE:
            if not texte:
                raise ServiceError("Dites à la mairie pourquoi l'arrivée change (retard, "
                                   "panne, autre véhicule…).", field="texte")
            texte = (f"Arrivée révisée : {format_datetime(demande.arrivee_estimee_at)} → "
                     f"{format_datetime(arrivee_estimee_at)} — {texte}")
            demande.arrivee_estimee_at = arrivee_estimee_at
        else:
            demande.arrivee_estimee_at, demande.engagee_at = arrivee_estimee_at, now
    if vers in (S.REFUSEE, S.CONTRE_PROPOSITION) and not texte:
        raise ServiceError("Expliquez la raison à la mairie." if vers == S.REFUSEE else
                           "Décrivez la contre-proposition (ex. : 40 couvertures au lieu "
                           "de 80).", field="texte")
    if vers == S.SUR_PLACE:
        demande.sur_place_at = now
    if S(vers).final:
        demande.close_at = now
    if reference is not None:
        demande.reference_scop = reference.strip()[:64]
    demande.statut = vers
    _step(demande, actor, de, vers, texte, now=now,
          donnees={"arrivee_estimee_at": arrivee_estimee_at.isoformat()}
          if arrivee_estimee_at else None)
    _flush_or_conflict()
    _annoncer(actor, demande, de, texte, now=now)
    return demande


def repondre_contre_proposition(actor: User, demande: DemandeScop, *, accepte: bool,
                                texte: str = "", now: datetime | None = None) -> DemandeScop:
    """The mairie accepts the SCOP's counter-proposal (back to the SCOP) or declines it."""
    now = now or utcnow()
    if not (actor.has_role(*MAIRIE_ROLES_DEMANDE) and actor.can_access_mairie(
            demande.mairie_id)):
        raise ServiceError("Seule la mairie demandeuse répond à la contre-proposition.")
    if demande.statut != S.CONTRE_PROPOSITION:
        raise ServiceError("Aucune contre-proposition en attente de réponse.")
    vers = S.PRISE_EN_COMPTE if accepte else S.ANNULEE
    if vers == S.ANNULEE:
        demande.close_at = now
    demande.statut = vers
    _step(demande, actor, S.CONTRE_PROPOSITION, vers,
          ("Contre-proposition acceptée" if accepte else "Contre-proposition déclinée")
          + (f" : {texte.strip()}" if texte.strip() else ""), now=now)
    _flush_or_conflict()
    _annoncer(actor, demande, S.CONTRE_PROPOSITION, "réponse de la mairie", now=now)
    return demande


def annuler(actor: User, demande: DemandeScop, *, texte: str = "",
            now: datetime | None = None) -> DemandeScop:
    now = now or utcnow()
    if not (actor.has_role(*MAIRIE_ROLES_DEMANDE) and actor.can_access_mairie(
            demande.mairie_id)):
        raise ServiceError("Seule la mairie demandeuse annule sa demande.")
    if demande.statut not in CANCELLABLE:
        raise ServiceError("Cette demande ne peut plus être annulée.")
    de = demande.statut
    demande.statut, demande.close_at = S.ANNULEE, now
    _step(demande, actor, de, S.ANNULEE, texte.strip() or "Annulée par la mairie", now=now)
    _flush_or_conflict()
    _annoncer(actor, demande, de, texte.strip(), now=now)
    return demande


def noter(actor: User, demande: DemandeScop, *, texte: str = "", reference: str | None = None,
          now: datetime | None = None) -> DemandeScop:
    """The SCOP adds its reference number or a note; the status does not move."""
    now = now or utcnow()
    if not actor.has_role(*SCOP_ROLES):
        raise ServiceError("Seule la SCOP annote les demandes.")
    texte = (texte or "").strip()
    reference = (reference or "").strip()[:64]
    changed_reference = reference and reference != demande.reference_scop
    if not texte and not changed_reference:
        raise ServiceError("Écrivez une note ou une référence.", field="texte")
    if len(texte) > 1000:
        raise ServiceError("1000 caractères au maximum.", field="texte")
    with db.session.no_autoflush:
        if changed_reference:
            demande.reference_scop = reference
            texte = f"Référence SCOP : {reference}" + (f" — {texte}" if texte else "")
        _step(demande, actor, demande.statut, demande.statut, texte, now=now)
        demande.updated_at = now
    _flush_or_conflict()
    return demande


def delais(demande: DemandeScop) -> dict[str, timedelta | None]:
    """Request → taken → engaged → on site: the delays that feed the RETEX."""
    start = demande.created_at
    return {name: (moment - start) if moment else None for name, moment in (
        ("prise", demande.prise_at), ("engagement", demande.engagee_at),
        ("arrivee", demande.sur_place_at))}


# How long a request may wait to be taken, by urgency, before it is late.
ATTENTE_MAX = {"immediate": timedelta(minutes=10), "heure": timedelta(minutes=30),
               "journee": timedelta(hours=2)}


def en_retard(demande: DemandeScop, now: datetime | None = None) -> str:
    """Why the request is late (« non prise depuis 25 min », « VPU attendu depuis… »), or ""."""
    now = now or utcnow()
    if demande.statut == S.NOUVELLE:
        limite = ATTENTE_MAX.get(demande.urgence, timedelta(hours=2))
        if now - demande.created_at > limite:
            return "Non prise au-delà du délai de son urgence"
    if demande.statut == S.ENGAGEE and demande.arrivee_estimee_at \
            and now > demande.arrivee_estimee_at + timedelta(minutes=5):
        return "Arrivée estimée dépassée"
    return ""


def _late_first(now: datetime):
    """Late requests first in the queue: untaken past their urgency's delay, or a van past
    its estimated arrival."""
    late_untaken = sa.or_(*(
        sa.and_(DemandeScop.statut == S.NOUVELLE, DemandeScop.urgence == urgence,
                DemandeScop.created_at < now - limite)
        for urgence, limite in ATTENTE_MAX.items()))
    late_van = sa.and_(DemandeScop.statut == S.ENGAGEE,
                       DemandeScop.arrivee_estimee_at < now - timedelta(minutes=5))
    return sa.case((sa.or_(late_untaken, late_van), 0), else_=1)


def file_scop_query(actor: User, now: datetime | None = None):
    """The SCOP's single queue: open requests of every mairie, late ones first, then the
    most urgent, then the oldest."""
    if not actor.has_role(*SCOP_ROLES):
        raise ServiceError("Réservé à la SCOP.")
    return (sa.select(DemandeScop)
            .where(DemandeScop.statut.not_in(STATUTS_FINAUX))
            .order_by(_late_first(now or utcnow()), DemandeScop.urgence_rang,
                      DemandeScop.created_at, DemandeScop.id))


def demandes_closes_query(actor: User, q: str = ""):
    """Requests that are over (done, refused, cancelled), newest first; ``q`` finds a number,
    a SCOP reference, a mairie, a place or words of the request."""
    if not actor.has_role(*SCOP_ROLES):
        raise ServiceError("Réservé à la SCOP.")
    query = (sa.select(DemandeScop)
             .where(DemandeScop.statut.in_(STATUTS_FINAUX))
             .order_by(DemandeScop.close_at.desc(), DemandeScop.id.desc()))
    q = (q or "").strip()[:120]
    if q:
        import json

        like = f"%{q.lower()}%"
        contenu = sa.cast(DemandeScop.contenu, sa.String)
        # The content is stored as JSON, accents written « \u00e9 »: look for both forms.
        escaped = {json.dumps(form)[1:-1] for form in (q, q.lower(), q.capitalize())}
        conditions = [sa.func.lower(DemandeScop.reference_scop).like(like),
                      sa.func.lower(DemandeScop.lieu).like(like),
                      sa.func.lower(contenu).like(like),
                      *(contenu.like(f"%{form}%") for form in escaped),
                      DemandeScop.mairie_id.in_(sa.select(Mairie.id).where(sa.or_(
                          sa.func.lower(Mairie.nom).like(like),
                          sa.func.lower(Mairie.code) == q.lower())))]
        number = q.lstrip("n°# ")
        if number.isascii() and number.isdigit() and len(number) <= 9:
            conditions.append(DemandeScop.id == int(number))
        query = query.where(sa.or_(*conditions))
    return query


def demandes_evenement_query(actor: User, evenement: Evenement):
    """An event's requests that the user may see (a mairie: its own), newest first."""
    query = sa.select(DemandeScop).where(
        DemandeScop.evenement_id == evenement.id,
        actor.perimetre(DemandeScop.mairie_id, DemandeScop.evenement_id))
    return query.order_by(DemandeScop.created_at.desc(), DemandeScop.id.desc())


def delais_moyens(demandes) -> dict[str, timedelta | None]:
    """Average delays over requests (those that reached each stage), for the RETEX."""
    totals: dict[str, list[timedelta]] = {"prise": [], "engagement": [], "arrivee": []}
    for demande in demandes:
        if demande.type == TypeDemande.SIGNALEMENT:
            continue
        for name, value in delais(demande).items():
            if value is not None:
                totals[name].append(value)
    return {name: (sum(values, timedelta()) / len(values)) if values else None
            for name, values in totals.items()}


def resume(demande: DemandeScop) -> str:
    """One line saying what is asked: « 80 Couvertures, 24 Eau (bouteilles) »."""
    contenu = demande.contenu or {}
    if demande.type == TypeDemande.VPU:
        parts = [f"{qty} {VPU_ARTICLES.get(code, code)}"
                 for code, qty in (contenu.get("articles") or {}).items()]
        if contenu.get("autre_detail"):
            parts.append(f"(autre : {contenu['autre_detail']})")
        return ", ".join(parts)
    if demande.type == TypeDemande.UMIP:
        return ", ".join(f"{contenu[code]} {label.lower()}" for code, label
                         in UMIP_PUBLICS.items() if contenu.get(code))
    texte = contenu.get("texte", "")
    return texte if len(texte) <= 140 else texte[:139] + "…"


def immediates_non_prises(evenement: Evenement) -> int:
    """Requests « Immédiate » the SCOP has not taken yet."""
    return db.session.scalar(sa.select(sa.func.count(DemandeScop.id)).where(
        DemandeScop.evenement_id == evenement.id, DemandeScop.urgence == Urgence.IMMEDIATE,
        DemandeScop.statut == S.NOUVELLE)) or 0


@cloture_demandee.connect
def _immediates_en_attente(evenement: Evenement) -> str | None:
    """An event is not closed on untaken « Immédiate » requests without a confirmation."""
    attente = immediates_non_prises(evenement)
    return (f"{attente} demande(s) « Immédiate » attendent encore d'être prises par la SCOP"
            if attente else None)
