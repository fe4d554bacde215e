"""Sign-up and sign-in through Mezzanine's forms with django-axes on, as in
production (the test settings turn axes off elsewhere)."""

import pytest
from axes.models import AccessAttempt

pytestmark = pytest.mark.django_db

PASSWORD = "Axes-test-pw-9183"


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def test_sign_up_signs_the_new_user_in(client, django_user_model):
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Ada",
            "last_name": "Reader",
            "email": "ada@example.com",
            "username": "ada",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(django_user_model.objects.get(username="ada").pk)


def test_sign_in_works_and_failures_are_counted(client, django_user_model):
    django_user_model.objects.create_user("ada", "ada@example.com", PASSWORD)
    response = client.post("/accounts/login/", {"username": "ada", "password": "wrong"})
    assert response.status_code == 200
    assert b"Invalid username/email and password" in response.content
    assert AccessAttempt.objects.get(username="ada").failures_since_start == 1
    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(django_user_model.objects.get(username="ada").pk)
