// The app's one QueryClient: what every query hook shares (retries, freshness).
import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";

/** Retry a failed read twice, but never a 4xx answer: asking again gives the same answer. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: shouldRetry,
        // Live messages invalidate what changes; a short freshness avoids refetch storms.
        staleTime: 5_000,
      },
      mutations: { retry: false },
    },
  });
}
