import {
  type DriftReport,
  isDriftError,
  renderHtml,
  renderJson,
  renderMarkdown,
  renderReport,
  renderTable,
} from "@azure-drift/core";
import { describe, expect, test } from "vitest";
import { sampleReport } from "./render-fixture.js";

const emptyReport = (): DriftReport => ({
  ...sampleReport(),
  base: {},
  summary: {
    added: 0,
    removed: 0,
    modified: 0,
    unknown: 0,
    bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
  },
  resources: [],
  unknown: [],
  suppressed: [],
  notices: [],
});

describe("renderJson", () => {
  test("round-trips, pretty-printed, with keys in the documented order whatever order they came in", () => {
    const report = sampleReport();
    const text = renderJson(report);
    expect(JSON.parse(text)).toEqual(report);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.split("\n")[1]).toBe('  "formatVersion": 1,');
    expect(Object.keys(JSON.parse(text))).toEqual([
      "formatVersion",
      "id",
      "tenantId",
      "createdAt",
      "base",
      "current",
      "summary",
      "resources",
      "unknown",
      "suppressed",
      "notices",
    ]);
    // The report's own objects in reverse key order; before/after values are data and keep theirs.
    const reverse = <T extends object>(value: T): T =>
      Object.fromEntries(Object.entries(value).reverse()) as T;
    const shuffled = reverse({
      ...report,
      base: reverse(report.base),
      summary: reverse({ ...report.summary, bySeverity: reverse(report.summary.bySeverity) }),
      resources: report.resources.map((resource) =>
        reverse({ ...resource, changes: resource.changes.map(reverse) }),
      ),
      unknown: report.unknown.map(reverse),
      suppressed: report.suppressed.map(reverse),
    });
    expect(Object.keys(shuffled)[0]).toBe("notices");
    expect(renderJson(shuffled)).toBe(text);
    expect(Object.keys(JSON.parse(text).resources[0].changes[0])).toEqual([
      "path",
      "kind",
      "after",
      "severity",
      "message",
      "ruleId",
      "remediation",
    ]);
  });
});

describe("renderHtml", () => {
  test("one self-contained page: summary, a table per severity, details, not compared, suppressed, notices", () => {
    const page = renderHtml(sampleReport());
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(page).toContain("<title>azure-drift: 3 resources drifted (1 critical, 1 high, 1 medium)</title>");
    expect(page.match(/<h2[^>]*>[^<]*<\/h2>/g)).toEqual([
      '<h2 class="critical">Critical (1)</h2>',
      '<h2 class="high">High (1)</h2>',
      '<h2 class="medium">Medium (1)</h2>',
      '<h2 class="low">Low (1)</h2>',
      "<h2>Not compared (1)</h2>",
      "<h2>Notices</h2>",
    ]);
    expect(page.match(/<summary>[^<]*<\/summary>/g)).toEqual([
      "<summary>All changes (4)</summary>",
      "<summary>Suppressed findings (1)</summary>",
    ]);
    expect(page).toContain(
      "<tr><td><code>rg1/logs</code></td><td>storageAccounts</td><td>modified</td><td><code>properties.minimumTlsVersion</code></td><td>TLS1_2 → TLS1_0</td><td>Minimum TLS version of storage account logs was lowered from TLS1_2 to TLS1_0.</td><td></td></tr>",
    );
    // An added rule reads by its fields, with what to do, never as clipped JSON.
    expect(page).toContain(
      "<td>added AllowSSH (access: Allow, destinationAddressPrefix: *, destinationPortRange: 22, direction: Inbound, priority: 100, protocol: Tcp, sourceAddressPrefix: *, sourcePortRange: *, description: &quot;temporary: debug the web tier&quot;)</td><td>NSG rule AllowSSH now allows inbound traffic from the internet to SSH, RDP or every port.</td><td>Delete the rule or narrow its source: az network nsg rule delete -g rg1 --nsg-name web -n AllowSSH</td></tr>",
    );
    // Nothing runs and nothing is fetched: a page safe to open from a pipeline's artifacts.
    expect(page).not.toMatch(/<script|<link|<img|src=|href=/i);
  });

  test("every value from the report is escaped", () => {
    const report = sampleReport();
    const hostile = "<script>alert(\"x\")</script> & 'quotes'";
    const first = report.resources[0]!;
    first.name = hostile;
    first.changes[1] = {
      path: "tags.owner",
      kind: "changed",
      before: hostile,
      after: "<b>",
      severity: "low",
    };
    report.notices = [hostile];
    // A stored report read back is data too, whatever its enum fields say.
    (first as { status: string }).status = '"><script>';
    (first.changes[1] as { severity: string }).severity = '"><script>';
    const page = renderHtml(report);
    expect(page).not.toContain("<script");
    expect(page).not.toContain("<b>");
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;");
  });
});

