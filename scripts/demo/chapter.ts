/**
 * One chapter of `npm run demo`: a part of the scripted week on the simulated account. scripts/demo.ts runs the
 * chapters in its `chapters` list, in order, on one simulation, then prints every notification and the summary. A new
 * capability adds its story as a file here and one line in that list.
 */
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import type { Simulation, SimulationOptions } from '../../sim/simulation';
import type { Timeline } from '../../sim/timeline';

export const HOUR = 3_600_000;

export interface DemoContext {
  sim: Simulation;
  timeline: Timeline;
  /** The demo's service (the example config's first). */
  service: ServiceConfig;
  write(line: string): void;
}

export interface Chapter {
  /**
   * Before the simulation starts: demo-sized changes to the example config (the chapter's own section only) and to
   * the simulation's options (e.g. resources the account holds from the start).
   */
  prepare?(config: FleetpilotConfig, service: ServiceConfig, options: SimulationOptions): void;
  /** Plays the chapter; returns what did not happen as the story tells (empty when all did). */
  run(ctx: DemoContext): Promise<string[]>;
}
