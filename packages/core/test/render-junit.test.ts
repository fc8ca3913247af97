import { type DriftReport, renderJunit, renderReport } from "@azure-drift/core";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, test } from "vitest";
import { sampleReport } from "./render-fixture.js";

type Case = {
  "@_name": string;
  "@_classname": string;
  failure?: unknown;
  error?: unknown;
  "system-out"?: string;
};
type Suite = {
  "@_name": string;
  "@_tests": string;
  "@_failures": string;
  "@_errors": string;
  testcase: Case[];
};
type Parsed = { testsuites: Record<string, string> & { testsuite: Suite[] } };

function parse(xml: string): Parsed {
  // A real XML parser: the document must be well-formed before anything is read from it.
  expect(XMLValidator.validate(xml)).toBe(true);
  return new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === "testsuite" || name === "testcase",
  }).parse(xml) as Parsed;
}

function suites(report: DriftReport, minSeverity?: "critical" | "high" | "medium" | "low" | "info") {
  return parse(renderJunit(report, minSeverity ? { minSeverity } : {})).testsuites;
}

describe("JUnit XML", () => {
  test("one suite per resource type, one case per drifted resource; any drift fails by default", () => {
    const root = suites(sampleReport());
    expect(root["@_tests"]).toBe("4");
    expect(root["@_failures"]).toBe("3");
    expect(root["@_errors"]).toBe("1");
    const summary = root.testsuite.map((suite) => [
      suite["@_name"],
      suite.testcase.map((each) => [each["@_name"], each.failure !== undefined, each.error !== undefined]),
    ]);
    expect(summary).toEqual([
      ["Microsoft.Network/networkSecurityGroups", [["rg1/web (modified)", true, false]]],
      ["Microsoft.Storage/storageAccounts", [["rg1/logs (modified)", true, false]]],
      ["Microsoft.Authorization/locks", [["keep (removed)", true, false]]],
      [
        "coverage",
        [
          [
            "network Microsoft.Network/networkSecurityGroups in aaaaaaaa-0000-0000-0000-000000000002",
            false,
            true,
          ],
        ],
      ],
    ]);
  });

  test("the failure lists every change of the resource with its severity and finding", () => {
    const nsg = suites(sampleReport()).testsuite[0]?.testcase[0] as Case & {
      failure: { "#text": string; "@_message": string; "@_type": string };
    };
    expect(nsg.failure["@_type"]).toBe("critical");
    expect(nsg.failure["@_message"]).toBe("critical: networkSecurityGroups rg1/web modified");
    expect(nsg.failure["#text"].split("\n")).toEqual([
      '[critical] properties.securityRules[name=AllowSSH]: added AllowSSH (access: Allow, destinationAddressPrefix: *, destinationPortRange: 22, direction: Inbound, priority: 100, protocol: Tcp, sourceAddressPrefix: *, sourcePortRange: *, description: "temporary: debug the web tier") — NSG rule AllowSSH now allows inbound traffic from the internet to SSH, RDP or every port. Fix: Delete the rule or narrow its source: az network nsg rule delete -g rg1 --nsg-name web -n AllowSSH',
      "[low] tags.owner: a|b → c",
    ]);
  });

  test("--min-severity high: drift below it passes with its changes in system-out; unknown stays an error", () => {
    const root = suites(sampleReport(), "high");
    expect(root["@_failures"]).toBe("2");
    expect(root["@_errors"]).toBe("1");
    const lock = root.testsuite[2]?.testcase[0];
    expect(lock?.failure).toBeUndefined();
    expect(lock?.["system-out"]).toBe("[medium] resource removed — Management lock keep was removed.");
  });

  test("no drift: one passing case, so an all-clear run still shows in CI", () => {
    const root = suites({ ...sampleReport(), resources: [], unknown: [], suppressed: [] });
    expect(root["@_tests"]).toBe("1");
    expect(root["@_failures"]).toBe("0");
    expect(root.testsuite[0]?.testcase[0]?.["@_name"]).toBe("no drift");
  });

  test("hostile names and values cannot break the XML", () => {
    const report = sampleReport();
    const resource = report.resources[0];
    if (resource) {
      resource.name = `a"b'<c>&d\u0001\u001b[31m`;
      const change = resource.changes[1];
      if (change) change.after = "]]></failure><injected/>\u0000\uD800";
    }
    const xml = renderReport(report, "junit");
    const root = parse(xml).testsuites;
    const nsg = root.testsuite[0]?.testcase[0] as Case & { failure: { "#text": string } };
    const failure = nsg.failure["#text"];
    expect(failure).toContain("]]></failure><injected/>\uFFFD\uFFFD");
    expect(xml).not.toContain("<injected/>");
    expect(root.testsuite[0]?.testcase[0]?.["@_name"]).toBe("rg1/a\"b'<c>&d\uFFFD\uFFFD[31m (modified)");
  });

  test("who changed a resource follows its changes", () => {
    const report = sampleReport();
    const nsg = report.resources[0];
    if (nsg) {
      nsg.attribution = {
        status: "found",
        operations: [
          {
            caller: "alice@contoso.com",
            operationName: "Microsoft.Network/networkSecurityGroups/securityRules/write",
            status: "Succeeded",
            timestamp: "2026-03-02T09:00:00Z",
            correlationId: "c-1",
          },
        ],
      };
    }
    const lock = report.resources[2];
    if (lock)
      lock.attribution = {
        status: "unknown",
        operations: [],
        reason: "the Activity Log could not be read: 403",
      };
    const root = suites(report);
    const text = (index: number) => {
      const testcase = root.testsuite[index]?.testcase[0] as Case & { failure: { "#text": string } };
      return testcase.failure["#text"].split("\n").at(-1);
    };
    expect(text(0)).toBe(
      "changed by alice@contoso.com: Microsoft.Network/networkSecurityGroups/securityRules/write Succeeded at 2026-03-02T09:00:00Z (correlation c-1)",
    );
    expect(text(2)).toBe("changed by: unknown (the Activity Log could not be read: 403)");
  });
});
