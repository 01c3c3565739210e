locals {
  # Least privilege per function (the permissions of each call the code makes); common roles (log writer, metric writer, its own
  # secrets) are granted inside modules/function.
  sa = { for entry_point, fn in module.function : entry_point => fn.service_account_member }

  changes_cloud_run = [for entry_point in ["rollback", "autoscale", "healthSweep"] : entry_point if contains(keys(local.functions), entry_point)]
  run_grants = {
    for pair in setproduct(local.changes_cloud_run, keys(var.run_targets)) : "${pair[0]}/${pair[1]}" => {
      member = local.sa[pair[0]]
      target = var.run_targets[pair[1]]
    }
  }
  run_actas_grants = {
    for pair in setproduct(local.changes_cloud_run, distinct([for t in values(var.run_targets) : t.runtime_service_account])) :
    "${pair[0]}/${pair[1]}" => { member = local.sa[pair[0]], account = pair[1] }
  }
  backup_grants = {
    for bucket in(contains(keys(local.functions), "backupVerify") ? var.backup_buckets : []) : bucket => local.sa["backupVerify"]
  }
  has_drill = contains(keys(local.functions), "drDrill")
}

# One identity for Pub/Sub push (OIDC) and Eventarc to invoke the functions, separate from the
# functions' own runtime accounts.
resource "google_service_account" "invoker" {
  depends_on = [google_project_service.apis]

  project      = var.project_id
  account_id   = "opsfn-invoker"
  display_name = "opsfn invoker"
  description  = "Pub/Sub and Eventarc deliver events to opsfn functions as this account."
}

# Projects created before April 2021 need this for the Pub/Sub agent to mint push OIDC tokens.
resource "google_service_account_iam_member" "pubsub_token_creator" {
  service_account_id = google_service_account.invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${local.pubsub_service_agent}"
}

resource "google_project_iam_member" "invoker_event_receiver" {
  count = var.delivery == "eventarc" ? 1 : 0

  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.invoker.member
}

resource "google_storage_bucket_iam_member" "config_reader" {
  for_each = local.sa

  bucket = google_storage_bucket.config.name
  role   = "roles/storage.objectViewer"
  member = each.value
}

resource "google_storage_bucket_iam_member" "report_writer" {
  for_each = var.reports_bucket == null ? {} : local.sa

  bucket = var.create_reports_bucket ? google_storage_bucket.reports[0].name : var.reports_bucket
  role   = "roles/storage.objectCreator"
  member = each.value
}

resource "google_secret_manager_secret_iam_member" "notify" {
  for_each = { for pair in setproduct(keys(local.sa), var.notify_secrets) : "${pair[0]}/${pair[1]}" => { member = local.sa[pair[0]], secret = pair[1] } }

  project   = var.project_id
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value.member
}

# rollback, autoscale and healthSweep: confirm from metrics (or a PromQL check), then patch only the listed services (iam-run.tf).
resource "google_project_iam_member" "metrics_reader" {
  for_each = toset(local.changes_cloud_run)

  project = var.project_id
  role    = "roles/monitoring.viewer"
  member  = local.sa[each.value]
}

# backupVerify: read backup runs and dumps, nothing else.
resource "google_project_iam_member" "backup_sql_viewer" {
  count = contains(keys(local.functions), "backupVerify") ? 1 : 0

  project = var.project_id
  role    = "roles/cloudsql.viewer"
  member  = local.sa["backupVerify"]
}

resource "google_storage_bucket_iam_member" "backup_reader" {
  for_each = local.backup_grants

  bucket = each.key
  role   = "roles/storage.objectViewer"
  member = each.value
}
