"""Scripted exercises played in the real tools: scenario files (scenario.py, schema.py),
scenario time (temps.py). The runs, the clocks, the injects and the animateur's console
come next (issue 11)."""
