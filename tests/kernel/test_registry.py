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


def _contracts():
    found = []
    for wf in registry.workflows():
        try:
            module = importlib.import_module(f"tests.workflows.{wf.name}.test_permissions")
        except ModuleNotFoundError:
            continue
        found += [c for _, c in inspect.getmembers(module, inspect.isclass)
                  if issubclass(c, WorkflowPermissionContract) and c is not WorkflowPermissionContract]
    return found


@pytest.mark.parametrize("key", [rt.key for rt in registry.record_types()])
def test_each_record_type_has_a_permission_contract(key):
    """Not only every workflow: every registered record type runs the contract (wrong role 403,
    one history row per allowed action, scope 404s)."""
    covered = {c.record_type: c for c in _contracts()}
    assert key in covered, f"record type {key!r} has no WorkflowPermissionContract (record_type = {key!r})"
    contract = covered[key]
    assert contract.a_transition and contract.allowed_user and contract.wrong_role_user, contract


@pytest.mark.django_db
def test_menu_is_built_from_registry(web, users):
    html = web(users["inspector"]).get(reverse("home")).content.decode()
    for wf in registry.workflows():
        if wf.hidden:
            continue
        for item in wf.menu:
            if "inspector" in item.roles:
                assert str(item.label) in html
