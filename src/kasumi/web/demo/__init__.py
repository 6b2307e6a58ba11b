"""Deterministic synthetic demo data for ``kasumi demo``.

Every generator here is a pure function of a seed and a size: it writes CSV
files in the formats the registry importers read (docs/registry/ and the brief's
formats.md) and knows nothing about the database. :mod:`kasumi.web.demo.seed`
creates the organisations and staff accounts and hands the files to the
importers. All names, numbers and addresses are synthetic; real place names are
used only for towns (町字), which are public.
"""
