"""Exercise figures (issue 11): checking both scenario files, as « crise exercices valider »
does (target ≤ 1 s for both), in the same process and as the command a facilitator types;
and the rehearsal of each scenario."""

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report, timed  # noqa: E402

from crise.exercices import scenario  # noqa: E402
from crise.exercices.repetition import chronogramme  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FICHIERS = sorted((ROOT / "scenarios").glob("*.yaml"))


def main():
    report("exercices: check both scenario files (in process)",
           timed(lambda: [scenario.lire_fichier(f) for f in FICHIERS], repeat=20, warmup=2),
           files=len(FICHIERS), target_ms=1000)
    started = time.perf_counter()
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "crise"), "exercices", "valider",
                             *map(str, FICHIERS)], capture_output=True, text=True)
    report("exercices: crise exercices valider, both files (command, start-up included)",
           elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
           exit_code=result.returncode, target_ms=1000)
    for fichier in FICHIERS:
        donnees = scenario.lire_fichier(fichier).donnees
        report(f"exercices: rehearsal of {fichier.name}",
               timed(lambda d=donnees: chronogramme(d), repeat=20, warmup=2),
               injects=len(donnees["injects"]))


if __name__ == "__main__":
    main()
