import { SUPPORTED_NODE_MAJORS, UWS_BUILDS } from './uws-builds.js';

/** The part of a diagnostic report this module reads (glibc is absent on musl and off Linux). */
interface ReportHeader {
  header: { glibcVersionRuntime?: string };
}

/** The running C library, as the refusal message and the docs' table name it. */
export function glibcVersion(): string {
  if (process.platform !== 'linux') return `none (${process.platform})`;
  const report = process.report.getReport() as ReportHeader;
  return report.header.glibcVersionRuntime ?? 'none (musl or another C library)';
}

/** This process's runtime in one line: what decides which binary can load. */
export function describeHost(): string {
  return (
    `Node.js ${process.version} (ABI ${process.versions.modules}), ` +
    `${process.platform} ${process.arch}, glibc ${glibcVersion()}`
  );
}

/** One line per build: the supported Node.js majors it serves and the glibc it needs. */
export function supportedCombinations(): string[] {
  return UWS_BUILDS.map((build) => {
    const majors = Object.values(build.nodeByAbi).filter((m) => SUPPORTED_NODE_MAJORS.includes(m));
    return `Node.js ${majors.join(', ')} with glibc >= ${build.glibc}: ${build.release} (${build.npmPackage})`;
  });
}
