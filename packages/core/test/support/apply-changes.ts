// The property tests apply reported changes with the same code partial baseline acceptance uses.
export { applyChanges } from "../../src/diff/apply-changes.js";
