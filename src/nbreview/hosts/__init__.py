"""Adapters to code hosts: a change request's notebooks, its one sticky note, picture hosting.

``hosts/gitlab`` (python-gitlab) is the first; GitHub's adapter still lives in :mod:`nbreview.bot`.
"""
