"""Interactive use: explorers for JupyterLab and the workshop app for a projector.

- :mod:`.explorers` — ipywidgets controls that re-run the analyses live (one per notebook);
- :mod:`.workshop` — the six-screen workshop served with Voilà;
- ``templates/voila`` — the workshop's Voilà page template (no CDN).
"""
