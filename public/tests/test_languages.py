"""The sign-up page, the poster and the statement in every resident language, chosen by
the browser or the visible switch; cacheable, so no cookie in or out."""

import pytest
from django.urls import reverse

from subscribers import languages

pytestmark = pytest.mark.django_db

RESIDENT_PAGES = ["signup", "poster", "accessibility"]
# A sentence of the sign-up page in each language (the catalogs' translation of it).
HOW_TO = {
    "de": "So melden Sie sich an",
    "en": "How to sign up",
    "tr": "Nasıl abone olunur",  # noqa: RUF001 (Turkish dotless i)
    "uk": "Як підписатися",
    "ar": "كيفية الاشتراك",
    "ru": "Как подписаться",
}


def get(client, name="signup", **headers):
    return client.get(reverse(f"public:{name}"), **headers)


@pytest.mark.parametrize("code", languages.offered())
def test_the_browser_language_chooses_the_page(client, code):
    response = get(client, HTTP_ACCEPT_LANGUAGE=f"{code}-XX,{code};q=0.9,de;q=0.5")
    html = response.content.decode()
    assert response["Content-Language"] == code
    assert f'<html lang="{code}" dir="{"rtl" if code == "ar" else "ltr"}">' in html
    assert HOW_TO[code] in html
    assert response["Vary"] == "Accept-Language"


def test_an_unoffered_browser_language_gets_german_and_the_next_wish_wins(client):
    assert get(client, HTTP_ACCEPT_LANGUAGE="fr-FR")["Content-Language"] == "de"
    assert get(client, HTTP_ACCEPT_LANGUAGE="fr-FR,tr;q=0.8")["Content-Language"] == "tr"


@pytest.mark.parametrize("name", RESIDENT_PAGES)
def test_the_switch_links_every_language_in_its_own_name(client, name):
    html = get(client, name, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    path = reverse(f"public:{name}")
    for code in languages.offered():
        assert f'href="{path}?sprache={code}" lang="{code}"' in html
        assert languages.name(code) in html
    chosen = client.get(f"{path}?sprache=uk", headers={"Accept-Language": "tr"})
    assert chosen["Content-Language"] == "uk"
    assert 'lang="uk"' in chosen.content.decode()


def test_the_sign_up_page_names_what_residents_can_write(client):
    html = get(client, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    for word in ("Themen", "Sprache", "Auskunft", "Hilfe", "Stop"):
        assert f"„{word}“" in html
    turkish = get(client, HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert "„Themen“" in turkish and "Almanca, İngilizce, Türkçe" in turkish


def test_easy_language_stays_german_and_offers_no_switch(client):
    response = get(client, "easy_language", HTTP_ACCEPT_LANGUAGE="tr")
    assert response["Content-Language"] == "de"
    assert "?sprache=" not in response.content.decode()


@pytest.mark.parametrize("name", ["signup", "archive", "accessibility"])
def test_a_staff_session_is_neither_read_nor_sent_on_a_public_page(client, admin_user, name):
    """Issue 27's finding: with SESSION_SAVE_EVERY_REQUEST the session cookie went out on a
    ``Cache-Control: public`` page, for a shared cache to hand to the next visitor."""
    client.force_login(admin_user)
    response = get(client, name)
    assert response["Cache-Control"].startswith("public")
    assert not response.cookies, response.cookies
    assert "Cookie" not in response["Vary"]
    # The staff member's session is untouched: still logged in.
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("name", ["signup", "archive"])
def test_a_language_cookie_cannot_poison_the_cached_copy(client, name, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = get(client, name, HTTP_ACCEPT_LANGUAGE="de-DE")
    assert response["Content-Language"] == "de"
    assert '<html lang="de"' in response.content.decode()
    assert not response.cookies
    plain = client.__class__().get(reverse(f"public:{name}"), headers={"Accept-Language": "de"})
    assert plain.content == response.content and plain["ETag"] == response["ETag"]
