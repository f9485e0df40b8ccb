/**
 * The uWebSockets.js builds gatewayd runs on. uWS is not published on the npm registry under its
 * own name; both are third-party repackagings of its binaries, pinned to exact versions in
 * package.json. The first build whose binary loads serves, so the newer one is tried first.
 */
export interface UwsBuild {
  /** The uWS release, as logged and as the docs' platform table names it. */
  readonly release: string;
  /** The npm package and version that ships it. */
  readonly npmPackage: string;
  /** What node's require resolves to find the package's folder. */
  readonly resolve: string;
  /** The binaries' folder inside the package. */
  readonly binaries: string;
  /** The Node.js majors it ships binaries for, keyed by ABI (process.versions.modules). */
  readonly nodeByAbi: Readonly<Record<string, number>>;
  /** The oldest glibc its Linux binaries load on. */
  readonly glibc: string;
}

/** The Node.js majors gatewayd supports (package.json's engines says the same). */
export const SUPPORTED_NODE_MAJORS: readonly number[] = [20, 22, 24];

export const UWS_BUILDS: readonly UwsBuild[] = [
  {
    release: 'uWS v20.57',
    npmPackage: '@btc-vision/uwebsockets.js@20.57.0',
    resolve: '@btc-vision/uwebsockets.js',
    binaries: '.',
    nodeByAbi: { '115': 20, '127': 22, '137': 24, '141': 25 },
    glibc: '2.38',
  },
  {
    release: 'uWS v20.30',
    npmPackage: '@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0',
    resolve: 'uWebSockets.js/package.json',
    binaries: 'binaries',
    nodeByAbi: { '93': 16, '108': 18, '115': 20 },
    glibc: '2.27',
  },
];

/** The binary file a build ships for this process's platform, CPU and Node.js ABI. */
export function binaryFileName(): string {
  return `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
}
