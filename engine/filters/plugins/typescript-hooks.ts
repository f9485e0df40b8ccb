import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * A module loader hook (node:module register) for plugin files written in TypeScript: Node 20
 * cannot strip types itself, so `.ts` and `.mts` files are transpiled with the `typescript`
 * package, one file at a time and without type checking (run `tsc` for that). Only registered
 * when a configured plugin is a TypeScript file.
 */

interface LoadResult {
  format: string;
  source?: string;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context: object) => Promise<LoadResult>;

const TYPESCRIPT_FILE = /\.m?ts$/;

export async function load(url: string, context: object, nextLoad: NextLoad): Promise<LoadResult> {
  const bare = url.split('?')[0] as string;
  if (!url.startsWith('file:') || !TYPESCRIPT_FILE.test(bare)) return nextLoad(url, context);
  const { default: ts } = await import('typescript');
  const fileName = fileURLToPath(bare);
  const output = ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      // Stack traces name the .ts file's lines.
      inlineSourceMap: true,
      inlineSources: false,
    },
  });
  return { format: 'module', source: output.outputText, shortCircuit: true };
}
