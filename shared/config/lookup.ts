/**
 * Questions a handler asks of a validated config. Kept apart from load.ts (the YAML loader) and schema.ts (every
 * section) so that a deployed bundle importing them carries neither.
 */
import type { FleetpilotConfig, ServiceConfig } from './schema';

/** The service that manages an Auto Scaling group, or undefined when fleetpilot does not manage the group. */
export function serviceForGroup(config: FleetpilotConfig, groupName: string): ServiceConfig | undefined {
  return config.services.find((s) => s.autoScalingGroup === groupName);
}

/** Effective dry-run for a service: the service's own setting wins over the top-level one. */
export function isDryRun(config: FleetpilotConfig, service: ServiceConfig): boolean {
  return service.dryRun ?? config.dryRun;
}
