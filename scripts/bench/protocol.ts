/** What the benchmark's child processes are told (argv[2], JSON) and what they write back (a JSON file). */

export const FUNCTIONS = ['lifecycleLaunch', 'lifecycleTerminate', 'lifecycleResume', 'dnsWriter'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

/** Where one build of one function lives. */
export interface HandlerBuild {
  fn: FunctionName;
  /** Absolute path of the module exporting `handler`. */
  handlerFile: string;
  /** The build's package root (LAMBDA_TASK_ROOT): the config file is read relative to it. */
  taskRoot: string;
}

export interface LoadedFilesRequest extends HandlerBuild {
  resultFile: string;
}

export interface LoadedFilesResult {
  files: number;
  rawBytes: number;
  /** Sum of each file gzipped on its own (as a zip stores them). */
  gzipBytes: number;
  /** node_modules packages among the loaded files (by their package folder). */
  packages: number;
}

export interface ColdStartRequest extends HandlerBuild {
  /** Absolute path of the fleetpilot config the simulated account is declared from. */
  configFile: string;
  /** Each function's timeout from serverless.yml, seconds (the Lambda context's remaining time starts there). */
  timeoutSeconds: Record<FunctionName, number>;
  resultFile: string;
}

export interface ColdStartResult {
  /** Wall-clock ms to require the handler module (its cold-start deps included). */
  requireMs: number;
  /** Wall-clock ms from calling the handler to its promise settling, the virtual clock advancing meanwhile. */
  handleMs: number;
  /** Virtual ms the handler took. */
  virtualMs: number;
  /** AWS calls the handler made on the simulated account. */
  awsCalls: number;
  /** The handler's result. */
  result: unknown;
  /** Lifecycle hook results recorded during the timed part, e.g. "CONTINUE by CompleteLifecycleAction". */
  hookResults: string[];
}
