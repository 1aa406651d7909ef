// Business logic of the workflow's steps: plain functions, no durable operations.

export function toWorkItems(items) {
  return items.map((description, index) => ({
    id: `work-item-${index + 1}`,
    description,
    status: "pending",
  }));
}

export function processItem(item) {
  return {
    id: item.id,
    status: "completed",
    processed: true,
    processingTime: 50,
    transformedData: `processed-${item.description}`,
  };
}

export function aggregate({ workflowId, executionId, processedItems, parallelResults, advancedOperations, startedAt, completedAt }) {
  const succeeded = processedItems.filter((item) => item.processed).length;
  return {
    workflowId,
    executionId,
    processedItems,
    parallelResults,
    advancedOperations,
    operationCount: {
      steps: 8,
      parallel: parallelResults.length,
      map: processedItems.length,
      wait: 1,
      waitForCondition: 1,
      invoke: 1,
      childContext: 1,
    },
    itemsProcessed: processedItems.length,
    successRate: processedItems.length === 0 ? 0 : succeeded / processedItems.length,
    totalDuration: completedAt - startedAt,
    completedAt: new Date(completedAt).toISOString(),
  };
}
