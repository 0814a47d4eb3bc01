import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { api, call, setCsrfToken, UNAUTHORIZED_EVENT } from "./api/client";
import type { AuthStatus, Credentials, SetupCredentials } from "./api/types";
import { ErrorState, Loading } from "./components/States";

interface AuthContextValue {
  status: AuthStatus | null;
  error: unknown;
  refresh: () => Promise<AuthStatus | null>;
  login: (credentials: Credentials) => Promise<void>;
  setup: (credentials: SetupCredentials) => Promise<void>;
  logout: () => Promise<void>;
  /** End every session of the user, this browser's included. */
  logoutAll: () => Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

/** The query key of the session's status (who is signed in). */
export const authKeys = {
  status: ["auth", "status"] as const,
};

async function readStatus(): Promise<AuthStatus> {
  const next = await call(api.GET("/api/v1/auth/status"));
  setCsrfToken(next.csrf_token);
  return next;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: authKeys.status,
    queryFn: readStatus,
    staleTime: Infinity,
    retry: false,
  });
  const status = query.data ?? null;
  const error = query.error;
  const { refetch } = query;

  const refresh = useCallback(async () => {
    const result = await refetch();
    return result.data ?? null;
  }, [refetch]);

  useEffect(() => {
    const onUnauthorized = () => void refresh();
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, [refresh]);

  /** After signing out, no cached data of the last user stays (the status query aside). */
  const forgetData = useCallback(
    () => client.removeQueries({ predicate: (q) => q.queryKey[0] !== authKeys.status[0] }),
    [client],
  );

  const login = useCallback(
    async (credentials: Credentials) => {
      await call(api.POST("/api/v1/auth/login", { body: credentials }));
      await refresh();
    },
    [refresh],
  );

  const setup = useCallback(
    async (credentials: SetupCredentials) => {
      await call(api.POST("/api/v1/auth/setup", { body: credentials }));
      const next = await refresh();
      // Sign in straight away when creating the account did not already do it.
      if (next && !next.authenticated) {
        await login({ username: credentials.username, password: credentials.password });
      }
    },
    [refresh, login],
  );

  const logout = useCallback(async () => {
    try {
      await call(api.POST("/api/v1/auth/logout"));
    } finally {
      forgetData();
      await refresh();
    }
  }, [refresh, forgetData]);

  const logoutAll = useCallback(async () => {
    await call(api.POST("/api/v1/auth/logout-all"));
    forgetData();
    await refresh();
  }, [refresh, forgetData]);

  const value = useMemo(
    () => ({ status, error, refresh, login, setup, logout, logoutAll }),
    [status, error, refresh, login, setup, logout, logoutAll],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

/** Shows its children to a signed-in user; sends everyone else to setup or sign-in. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status, error, refresh } = useAuth();
  const location = useLocation();
  if (!status) {
    if (error) {
      return (
        <main className="auth-page">
          <ErrorState error={error} onRetry={() => void refresh()} />
        </main>
      );
    }
    return (
      <main className="auth-page">
        <Loading label="Connecting" />
      </main>
    );
  }
  if (status.setup_required) return <Navigate to="/setup" replace />;
  if (!status.authenticated) {
    const next = location.pathname + location.search;
    const query = next && next !== "/" ? `?next=${encodeURIComponent(next)}` : "";
    return <Navigate to={`/login${query}`} replace />;
  }
  return <>{children}</>;
}
