import { type DriftReport, renderHtml, renderMarkdown, renderTable } from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { sampleReport } from "./render-fixture.js";

function attributed(): DriftReport {
  const report = sampleReport();
  const [nsg, storage] = report.resources;
  if (nsg) {
    nsg.attribution = {
      status: "found",
      operations: [
        {
          caller: "alice@contoso.com",
          operationName: "Microsoft.Network/networkSecurityGroups/securityRules/write",
          status: "Succeeded",
          timestamp: "2026-03-02T09:00:00Z",
        },
        {
          caller: "bob@contoso.com",
          operationName: "Microsoft.Network/networkSecurityGroups/write",
          status: "Succeeded",
          timestamp: "2026-03-02T08:00:00Z",
        },
      ],
    };
  }
  if (storage)
    storage.attribution = {
      status: "unknown",
      operations: [],
      reason: "the Activity Log could not be read: 403",
    };
  return report;
}

const found =
  "changed by alice@contoso.com (Microsoft.Network/networkSecurityGroups/securityRules/write, Succeeded, 2026-03-02T09:00:00Z), and 1 earlier operation";
const unknown = "changed by unknown (the Activity Log could not be read: 403)";

describe("who changed it, in every human format", () => {
  test("the terminal table says it under the resource", () => {
    const lines = renderTable(attributed(), { width: 220 })
      .split("\n")
      .map((line) => line.trim());
    expect(lines).toContain(found);
    expect(lines).toContain(unknown);
  });

  test("Markdown and HTML list it with the resource's changes", () => {
    const markdown = renderMarkdown(attributed());
    expect(markdown).toContain(`- ${found}`);
    expect(markdown).toContain(`- ${unknown}`);
    const html = renderHtml(attributed());
    expect(html).toContain(`<li>${found}</li>`);
    expect(html).toContain(`<li>${unknown}</li>`);
  });

  test("without attribution nothing is said", () => {
    expect(renderTable(sampleReport(), { width: 220 })).not.toContain("changed by");
    expect(renderMarkdown(sampleReport())).not.toContain("changed by");
  });
});
