# Root module for the Business Exchange Marketplace estate (examples/000-marketplace.yaml):
# three Cloud Run services, Cloud SQL MySQL `business-exchange-db`, Memorystore for opsfn state.
#
#   npm run bundle
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

  # The read-only MySQL URL the quarterly drill checks its clone with (drills.quarterly-full, step clone);
  # the clone's private address is reached through the Memorystore VPC connector.
  function_secrets = {
    drDrill = { DR_READER_MYSQL_URL = "dr-reader-mysql-url" }
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

  error_rate_alerts = {
    high-error-rate = {
      display_name = "HighErrorRate: 5xx > 1 % for 5m"
      threshold    = 0.01
      duration     = "300s"
      severity     = "CRITICAL"
      function     = "rollback"
    }
    error-spike = {
      display_name = "HighErrorRate: 5xx > 10 % for 2m"
      threshold    = 0.1
      duration     = "120s"
      severity     = "WARNING"
      function     = "rollback"
    }
    frontend-error-rate = {
      display_name = "High Error Rate (frontend): 5xx > 5 % for 5m"
      service      = "business-exchange-frontend"
      threshold    = 0.05
      duration     = "300s"
      severity     = "ERROR"
      function     = "rollback"
    }
  }
  human_notification_channels = var.human_notification_channels

  labels = {
    estate = "business-exchange-marketplace"
  }
}
