# drDrill clones production into scratch instances and must never be able to delete or restore
# over anything else: the source role reads and clones, the scratch role acts only on instances
# named with drill_prefix (IAM condition on resource.name).
resource "google_project_iam_custom_role" "drill_source" {
  count      = local.has_drill ? 1 : 0
  depends_on = [google_project_service.apis]

  project     = var.project_id
  role_id     = "opsfnDrillSource"
  title       = "opsfn DR drill: read and clone"
  description = "Lets drDrill read Cloud SQL instances and backups and clone them."
  # list: Cloud SQL answers 403 for a missing instance, so a deletion is confirmed by listing.
  permissions = [
    "cloudsql.backupRuns.get",
    "cloudsql.backupRuns.list",
    "cloudsql.instances.clone",
    "cloudsql.instances.get",
    "cloudsql.instances.list",
  ]
}

resource "google_project_iam_custom_role" "drill_scratch" {
  count      = local.has_drill ? 1 : 0
  depends_on = [google_project_service.apis]

  project     = var.project_id
  role_id     = "opsfnDrillScratch"
  title       = "opsfn DR drill: manage scratch instances"
  description = "Lets drDrill create, label, restore into and delete its own scratch Cloud SQL instances."
  # update: a clone keeps its source's labels until the drill replaces them with its own (instances.patch).
  permissions = [
    "cloudsql.instances.create",
    "cloudsql.instances.delete",
    "cloudsql.instances.get",
    "cloudsql.instances.restoreBackup",
    "cloudsql.instances.update",
  ]
}

resource "google_project_iam_member" "drill_source" {
  count = local.has_drill ? 1 : 0

  project = var.project_id
  role    = google_project_iam_custom_role.drill_source[0].id
  member  = local.sa["drDrill"]
}

resource "google_project_iam_member" "drill_scratch" {
  count = local.has_drill ? 1 : 0

  project = var.project_id
  role    = google_project_iam_custom_role.drill_scratch[0].id
  member  = local.sa["drDrill"]

  condition {
    title       = "opsfn drill scratch instances only"
    description = "Only Cloud SQL instances whose name starts with ${var.drill_prefix}."
    expression  = "resource.name.startsWith(\"projects/${var.project_id}/instances/${var.drill_prefix}\")"
  }
}

resource "google_project_iam_member" "drill_run_developer" {
  count = local.has_drill && var.dr_region != null ? 1 : 0

  project = var.project_id
  role    = "roles/run.developer"
  member  = local.sa["drDrill"]

  condition {
    title       = "opsfn drill services in the DR region only"
    description = "Cloud Run services named ${var.drill_prefix}* in ${coalesce(var.dr_region, "-")}."
    expression  = "resource.name.startsWith(\"projects/${var.project_id}/locations/${coalesce(var.dr_region, "-")}/services/${var.drill_prefix}\")"
  }
}

resource "google_service_account_iam_member" "drill_act_as" {
  count = local.has_drill && var.dr_runtime_service_account != null ? 1 : 0

  service_account_id = "projects/${var.project_id}/serviceAccounts/${var.dr_runtime_service_account}"
  role               = "roles/iam.serviceAccountUser"
  member             = local.sa["drDrill"]
}

# run.deploy copies a production service: drDrill reads it and the revision it serves (the image) on the
# services listed in run_targets; its own create and delete answer with operations, children of the location,
# and the janitor's sweep lists services there, so those two are granted on the project.
resource "google_project_iam_custom_role" "drill_run_source" {
  count      = local.has_drill && var.dr_region != null ? 1 : 0
  depends_on = [google_project_service.apis]

  project     = var.project_id
  role_id     = "opsfnDrillRunSource"
  title       = "opsfn DR drill: read a service to copy"
  description = "Lets drDrill read a Cloud Run service and its revisions, to deploy the image it serves."
  permissions = ["run.revisions.get", "run.services.get"]
}

resource "google_cloud_run_v2_service_iam_member" "drill_run_source" {
  for_each = local.has_drill && var.dr_region != null ? var.run_targets : {}

  project  = var.project_id
  location = each.value.region
  name     = each.value.service
  role     = google_project_iam_custom_role.drill_run_source[0].id
  member   = local.sa["drDrill"]
}

resource "google_project_iam_custom_role" "drill_run_project" {
  count      = local.has_drill && var.dr_region != null ? 1 : 0
  depends_on = [google_project_service.apis]

  project     = var.project_id
  role_id     = "opsfnDrillRunProject"
  title       = "opsfn DR drill: wait for Cloud Run operations, list services"
  description = "Lets drDrill poll the operations of its own deploys and deletes, and list services for its janitor."
  permissions = ["run.operations.get", "run.services.list"]
}

resource "google_project_iam_member" "drill_run_project" {
  count = local.has_drill && var.dr_region != null ? 1 : 0

  project = var.project_id
  role    = google_project_iam_custom_role.drill_run_project[0].id
  member  = local.sa["drDrill"]
}

# db.restoreDump restores the dumps backupVerify checks: drDrill (and its restore job, which runs as it) reads
# the same buckets.
resource "google_storage_bucket_iam_member" "drill_backup_reader" {
  for_each = toset(local.has_drill ? var.backup_buckets : [])

  bucket = each.key
  role   = "roles/storage.objectViewer"
  member = local.sa["drDrill"]
}
