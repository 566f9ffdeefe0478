// TypeScript's own module resolution over a package: file -> files it imports (benchmarks/code_quality.py).
// usage: node ts_imports.js <typescript/lib/typescript.js> <root>
const ts = require(process.argv[2]);
const path = require("path");
const fs = require("fs");
const root = path.resolve(process.argv[3]);
function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules") continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|mts|cts)$/.test(e.name) && !/\.d\.[mc]?ts$/.test(e.name)) out.push(p);
  }
  return out;
}
let options = { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, allowJs: true,
                target: ts.ScriptTarget.ES2020, allowImportingTsExtensions: true, noEmit: true };
for (const name of ["tsconfig.json", "src/tsconfig.json"]) {
  const file = path.join(root, name);
  if (fs.existsSync(file)) {
    const parsed = ts.getParsedCommandLineOfConfigFile(file, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    if (parsed) options = { ...parsed.options, noEmit: true };
    break;
  }
}
// The full parser's module references (ts.preProcessFile's scanner misses `export * as ns from`):
// a program over every file, then each file's `imports` (import/export declarations, import(),
// require(), import types) resolved as the compiler does.
const out = {};
const files = walk(root, []);
const program = ts.createProgram(files, { ...options, noResolve: true, types: [] });
for (const file of files) {
  const sf = program.getSourceFile(file);
  const deps = new Set();
  for (const imp of (sf && sf.imports) || []) {
    const r = ts.resolveModuleName(imp.text, file, options, ts.sys).resolvedModule;
    if (r && r.resolvedFileName.startsWith(root + path.sep) && !r.resolvedFileName.includes("node_modules"))
      deps.add(path.relative(root, r.resolvedFileName));
  }
  out[path.relative(root, file)] = [...deps].sort();
}
process.stdout.write(JSON.stringify(out));
