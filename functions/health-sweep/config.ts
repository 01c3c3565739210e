// The section schema lives with the estate schema until every function contributes its own section.
export {
  type CheckEntry,
  type Health,
  type HealthAlert,
  HealthAlertSchema,
  type HealthConfig,
  HealthSchema,
  type InvalidCheck,
  parseCheckEntry,
} from '../../shared/config/sections/health.js';
export * from '../../shared/config/sections/health-checks.js';
