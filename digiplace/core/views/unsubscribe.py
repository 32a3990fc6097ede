"""One-click unsubscribe (RFC 8058): the link in every notification email.

The signed token is the only proof needed (no login): GET shows what the link stops and
a button, so that mail scanners opening links stop nothing; POST stops it, from the page's
button or from the mail program's one-click request (``List-Unsubscribe=One-Click``), which
carries no cookie and no CSRF token.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..notifications import email_opt_out, unsubscribe_describe, unsubscribe_read
from ..page_cache import never_page_cached


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the address: never cached, indexed or sent on as a Referer.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_page_cached
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_read(token)
    if found is None:
        return _private(render(request, "core/email/unsubscribe_invalid.html", status=400))
    languages = {code for code, _name in settings.LANGUAGES}
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and found.language in languages:
        # The page speaks the email's language unless the person chose one on this site.
        translation.activate(found.language)
        request.LANGUAGE_CODE = found.language
    context = {"what": unsubscribe_describe(found)}
    if request.method == "GET":
        return _private(render(request, "core/email/unsubscribe.html", context))
    email_opt_out(found)
    return _private(render(request, "core/email/unsubscribe_done.html", context))
