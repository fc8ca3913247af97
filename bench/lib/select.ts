/**
 * Which parts of a suite to run: `npm run bench -- diff --only=engineStored,ingest --sizes=100000`
 * runs only those tasks (and the baselines their ratios need) at those sizes; without the flags,
 * everything runs at the suite's sizes. run.ts hands every `--` flag to each suite.
 */
function flag(name: string): string[] {
  const prefix = `--${name}=`;
  return process.argv
    .filter((arg) => arg.startsWith(prefix))
    .flatMap((arg) => arg.slice(prefix.length).split(","))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

const only = flag("only");

/** Whether the task or section `name` was asked for (`--only=`). */
export function selected(name: string): boolean {
  return only.length === 0 || only.includes(name);
}

/** The sizes of `--sizes=` (comma-separated numbers), else the suite's own. */
export function sizesOr(defaults: number[]): number[] {
  const sizes = flag("sizes")
    .map(Number)
    .filter((size) => Number.isInteger(size) && size > 0);
  return sizes.length > 0 ? sizes : defaults;
}
