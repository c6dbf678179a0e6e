"""The bare channels app of ``bench/notifications.py``: one consumer that joins ``bare.user.<u>``
and forwards what is sent to it — the floor of a push through channels-redis and daphne."""
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class BareConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        query = dict(p.split("=", 1) for p in self.scope["query_string"].decode().split("&") if "=" in p)
        self.group = f"bare.user.{int(query.get('u', 0))}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello"})

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def notification_new(self, event):
        await self.send_json({"type": "notification", "notification": event["notification"]})


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/", BareConsumer.as_asgi())])})
