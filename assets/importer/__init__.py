"""The asset CSV importer (issue 8): our own columns and Snipe-IT's, dry run and all-or-nothing.

``service.import_assets`` is the entry point; the API in ``assets/api/imports.py`` is thin.
"""
