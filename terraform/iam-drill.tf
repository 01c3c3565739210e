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