describe("renderMarkdown", () => {
  test("summary, a table per severity, details, not compared, suppressed, notices", () => {
    const lines = renderMarkdown(sampleReport()).split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "### azure-drift: 3 resources drifted (1 critical, 1 high, 1 medium)",
      "",
      '0 added, 1 removed, 2 modified, 1 unknown, 1 suppressed. Base: baseline "approved" (snapshot s1, 2026-03-01T10:00:00.000Z). Current: snapshot s2, 2026-03-02T10:00:00.000Z.',
    ]);
    const sections = lines.filter((line) => line.startsWith("#### ") || line.startsWith("<details>"));
    expect(sections).toEqual([
      "#### Critical (1)",
      "#### High (1)",
      "#### Medium (1)",
      "#### Low (1)",
      "<details><summary>All changes (4)</summary>",
      "#### Not compared (1)",
      "<details><summary>Suppressed findings (1)</summary>",
      "#### Notices",
    ]);
    const rows = lines.filter((line) => line.startsWith("| `") || line.startsWith("| aaaa"));
    expect(rows).toEqual([
      '| `rg1/web` | networkSecurityGroups | modified | `properties.securityRules[name=AllowSSH]` | added AllowSSH (access: Allow, destinationAddressPrefix: *, destinationPortRange: 22, direction: Inbound, priority: 100, protocol: Tcp, sourceAddressPrefix: *, sourcePortRange: *, description: "temporary: debug the web tier") | NSG rule AllowSSH now allows inbound traffic from the internet to SSH, RDP or every port. | Delete the rule or narrow its source: az network nsg rule delete -g rg1 --nsg-name web -n AllowSSH |',
      "| `rg1/logs` | storageAccounts | modified | `properties.minimumTlsVersion` | TLS1_2 → TLS1_0 | Minimum TLS version of storage account logs was lowered from TLS1_2 to TLS1_0. |  |",
      "| `keep` | locks | removed | (resource) | resource removed | Management lock keep was removed. |  |",
      "| `rg1/web` | networkSecurityGroups | modified | `tags.owner` | a\\|b → c |  |  |",
      "| aaaaaaaa-0000-0000-0000-000000000002 | Microsoft.Network/networkSecurityGroups | network |  | the current snapshot's enumeration was incomplete: 403 Forbidden |",
    ]);
    const details = lines.filter((line) => line.startsWith("- **"));
    expect(details).toEqual([
      '- **critical** `properties.securityRules[name=AllowSSH]` added: `AllowSSH (access: Allow, destinationAddressPrefix: *, destinationPortRange: 22, direction: Inbound, priority: 100, protocol: Tcp, sourceAddressPrefix: *, sourcePortRange: *, description: "temporary: debug the web tier")` — NSG rule AllowSSH now allows inbound traffic from the internet to SSH, RDP or every port. (`core/nsg-open-management-port`) What to do: Delete the rule or narrow its source: az network nsg rule delete -g rg1 --nsg-name web -n AllowSSH',
      "- **low** `tags.owner` changed: `a|b` → `c`",
      "- **high** `properties.minimumTlsVersion` changed: `TLS1_2` → `TLS1_0` — Minimum TLS version of storage account logs was lowered from TLS1_2 to TLS1_0. (`core/storage-min-tls-lowered`)",
      "- **medium** resource removed — Management lock keep was removed. (`core/lock-removed`)",
    ]);
    expect(lines.slice(-4)).toEqual([
      "#### Notices",
      "",
      '- Suppression "old" expired on 2026-02-01 and no longer applies.',
      "",
    ]);
  });

  test("no drift is one short block", () => {
    expect(renderMarkdown(emptyReport())).toBe(
      "### azure-drift: no drift\n\n0 added, 0 removed, 0 modified, 0 unknown. Base: (none). Current: snapshot s2, 2026-03-02T10:00:00.000Z.\n",
    );
  });

  test("backticks in values cannot break out of code spans", () => {
    const report = sampleReport();
    report.resources = [
      {
        ...report.resources[1]!,
        changes: [{ path: "tags.x", kind: "changed", before: "a`b", after: "`c", severity: "low" }],
      },
    ];
    expect(renderMarkdown(report)).toContain("- **low** `tags.x` changed: ``a`b`` → `` `c ``");
  });
});

