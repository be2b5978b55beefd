"""The audits API: sessions, their scans, closing, results, applying outcomes, overdue places."""
