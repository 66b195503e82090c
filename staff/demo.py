"""The demo's staff logins, with their published passwords.

Here, not in the ``demo_setup`` command that creates them, because the production check
(``staff.checks``) must know them too, and a system check should not import a command.
"""

# username -> (group or None for the superuser, password)
DEMO_USERS = {
    "demo": (None, "titz-demo-2026"),
    "redaktion": ("Redaktion", "titz-redaktion-2026"),
    "freigabe": ("Freigabe", "titz-freigabe-2026"),
    "pruefung": ("Prüfung", "titz-pruefung-2026"),
}
