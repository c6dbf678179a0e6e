from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    """Simplified Chinese unless the user chose another language with the switch (cookie).

    Unlike LocaleMiddleware, the browser's Accept-Language is ignored: the county works in
    Chinese whatever the machine's locale.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ReadLogMiddleware:
    """Writes the request's read-log rows (``supervision.audit.readlog``) in one INSERT once the
    response is ready: one row per confidential record per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from supervision.audit.readlog import flush

        response = self.get_response(request)
        flush(request, response)
        return response
