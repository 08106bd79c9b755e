"""The processing register (GDPR art. 30), generated from the code in force: who sees what
comes from the roles the services check, how long from the retention rules as set, the
purposes that need consent from the consents the transmissions check. It never drifts from
the application; it is the material the Ville's DPO needs for the register and the DPIA."""

from dataclasses import dataclass, field

from crise.auth.models import ROLE_LABELS, Role
from crise.care.models import (CATEGORIE_LABELS, EXPORT_ROLES, INTERET_VITAL_ROLES,
                               MEDICAL_NOTES_ROLES, MODES_CONSENTEMENT, PERSON_EDIT_ROLES,
                               PERSON_VIEW_ROLES)
from crise.care.exports import CONSENTEMENT_REQUIS, DESTINATAIRES
from crise.hebergement.models import (HEBERGEMENT_EDIT_ROLES, HEBERGEMENT_VIEW_ROLES,
                                      RELOGEMENT_EDIT_ROLES)
from crise.rgpd.conservation import delais
from crise.rgpd.models import DROITS_ROLES, REGLES, RGPD_ROLES


@dataclass
class Section:
    titre: str
    lignes: list[tuple[str, str]] = field(default_factory=list)
    texte: str = ""


def _roles(roles) -> str:
    return ", ".join(ROLE_LABELS[Role(r)] for r in roles)


def _duree(jours: int) -> str:
    if jours % 365 == 0:
        return f"{jours // 365} an(s) ({jours} jours)"
    if jours % 30 == 0 and jours >= 60:
        return f"{jours // 30} mois ({jours} jours)"
    return f"{jours} jours"


