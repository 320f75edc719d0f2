"""Renderers: each draws a view (:mod:`nbreview.view`) as text through one protocol
(:mod:`nbreview.render.protocol`). None of them re-aligns anything or decides what is shown."""
