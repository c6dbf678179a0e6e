from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse

from supervision import ui
from supervision.access import visible

from .models import Widget

app_name = "kernelflow"


@login_required
def widget_list(request):
    return render(request, "kernelflow/list.html", {"widgets": visible(request.user, Widget)})


@login_required
def widget_detail(request, pk):
    """The example of a record page on the kernel frame: the workflow declares its facts."""
    obj = ui.visible_or_404(request.user, Widget, pk, related=("township",))
    return ui.record_page(request, obj, facts=[("乡镇", obj.township.name), ui.Fact("金额", obj.amount, key="amount")],
                          back=("全部", reverse("kernelflow:list")))


urlpatterns = [path("", widget_list, name="list"), path("<int:pk>/", widget_detail, name="detail")]
