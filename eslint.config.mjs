// Lint, and the layering of DEVELOPERS.md made a rule: each folder imports only what it may.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'net', 'http', 'crypto', 'zlib', 'util', 'stream'];

/** `no-restricted-imports` for a folder: groups of names it may not import, each with why. */
function layer(files, ...groups) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: groups.map(([group, message, allowTypeImports = false]) => ({ group, message, allowTypeImports })),
      }],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'e2e/artifacts/**', 'renderer/vite.config.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  layer(['native/**/*.ts'], [['**/app/**', '**/main/**', '**/renderer/**', 'electron', 'react', 'react-dom', 'zustand'],
    'native/ imports nothing of ours: it is the bottom layer (koffi bindings and the emulator)']),
  layer(['app/**/*.ts'], [['koffi', 'electron', 'react', 'react-dom', 'zustand', '**/main/**', '**/renderer/**'],
    'app/ is plain TypeScript over native/: no koffi (only native/ binds), no Electron, React or DOM']),
  layer(['main/**/*.ts'], [['koffi', 'react', 'react-dom', 'zustand', '**/native/**', '**/renderer/**'],
    'main/ (the Electron shell) reaches the device only through app/']),
  layer(['renderer/**/*.ts', 'renderer/**/*.tsx'],
    [['**/app/**', '**/main/**'], 'renderer/ may import only types from app/ (import type), nothing else of ours', true],
    [['koffi', 'electron', '**/native/**', ...NODE_BUILTINS], 'renderer/ runs in the page: no Node, no Electron, no koffi']),
);
