"""Helpers of the C.A.RE tests."""


def register_form(*membres, **extra):
    data = {"taille_groupe": str(len(membres) or 1), "jeton": extra.pop("jeton", "")}
    for i, membre in enumerate(membres):
        for key, value in membre.items():
            data[f"membres-{i}-{key}"] = value
    data.update(extra)
    return data
