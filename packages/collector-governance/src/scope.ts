/** Whether an ARM id lies in the subscription (as opposed to a management group or the tenant root above it). */
export function isInSubscription(id: unknown, subscriptionId: string): boolean {
  return (
    typeof id === "string" && id.toLowerCase().startsWith(`/subscriptions/${subscriptionId.toLowerCase()}/`)
  );
}
