"""Audit pages: ``sessions`` (audits, scanning, reconciliation) and ``tags`` (QR codes, sheets)."""
