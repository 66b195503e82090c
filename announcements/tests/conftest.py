"""Staff fixtures: one user per role, approved templates, announcements in any state."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from announcements.models import Announcement, MessageTemplate
from whatsapp.backends import locmem


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WHATSAPP_BACKEND = "whatsapp.backends.locmem.LocmemBackend"
    locmem.reset()
    yield
    locmem.reset()


@pytest.fixture
def make_user(db):
    def make(username, role):
        user = get_user_model().objects.create_user(username, password="pw-Titz-2026!")
        user.is_staff = True
        if role == "superuser":
            user.is_superuser = True
        else:
            user.groups.add(Group.objects.get(name=role))
        user.save()
        return get_user_model().objects.get(pk=user.pk)  # fresh permission cache

    return make


@pytest.fixture
def redakteur(make_user):
    return make_user("anna", "Redaktion")


@pytest.fixture
def redakteur2(make_user):
    return make_user("bernd", "Redaktion")


@pytest.fixture
def freigeber(make_user):
    return make_user("clara", "Freigabe")


@pytest.fixture
def freigeber2(make_user):
    return make_user("dieter", "Freigabe")


@pytest.fixture
def pruefer(make_user):
    return make_user("erika", "Prüfung")


@pytest.fixture
def superuser(make_user):
    return make_user("root", "superuser")


@pytest.fixture
def users(redakteur, freigeber, pruefer, superuser):
    return {
        "Redaktion": redakteur,
        "Freigabe": freigeber,
        "Prüfung": pruefer,
        "superuser": superuser,
    }


@pytest.fixture
def text_template(db):
    return MessageTemplate.objects.create(
        name="titz_info",
        language="de",
        category="UTILITY",
        status="APPROVED",
        body="Gemeinde Titz informiert:\n\n{{1}}\n\nIhre Gemeindeverwaltung",
        param_count=1,
    )


@pytest.fixture
def image_template(db):
    return MessageTemplate.objects.create(
        name="titz_info_bild",
        language="de",
        category="UTILITY",
        status="APPROVED",
        body="*{{1}}*\n\n{{2}}",
        header_type="IMAGE",
        param_count=2,
    )


@pytest.fixture
def make_announcement(redakteur, text_template):
    def make(status=Announcement.Status.DRAFT, **fields):
        values = {
            "title": "Straßensperrung",
            "body": "Die Landstraße ist am Montag gesperrt.",
            "template": text_template,
            "template_params": ["Die Landstraße ist am Montag gesperrt."],
            "created_by": redakteur,
            "status": status,
        }
        values.update(fields)
        return Announcement.objects.create(**values)

    return make
