from django.apps import AppConfig


class KernelflowConfig(AppConfig):
    name = "tests.kernelflow"
    label = "kernelflow"

    def ready(self):
        from supervision import registry
        from supervision.notify import notify, users_with_role

        from .api import WidgetViewSet
        from .models import Widget

        def after(ctx):
            if ctx.name == "submit":
                notify(recipients=users_with_role("inspector"), verb="widget.submitted",
                       message=f"{ctx.obj} 已报送", target=ctx.obj, exclude=ctx.actor)

        def sweep_overdue(now):
            from supervision.sweep import fire_system_transition, today

            done = 0
            for w in Widget.objects.filter(state__in=["draft", "submitted"], due_date__lt=today(now)):
                done += fire_system_transition(w, "mark_overdue", comment="到期未办")
            return done

        registry.register(registry.Workflow(
            name="kernelflow", label="测试流程", hidden=True, urls="tests.kernelflow.urls",
            sweeps=[sweep_overdue],
            record_types=[registry.RecordType(
                model=Widget,
                view_roles=frozenset({"township", "inspector", "auditor", "leader"}),
                rights={
                    "submit": registry.Right.of("township"),
                    "approve": registry.Right.of("inspector"),
                    "mark_overdue": registry.Right.of(),
                },
                scope_lookup="township",
                after_transition=after,
                api_basename="widgets",
                api_viewset=WidgetViewSet,
                due_field="due_date",
                masked_fields=("secret",),
                unmask_roles=frozenset({"inspector"}),
            )],
        ))
