"""C.A.RE business rules, one module per subject; shared by the views, the CLI and the tests.

Services take the actor, check what it may do, flush and never commit. Inside the package
imports run one way, in the order below: the codes and the search keys first, presence
before the centres, the merges last. Callers import from here: ``services.enregistrer(...)``.
"""

from crise.care.services.codes import *  # noqa: F401,F403
from crise.care.services.recherche import *  # noqa: F401,F403
from crise.care.services.sites import *  # noqa: F401,F403
from crise.care.services.presence import *  # noqa: F401,F403
from crise.care.services.centres import *  # noqa: F401,F403
from crise.care.services.papier import *  # noqa: F401,F403
from crise.care.services.consentements import *  # noqa: F401,F403
from crise.care.services.personnes import *  # noqa: F401,F403
from crise.care.services.doublons import *  # noqa: F401,F403
from crise.care.services.orientations import *  # noqa: F401,F403
from crise.care.services.documents import *  # noqa: F401,F403
from crise.care.services.indicateurs import *  # noqa: F401,F403
from crise.care.services.fusions import *  # noqa: F401,F403
