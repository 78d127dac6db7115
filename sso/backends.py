"""The session backend of people signed in through the identity provider.

`django.contrib.auth.login()` records which backend signed a person in and asks it for the user on every
request. This one checks no credentials at all (authenticate() always declines): only sso.views logs people in
with it, after the provider's token checked out. It stays when PORTAL_LOCAL_LOGIN turns password sign-in off.
"""

from django.contrib.auth.backends import ModelBackend


class OidcSessionBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        return None
