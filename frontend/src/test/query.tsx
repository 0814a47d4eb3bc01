// Rendering with TanStack Query in tests: a fresh client per test (no retries, nothing
// shared between tests), and a wrapper for render() and renderHook().
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, type RenderOptions } from "@testing-library/react";
import type { ReactElement, ReactNode } from "react";

export function createTestQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, gcTime: Infinity, staleTime: 0 },
      mutations: { retry: false },
    },
  });
}

/** A wrapper component that provides `client` (a new test client when none is given). */
export function queryWrapper(client: QueryClient = createTestQueryClient()) {
  return function QueryWrapper({ children }: { children: ReactNode }) {
    return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  };
}

/** render() inside a QueryClientProvider; returns the client too. */
export function renderWithQuery(
  ui: ReactElement,
  options: RenderOptions & { client?: QueryClient } = {},
) {
  const { client = createTestQueryClient(), ...rest } = options;
  return { client, ...render(ui, { wrapper: queryWrapper(client), ...rest }) };
}