/** The control characters of a text, line feeds aside. */
const controls = (text: string) =>
  [...text].filter((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
  });

describe("renderTable", () => {
  test("control characters in report values never reach the terminal", () => {
    const report = sampleReport();
    const first = report.resources[0]!;
    first.name = "web\u001b]0;pwned\u0007";
    first.changes[1] = {
      path: "tags.owner",
      kind: "changed",
      before: "a",
      after: "\u001b[2J\u001b[Hcleared",
      severity: "low",
      message: "bell\u0007 and \u009b CSI",
    };
    report.notices = ["notice\u001b[31m red"];
    const plain = renderTable(report, { width: 200 });
    expect(controls(plain)).toEqual([]);
    expect(plain).toContain("web\ufffd]0;pwned\ufffd");
    expect(plain).toContain("\ufffd[2J\ufffd[Hcleared");
    // With color on, the only escapes are the renderer's own color codes.
    const colored = renderTable(report, { width: 200, color: true });
    expect(controls(colored.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), ""))).toEqual(
      [],
    );
  });

  test("at 80 columns: one block per resource, wrapped with a hanging indent, nothing cut", () => {
    const text = renderTable(sampleReport(), { width: 80 });
    expect(text.split("\n")).toEqual([
      "azure-drift: 3 resources drifted (1 critical, 1 high, 1 medium)",
      "0 added, 1 removed, 2 modified, 1 unknown, 1 suppressed",
      'base: baseline "approved" (snapshot s1, 2026-03-01T10:00:00.000Z)',
      "current: snapshot s2, 2026-03-02T10:00:00.000Z",
      "",
      "CRITICAL  modified  web (Microsoft.Network/networkSecurityGroups, resource group",
      "                    rg1)",
      "  + properties.securityRules[name=AllowSSH]: AllowSSH (access: Allow,",
      "      destinationAddressPrefix: *, destinationPortRange: 22, direction: Inbound,",
      "      priority: 100, protocol: Tcp, sourceAddressPrefix: *, sourcePortRange: *,",
      '      description: "temporary: debug the web tier")',
      "    NSG rule AllowSSH now allows inbound traffic from the internet to SSH, RDP",
      "    or every port.",
      "    what to do: Delete the rule or narrow its source: az network nsg rule delete",
      "      -g rg1 --nsg-name web -n AllowSSH",
      "  ~ tags.owner: a|b → c",
      "    low: no rule matched",
      "",
      "HIGH      modified  logs (Microsoft.Storage/storageAccounts, resource group rg1)",
      "  ~ properties.minimumTlsVersion: TLS1_2 → TLS1_0",
      "    Minimum TLS version of storage account logs was lowered from TLS1_2 to",
      "    TLS1_0.",
      "",
      "MEDIUM    removed   keep (Microsoft.Authorization/locks)",
      "  - resource removed",
      "    Management lock keep was removed.",
      "",
      "not compared (1):",
      "  aaaaaaaa-0000-0000-0000-000000000002 Microsoft.Network/networkSecurityGroups",
      "    network: the current snapshot's enumeration was incomplete: 403 Forbidden",
      "",
      "suppressed: 1 finding (see the JSON report)",
      "",
      "notices:",
      '  - Suppression "old" expired on 2026-02-01 and no longer applies.',
      "",
    ]);
    expect(text).not.toContain("…");
    expect(text).not.toContain('{"');
  });

  test("at 200 columns: each change and sentence on its own line, values summarized, never JSON", () => {
    const lines = renderTable(sampleReport(), { width: 200 }).split("\n");
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(200);
    expect(lines).toContain(
      "CRITICAL  modified  web (Microsoft.Network/networkSecurityGroups, resource group rg1)",
    );
    const added = lines.findIndex((line) => line.startsWith("  + properties.securityRules[name=AllowSSH]: "));
    expect(lines.slice(added, added + 4)).toEqual([
      "  + properties.securityRules[name=AllowSSH]: AllowSSH (access: Allow, destinationAddressPrefix: *, destinationPortRange: 22, direction: Inbound, priority: 100, protocol: Tcp, sourceAddressPrefix: *,",
      '      sourcePortRange: *, description: "temporary: debug the web tier")',
      "    NSG rule AllowSSH now allows inbound traffic from the internet to SSH, RDP or every port.",
      "    what to do: Delete the rule or narrow its source: az network nsg rule delete -g rg1 --nsg-name web -n AllowSSH",
    ]);
    expect(lines).toContain("  ~ properties.minimumTlsVersion: TLS1_2 → TLS1_0");
  });

  test("a word longer than a line (an id) is carried over whole, never cut", () => {
    const report = sampleReport();
    const id = `/subscriptions/${"0".repeat(36)}/resourceGroups/${"g".repeat(60)}/providers/Microsoft.Network/networkSecurityGroups/web`;
    report.resources[0]!.changes[1] = {
      path: "tags.owner",
      kind: "changed",
      before: "a",
      after: `see ${id}x`,
      severity: "low",
    };
    const text = renderTable(report, { width: 60 });
    const lines = text.split("\n");
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(60);
    expect(lines.map((line) => line.trim()).join("")).toContain(`${id}x`.slice(1));
  });

  test("color paints severities with ANSI escapes and nothing else changes", () => {
    const colored = renderTable(sampleReport(), { width: 100, color: true });
    expect(colored).toContain("\u001b[1;31mCRITICAL\u001b[0m\u001b[1m  modified");
    expect(colored).toContain("\u001b[31mHIGH\u001b[0m\u001b[1m      modified");
    expect(colored.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "")).toBe(
      renderTable(sampleReport(), { width: 100 }),
    );
  });
});

describe("renderReport", () => {
  test("dispatches on the format and refuses unknown ones", () => {
    const report = sampleReport();
    expect(renderReport(report, "json")).toBe(renderJson(report));
    expect(renderReport(report, "markdown")).toBe(renderMarkdown(report));
    expect(renderReport(report, "table", { width: 90 })).toBe(renderTable(report, { width: 90 }));
    expect(renderReport(report, "html")).toBe(renderHtml(report));
    try {
      renderReport(report, "pdf" as never);
      throw new Error("expected a throw");
    } catch (error) {
      expect(isDriftError(error, "E_INPUT")).toBe(true);
      expect((error as Error).message).toBe(
        'Unknown report format "pdf"; use one of json, markdown, table, html, sarif, junit.',
      );
    }
  });
});
