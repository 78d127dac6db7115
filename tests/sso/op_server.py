"""A small but real OpenID Provider for the SSO tests, run as its own process.

Built from Authlib's server parts (the authorization-code grant with PKCE and the OpenID Connect extension) on
Flask. Everything it knows comes from a JSON file the test writes and may rewrite at any time: the client, the
people with their passwords and groups, and the signing keys. It reads the file on every request, so a test
moves a person to another group, or rotates the keys, by writing the file again.

    {"clients": [{"client_id": ..., "client_secret": ..., "redirect_uris": [...]}],
     "users": {"alice": {"password": ..., "sub": ..., "email": ..., "name": ..., "groups": [...]}},
     "keys": {"published": [<private JWK>, ...], "signing": <private JWK>}}

The signing key need not be among the published ones: that is how a test makes a token signed by a key the
portal cannot know.

    python tests/sso/op_server.py STATE_FILE PORT_FILE

binds 127.0.0.1 on a free port and writes the port to PORT_FILE once it is listening.
"""

from __future__ import annotations

import html
import json
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, redirect, request
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

STATE_FILE = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("op-state.json")
app = Flask(__name__)
app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 300}
ISSUER = {"value": ""}
CODES: dict[str, AuthCode] = {}


def state() -> dict:
    return json.loads(STATE_FILE.read_text())


class Client(ClientMixin):
    def __init__(self, data: dict) -> None:
        self.data = data

    def get_client_id(self):
        return self.data["client_id"]

    def get_default_redirect_uri(self):
        return self.data["redirect_uris"][0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope.split() if s in {"openid", "email", "profile", "groups"})

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.data["redirect_uris"]

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.data["client_secret"])

    def check_endpoint_auth_method(self, method, endpoint):
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


class AuthCode:
    def __init__(self, code: str, client_id: str, username: str, payload) -> None:
        self.code = code
        self.client_id = client_id
        self.username = username
        self.redirect_uri = payload.redirect_uri
        self.scope = payload.scope
        self.nonce = payload.data.get("nonce")
        self.code_challenge = payload.data.get("code_challenge")
        self.code_challenge_method = payload.data.get("code_challenge_method")
        self.auth_time = int(time.time())

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None

    def is_expired(self):
        return time.time() > self.auth_time + 300


class User:
    def __init__(self, username: str, data: dict) -> None:
        self.username = username
        self.data = data

    def get_user_id(self):
        return self.data["sub"]


def query_client(client_id):
    for data in state()["clients"]:
        if data["client_id"] == client_id:
            return Client(data)
    return None


def save_token(token, req):
    """Access tokens are not used by the portal beyond the exchange; nothing to keep."""


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code, req):
        CODES[code] = AuthCode(code, req.client.get_client_id(), req.user.username, req.payload)

    def query_authorization_code(self, code, client):
        item = CODES.get(code)
        if item and item.client_id == client.get_client_id() and not item.is_expired():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        CODES.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        users = state()["users"]
        data = users.get(authorization_code.username)
        return User(authorization_code.username, data) if data else None


class OpenIDConnect(OpenIDCode):
    def exists_nonce(self, nonce, req):
        return any(item.nonce == nonce and item.client_id == req.payload.client_id for item in CODES.values())

    def resolve_client_private_key(self, client):
        return RSAKey.import_key(state()["keys"]["signing"])

    def get_client_algorithm(self, client):
        return "RS256"

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": state()["keys"]["signing"]["kid"]}

    def get_client_claims(self, client):
        now = int(time.time())
        return {"iss": ISSUER["value"], "aud": [client.get_client_id()], "iat": now, "exp": now + 300}

    def generate_user_info(self, user, scope):
        info = UserInfo(sub=user.data["sub"])
        if "email" in scope:
            info["email"] = user.data.get("email", "")
            info["email_verified"] = True
        if "profile" in scope:
            info["name"] = user.data.get("name", "")
            info["preferred_username"] = user.username
        if "groups" in scope:
            info["groups"] = list(user.data.get("groups", []))
        return info


server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
server.register_grant(CodeGrant, [CodeChallenge(required=True), OpenIDConnect(require_nonce=True)])


@app.get("/.well-known/openid-configuration")
def discovery():
    base = ISSUER["value"]
    return jsonify(
        issuer=base,
        authorization_endpoint=f"{base}/authorize",
        token_endpoint=f"{base}/token",
        jwks_uri=f"{base}/jwks",
        end_session_endpoint=f"{base}/logout",
        response_types_supported=["code"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=["RS256"],
        scopes_supported=["openid", "email", "profile", "groups"],
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        code_challenge_methods_supported=["S256"],
        claims_supported=["sub", "email", "name", "preferred_username", "groups"],
    )


@app.get("/jwks")
def jwks():
    keys = [RSAKey.import_key(key).as_dict(private=False) for key in state()["keys"]["published"]]
    return jsonify(keys=keys)


LOGIN_PAGE = """<!doctype html><html><head><title>Test provider: sign in</title></head><body>
<h1>Test identity provider</h1><p>{error}</p>
<form method="post" action="/authorize?{query}">
<label for="username">Provider username</label><input id="username" name="username">
<label for="password">Provider password</label><input id="password" name="password" type="password">
<button type="submit">Continue</button></form></body></html>"""


@app.route("/authorize", methods=["GET", "POST"])
def authorize():
    query = html.escape(urlencode(request.args))
    if request.method == "GET":
        try:
            server.get_consent_grant(end_user=None)
        except Exception as exc:  # the error the protocol names, shown to the person
            return f"<p>Bad authorization request: {html.escape(str(exc))}</p>", 400
        return LOGIN_PAGE.format(error="", query=query)
    username = request.form.get("username", "")
    data = state()["users"].get(username)
    if data is None or not secrets.compare_digest(request.form.get("password", ""), data["password"]):
        return LOGIN_PAGE.format(error="Wrong username or password.", query=query), 401
    return server.create_authorization_response(grant_user=User(username, data))


@app.post("/token")
def token():
    return server.create_token_response()


@app.get("/logout")
def logout():
    target = request.args.get("post_logout_redirect_uri", "")
    allowed = {uri for client in state()["clients"] for uri in client.get("post_logout_redirect_uris", [])}
    if target in allowed:
        return redirect(target)
    return "<h1>Signed out of the test provider</h1>"


def main() -> None:
    port_file = Path(sys.argv[2])
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    ISSUER["value"] = f"http://127.0.0.1:{httpd.server_port}"
    tmp = port_file.with_suffix(".tmp")
    tmp.write_text(str(httpd.server_port))
    tmp.rename(port_file)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
