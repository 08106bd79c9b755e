"""The shape of a scenario file (« crise-exercice/1 »), as a JSON Schema: the types, the
required keys and the allowed values. What one part says about another (an inject naming a
threshold that exists, an expected action in a declared mairie…) is checked in scenario.py.
"""

ID = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"}
TEXTE = {"type": "string", "minLength": 1, "maxLength": 5000}
LIBELLE = {"type": "string", "minLength": 1, "maxLength": 300}
DUREE = {"type": "string", "minLength": 2, "maxLength": 40}
# A moment: « T+26h », « J+1 08:00 », or a date that YAML has already read as one.
MOMENT = {"type": ["string", "number", "moment"]}
LISTE_TEXTES = {"type": "array", "items": LIBELLE}

DESTINATAIRES = {
    "type": "object", "additionalProperties": False, "required": ["roles"],
    "properties": {"roles": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                   "mairies": {"type": "array", "items": {"type": "string"}}},
}

QUAND = {
    "type": "object", "additionalProperties": False, "minProperties": 1,
    "properties": {
        "t": MOMENT,
        "seuil": ID,
        "apres": {"type": "object", "additionalProperties": False,
                  "required": ["inject", "delai"],
                  "properties": {"inject": ID, "delai": DUREE,
                                 # The delay counts in the story (default) or in real time
                                 # (a contingency waiting for an expected action's deadline).
                                 "temps": {"enum": ["reel", "scenario"]},
                                 "si": {"type": "string",
                                        "pattern": r"^\S+ (reussit|echoue)$"}}},
        "manuel": {"type": "boolean", "const": True},
    },
}

FIGURANTS = {
    "type": "object", "additionalProperties": False, "required": ["mairie", "nombre"],
    "properties": {"mairie": {"type": "string"},
                   "nombre": {"type": "integer", "minimum": 1, "maximum": 500},
                   "foyers": {"type": "integer", "minimum": 1, "maximum": 500}},
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema", "id", "titre", "type_evenement", "horloge", "objectifs",
                 "participants", "injects"],
    "properties": {
        "schema": {"const": "crise-exercice/1"},
        "id": ID,
        "titre": LIBELLE,
        "type_evenement": {"type": "string"},
        "format": {"enum": ["cadre", "terrain", "mixte"]},
        "description": TEXTE,
        "references": LISTE_TEXTES,
        "horloge": {
            "type": "object", "additionalProperties": False,
            "required": ["t0_scenario", "segments"],
            "properties": {
                "t0_scenario": MOMENT,
                "segments": {"type": "array", "minItems": 1, "items": {
                    "oneOf": [
                        {"type": "object", "additionalProperties": False,
                         "required": ["reel", "facteur"],
                         "properties": {"reel": DUREE,
                                        "facteur": {"type": "number", "exclusiveMinimum": 0,
                                                    "maximum": 1000},
                                        "libelle": LIBELLE}},
                        {"type": "object", "additionalProperties": False,
                         "required": ["saut"],
                         "properties": {"saut": DUREE, "libelle": LIBELLE}},
                    ]}},
            },
        },
        "objectifs": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["id", "libelle"],
            "properties": {
                "id": ID, "libelle": LIBELLE, "cible": LIBELLE,
                "taches_critiques": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["id", "libelle"],
                    "properties": {"id": ID, "libelle": LIBELLE}}}}}},
        "participants": {
            "type": "object", "additionalProperties": False, "required": ["roles"],
            "properties": {
                "roles": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "mairies": {"type": "array", "items": {"type": "string"}},
                "simules": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["id", "libelle"],
                    "properties": {"id": ID, "libelle": LIBELLE,
                                   "animation": {"enum": ["haute", "basse"]}}}}}},
        "variables": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["serie"],
            "properties": {
                "unite": {"type": "string", "maxLength": 20},
                "libelle": LIBELLE,
                "interpolation": {"enum": ["lineaire", "palier"]},
                "echelle": {"type": "array", "minItems": 2, "items": {"type": "string"}},
                "serie": {"type": "array", "minItems": 1, "items": {
                    "type": "array", "minItems": 2, "maxItems": 2,
                    "prefixItems": [MOMENT, {"type": ["number", "string"]}]}},
                "prevision": {"type": "object", "additionalProperties": False,
                              "required": ["horizon"], "properties": {"horizon": DUREE}}}}},
        "seuils": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "variable", "op", "valeur"],
            "properties": {"id": ID, "variable": {"type": "string"},
                           "op": {"enum": [">=", ">", "<=", "<"]},
                           "valeur": {"type": ["number", "string"]},
                           "sur": {"enum": ["observation", "prevision"]},
                           "horizon": DUREE, "libelle": LIBELLE}}},
        "injects": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "quand", "a", "titre", "message"],
            "properties": {
                "id": ID, "quand": QUAND, "de": ID, "a": DESTINATAIRES,
                "canal": {"enum": ["mail", "telephone", "sms", "presse", "reseaux_sociaux",
                                   "radio", "oral"]},
                "titre": LIBELLE, "message": TEXTE,
                "reserve": {"type": "boolean"},
                "cree": {"type": "object", "additionalProperties": False,
                         "properties": {"figurants": FIGURANTS,
                                        "signalement_scop": {
                                            "type": "object", "additionalProperties": False,
                                            "required": ["mairie", "texte"],
                                            "properties": {"mairie": {"type": "string"},
                                                           "texte": TEXTE}},
                                        # A mairie's point de situation arriving late
                                        # (a mairie the animation plays).
                                        "point_situation": {
                                            "type": "object", "additionalProperties": False,
                                            "required": ["mairie", "situation"],
                                            "properties": {"mairie": {"type": "string"},
                                                           "situation": TEXTE}}}},
                "attendus": {"type": "array", "items": ID, "uniqueItems": True}}}},
        "attendus": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "acteur", "action"],
            "properties": {
                "id": ID,
                "acteur": {"type": "object", "additionalProperties": False,
                           "required": ["role"],
                           "properties": {"role": {"type": "string"},
                                          "mairie": {"type": "string"}}},
                "action": LIBELLE, "objectif": ID, "tache_critique": ID,
                "delai": DUREE, "temps": {"enum": ["reel", "scenario"]},
                "tous": {"type": "boolean"},
                "validation": {"enum": ["auto", "manuelle"]},
                "observable": {"type": "object", "additionalProperties": False,
                               "required": ["type"],
                               "properties": {"type": {"type": "string"},
                                              "filtre": {"type": "object"}}}}}},
        "grille_observation": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "objectif", "critere"],
            "properties": {"id": ID, "objectif": ID, "tache_critique": ID,
                           "critere": LIBELLE}}},
        "figurants": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["nom", "categorie"],
            "properties": {"nom": LIBELLE, "prenom": LIBELLE,
                           "categorie": {"enum": ["sinistre", "implique", "proche"]},
                           "foyer": {"type": "string"}, "age": {"type": "integer",
                                                                "minimum": 0, "maximum": 120},
                           "besoins": {"type": "array", "items": {"type": "string"}},
                           "langue": LIBELLE, "notes": LIBELLE}}},
        "retex": {"type": "object", "additionalProperties": False,
                  "properties": {"a_chaud": LISTE_TEXTES,
                                 # What each player rates from 1 to 4 at the hot wash.
                                 "categories": LISTE_TEXTES,
                                 "reprendre_actions_ouvertes": {"type": "boolean"}}},
    },
}
