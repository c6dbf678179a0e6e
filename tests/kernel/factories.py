import datetime as dt

from supervision.transitions import save_with_history
from tests.kernelflow.models import Widget


def widget(township, title="测试事项", due=None, actor=None, **kw):
    w = Widget(title=title, township=township, due_date=due or dt.date(2026, 12, 31), **kw)
    save_with_history(w, actor=actor, reason="created")
    return w
