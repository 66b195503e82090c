"""Staff accounts: two-factor login, login protection and the demo logins' safeguard.

Separate from ``announcements`` because every staff role needs these, also Prüfung, who
never writes an announcement. The roles themselves (Redaktion, Freigabe, Prüfung) are
groups whose permissions belong to the other apps; ``migrations`` keeps them in place.
"""
