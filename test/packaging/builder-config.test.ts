/**
 * electron-builder.yml as electron-builder itself reads and validates it (its own loader and
 * schema): the Electron fuses the package is built with.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.join(__dirname, '../../..');

interface BuilderConfig {
  electronFuses?: Record<string, boolean>;
}

const { getConfig, validateConfiguration } = require(path.join(ROOT, 'node_modules/app-builder-lib/out/util/config/config')) as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
};
const { DebugLogger } = require(path.join(ROOT, 'node_modules/builder-util')) as { DebugLogger: new (enabled: boolean) => unknown };

test('the package is built with the fuses that keep the app from being run as something else', async () => {
  const config = await getConfig(ROOT, null, null);
  await validateConfiguration(config, new DebugLogger(false));
  assert.deepEqual(config.electronFuses, {
    // ELECTRON_RUN_AS_NODE is ignored: the CLI runs as `framescope --cli` (main/cli-mode.ts)
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
  });
  // a misspelt fuse is not silently ignored
  await assert.rejects(validateConfiguration({ ...config, electronFuses: { ...config.electronFuses, runAsNod: false } }, new DebugLogger(false)), /electronFuses/);
});
