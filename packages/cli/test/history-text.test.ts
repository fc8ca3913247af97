import { describe, expect, test } from "vitest";
import { historyText } from "../src/commands/history.js";

const ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/web";

describe("history as text", () => {
  test("each change says who made it, or why nobody is known", () => {
    const at = { baseSnapshotId: "s0", baseTakenAt: "2026-05-01T00:00:00.000Z" };
    const text = historyText({
      tenantId: "t",
      resourceId: ID,
      snapshots: 3,
      entries: [
        {
          ...at,
          snapshotId: "s2",
          takenAt: "2026-05-01T02:00:00.000Z",
          status: "modified",
          severity: "high",
          changes: [{ path: "tags.owner", kind: "changed", before: "a", after: "b", severity: "high" }],
          attribution: { status: "unknown", operations: [], reason: "the check ran without attribution" },
        },
        {
          ...at,
          snapshotId: "s1",
          takenAt: "2026-05-01T01:00:00.000Z",
          status: "added",
          severity: "low",
          changes: [],
          attribution: {
            status: "found",
            operations: [
              {
                caller: "ci@contoso.example",
                operationName: "x/write",
                status: "Succeeded",
                timestamp: "t2",
              },
              { operationName: "x/write", status: "Succeeded", timestamp: "t1" },
              { caller: "ci@contoso.example", operationName: "x/write", status: "Failed", timestamp: "t0" },
            ],
          },
        },
      ],
    });
    expect(text).toBe(
      [
        `${ID}: 2 changes in 3 snapshots`,
        "2026-05-01T02:00:00.000Z  modified (high)  snapshot s2  by unknown",
        "    who: unknown, the check ran without attribution",
        "    tags.owner changed",
        "2026-05-01T01:00:00.000Z  added (low)  snapshot s1  by ci@contoso.example, an unnamed caller",
        "",
      ].join("\n"),
    );
  });
});
