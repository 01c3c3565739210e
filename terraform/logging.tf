# Audit records (one JSON line with audit=true per intent and outcome) are kept 400 days in their
# own bucket, apart from the default 30-day retention.
resource "google_logging_project_bucket_config" "audit" {
  project        = var.project_id
  location       = "global"
  bucket_id      = "opsfn-audit"
  retention_days = var.audit_retention_days
  description    = "opsfn audit records (jsonPayload.audit=true)."

  depends_on = [google_project_service.apis]
}

# A sink into a log bucket of its own project writes without a writer identity or extra IAM.
resource "google_logging_project_sink" "audit" {
  project                = var.project_id
  name                   = "opsfn-audit"
  destination            = "logging.googleapis.com/${google_logging_project_bucket_config.audit.id}"
  filter                 = "jsonPayload.audit=true AND resource.type=\"cloud_run_revision\" AND resource.labels.service_name:\"opsfn-\""
  unique_writer_identity = true
  description            = "Routes opsfn audit records to the opsfn-audit bucket."
}
