'use strict';
/**
 * esbuild plugin: in a deployed function, the SDK's default credential chain is replaced by its first link only,
 * the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
 *
 * Why: Lambda always sets those variables from the function's execution role (Lambda developer guide, "Defined
 * runtime environment variables"), and the default chain reads them first. The rest of the chain (shared config
 * files, SSO, web identity, the container and instance metadata services, with the STS/SSO clients they carry,
 * about 90 KB of minified JavaScript) can never be reached in Lambda, yet every SDK client imports it through
 * `@aws-sdk/credential-provider-node`. Tests, the simulated account and `npm run invoke` run unbundled and keep the
 * whole chain. If the variables were ever missing, the SDK fails with its own CredentialsProviderError
 * ("Unable to find environment variable credentials."), not silently.
 */
const NAME = 'fleetpilot-lambda-credentials';

/** @returns {import('esbuild').Plugin} */
function lambdaCredentials() {
  return {
    name: NAME,
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, (args) => ({
        path: args.path,
        namespace: NAME,
        pluginData: { resolveDir: args.resolveDir },
      }));
      build.onLoad({ filter: /.*/, namespace: NAME }, (args) => ({
        // Same exports as @aws-sdk/credential-provider-node's index, backed by the environment provider.
        contents: [
          "import { fromEnv } from '@aws-sdk/credential-provider-env';",
          'export const defaultProvider = (init = {}) => fromEnv(init);',
          'export const credentialsWillNeedRefresh = (credentials) => credentials?.expiration !== undefined;',
          'export const credentialsTreatedAsExpired = (credentials) =>',
          '  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300000;',
        ].join('\n'),
        loader: 'js',
        resolveDir: args.pluginData.resolveDir,
      }));
    },
  };
}

module.exports = { lambdaCredentials };
