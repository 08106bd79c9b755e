"""The PCS in other pages: the fiches réflexes on the event page (those of its type, for
the role of who looks), and the stocks a site holds when someone would delete it."""

import sqlalchemy as sa

from crise.extensions import db
from crise.pcs import fiches
from crise.pcs.forms import CocheForm
from crise.pcs.models import Moyen, lit_le_pcs
from crise.signals import page_evenement, suppression_site_demandee


@suppression_site_demandee.connect
def stocks_du_site(site) -> str | None:
    moyens = db.session.scalars(sa.select(Moyen).where(Moyen.site_id == site.id)).all()
    if not moyens:
        return None
    return "Des moyens y sont stockés (" + ", ".join(
        f"{m.quantite} {m.libelle}" for m in moyens[:3]) + (" …" if len(moyens) > 3 else "") + ")"


@page_evenement.connect
def evenement(evenement, *, user) -> dict:
    if not lit_le_pcs(user):
        return {}
    liste = fiches.fiches_pour(evenement, user)
    if not liste:
        return {}
    return {"fiches_reflexes": liste, "fiches_coches": fiches.coches(evenement, user),
            "coche_form": CocheForm()}
