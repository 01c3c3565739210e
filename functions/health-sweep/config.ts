// The section schema lives with the estate schema until every function contributes its own section.

export * from '../../shared/core/config/index.js';
export {
  type CheckEntry,
  type Health,
  type HealthAlert,
  HealthAlertSchema,
  type HealthConfig,
  HealthSchema,
  type InvalidCheck,
  parseCheckEntry,
} from '../../shared/core/config/index.js';
