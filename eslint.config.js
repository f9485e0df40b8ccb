import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // .stryker-tmp/ holds the mutation run's sandbox copy of the tree while it runs.
  { ignores: ['dist/', 'node_modules/', '.tap/', 'coverage/', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        TextEncoder: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // uWS's packages fall back to JavaScript when their binary does not load; the engine takes
    // the binding only from engine/native/, which loads binaries directly and refuses otherwise.
    files: ['engine/**'],
    ignores: ['engine/native/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['uWebSockets.js', '@btc-vision/uwebsockets.js'].map((name) => ({
            name,
            message: 'take the uWS binding from engine/native/uws-binding.ts (nativeUws)',
            allowTypeImports: true,
          })),
        },
      ],
    },
  },
  {
    files: ['bench/**', 'test/**', 'bin/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // The admin dashboard's script runs in the browser.
    files: ['engine/admin/dashboard/**'],
    languageOptions: {
      globals: {
        document: 'readonly',
        window: 'readonly',
        location: 'readonly',
        sessionStorage: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
