'use strict';
/**
 * The esbuild plugins of the deployed bundles, loaded by serverless-esbuild from serverless.yml
 * (custom.esbuild.plugins). Why each exists: see its file's header.
 */
const { inlineSdkSchemaKeys } = require('./inline-sdk-schema-keys.cjs');
const { lambdaCredentials } = require('./lambda-credentials.cjs');
const { sideEffectFree } = require('./side-effect-free.cjs');

module.exports = [inlineSdkSchemaKeys(), sideEffectFree(['yaml']), lambdaCredentials()];
