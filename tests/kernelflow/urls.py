from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from supervision.access import visible
from supervision.views import get_visible_record

from .models import Widget

app_name = "kernelflow"


@login_required
def widget_list(request):
    return render(request, "kernelflow/list.html", {"widgets": visible(request.user, Widget)})


@login_required
def widget_detail(request, pk):
    _rt, obj = get_visible_record(request.user, "kernelflow.widget", pk)
    return render(request, "kernelflow/list.html", {"widgets": [obj]})


urlpatterns = [path("", widget_list, name="list"), path("<int:pk>/", widget_detail, name="detail")]
