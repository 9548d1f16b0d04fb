"""The bearer token: every request carries it, or (a browser signed in at ``/login``) a cookie.

Without ``--token`` nothing is checked. With one, a request passes with ``Authorization: Bearer
TOKEN`` (compared in constant time), or with the ``syndgen_token`` cookie that ``POST /login``
sets (HttpOnly, SameSite=Strict); a change made with the cookie must also carry the header
``X-Syndgen-UI: 1`` that the UI's own scripts send and no cross-site form can. A browser asking
for a page without either is sent to ``/login``.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from syndgen.server.body import read_body
from syndgen.server.settings import ServerSettings

COOKIE = "syndgen_token"
UI_HEADER = "x-syndgen-ui"
OPEN_PATHS = frozenset({"/login", "/ui/static/app.css"})
LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in · syndgen</title>
<link rel="stylesheet" href="/ui/static/app.css"></head><body><main id="main">
<h1>syndgen</h1>
<p>This server needs its token (<code>--token</code> or <code>$SYNDGEN_TOKEN</code>).</p>{message}
<form method="post" action="/login"><div class="field"><label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus></div>
<button type="submit" class="primary">Sign in</button></form></main></body></html>"""


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def allowed(request: Request, token: str) -> bool:
    """Whether the request carries the token as a bearer header, or as the sign-in cookie on a
    read or on a change the UI's scripts made (pure)."""
    if _same(request.headers.get("authorization", ""), f"Bearer {token}"):
        return True
    cookie = request.cookies.get(COOKIE, "")
    if not cookie or not _same(cookie, token):
        return False
    return request.method in ("GET", "HEAD") or request.headers.get(UI_HEADER) == "1"


def install_auth(app: FastAPI, settings: ServerSettings) -> None:
    @app.middleware("http")
    async def auth(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if settings.token is None or request.url.path in OPEN_PATHS:
            return await call_next(request)
        if allowed(request, settings.token.get_secret_value()):
            return await call_next(request)
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse(
            {"error": "missing or wrong bearer token"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.get("/login", include_in_schema=False)
    async def login_page() -> HTMLResponse:
        return HTMLResponse(LOGIN_PAGE.format(message=""))

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        body = (await read_body(request, 4096)).decode("utf-8", errors="replace")
        token = (parse_qs(body).get("token") or [""])[0]
        expected = settings.token.get_secret_value() if settings.token else ""
        if not expected or not _same(token, expected):
            page = LOGIN_PAGE.format(message="<p role=alert>Wrong token.</p>")
            return HTMLResponse(page, status_code=401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response
