"""The shared permission contract, run against the kernel's own test workflow."""
from tests.bases import WorkflowPermissionContract
from tests.kernel.factories import widget


class TestKernelflowPermissions(WorkflowPermissionContract):
    workflow = "kernelflow"
    api_list = "/api/v1/widgets/"
    in_scope_user = "township_nanzhao"
    out_of_scope_user = "township_miaojie"
    no_access_users = ["discipline", "organization"]
    a_transition = "submit"
    record_type = "kernelflow.widget"
    allowed_user = "township_nanzhao"

    def make_record(self, users, townships):
        return widget(townships["nanzhao"])
