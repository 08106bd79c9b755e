"""What the templates ask about events, instead of role names."""

from crise.evenements import bp
from crise.evenements.models import can_declare

bp.add_app_template_global(can_declare)
