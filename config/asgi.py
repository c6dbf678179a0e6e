"""One ASGI application for HTTP and websockets (daphne or uvicorn)."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402
from django.urls import path  # noqa: E402

from supervision.consumers import NotificationConsumer  # noqa: E402

websocket_urlpatterns = [path("ws/notifications/", NotificationConsumer.as_asgi())]

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    # The session only: the consumer resolves the user together with its notification state in
    # one database call (supervision/consumers.py), instead of AuthMiddleware's separate one.
    "websocket": AllowedHostsOriginValidator(SessionMiddlewareStack(URLRouter(websocket_urlpatterns))),
})
