"""The risks of Paris by arrondissement, kept by the cellule, and the DICRIM-style page of
an arrondissement: its risks, what the Ville does, what to do, its sites."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from crise.audit.models import Action
from crise.audit.services import record
from crise.auth.models import User
from crise.db import diff, prendre, snapshot, utcnow
from crise.errors import ServiceError
from crise.evenements.models import TypeEvenement
from crise.extensions import db
from crise.pcs.models import Risque, can_edit_fiches

TEXTE_MAX = 4_000
TOUT_PARIS = list(range(1, 21))
RIVERAINS = [1, 4, 5, 6, 7, 8, 12, 13, 15, 16]

# Starting data for the cellule to check (sources: the PPRI of Paris, the Inspection
# générale des carrières, Météo-France's heatwave plan, the F.3.13 document).
RISQUES_DE_DEPART = [
    ("Crue de la Seine", "crue", RIVERAINS,
     "Une crue lente, annoncée 48 heures à l'avance : au-delà de 6 m à Austerlitz, les voies "
     "sur berge ferment, puis des stations de métro et de RER ; en 1910 la Seine a atteint "
     "8,62 m. Les zones inondables sont celles du Plan de prévention du risque inondation "
     "(PPRI).",
     "La Ville suit Vigicrues, active sa cellule de crise, ouvre des centres d'accueil (C.A.RE) "
     "et des hébergements hors zone inondable, et informe par le 3975 et paris.fr.",
     "Suivez Vigicrues et les consignes de la Préfecture de police. Mettez vos papiers et "
     "médicaments en hauteur. Coupez gaz et électricité si l'eau arrive. N'allez pas dans les "
     "parkings et caves. Évacuez si on vous le demande."),
    ("Canicule", "canicule", TOUT_PARIS,
     "Plusieurs jours et nuits de forte chaleur (en vigilance orange : moyennes sur 3 jours "
     "d'au moins 31 °C le jour et 21 °C la nuit à Paris). Les plus fragiles sont en danger.",
     "La Ville appelle les personnes inscrites au registre REFLEX, ouvre des salles "
     "rafraîchies dans chaque mairie (14 h-18 h), des îlots de fraîcheur et des parcs la nuit.",
     "Buvez de l'eau, restez au frais, fermez volets et fenêtres le jour. Prenez des nouvelles "
     "de vos proches âgés ou isolés. Inscrivez-les au registre REFLEX (3975)."),
    ("Anciennes carrières souterraines", "effondrement", [5, 6, 12, 13, 14, 15, 16, 18, 19, 20],
     "Le sous-sol de plusieurs arrondissements est creusé d'anciennes carrières de calcaire "
     "(au sud) et de gypse (au nord-est) : un fontis peut ouvrir la chaussée ou fragiliser un "
     "immeuble.",
     "L'Inspection générale des carrières surveille et consolide le sous-sol ; la Ville évacue "
     "et héberge les habitants d'un immeuble menacé.",
     "Signalez toute fissure nouvelle ou affaissement au 3975. Respectez les périmètres de "
     "sécurité et les arrêtés de péril."),
    ("Transport de matières dangereuses", "pollution", [12, 13, 14, 15, 16, 17, 18, 19, 20],
     "Un accident de camion ou de train transportant des produits dangereux, sur le "
     "boulevard périphérique ou les voies ferrées, peut provoquer un incendie, une explosion "
     "ou un nuage toxique.",
     "Les secours (BSPP) et la Préfecture de police établissent un périmètre ; la Ville "
     "accueille les personnes évacuées.",
     "Mettez-vous à l'abri dans un bâtiment, fermez portes et fenêtres, coupez la "
     "ventilation. N'allez pas chercher les enfants à l'école. Écoutez la radio."),
    ("Tempête et vents violents", "autre", TOUT_PARIS,
     "Des rafales de plus de 100 km/h peuvent faire tomber arbres, échafaudages et toitures.",
     "La Ville ferme les parcs, jardins et cimetières, sécurise l'espace public et accueille "
     "les personnes sinistrées.",
     "Restez chez vous, évitez les parcs et les abords des arbres et des chantiers, rentrez "
     "les objets de vos balcons."),
]


@dataclass
class RisqueData:
    titre: str
    type_evenement: str = ""
    arrondissements: tuple = ()
    description: str = ""
    mesures_ville: str = ""
    consignes: str = ""
    actif: bool = True


CHAMPS = ["titre", "type_evenement", "arrondissements", "description", "mesures_ville",
          "consignes", "actif"]


def charger_risques_par_defaut() -> int:
    if db.session.scalar(sa.select(sa.func.count()).select_from(Risque)):
        return 0
    for ordre, (titre, type_, arr, description, mesures, consignes) in enumerate(
            RISQUES_DE_DEPART):
        db.session.add(Risque(titre=titre, type_evenement=type_, arrondissements=arr,
                              description=description, mesures_ville=mesures,
                              consignes=consignes, ordre=ordre,
                              modifie_par_nom="Données de départ"))
    db.session.flush()
    return len(RISQUES_DE_DEPART)


def risques_actifs() -> list[Risque]:
    return db.session.scalars(sa.select(Risque).where(Risque.actif.is_(True))
                              .order_by(Risque.ordre, Risque.titre)).all()


def enregistrer_risque(actor: User, risque: Risque | None, data: RisqueData, *,
                       version_vue: int | None = None, now: datetime | None = None) -> Risque:
    now = now or utcnow()
    if not can_edit_fiches(actor):
        raise ServiceError("Seuls la cellule centrale et l'administrateur tiennent la liste "
                           "des risques.")
    data.titre = (data.titre or "").strip()
    if not data.titre:
        raise ServiceError("Donnez un nom au risque.", "titre")
    if len(data.titre) > 200:
        raise ServiceError("200 caractères au maximum.", "titre")
    if data.type_evenement and data.type_evenement not in {t.value for t in TypeEvenement}:
        raise ServiceError("Type d'événement inconnu.", "type_evenement")
    arrondissements = sorted({int(a) for a in data.arrondissements})
    if not arrondissements or not set(arrondissements) <= set(TOUT_PARIS):
        raise ServiceError("Cochez au moins un arrondissement concerné.", "arrondissements")
    data.arrondissements = arrondissements
    for name in ("description", "mesures_ville", "consignes"):
        setattr(data, name, (getattr(data, name) or "").strip())
        if len(getattr(data, name)) > TEXTE_MAX:
            raise ServiceError(f"{TEXTE_MAX} caractères au maximum.", name)
    if not data.consignes:
        raise ServiceError("Dites aux habitants ce qu'ils doivent faire : c'est l'objet du "
                           "DICRIM.", "consignes")
    creating = risque is None
    if creating:
        risque = Risque(ordre=len(risques_actifs()))
        db.session.add(risque)
        avant = {}
    else:
        if not prendre(risque, version_vue):
            raise ServiceError(risque.conflit("Ce risque"))
        avant = snapshot(risque, CHAMPS)
        risque.version += 1
    for name in CHAMPS:
        setattr(risque, name, getattr(data, name))
    risque.modifie_par_nom = str(actor)[:120]
    risque.noter_verification(actor, now)
    db.session.flush()
    record(actor, Action.CREATE if creating else Action.UPDATE, "risque", risque.id,
           summary=f"Risque « {risque.titre} » {'ajouté' if creating else 'modifié'}",
           changes=None if creating else diff(risque, CHAMPS, avant))
    return risque
