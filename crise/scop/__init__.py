"""Requests from the mairies to the SCOP (signalements, VPU, UMIP) and their handling.

The workflow and its rules are here (models, services); the screens come next (issue 4).
"""
