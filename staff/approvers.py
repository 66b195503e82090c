"""Who gets the staff's mails: everyone who may approve (the "Freigabe" role).

One home for the rule, used by NINA's "a warning waits" mail and by the alerts.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

APPROVE = "approve_announcement"


def approvers():
    """Active staff with an e-mail address who hold the approve permission."""
    permission = Q(groups__permissions__codename=APPROVE) | Q(user_permissions__codename=APPROVE)
    return (
        get_user_model()
        .objects.filter(permission | Q(is_superuser=True), is_active=True, is_staff=True)
        .exclude(email="")
        .distinct()
    )
