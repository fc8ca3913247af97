import { type DriftReport, SEVERITIES } from "@azure-drift/core";
import { demoDrift, demoTenant, filterTruth } from "@azure-drift/testing";
import { describe, expect, test } from "vitest";
import { BUILT_IN_COLLECTOR_NAMES } from "../src/built-in-names.js";
import { defaultCollectors } from "../src/collectors.js";
import { runCli } from "./helpers.js";

const COLLECTED_TYPES = defaultCollectors().flatMap((collector) => collector.types.map((type) => type.type));

describe("azure-drift demo", { timeout: 90_000 }, () => {
  test("runs check twice on the demo tenant and reports exactly the demo's drift, exit 0", async () => {
    const result = await runCli(["demo", "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as DriftReport;

    // The demo's story, computed independently from the same bundled tenant, as the collectors see it
    // (Owner's definition enters the production subscription with the new Owner assignment).
    const truth = filterTruth(demoDrift(demoTenant()), COLLECTED_TYPES);
    const found = report.resources
      .map((resource) => ({
        key: resource.key,
        status: resource.status,
        paths: resource.changes
          .map((change) => change.path)
          .filter((path) => path !== "")
          .sort(),
      }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(found).toEqual(
      truth
        .map(({ key, status, paths }) => ({ key, status, paths: [...paths].sort() }))
        .sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
    expect(report.unknown).toEqual([]);

    // The SSH rule opened to the internet leads the report as critical.
    expect(report.resources[0]).toMatchObject({ status: "modified", severity: "critical" });
    expect(report.resources[0]?.changes[0]?.path).toBe("properties.securityRules[name=Allow-SSH-Internet]");
    const severities = report.resources.map((resource) => SEVERITIES.indexOf(resource.severity));
    expect(severities).toEqual([...severities].sort((a, b) => a - b));

    // Every finding a rule rated carries what to do about it.
    const findings = report.resources.flatMap((resource) => resource.changes);
    expect(findings.filter((change) => change.ruleId).length).toBeGreaterThanOrEqual(6);
    expect(findings.filter((change) => change.ruleId && !change.remediation)).toEqual([]);
    expect(report.resources[0]?.changes[0]?.remediation).toMatch(
      /^Delete the rule or narrow its source.*az network nsg rule delete/,
    );
    expect(result.stdout).not.toContain("What next");

    // What it did is said on stderr, not mixed into the report; first, the domains it watches: one
    // per built-in collector, from the collectors themselves.
    const domains = BUILT_IN_COLLECTOR_NAMES.map(
      (name) => defaultCollectors().find((collector) => collector.name === name)?.domain,
    );
    expect(domains).not.toContain(undefined);
    expect(result.stderr.split("\n")[0]).toBe(
      `azure-drift demo: watching ${domains.length} domains: ${domains.slice(0, -1).join(", ")} and ${domains.at(-1)}.`,
    );
    expect(result.stderr).toContain("azure-drift demo: replay server on https://127.0.0.1:");
    expect(result.stderr).toContain("the report follows");

    // The counts add up for a reader: resources served, how many the collectors read and what the
    // others are; records per collector that sum to the snapshot's records.
    const tenant = demoTenant();
    const read = new Set(COLLECTED_TYPES.map((type) => type.toLowerCase()));
    const resources = [...tenant.resources.values()] as { type: string }[];
    const readCount = resources.filter((resource) => read.has(resource.type.toLowerCase())).length;
    const names = defaultCollectors().map((collector) => collector.name);
    expect(result.stderr).toContain(
      `serving a demo tenant of ${tenant.subscriptions.length} subscriptions and ${resources.length} ARM resources; its collectors (${names.join(", ")}) read ${readCount} of them`,
    );
    if (readCount < resources.length)
      expect(result.stderr).toContain(
        resources.length - readCount === 1
          ? "the other one is of a type none of them reads ("
          : `the other ${resources.length - readCount} are of types none of them reads (`,
      );
    const saved = [...result.stderr.matchAll(/check saved snapshot \S+: (\d+) records \(([^)]*)\)/g)];
    expect(saved.length).toBe(2);
    for (const [, total, parts] of saved) {
      const perCollector = parts!.split(", ").map((part) => part.split(" "));
      expect(perCollector.map(([name]) => name)).toEqual(names);
      expect(perCollector.reduce((sum, [, count]) => sum + Number(count), 0)).toBe(Number(total));
    }
    const changed = /changed the tenant \((\d+) resources: ([^)]*)\)/.exec(result.stderr);
    expect(changed?.[2]?.split(", ").reduce((sum, part) => sum + Number.parseInt(part, 10), 0)).toBe(
      Number(changed?.[1]),
    );
  });

  test("shows a readable table on a terminal, then what to do next", async () => {
    const result = await runCli(["demo"], { tty: true });
    expect(result.code, result.stderr).toBe(0);
    expect(() => JSON.parse(result.stdout)).toThrow();
    const text = result.stdout.replace(/\n {6}/g, " ");
    // The new SSH rule by its fields (the test terminal is 120 columns wide), never its JSON.
    expect(text).toContain(
      "CRITICAL  modified  nsg-web-frontend (Microsoft.Network/networkSecurityGroups, resource group rg-network)",
    );
    expect(text).toContain(
      "+ properties.securityRules[name=Allow-SSH-Internet]: Allow-SSH-Internet (access: Allow,",
    );
    for (const field of [
      "destinationPortRange: 22",
      "direction: Inbound",
      "protocol: Tcp",
      "sourceAddressPrefix: *",
    ])
      expect(text).toContain(field);
    expect(text).toContain("- properties.subnets[name=snet-data].properties.networkSecurityGroup: nsg-data");
    expect(text.slice(0, text.indexOf("What next:"))).not.toContain('{"');
    expect(text).toContain("what to do: Delete the rule or narrow its source");
    // What next: accept, silence with a reason and an expiry, the full report.
    expect(text).toContain("What next:");
    expect(text).toContain("azure-drift baseline accept approved --store DIR");
    const suppression = /^ +(\{"suppressions".*)$/m.exec(result.stdout)?.[1];
    expect(JSON.parse(suppression ?? "null")).toMatchObject({
      suppressions: [
        {
          id: "accept-nsg-web-frontend",
          match: {
            resourceId: "*/networkSecurityGroups/nsg-web-frontend",
            ruleId: "core/nsg-open-management-port",
          },
          reason: expect.any(String),
          expires: expect.stringMatching(/^\d{4}-\d\d-\d\d$/),
        },
      ],
    });
    expect(text).toContain("--format html > drift.html");
    expect(text).toContain("The demo's store is temporary");
  });
});
