from django.db import models
from django.urls import reverse
from django_fsm import FSMField, transition

from supervision.forms import CommentForm
from supervision.models import WorkflowRecord, audited_history


class Widget(WorkflowRecord):
    title = models.CharField("标题", max_length=100)
    township = models.ForeignKey("supervision.Region", on_delete=models.PROTECT, related_name="+")
    state = FSMField("状态", default="draft", protected=True,
                     choices=[("draft", "草稿"), ("submitted", "已报送"), ("approved", "已通过"), ("overdue", "逾期")])
    due_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    secret = models.CharField(max_length=50, blank=True)
    subject = models.ForeignKey("supervision.Person", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")

    history = audited_history()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("kernelflow:detail", args=[self.pk])

    @transition(field=state, source=["draft"], target="submitted", custom={"label": "报送", "comment_required": False})
    def submit(self, ctx):
        pass

    @transition(field=state, source=["submitted"], target="approved", custom={"label": "通过", "form": CommentForm})
    def approve(self, ctx):
        pass

    @transition(field=state, source=["draft", "submitted"], target="overdue",
                custom={"label": "逾期", "right": "mark_overdue", "inbox": False})
    def mark_overdue(self, ctx):
        pass
