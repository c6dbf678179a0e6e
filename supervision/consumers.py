"""``/ws/notifications/``: one group per user; anonymous sockets are refused."""
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import notify


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = notify.user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "unread": await self._unread()})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # {"type": "catch_up", "after": <last id seen>} → what was missed while offline.
        if content.get("type") == "catch_up":
            try:
                after = int(content.get("after") or 0)
            except (TypeError, ValueError):
                after = 0
            missed = await self._since(after)
            await self.send_json({"type": "catch_up", "notifications": missed, "unread": await self._unread()})

    async def notification_new(self, event):
        await self.send_json({"type": "notification", "notification": event["notification"],
                              "unread": await self._unread()})

    @database_sync_to_async
    def _unread(self):
        return notify.unread_count(self.scope["user"])

    @database_sync_to_async
    def _since(self, after):
        return [n.as_payload() for n in notify.notifications_since(self.scope["user"], after)]
