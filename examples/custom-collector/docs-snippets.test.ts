import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { expect, test } from "vitest";

// docs/writing-a-collector.md and docs/library.md must not drift from the real exports: each of
// their TypeScript snippets is type-checked, as a module of this folder (so `./src/index.js` is this
// example), against the packages' sources. The example itself is checked with them: CI's typecheck
// covers packages only. One program for all of it: a whole-program check is the slow part.
const root = join(import.meta.dirname, "..", "..");
const guides = [
  { name: "guide", file: join(root, "docs", "writing-a-collector.md"), least: 8 },
  { name: "library", file: join(root, "docs", "library.md"), least: 9 },
];

function snippets(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? "");
}

test("the example and every TypeScript snippet of docs/writing-a-collector.md and docs/library.md type-check against the real exports", () => {
  const files = new Map<string, string>();
  for (const guide of guides) {
    const blocks = snippets(readFileSync(guide.file, "utf8"));
    expect(blocks.length, guide.file).toBeGreaterThanOrEqual(guide.least);
    for (const [i, code] of blocks.entries()) {
      files.set(join(import.meta.dirname, `${guide.name}-snippet-${i + 1}.ts`), code);
    }
  }
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2023.d.ts"],
    types: ["node"],
    strict: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: true,
    noEmit: true,
    // As vitest resolves them: the packages' sources, so no build is needed.
    paths: { "@azure-drift/*": [join(root, "packages", "*", "src", "index.ts")] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.getSourceFile = (name, language, onError, fresh) => {
    const code = files.get(name);
    return code === undefined
      ? getSourceFile(name, language, onError, fresh)
      : ts.createSourceFile(name, code, language);
  };
  const example = [
    ...readdirSync(join(import.meta.dirname, "src")).map((name) => join(import.meta.dirname, "src", name)),
    join(import.meta.dirname, "custom-collector.test.ts"),
  ];
  const checked = [...files.keys(), ...example];
  const program = ts.createProgram(checked, options, host);
  const problems = checked.flatMap((name) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(name)).map((diagnostic) => {
      const where = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const snippet =
        diagnostic.file?.fileName.replace(/^.*\/(?=(guide|library)-snippet-)|^.*custom-collector\//, "") ??
        "?";
      return `${snippet}:${(where?.line ?? 0) + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
    }),
  );
  expect(problems).toEqual([]);
  // A whole-program type-check: seconds alone, much longer on a 2-core machine that is busy.
}, 180_000);
