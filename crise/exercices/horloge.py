"""The scenario's planned clock: played segments (a real duration at a speed factor) and
jumps (the story moves on in no real time). Pure arithmetic, both ways:

- ``scenario_a(reel)``: where the story is after ``reel`` of play since DEBEX;
- ``reel_pour(moment)``: how long after DEBEX the story reaches ``moment``; a moment inside a
  jump is reached when the jump is taken (« pendant le saut »).

A run adds pauses, unplanned jumps and speed changes on top of this plan; that log lives in
the database with the run.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from crise.exercices.temps import parse_duree, parse_moment


@dataclass(frozen=True)
class Segment:
    debut: datetime  # scenario time at its start
    fin: datetime  # scenario time at its end
    reel_debut: timedelta  # real time since DEBEX at its start
    reel: timedelta  # its real duration (zero for a jump)
    facteur: float | None  # None for a jump
    libelle: str = ""

    @property
    def saut(self) -> bool:
        return self.facteur is None


class Horloge:
    def __init__(self, t0: datetime, segments: list[Segment]):
        self.t0, self.segments = t0, segments
        self.fin = segments[-1].fin if segments else t0
        self.duree_reelle = sum((s.reel for s in segments), timedelta())

    @classmethod
    def depuis(cls, donnees: dict) -> "Horloge":
        """The clock of a scenario file already checked (scenario.lire)."""
        horloge = donnees["horloge"]
        t0 = parse_moment(horloge["t0_scenario"], datetime.now().astimezone())
        segments, moment, reel = [], t0, timedelta()
        for raw in horloge["segments"]:
            if "saut" in raw:
                fin = moment + parse_duree(raw["saut"])
                segments.append(Segment(moment, fin, reel, timedelta(), None,
                                        raw.get("libelle", "")))
            else:
                duree = parse_duree(raw["reel"])
                fin = moment + duree * raw["facteur"]
                segments.append(Segment(moment, fin, reel, duree, float(raw["facteur"]),
                                        raw.get("libelle", "")))
                reel += duree
            moment = fin
        return cls(t0, segments)

    def scenario_a(self, reel: timedelta) -> datetime:
        """The story's time after ``reel`` of play (jumps taken as soon as they are reached)."""
        moment = self.t0
        for segment in self.segments:
            if reel < segment.reel_debut:
                break
            if segment.saut:
                moment = segment.fin
                continue
            joue = min(reel - segment.reel_debut, segment.reel)
            moment = segment.debut + joue * segment.facteur
            if joue < segment.reel:
                break
        return moment

    def reel_pour(self, moment: datetime) -> tuple[timedelta, bool]:
        """(real time since DEBEX when the story reaches ``moment``, reached in a jump)."""
        if moment <= self.t0:
            return timedelta(), False
        for segment in self.segments:
            if moment <= segment.fin:
                if segment.saut:
                    return segment.reel_debut, moment > segment.debut
                return segment.reel_debut + (moment - segment.debut) / segment.facteur, False
        return self.duree_reelle, False
