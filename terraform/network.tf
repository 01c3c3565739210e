locals {
  create_connector = var.redis_mode == "memorystore" && var.vpc_connector == null
  vpc_connector_id = var.redis_mode == "memorystore" ? coalesce(var.vpc_connector, try(google_vpc_access_connector.functions[0].id, null)) : var.vpc_connector
  # With transit encryption Memorystore speaks only TLS (port 6378), with a certificate from its own CA:
  # https://cloud.google.com/memorystore/docs/redis/about-in-transit-encryption
  redis_url = (
    var.redis_mode == "memorystore" ? "rediss://:${google_redis_instance.state[0].auth_string}@${google_redis_instance.state[0].host}:${google_redis_instance.state[0].port}" :
    var.redis_mode == "url" ? var.redis_url : null
  )
  # Public certificates, so a plain environment variable (OPSFN_REDIS_CA) carries them.
  redis_ca = (
    var.redis_mode == "memorystore" ? join("\n", [for ca in google_redis_instance.state[0].server_ca_certs : ca.cert]) :
    var.redis_mode == "url" ? var.redis_ca : null
  )
  redis_url_secret_id = "opsfn-redis-url"
}

# Memorystore has only a private address: the functions reach it through this connector.
resource "google_vpc_access_connector" "functions" {
  count = local.create_connector ? 1 : 0

  project       = var.project_id
  region        = var.region
  name          = "opsfn-connector"
  network       = var.vpc_network
  ip_cidr_range = var.vpc_connector_cidr
  min_instances = 2
  max_instances = 3

  depends_on = [google_project_service.apis]
}

resource "google_redis_instance" "state" {
  count = var.redis_mode == "memorystore" ? 1 : 0

  project            = var.project_id
  region             = var.region
  name               = "opsfn-state"
  display_name       = "opsfn state (locks, idempotency, cooldowns)"
  tier               = var.memorystore.tier
  memory_size_gb     = var.memorystore.memory_size_gb
  redis_version      = var.memorystore.redis_version
  authorized_network = "projects/${var.project_id}/global/networks/${var.vpc_network}"
  connect_mode       = "DIRECT_PEERING"
  auth_enabled       = true
  # TLS between the functions and Redis: the AUTH string and the state never cross the VPC in clear.
  transit_encryption_mode = "SERVER_AUTHENTICATION"
  labels                  = local.labels

  depends_on = [google_project_service.apis]
}

# The URL carries the AUTH string, so it travels as a secret (OPSFN_REDIS_URL), not a plain env var.
resource "google_secret_manager_secret" "redis_url" {
  count = var.redis_mode == "none" ? 0 : 1

  project   = var.project_id
  secret_id = local.redis_url_secret_id
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "redis_url" {
  count = var.redis_mode == "none" ? 0 : 1

  secret      = google_secret_manager_secret.redis_url[0].id
  secret_data = local.redis_url

  lifecycle {
    precondition {
      condition     = var.redis_mode != "url" || var.redis_url != null
      error_message = "redis_mode = \"url\" needs redis_url."
    }
    # OPSFN_REDIS_CA is only for a rediss:// server: a function given it with a redis:// URL refuses to start
    # (createStateStore), so stop here instead. Terraform before 1.9 lets a variable's validation see that
    # variable alone, so this is a precondition; a null URL is left to the precondition above.
    precondition {
      condition     = var.redis_mode != "url" || var.redis_ca == null || try(startswith(trimspace(var.redis_url), "rediss://"), true)
      error_message = "redis_ca is set but redis_url is not a rediss:// URL: the functions would refuse to start (OPSFN_REDIS_CA is set but the state URL is redis://). Use rediss:// so the CA verifies the server, or leave redis_ca null for plain redis://."
    }
  }
}
