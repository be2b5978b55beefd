"""The maintenance and licences API: records, preventive plans, licences, seats and renewals."""
