"""Meta-test: every registered workflow ships its permission and scope tests."""
import importlib
import inspect

import pytest
from django.urls import reverse

from supervision import registry
from tests.bases import WorkflowPermissionContract


@pytest.mark.parametrize("workflow", [wf.name for wf in registry.workflows()])
def test_each_workflow_has_permission_contract_tests(workflow):
    try:
        module = importlib.import_module(f"tests.workflows.{workflow}.test_permissions")
    except ModuleNotFoundError:
        pytest.fail(f"workflow {workflow!r} has no tests/workflows/{workflow}/test_permissions.py")
    contracts = [c for _, c in inspect.getmembers(module, inspect.isclass)
                 if issubclass(c, WorkflowPermissionContract) and c is not WorkflowPermissionContract
                 and c.workflow == workflow]
    assert contracts, f"{workflow}: no WorkflowPermissionContract subclass with workflow = {workflow!r}"
    wf = registry.get_workflow(workflow)
    for rt in wf.record_types:
        assert rt.view_roles, f"{rt.key}: no view roles"
        for t in rt.all_transitions():
            right = t.custom.get("right", t.name)
            assert right in rt.rights, f"{rt.key}.{t.name}: right {right!r} is not declared in RecordType.rights"


@pytest.mark.django_db
def test_menu_is_built_from_registry(web, users):
    html = web(users["inspector"]).get(reverse("home")).content.decode()
    for wf in registry.workflows():
        if wf.hidden:
            continue
        for item in wf.menu:
            if "inspector" in item.roles:
                assert str(item.label) in html
