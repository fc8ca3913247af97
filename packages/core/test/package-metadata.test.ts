import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";

// On the npm registry a package page links to its source, home and issues only through these fields.
const root = join(import.meta.dirname, "..", "..", "..");
const REPOSITORY = "https://github.com/azure-drift/azure-drift";
const folders = [
  ...readdirSync(join(root, "packages")).map((name) => `packages/${name}`),
  "examples/custom-collector",
  "",
];

test.each(folders)("package.json of %j has repository (with its directory), homepage and bugs", (folder) => {
  const manifest = JSON.parse(readFileSync(join(root, folder, "package.json"), "utf8")) as Record<
    string,
    unknown
  >;
  expect(manifest.repository).toEqual({
    type: "git",
    url: `git+${REPOSITORY}.git`,
    ...(folder ? { directory: folder } : {}),
  });
  expect(manifest.homepage).toBe(
    folder ? `${REPOSITORY}/tree/main/${folder}#readme` : `${REPOSITORY}#readme`,
  );
  expect(manifest.bugs).toEqual({ url: `${REPOSITORY}/issues` });
});

test.each(["core", "testing"])("@azure-drift/%s has a README with Install, Usage, API and Links", (name) => {
  const readme = readFileSync(join(root, "packages", name, "README.md"), "utf8");
  expect(readme.startsWith(`# @azure-drift/${name}\n`)).toBe(true);
  expect(readme.match(/^## .+$/gm)).toEqual(["## Install", "## Usage", "## API", "## Links"]);
  // Links must work on the registry too, where relative paths lead nowhere.
  expect(readme.match(/\]\((?!https:\/\/)[^)]*\)/g)).toBeNull();
});
