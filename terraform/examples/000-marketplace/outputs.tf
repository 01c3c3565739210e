output "function_urls" {
  description = "URLs of the marketplace's opsfn functions (the OIDC audiences in examples/000-marketplace.yaml)."
  value       = module.opsfn.function_urls
}

output "dead_letter_subscriptions" {
  description = "Where undeliverable triggers land."
  value       = module.opsfn.dead_letter_subscriptions
}
