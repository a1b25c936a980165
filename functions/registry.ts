/**
 * Every deployed handler, keyed by its `handler:` string in serverless.yml, for the simulated account: it builds the
 * same handlers with its own deps, looking them up by the handler strings it reads from serverless.yml — so the
 * wiring it exercises is the deployed one. Never on the deployed path: each deployed entry file
 * (functions/<capability>/*-handler.ts) imports its own capability's factory, so a bundle holds no other capability.
 */
import type { HandlerDeps } from '../shared/runtime/deps';
import {
  makeAmiResumeHandler,
  makeBakeHandler,
  makeImageHandler,
  makeRefreshEventHandler,
} from './ami-refresh/handlers';
import { makeCertificateAuditHandler, makeCertificateEventHandler } from './certificates/handlers';
import { makeDnsWriterHandler } from './dns-writer/handlers';
import { type LambdaContext, makeLifecycleHandler, makeResumeHandler } from './lifecycle/handlers';
import { makeScaleHandler } from './schedule/handlers';
import { makeSiteCheckHandler, makeSiteRotateHandler } from './site/handlers';
import { makeSlackHandler } from './slack/handlers';
import { makeTargetHealthHandler } from './target-health/handlers';

// biome-ignore lint/suspicious/noExplicitAny: each handler parses its own event; the table only routes.
export type AnyHandler = (event: any, context: LambdaContext) => Promise<unknown>;

export const handlerFactories: Readonly<Record<string, (deps: HandlerDeps) => AnyHandler>> = {
  'functions/lifecycle/launch-handler.handler': (deps) => makeLifecycleHandler('launch', deps),
  'functions/lifecycle/terminate-handler.handler': (deps) => makeLifecycleHandler('terminate', deps),
  'functions/lifecycle/resume-handler.handler': (deps) => makeResumeHandler(deps),
  'functions/dns-writer/writer-handler.handler': (deps) => makeDnsWriterHandler(deps),
  'functions/ami-refresh/bake-handler.handler': (deps) => makeBakeHandler(deps),
  'functions/ami-refresh/image-handler.handler': (deps) => makeImageHandler(deps),
  'functions/ami-refresh/refresh-handler.handler': (deps) => makeRefreshEventHandler(deps),
  'functions/ami-refresh/resume-handler.handler': (deps) => makeAmiResumeHandler(deps),
  'functions/target-health/alarm-handler.handler': (deps) => makeTargetHealthHandler(deps),
  'functions/site/check-handler.handler': (deps) => makeSiteCheckHandler(deps),
  'functions/site/rotate-handler.handler': (deps) => makeSiteRotateHandler(deps),
  'functions/slack/deliver-handler.handler': (deps) => makeSlackHandler(deps),
  'functions/certificates/event-handler.handler': (deps) => makeCertificateEventHandler(deps),
  'functions/certificates/audit-handler.handler': (deps) => makeCertificateAuditHandler(deps),
  'functions/schedule/scale-handler.handler': (deps) => makeScaleHandler(deps),
};

export function factoryFor(handlerPath: string): (deps: HandlerDeps) => AnyHandler {
  const factory = handlerFactories[handlerPath];
  if (!factory) {
    throw new Error(
      `no handler factory for "${handlerPath}" in functions/registry.ts (known: ${Object.keys(handlerFactories).join(', ')})`,
    );
  }
  return factory;
}
