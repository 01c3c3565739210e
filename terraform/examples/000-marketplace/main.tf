# Root module for the Business Exchange Marketplace estate (examples/000-marketplace.yaml):
# three Cloud Run services, Cloud SQL MySQL `business-exchange-db`, Memorystore for opsfn state.
#
#   npm run bundle -- --estate examples/000-marketplace.yaml
#   terraform init -backend-config="bucket=<state bucket>"
#   terraform plan -var="project_id=<project>" -out=tfplan
terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 8.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4, < 3.0"
    }
  }

  backend "gcs" {
    prefix = "opsfn/000-marketplace"
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

module "opsfn" {
  source = "../.."

  project_id         = var.project_id
  region             = var.region
  timezone           = "Asia/Taipei"
  estate_config_path = "${path.module}/../../../examples/000-marketplace.yaml"

  redis_mode = "memorystore"
  memorystore = {
    tier = "BASIC"
  }

  # The Slack and PagerDuty references of the estate's notify channels.
  notify_secrets = ["pagerduty-routing-key", "slack-incidents-webhook", "slack-alerts-webhook"]

  # The drill approver's own token (auth.tokens drill-approver: OPSFN_TOKEN_DRILL_APPROVER in every function).
  caller_tokens = {
    drill-approver = { secret = "opsfn-token-drill-approver", functions = ["drDrill"] }
  }

  # What the estate's { env: ... } references read, per function that reads them (test/estates checks each one):
  # the read-only MySQL URL the quarterly drill checks its clone with (drills.quarterly-full, step clone), the
  # private address of business-exchange-db for the health check, and the app's Memorystore (redis-instance) for
  # the sessions backup check and the health check; all reached through the VPC connector.
  function_secrets = {
    drDrill      = { DR_READER_MYSQL_URL = "dr-reader-mysql-url" }
    backupVerify = { MEMORYSTORE_URL = "marketplace-memorystore-url" }
    healthSweep = {
      MARKETPLACE_MYSQL_URL = "marketplace-mysql-url"
      MEMORYSTORE_URL       = "marketplace-memorystore-url"
    }
  }

  run_targets = {
    frontend = {
      service                 = "business-exchange-frontend"
      region                  = "us-central1"
      runtime_service_account = var.services_runtime_account
    }
    backend = {
      service                 = "business-exchange-backend"
      region                  = "us-central1"
      runtime_service_account = var.services_runtime_account
    }
    auction = {
      service                 = "auction-service"
      region                  = "asia-east1"
      runtime_service_account = var.services_runtime_account
    }
  }

  # Cloud SQL backups are checked through the SQL Admin API; no dump bucket in this estate.
  backup_buckets        = []
  reports_bucket        = "${var.project_id}-opsfn-reports"
  create_reports_bucket = true

  # Quarterly drill: clone business-exchange-db, deploy dr-frontend to us-west1.
  dr_region                  = "us-west1"
  dr_runtime_service_account = var.services_runtime_account

  # Runbook 000's error-rate alert (5xx > 5 % for 300 s on every revision) is not written here: the root module
  # derives it from the estate's rollback policy cloud-run-5xx, so the alert and opsfn's confirmation agree.
  # The autoscale policy cloud-run-degradation reacts to this latency alert (runbook 000, 效能降級: response
  # times up while the service still answers; the slowest API target there is P95 < 500 ms).
  latency_alerts = {
    cloud-run-latency = {
      display_name = "Performance degradation: p95 latency > 500 ms for 5m"
      percentile   = 95
      threshold_ms = 500
      duration     = "300s"
      severity     = "WARNING"
      function     = "autoscale"
    }
  }
  human_notification_channels = var.human_notification_channels

  labels = {
    estate = "business-exchange-marketplace"
  }
}
