// The three tasks the workflow runs in parallel, each a durable step of its branch.

export function createParallelOperations(itemCount) {
  return [
    async (ctx) =>
      ctx.step("validate", async () => ({
        task: 1,
        type: "validation",
        result: "completed",
        itemsValidated: itemCount,
      })),
    async (ctx) =>
      ctx.step("enrich", async () => ({
        task: 2,
        type: "enrichment",
        result: "completed",
        itemsEnriched: itemCount,
      })),
    async (ctx) =>
      ctx.step("notify", async () => ({
        task: 3,
        type: "notification",
        result: "completed",
        notificationsSent: 1,
      })),
  ];
}
