import type { JsonObject } from "@azure-drift/core";
import { parseArmId, type Tenant } from "../tenant/tenant.js";

/** A resource group as the replay server lists it. */
export interface IndexedGroup {
  name: string;
  location: string;
}

/**
 * Lookups over a tenant the server answers from: keys per type in id order, resource groups per
 * subscription. Rebuilt only when resources were added or removed (the map's write counter moved).
 */
export class TenantIndex {
  private version = -1;
  private byType = new Map<string, string[]>();
  private groups = new Map<string, Map<string, IndexedGroup>>();

  constructor(private readonly tenant: Tenant) {}

  private refresh(): void {
    if (this.version === this.tenant.resources.version) return;
    const byType = new Map<string, string[]>();
    const groups = new Map<string, Map<string, IndexedGroup>>();
    for (const [key, resource] of this.tenant.resources) {
      const type = String(resource.type).toLowerCase();
      const keys = byType.get(type) ?? [];
      byType.set(type, keys);
      keys.push(key);
      const { subscriptionId, resourceGroup } = parseArmId(key);
      if (subscriptionId && resourceGroup) {
        const subscriptionGroups = groups.get(subscriptionId) ?? new Map<string, IndexedGroup>();
        groups.set(subscriptionId, subscriptionGroups);
        const spelled = String(resource.id).split("/")[4] ?? resourceGroup;
        const known = subscriptionGroups.get(resourceGroup);
        // Some providers return the group upper-cased: prefer a spelling that is not.
        if (!known || (known.name === known.name.toUpperCase() && spelled !== spelled.toUpperCase())) {
          subscriptionGroups.set(resourceGroup, {
            name: spelled,
            location:
              typeof resource.location === "string" ? resource.location : (known?.location ?? "westeurope"),
          });
        }
      }
    }
    for (const keys of byType.values()) keys.sort();
    this.byType = byType;
    this.groups = groups;
    this.version = this.tenant.resources.version;
  }

  /** Keys of a type (lower-cased ARM type), in order. */
  keysOfType(type: string): readonly string[] {
    this.refresh();
    return this.byType.get(type) ?? [];
  }

  /** Every type (lower-cased) the tenant holds. */
  types(): string[] {
    this.refresh();
    return [...this.byType.keys()];
  }

  /** Resource groups of a subscription, by lower-cased name. */
  groupsOf(subscriptionId: string): ReadonlyMap<string, IndexedGroup> {
    this.refresh();
    return this.groups.get(subscriptionId) ?? new Map();
  }

  get(key: string): JsonObject | undefined {
    return this.tenant.resources.get(key);
  }
}
