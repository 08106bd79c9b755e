"""The data protection in other pages: the navigation's link for who answers the rights."""

from crise.rgpd import bp
from crise.rgpd.models import traite_les_droits

bp.add_app_template_global(traite_les_droits)