def registre(dpo: str = "") -> list[Section]:
    jours = delais()
    return [
        Section("Responsable du traitement", [
            ("Responsable", "Ville de Paris — Cellule centrale de crise et mairies "
                            "d'arrondissement"),
            ("Délégué à la protection des données", dpo or "À compléter par la Ville "
                                                           "(réglage CRISE_DPO_CONTACT)"),
            ("Nom du traitement", "« crise » — accueil, prise en charge et suivi des "
                                  "personnes lors d'une crise (fiche F.3.13), exercices"),
        ]),
        Section("Finalités et bases légales", [
            ("Accueillir, enregistrer et orienter les personnes d'un C.A.RE",
             "Mission d'intérêt public (RGPD art. 6-1-e : plan communal de sauvegarde, "
             "fiche F.3.13) ; données de santé : art. 9-2-g (intérêt public important) et "
             "9-2-h (prise en charge sociale et médico-psychologique)"),
            ("Héberger en urgence et reloger (DSOL, DLH)", "Mission d'intérêt public "
             "(art. 6-1-e) ; intérêts vitaux (art. 6-1-d) la nuit de la crise"),
            ("Recenser pour la Préfecture de Police", "Mission d'intérêt public "
             "(art. 6-1-e, dispositif ORSEC)"),
            *[(f"{DESTINATAIRES[d].split(' — ')[0]}", "Consentement de la personne "
               "(art. 6-1-a et 9-2-a), recueilli et tracé ; à défaut, intérêt vital justifié "
               "(art. 9-2-c)") for d in CONSENTEMENT_REQUIS],
            ("Informer les proches qui recherchent une personne",
             "Consentement de la personne (art. 6-1-a), recueilli et tracé ; à défaut, "
             "intérêts vitaux justifiés (art. 6-1-d)"),
            ("Partager un dossier avec un bailleur pour le relogement",
             "Consentement du foyer (art. 6-1-a), recueilli et tracé ; à défaut, intérêts "
             "vitaux justifiés (art. 6-1-d) ; son retrait arrête la demande de relogement"),
            ("Répondre aux demandes d'exercice des droits", "Obligation légale "
             "(art. 6-1-c, art. 12 à 16) : le demandeur, la demande, la réponse"),
            ("Préparer la crise : exercices et retours d'expérience", "Mission d'intérêt "
             "public ; données fictives, purgées plus tôt"),
            ("Tracer les accès aux données (journal d'audit)", "Obligation de sécurité "
             "(art. 32) ; recommandation CNIL sur la journalisation"),
        ]),
        Section("Personnes concernées", [
            (label, "Personnes accueillies au C.A.RE") for label in CATEGORIE_LABELS.values()
        ] + [("Agents", "Comptes des agents de la Ville et de ses partenaires (nom, "
                        "courriel, rôle, connexions)")]),
        Section("Données traitées", [
            ("Identité", "Nom, prénom, nom d'usage, sexe, date de naissance ou âge, "
                         "nationalité, langue, numéro SINUS, code de la fiche"),
            ("Coordonnées", "Téléphone, courriel, adresse actuelle et permanente"),
            ("Situation", "Catégorie, passages au C.A.RE, destination au départ, besoins, "
                          "personne recherchée, composition du foyer"),
            ("Données de santé (art. 9)", "Notes médicales et psychologiques, orientations "
                                          "vers la cellule médico-psychologique, besoins "
                                          "révélant un handicap ou une santé fragile"),
            ("Hébergement et relogement", "Solutions, lieux, nuits, notes, journal, "
                                          "évaluation DLH"),
            ("Consentements", "Par usage : donné, refusé, retiré (avec motif), intérêt vital "
                              "(avec motif) ; qui, quand, comment ("
             + ", ".join(m.lower() for m in MODES_CONSENTEMENT.values()) + ")"),
        ]),
        Section("Qui voit quoi (rôles en vigueur)", [
            ("Fiches des personnes (lecture)", _roles(PERSON_VIEW_ROLES)
             + " ; une mairie ne voit que ses propres C.A.RE"),
            ("Fiches des personnes (saisie)", _roles(PERSON_EDIT_ROLES)),
            ("Notes médicales et psychologiques", _roles(MEDICAL_NOTES_ROLES)
             + " (pour sa seule mairie)"),
            ("Listes nominatives (Préfecture, CIAV, PAV)", _roles(EXPORT_ROLES)),
            ("Dossiers d'hébergement (lecture)", _roles(HEBERGEMENT_VIEW_ROLES)),
            ("Dossiers d'hébergement (saisie)", _roles(HEBERGEMENT_EDIT_ROLES)),
            ("Évaluation du relogement", _roles(RELOGEMENT_EDIT_ROLES)),
            ("Intérêt vital à la place du consentement", _roles(INTERET_VITAL_ROLES)),
            ("Demandes d'exercice des droits", _roles(DROITS_ROLES)),
            ("Règles de conservation, gels, journal d'audit", _roles(RGPD_ROLES)),
        ]),
        Section("Destinataires hors de l'application", [
            (DESTINATAIRES[d], "Sur consentement de chaque personne"
             if d in CONSENTEMENT_REQUIS else "Liste de recensement")
            for d in DESTINATAIRES
        ] + [("DLH et bailleurs sociaux", "Dossier d'hébergement du foyer, sur son "
                                          "consentement, pour le relogement"),
             ("Transferts hors de l'Union européenne", "Aucun")]),
        Section("Durées de conservation (réglages en vigueur)", [
            (r.libelle, f"{_duree(jours[r.code])} {r.apres}. {r.effet}") for r in REGLES
        ], texte="Appliquées chaque heure par « crise retention » ; un événement en cours ou "
                 "sous gel juridique n'est jamais touché."),
        Section("Sécurité", [
            ("Accès", "Compte nominatif, mot de passe robuste, sessions limitées dans le "
                      "temps et révocables, tentatives de connexion limitées"),
            ("Cloisonnement", "Rôle et mairie vérifiés par le serveur pour chaque fiche"),
            ("Traçabilité", "Chaque consultation, modification et export nomme les personnes "
                            "concernées ; journal chaîné (SHA-256) et protégé par la base "
                            "(ni modification ni suppression hors de sa purge)"),
            ("Sauvegardes", "Copies lisibles du seul compte de service (0600), à chiffrer "
                            "hors du serveur"),
        ]),
        Section("Droits des personnes", [
            ("Accès et rectification", "Demande enregistrée, fiches retrouvées dans tous les "
                                       "événements, réponse complète (PDF, JSON) ; échéance "
                                       "d'un mois suivie"),
            ("Retrait du consentement", "À tout moment, avec effet immédiat sur les "
                                        "transmissions"),
        ]),
        Section("Analyse d'impact (AIPD)", texte=(
            "Obligatoire : données de santé de personnes vulnérables, à grande échelle lors "
            "d'une crise majeure (liste CNIL des traitements soumis à AIPD). Ce registre en "
            "fournit la description ; les risques et mesures sont à évaluer par le DPO.")),
    ]
