"""The situation map of Paris, drawn by the server as SVG (no tiles, no CDN): the shapes
(geometrie.py, from the Ville's open data under ODbL) and, to come, an event's and the
PCS's marks on them."""
