# rollback and autoscale change Cloud Run services through shared/adapters/platforms/cloud-run-platform.ts, whose
# calls need exactly: services.get, services.patch (run.services.update), revisions.list, and
# operations.get to wait for each write (test/terraform/iam.test.ts derives the list from the code).
# Operations belong to the location, not to a service, so that one permission is granted on the
# project; the rest only on the services listed in run_targets, instead of roles/run.developer.
resource "google_project_iam_custom_role" "run_change" {
  count      = length(local.changes_cloud_run) > 0 ? 1 : 0
  depends_on = [google_project_service.apis]

  project     = var.project_id
  role_id     = "opsfnRunChange"
  title       = "opsfn: roll back and scale a Cloud Run service"
  description = "Read a Cloud Run service and its revisions and update its traffic or scaling."
  permissions = ["run.revisions.list", "run.services.get", "run.services.update"]
}

resource "google_project_iam_custom_role" "run_operations" {
  count      = length(local.changes_cloud_run) > 0 ? 1 : 0
  depends_on = [google_project_service.apis]

  project     = var.project_id
  role_id     = "opsfnRunOperations"
  title       = "opsfn: wait for Cloud Run operations"
  description = "Read the long-running operations Cloud Run answers updates with."
  permissions = ["run.operations.get"]
}

resource "google_cloud_run_v2_service_iam_member" "run_change" {
  for_each = local.run_grants

  project  = var.project_id
  location = each.value.target.region
  name     = each.value.target.service
  role     = google_project_iam_custom_role.run_change[0].id
  member   = each.value.member
}

resource "google_project_iam_member" "run_operations" {
  for_each = toset(local.changes_cloud_run)

  project = var.project_id
  role    = google_project_iam_custom_role.run_operations[0].id
  member  = local.sa[each.value]
}

# Updating a service acts as its runtime account, even when only traffic or scaling changes.
resource "google_service_account_iam_member" "run_act_as" {
  for_each = local.run_actas_grants

  service_account_id = "projects/${var.project_id}/serviceAccounts/${each.value.account}"
  role               = "roles/iam.serviceAccountUser"
  member             = each.value.member
}
