from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from supervision.access import visible
from supervision.ui import transition_panel, visible_or_404

from .models import Widget

app_name = "kernelflow"


@login_required
def widget_list(request):
    return render(request, "kernelflow/list.html", {"widgets": visible(request.user, Widget)})


@login_required
def widget_detail(request, pk):
    obj = visible_or_404(request.user, Widget, pk)
    return render(request, "kernelflow/detail.html", {"obj": obj, "actions": transition_panel(request, obj)})


urlpatterns = [path("", widget_list, name="list"), path("<int:pk>/", widget_detail, name="detail")]
