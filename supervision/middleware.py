from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from .validation import bad_text


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
        previous = translation.get_language()
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        except BaseException:
            translation.activate(previous)
            raise
        response.headers.setdefault("Content-Language", language)
        # The language stays active while a streamed body is produced, and is put back when the
        # response is closed, so it never leaks into the next request served by this thread.
        response._resource_closers.append(lambda: translation.activate(previous))
        return response


class InputGuardMiddleware:
    """Query strings and form bodies with a NUL byte (or a lone surrogate) are refused with a 400
    before any view runs: PostgreSQL cannot store or compare such text (issue 10 item 2).
    JSON bodies are checked by the API's parser; multipart fields by the forms and the kernel."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._bad(request.GET) or (
                request.method == "POST"
                and request.content_type == "application/x-www-form-urlencoded" and self._bad(request.POST)):
            message = _("文本不能包含空字符或无效的 Unicode 字符。")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def process_exception(self, request, exception):
        """A number beyond the database's range reaching a query from a page's parameters
        (SQLite: OverflowError, PostgreSQL: DataError) is the client's input: 400, not 500."""
        from django.db import DataError

        if isinstance(exception, OverflowError | DataError):
            return HttpResponseBadRequest(_("数值超出范围。"), content_type="text/plain; charset=utf-8")
        return None

    @staticmethod
    def _bad(data) -> bool:
        return any(bad_text(k) or any(bad_text(v) for v in vs if isinstance(v, str)) for k, vs in data.lists())


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


class RequestContextMiddleware:
    """Sets the request context (client address, request id, channel) for the whole request
    (``supervision.audit.context``): every history and read-log row written while it runs carries
    it, log records name the request id, and the response returns it as ``X-Request-ID``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from supervision.audit import context

        ctx = context.from_request(request)
        request.request_id = ctx.request_id
        with context.using(ctx):
            response = self.get_response(request)
        response.headers[context.HEADER] = ctx.request_id
        return response
